"""The learner's JupyterLab, started as `make lab` starts it, walked as a learner walks it.

One server for the module (`make lab LAB_ARGS=...`, so the Makefile's own
command line is what runs; as root under CI, which is the case the Makefile
must handle), on a copy of the chapters and one exercise, so nothing here can
touch the tracked files.  Each test is one step of the first hour:
open a chapter (it opens as a notebook, its MyST rendered), save it unchanged
(no diff), press Validate on an exercise (the hidden tests run), open a
terminal (`grader` is there).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.xdist_group("lab")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, url: str, token: str, root: Path):
        self.url, self.token, self.root = url, token, root

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 120):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
        return json.loads(text) if text.lstrip().startswith(("{", "[")) else text


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "chapters", root / "chapters")
    shutil.copy(ROOT / "jupytext.toml", root)
    shutil.copytree(ROOT / "exercises" / "10-hybrids", root / "exercises" / "10-hybrids")  # the quickest to grade
    port, token = free_port(), secrets.token_hex(16)
    args = (f"--no-browser --port={port} --ServerApp.ip=127.0.0.1 --IdentityProvider.token={token} "
            f"--ServerApp.root_dir={root} --ServerApp.open_browser=False")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(root / ".jupyter-user"),  # no settings of the tester's own
           "JUPYTERLAB_SETTINGS_DIR": str(root / ".jupyter-user" / "lab"), "PATH": "/usr/bin:/bin"}
    log = open(root / "lab.log", "w")
    process = subprocess.Popen(["make", "-s", "-C", str(ROOT), "lab", f"LAB_ARGS={args}"], env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token, root)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                lab.request("GET", "/api/status", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("make lab did not start:\n" + (root / "lab.log").read_text()[-3000:], pytrace=False)
                time.sleep(0.5)
        yield lab
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
        log.close()


def test_make_lab_starts_as_this_user(lab):
    """Under CI this is root: the Makefile must pass --allow-root or Jupyter refuses to start."""
    assert lab.request("GET", "/api/status")["started"]


def test_chapters_open_as_notebooks_by_default(lab):
    settings = lab.request("GET", "/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    # The project's override becomes the schema's default (a learner's own setting may still change it).
    default = settings["schema"]["properties"]["defaultViewers"]["default"]
    assert default.get("markdown") == "Jupytext Notebook", default


def page_config(lab) -> dict:
    page = lab.request("GET", "/lab")
    start = page.index('id="jupyter-config-data"')
    start = page.index(">", start) + 1
    return json.loads(page[start:page.index("</script>", start)])


def test_learner_sees_no_instructor_panels_and_myst_renders(lab):
    config = page_config(lab)
    disabled = config["disabledExtensions"]
    for panel in ("formgrader", "create-assignment", "course-list", "assignment-list"):
        assert f"@jupyter/nbgrader:{panel}" in disabled, panel
    assert "@jupyter/nbgrader:validate-assignment" not in disabled  # it stays: it now runs grader check
    assert "jupyterlab-myst" in {ext["name"] for ext in config["federated_extensions"]}


def test_the_instructor_set_up_shows_the_panels_again():
    code = ("from jupyterlab_server.config import get_static_page_config as g; import json; "
            "print(json.dumps(g()['disabledExtensions']))")
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(ROOT / "jupyter" / "instructor")}
    disabled = json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                         check=True).stdout)
    assert not disabled.get("@jupyter/nbgrader:formgrader") and not disabled.get("@jupyter/nbgrader:create-assignment")


def test_saving_an_unchanged_chapter_changes_no_byte(lab):
    """What JupyterLab does on save: the notebook model, with the running kernel's spec, written back."""
    spec = lab.request("GET", "/api/kernelspecs")["kernelspecs"]["python3"]["spec"]
    for chapter in sorted((lab.root / "chapters").glob("*.md")):
        before = chapter.read_bytes()
        model = lab.request("GET", f"/api/contents/chapters/{chapter.name}?type=notebook&content=1")
        model["content"]["metadata"]["kernelspec"] = {"name": "python3", "display_name": spec["display_name"],
                                                      "language": spec["language"]}
        lab.request("PUT", f"/api/contents/chapters/{chapter.name}",
                    {"type": "notebook", "format": "json", "content": model["content"]})
        assert chapter.read_bytes() == before, f"saving {chapter.name} from JupyterLab rewrote it"


def test_validate_runs_the_hidden_tests(lab):
    """nbgrader's button on the released exercise: the failures are listed, never 'Success!'."""
    reply = lab.request("POST", "/assignments/validate", {"path": "exercises/10-hybrids/hybrids.ipynb"})
    assert reply["success"], reply
    failed = reply["value"]["failed"]
    assert failed and all("points" in f["source"] for f in failed)


def test_validate_on_a_chapter_says_what_it_grades(lab):
    reply = lab.request("POST", "/assignments/validate", {"path": "chapters/01-alexnet.md"})
    assert reply["success"] is False and "exercise" in reply["value"] and "\n" not in reply["value"]


def test_a_terminal_finds_grader(lab):
    from tornado.ioloop import IOLoop
    from tornado.websocket import websocket_connect

    name = lab.request("POST", "/api/terminals")["name"]
    url = lab.url.replace("http", "ws") + f"/terminals/websocket/{name}?token={lab.token}"

    async def ask() -> str:
        socket_ = await websocket_connect(url)
        await socket_.write_message(json.dumps(["stdin", "command -v grader; echo END-OF-$((6*7))\r"]))
        seen, deadline = "", time.monotonic() + 30
        while "END-OF-42" not in seen and time.monotonic() < deadline:
            message = await socket_.read_message()
            if message is None:
                break
            kind, *content = json.loads(message)
            seen += "".join(content) if kind == "stdout" else ""
        socket_.close()
        return seen

    output = IOLoop.current().run_sync(ask, timeout=60)
    assert str(ROOT / ".venv" / "bin" / "grader") in output, output[-2000:]


def test_a_chapter_opens_rendered_and_saves_unchanged_in_the_browser(lab):
    """Open by URL (as Binder's launch button does): a notebook, not the text editor; MyST rendered; Ctrl+S changes no byte."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make browser`", pytrace=False)
    from playwright.sync_api import sync_playwright

    chapter = lab.root / "chapters" / "09-state-space-models.md"
    before, saved_at = chapter.read_bytes(), chapter.stat().st_mtime_ns
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{lab.url}/lab/tree/chapters/{chapter.name}?token={lab.token}&reset")
            admonition = page.locator(".jp-NotebookPanel .myst-admonition").first
            admonition.wait_for(timeout=60000)
            assert "What you will learn" in admonition.inner_text()
            assert page.locator(".jp-FileEditor").count() == 0, "the chapter opened in the text editor"
            rendered = page.locator(".jp-NotebookPanel .jp-MarkdownCell .myst").first.inner_text()
            assert ":::{" not in rendered and "$" not in rendered, rendered[:500]
            page.locator(".jp-NotebookPanel").first.click()
            page.keyboard.press("Control+s")
            deadline = time.monotonic() + 30
            while chapter.stat().st_mtime_ns == saved_at and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            browser.close()
    assert chapter.stat().st_mtime_ns != saved_at, "Ctrl+S did not save the chapter"
    assert chapter.read_bytes() == before, "saving the chapter from JupyterLab rewrote it"
