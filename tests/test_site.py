"""The built website, in a real browser: headless Chromium driven by Playwright.

The site is built once into a temporary folder, served on 127.0.0.1, and every
page of _toc.yml is opened: it must load, log no error, show its images, its
math (rendered offline by the MathJax the project ships) and its code outputs,
and link only to pages that exist. Search must work. A screenshot (JPEG) of the top
of each page, up to SCREENSHOT_HEIGHT pixels, goes to test-output/screenshots/ for a human to look at.

Chromium comes from Debian's packages (`make browser`, which `make test` runs);
Playwright's own browser downloads (`playwright install`) are never used.
"""

from __future__ import annotations

import functools
import html
import http.server
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from toc import toc_entries

ROOT = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-output" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # a current phone, in CSS pixels
SCREENSHOT_HEIGHT = 5000  # pixels of each page kept in test-output/screenshots/
# The background-networking flags stop Chromium from calling Google services
# (which, offline, floods the log with refused connections).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING_CHROMIUM = (
    f"Chromium is not installed at {CHROMIUM}. Run `make browser` (as root: it installs "
    "Debian's `chromium` package), or `make test`, which does it first."
)

# One worker builds the site once for every test here (make test runs --dist loadgroup).
pytestmark = [pytest.mark.build, pytest.mark.xdist_group("site")]


def require_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.fail(MISSING_CHROMIUM, pytrace=False)


def test_the_site_tests_share_one_worker(request):
    """Under `make test` (xdist, --dist loadgroup) the book is built once, on the worker that runs all these."""
    if getattr(request.config.option, "loadgroup", False):
        assert request.node.nodeid.endswith("@site"), "xdist did not group the site's tests: the book would build twice"


def test_chromium_is_installed():
    """Not a skip: without Chromium the site goes untested, so say how to get it."""
    require_chromium()


# --- fixtures: browser, built site, local web server -------------------------------------


@pytest.fixture(scope="module")
def browser():
    require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: run `make venv` (it is in pyproject.toml).", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass(frozen=True)
class BuiltSite:
    html: Path
    log: str


# Session scope: xdist may hand this worker other modules' tests between the site's (all of which run on one
# worker: xdist_group "site"); a module-scoped build would be torn down and made again, costing minutes.
@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> BuiltSite:
    """The HTML site, built once per test run: cold, chapters executed, warnings as errors."""
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [str(JUPYTER_BOOK), "build", str(ROOT), "--path-output", str(out), "--warningiserror", "--builder", "html"],
        capture_output=True, text=True, timeout=900,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-5000:]
    return BuiltSite(out / "_build" / "html", log)


@pytest.fixture(scope="module")
def site(built_site) -> Path:
    return built_site.html


@pytest.fixture(scope="module", autouse=True)
def fresh_screenshots():
    """Screenshots of this run only: none left over from pages that no longer exist."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def server(site) -> str:
    """Serves the site on 127.0.0.1 (a free port); yields the base URL, ending in '/'."""
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


# --- the build itself ------------------------------------------------------------------------


def test_book_builds_without_warnings(built_site):
    """The same build the browser sees: no Sphinx warning, every chapter executed with figures."""
    sphinx_warnings = re.findall(r"^.*(?:^|: )WARNING: .*$", built_site.log, re.MULTILINE)
    assert not sphinx_warnings, "\n".join(sphinx_warnings)
    html = built_site.html
    assert "How grading works" in (html / "book" / "intro.html").read_text()
    for entry in toc_entries():
        if not entry.startswith("chapters/"):
            continue
        page = (html / f"{entry}.html").read_text()
        assert "cell_output" in page, f"{entry} shows no executed output"
        assert "<img" in page, f"{entry} shows no figure"
        assert "Traceback" not in page, f"{entry} raised an error"
    if not list((ROOT / "book" / "data" / "gpu-records").glob("*.json")):
        assert "No GPU run has been recorded yet" in (html / "chapters" / "04-gpus-and-matmul.html").read_text()
    for page in html.rglob("*.html"):
        for image in re.findall(r"<img\b[^>]*>", page.read_text()):
            assert re.search(r'\balt="[^"]+"', image), f"{page.name}: image without alt text: {image[:120]}"


# --- visiting a page ----------------------------------------------------------------------


@dataclass
class Visit:
    """What happened while a page loaded: anything here that is not empty is a problem."""

    status: int | None = None
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        problems = []
        if self.status != 200:
            problems.append(f"HTTP status {self.status}")
        problems += [f"console error: {message}" for message in self.console_errors]
        problems += [f"failed request: {request}" for request in self.failed_requests]
        # The site must work offline: everything it needs is served from the site itself.
        problems += [f"request to another host: {url}" for url in self.external_requests]
        return problems


def open_page(browser, server: str, path: str, viewport: dict = VIEWPORT):
    """Opens server+path in a fresh page, recording console errors and every request."""
    page = browser.new_page(viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    visit = Visit()
    local = urlsplit(server).netloc
    # Nothing is ignored, not even /favicon.ico: every page (the root's redirect too) names its icon, so
    # the browser never asks the host's root, which a project site (https://host/course/) does not own.

    def on_console(message) -> None:
        if message.type == "error":
            visit.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_response(response) -> None:
        if response.status >= 400:
            visit.failed_requests.append(f"{response.url} (HTTP {response.status})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: visit.console_errors.append(f"uncaught {error}"))
    def on_request_failed(request) -> None:
        # A request the browser cancels itself because the page moves on (the root's redirect leaves before
        # its icon arrives) is no fault of the site; a file that is missing answers 404, caught above.
        if request.failure != "net::ERR_ABORTED":
            visit.failed_requests.append(f"{request.url} ({request.failure})")

    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    page.on("request", lambda request: urlsplit(request.url).scheme in ("http", "https")
            and urlsplit(request.url).netloc != local and visit.external_requests.append(request.url))
    response = page.goto(urljoin(server, path), wait_until="load")
    visit.status = response.status if response else None
    return page, visit


# Resolves once MathJax 3 (served from _static/mathjax/, see book/_ext/local_mathjax.py)
# has typeset the page.
WAIT_FOR_MATHJAX = """() => new Promise((resolve, reject) => {
    const started = Date.now();
    (function wait() {
        const mj = window.MathJax;
        if (mj && mj.startup && mj.startup.promise) {
            mj.startup.promise.then(() => resolve(mj.version), reject);
        } else if (Date.now() - started > 30000) {
            reject(new Error("MathJax did not load within 30 s"));
        } else {
            setTimeout(wait, 50);
        }
    })();
})"""

# Each element Sphinx wrote for math (span.math / div.math) must hold MathJax's output
# (mjx-container), no error, and no TeX source may be left in the page's text.
MATH_REPORT = r"""() => {
    const maths = [...document.querySelectorAll("div.math, span.math")];
    const rendered = maths.filter(m => m.querySelector("mjx-container"));
    const errors = [...document.querySelectorAll("mjx-merror, merror")]
        .map(e => (e.getAttribute("data-mjx-error") || e.textContent).slice(0, 120));
    const main = document.querySelector("main") || document.body;
    const copy = main.cloneNode(true);
    copy.querySelectorAll("pre, code, script, style, mjx-assistive-mml").forEach(e => e.remove());
    const raw = copy.textContent.match(/\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{/g) || [];
    return {count: maths.length, rendered: rendered.length, errors: errors, raw: raw};
}"""

# Waits for every image, lazy ones included, then lists those that did not load.
BROKEN_IMAGES = """async () => {
    const images = [...document.images];
    images.forEach(img => { img.loading = "eager"; });
    await Promise.all(images.map(img => img.decode().catch(() => null)));
    return images.filter(img => !(img.complete && img.naturalWidth > 0))
                 .map(img => img.getAttribute("src"));
}"""

INTERNAL_LINKS = """() => [...document.querySelectorAll("a[href]")]
    .map(a => a.getAttribute("href"))
    .filter(href => !/^(https?:|mailto:|#)/i.test(href))"""


@functools.lru_cache(maxsize=None)
def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("entry", toc_entries())
def test_page_in_browser(browser, server, entry):
    """Loads, logs no error, shows images, math and outputs; internal links resolve."""
    path = f"{entry}.html"
    page, visit = open_page(browser, server, path)
    try:
        problems = []
        if page.locator("div.math, span.math").count():
            try:
                page.evaluate(WAIT_FOR_MATHJAX)
            except Exception as error:  # noqa: BLE001 - reported as a problem below
                problems.append(f"MathJax: {error}")
            math = page.evaluate(MATH_REPORT)
            if math["rendered"] < math["count"]:
                problems.append(f"math: only {math['rendered']} of {math['count']} formulas rendered by MathJax")
            problems += [f"math error: {text!r}" for text in math["errors"]]
            if math["raw"]:
                problems.append(f"raw TeX visible in the page text: {sorted(set(math['raw']))}")

        problems += [f"image did not load: {src}" for src in page.evaluate(BROKEN_IMAGES)]

        if entry.startswith("chapters/") and page.locator(".cell_output").count() == 0:
            problems.append("no code-cell output (.cell_output) on a chapter page")

        for href in sorted(set(page.evaluate(INTERNAL_LINKS))):
            target = urldefrag(urljoin(page.url, href)).url.split("?")[0]
            if urlsplit(target).scheme not in ("http", "https"):
                problems.append(f"link {href!r} is neither a page nor an external URL")
            elif (status := http_status(target)) != 200:
                problems.append(f"link {href!r} -> HTTP {status}")

        # For a human's eye only, so kept cheap: JPEG (a chapter's full-page PNG takes seconds to encode), and at
        # most the first SCREENSHOT_HEIGHT pixels (a whole chapter, ~25,000 px, takes ~1.5 s to render; this ~0.4 s).
        height = min(SCREENSHOT_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
        page.screenshot(path=str(SCREENSHOTS / f"{entry.replace('/', '__')}.jpg"), full_page=True, type="jpeg",
                        quality=70, clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height})
        problems = visit.problems() + problems
        assert not problems, f"{path}:\n  " + "\n  ".join(problems)
    finally:
        page.close()


def test_index_redirects_to_the_intro(browser, server):
    page, visit = open_page(browser, server, "index.html")
    try:
        page.wait_for_url(re.compile(r"book/intro\.html$"), timeout=10000)
        assert not visit.problems(), "\n".join(visit.problems())
    finally:
        page.close()


def test_search_finds_alexnet(browser, server):
    page, visit = open_page(browser, server, "search.html?q=AlexNet")
    try:
        summary = page.locator("#search-results .search-summary")
        summary.filter(has_text=re.compile("Search finished|did not match")).wait_for(timeout=20000)
        results = page.locator("#search-results ul.search li a")
        hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
        assert any("book/intro.html" in href for href in hrefs), (
            f"searching AlexNet did not find the intro page: {summary.inner_text()!r}, results {hrefs}")
        page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)
        assert not visit.problems(), "\n".join(visit.problems())
    finally:
        page.close()


def test_the_phone_menu_buttons_open_the_sidebars(browser, server):
    """At a phone's width the visible menu buttons open the table of contents and the page's outline."""
    page, visit = open_page(browser, server, "chapters/01-alexnet.html", PHONE)
    try:
        for kind in ("primary", "secondary"):
            page.locator(f".{kind}-toggle:visible").first.click()
            page.wait_for_function(f"document.getElementById('pst-{kind}-sidebar-modal').open", timeout=5000)
            page.screenshot(path=str(SCREENSHOTS / f"phone-{kind}-menu.png"))
            page.keyboard.press("Escape")
            page.wait_for_function(f"!document.getElementById('pst-{kind}-sidebar-modal').open", timeout=5000)
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 1, f"the page scrolls {sideways}px sideways on a phone"
        assert not visit.problems(), "\n".join(visit.problems())
    finally:
        page.close()


def test_inline_math_is_not_clipped(browser, server):
    page, visit = open_page(browser, server, "chapters/09-state-space-models.html")
    try:
        page.evaluate(WAIT_FOR_MATHJAX)
        clipped = page.evaluate("""() => [...document.querySelectorAll('span.math')].filter(e =>
            getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1).length""")
        assert clipped == 0, f"{clipped} inline formulas are cut at their box"
    finally:
        page.close()


@pytest.mark.parametrize("entry", [e for e in toc_entries() if e.startswith("chapters/")])
def test_every_chapter_says_how_to_run_it_and_links_its_exercises(site, entry):
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repository = config["repository"]["url"]
    page = (site / f"{entry}.html").read_text()
    assert "Run this chapter" in page and f"git clone {repository}" in page and "how-to-use.html" in page
    named = set(re.findall(r'<span class="pre">(exercises/[\w./-]+\.ipynb)</span>', page))
    linked = set(re.findall(rf"href='{re.escape(repository)}/blob/[\w.-]+/(exercises/[\w./-]+\.ipynb)'", page))
    assert named <= linked, f"exercise paths not linked to the repository: {sorted(named - linked)}"
    assert all((ROOT / path).exists() for path in linked)


def test_every_seed_record_is_shown_in_its_chapter(site):
    """Each committed seed record (make record) appears, with its label, on the page of the chapter that made it."""
    import json

    from coursekit import records

    saved = sorted(records.SEED_RECORDS_DIR.glob("*.json"))
    assert saved, "no seed record is committed"
    for path in saved:
        record = json.loads(path.read_text())
        chapter = [c for c in records.chapters_with_records(ROOT / "chapters") if f'"{record["name"]}"' in c.read_text()]
        assert len(chapter) == 1, f"{path.name}: no chapter (or several) makes this record"
        text = html.unescape(re.sub(r"<[^>]+>", "", (site / "chapters" / f"{chapter[0].stem}.html").read_text()))
        assert records.label(record) in text, f"{path.name} is not shown in {chapter[0].name}"
