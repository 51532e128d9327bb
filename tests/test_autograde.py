"""`grader autograde` against a class of attacks, graded together in one sandboxed run.

Each attack is a small notebook with the score and status it must end with.
They are graded in one batch beside honest submissions, so the test also
checks that no attack disturbs the others' grades.  Exercise 10-hybrids
(plain Python: fast kernels) carries most attacks; 04-matmul the ones aimed
at numpy's assertion helpers.
"""

import copy
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader import sandbox
from grader.course import Course
from grader.notebooks import grade_cells, nbgrader_meta, read_notebook, solution_cells
from grader.planted import answered_notebook, solution_answers
from grader.release import secret_lines

ROOT = Path(__file__).resolve().parent.parent
COURSE = Course(ROOT)
GRADER = [sys.executable, "-m", "grader.cli"]
FULL = 10.0  # 10-hybrids, the batch's usual assignment, is worth 10 points
MATMUL_FULL = 12.0  # 04-matmul: 12
BELOW = "below full"  # an expected score: any score under FULL

SANDBOX, NO_SANDBOX_WHY = sandbox.available()
pytestmark = [
    pytest.mark.xdist_group("autograde"),
    pytest.mark.skipif(not SANDBOX, reason=f"no sandbox: {NO_SANDBOX_WHY}"),
]


def full_marks(assignment) -> float:
    return float(sum(nbgrader_meta(c).get("points", 0) for c in grade_cells(read_notebook(COURSE.notebook(assignment))).values()))


def released(assignment):
    return read_notebook(COURSE.exercises / assignment / COURSE.notebook(assignment).name)


def answers(assignment):
    return solution_answers(COURSE, assignment)


def notebook(assignment, replace=None, before="", after=""):
    return answered_notebook(COURSE, assignment, replace, before, after)


WRONG_PATTERN = {"layer-pattern": "def layer_pattern(n_layers, attention_every):\n    return ['mamba'] * n_layers\n"}
WRONG_TILED = {"tiled-matmul": "import numpy as np\n\ndef tiled_matmul(A, B, tile=32):\n"
               "    if A.shape[1] != B.shape[0]:\n        raise ValueError('shapes')\n"
               "    return np.zeros((A.shape[0], B.shape[1]))\n"}
WRONG_SCAN = {"selective-scan": "import torch\n\ndef selective_scan(u, delta, A, B, C, D=None):\n"
              "    return torch.zeros_like(u)\n"}
# Points lost by WRONG_PATTERN / WRONG_TILED alone: 3 (test-layer-pattern) and 5 (shapes 3 + dtypes 2).
WRONG_BLOCK = {"residual-block": (ROOT / "tests" / "submissions" / "03-resnet" / "wrong_block_no_final_relu.py")
               .read_text().partition("# %% residual-block")[2].strip() + "\n"}

# Class 1: ways to make a failing test cell look as if it passed.  Each is planted
# ahead of a wrong answer, so an honest grader takes marks away.
HIDE_FAILURES = {
    "showtraceback": "get_ipython().showtraceback = lambda *a, **k: None\n",
    "underscore-showtraceback": "get_ipython()._showtraceback = lambda *a, **k: None\n",
    "custom-exc": "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n",
    "excepthook": "import sys\nsys.excepthook = lambda *a: None\n"
                  "get_ipython().showtraceback = lambda *a, **k: sys.excepthook(*sys.exc_info())\n",
    "streams": "import io, sys\nsys.stdout = io.StringIO()\nsys.stderr = io.StringIO()\n"
               "get_ipython().showtraceback = lambda *a, **k: None\n",
    "display-hooks": "ip = get_ipython()\nip.display_pub.publish = lambda *a, **k: None\n"
                     "ip.displayhook.write_format_data = lambda *a, **k: None\nip.showtraceback = lambda *a, **k: None\n",
}
# Rewrites the kernel's own reply: every cell "succeeds".  Tests the grader runs itself do not care; a test
# that must run in the kernel (07's operation count) cannot see through it yet: a known limit (book/instructors.md).
FORGE_REPLIES = (
    "import inspect\n_kernel = get_ipython().kernel\n_original = _kernel.do_execute\n\n\n"
    "async def _forged(*args, **kwargs):\n    reply = _original(*args, **kwargs)\n"
    "    if inspect.isawaitable(reply):\n        reply = await reply\n    reply['status'] = 'ok'\n    return reply\n\n\n"
    "_kernel.do_execute = _forged\nget_ipython().showtraceback = lambda *a, **k: None\n"
)
LOOP_SCAN = {"parallel-scan": (ROOT / "tests" / "submissions" / "09-selective-scan" / "wrong_scan_python_loop.py")
             .read_text().partition("# %% parallel-scan")[2].strip() + "\n"}
SCAN_OUT_OF_SIGHT = {"parallel-scan": (ROOT / "tests" / "submissions" / "09-selective-scan" /
                                       "wrong_scan_loop_out_of_sight.py").read_text().partition("# %% parallel-scan")[2]}
# Class 3: ways to fool an observer: rewrite it where the student's code runs (it judges in the grader only).
PATCH_OBSERVER = (
    "import sys\ntry:\n    import grader.observe as _observe\n"
    "    _observe.Observer.count = lambda self, names: 0\n    _observe.Observer.leaks = lambda self, result=None: []\n"
    "except ImportError:\n    pass\n"
    "for _name in ('watched', 'grader.watched'):\n    if _name in sys.modules:\n"
    "        sys.modules[_name].Watched.__repr__ = lambda self: 'patched'\n"
)

EXCEPTION_STR_RAISES = (
    "class Silent(Exception):\n    def __str__(self):\n        raise RuntimeError('no message')\n"
    "    def __repr__(self):\n        raise RuntimeError('no repr')\n\n"
)

# Class 2: ways for student code to carry hidden tests to what the student receives.
SNOOP = (  # every caller's source, the outermost (the test cell) first, and IPython's input history
    "import linecache, re, sys\nSEEN = []\n\n\ndef _snoop():\n"
    "    frame, files = sys._getframe(1), []\n"
    "    while frame is not None:\n"
    "        if re.search(r'ipykernel_[0-9]+/|ipython-input', frame.f_code.co_filename):\n"
    "            files.insert(0, frame.f_code.co_filename)  # a notebook cell's code\n"
    "        frame = frame.f_back\n"
    "    text = ''.join(''.join(linecache.getlines(name)) for name in dict.fromkeys(files))\n"
    "    text += '\\n'.join(get_ipython().user_ns.get('In', [])[-2:])\n"
    "    if text not in SEEN:\n        SEEN.append(text)\n    return text\n\n\n"
)
LEAK_MARK = "LEAKED-BY-THE-STUDENT"  # the notebooks build it at run time, so their source never holds it
PRINT_LEAKS = (
    "import base64, sys\nfrom IPython.display import HTML, display\n"
    f"MARK = {LEAK_MARK[:7]!r} + {LEAK_MARK[7:]!r}\n"
    "everything = '\\n'.join(SEEN) + '\\n'.join(get_ipython().user_ns.get('In', []))\n"
    "print(MARK, everything)\nprint(MARK, base64.b64encode(everything.encode()).decode())\n"
    "print(MARK, everything, file=sys.stderr)\ndisplay(HTML('<pre>' + MARK + everything + '</pre>'))\n"
    "MARK + everything\n"
)


def attacks(port: int = 9):
    """student id -> (assignment, notebook or raw bytes or None, expected status, expected score)."""
    h, m, s7 = "10-hybrids", "04-matmul", "09-selective-scan"
    patched_bodies = {
        "layer-pattern": "import builtins\n"
        "def layer_pattern(n_layers, attention_every):\n"
        "    builtins.all = lambda *a: True\n"  # patched at call time, inside the test
        "    builtins.sorted = lambda x, **k: list(x)\n"
        "    return ['mamba'] * n_layers\n"
    }
    steal = {"layer-pattern": WRONG_PATTERN["layer-pattern"] + (
        "\nimport glob, json, sqlite3\n"
        f"for path in glob.glob('/work/**/solutions/10-hybrids/*.ipynb', recursive=True) + [{str(ROOT / 'solutions' / '10-hybrids' / 'hybrids.ipynb')!r}]:\n"
        "    try:\n        cells = json.load(open(path))['cells']\n    except OSError:\n        continue\n"
        "    for cell in cells:\n"
        "        if 'def layer_pattern' in ''.join(cell['source']):\n"
        "            exec(''.join(cell['source']))\n"
        "for path in glob.glob('/tmp/**/gradebook.db', recursive=True) + glob.glob('/work/**/gradebook.db', recursive=True):\n"
        "    hidden = sqlite3.connect(path).execute('select source from source_cell').fetchall()\n"
        "    raise SystemExit(f'read the gradebook: {len(hidden)} cells')\n")}
    wrong_with_deleted_test = notebook(h, WRONG_PATTERN)
    wrong_with_deleted_test.cells = [c for c in wrong_with_deleted_test.cells
                                     if nbgrader_meta(c).get("grade_id") != "test-layer-pattern"]
    wrong_with_edited_test = notebook(h, WRONG_PATTERN)
    grade_cells(wrong_with_edited_test)["test-layer-pattern"].source = "pass"
    duplicated = notebook(h, WRONG_PATTERN)
    test_cell = grade_cells(duplicated)["test-kv-cache-bytes"]
    duplicated.cells.append(copy.deepcopy(test_cell))
    forged = notebook(h, WRONG_PATTERN)
    grade_cells(forged)["test-layer-pattern"].metadata.nbgrader["points"] = 1000
    for cell in solution_cells(forged).values():
        cell.metadata.nbgrader.update(grade=True, points=500)
    wrong_kernel = notebook(h)
    wrong_kernel.metadata.kernelspec = {"name": "julia-1.9", "display_name": "Julia", "language": "julia"}
    r = "03-resnet"
    cases = {}
    for name, hide in HIDE_FAILURES.items():
        cases[f"hide-{name}-class"] = (r, notebook(r, WRONG_BLOCK, before="from torch import nn\n" + hide), "ok", BELOW)
    cases["forge-replies-class"] = (r, notebook(r, WRONG_BLOCK, before="from torch import nn\n" + FORGE_REPLIES),
                                    "ok", BELOW)
    cases["forge-replies-function"] = (h, notebook(h, WRONG_PATTERN, before=FORGE_REPLIES), "ok", FULL - 3)
    cases["forge-replies-operation-count"] = (s7, notebook(s7, LOOP_SCAN, before=FORGE_REPLIES), "ok", BELOW)
    cases["patch-observer-in-kernel"] = (s7, notebook(s7, SCAN_OUT_OF_SIGHT, before=PATCH_OBSERVER), "ok", BELOW)
    cases["hide-showtraceback-function"] = (h, notebook(h, WRONG_PATTERN, before=HIDE_FAILURES["showtraceback"]),
                                            "ok", FULL - 3)
    cases["exception-str-raises"] = (h, notebook(h, {"layer-pattern": EXCEPTION_STR_RAISES + (
        "def layer_pattern(n_layers, attention_every):\n    raise Silent()\n")}), "ok", FULL - 3)
    cases["exception-str-raises-class"] = (r, notebook(r, {"residual-block": EXCEPTION_STR_RAISES + (
        "class ResidualBlock(nn.Module):\n    def __init__(self, *args, **kwargs):\n        raise Silent()\n")}),
        "ok", 0.0)
    # Correct answers that read the test calling them and print it later: full marks, nothing shown.
    snooping_matmul = {gid: SNOOP + code.replace("):\n", "):\n    _snoop()\n", 1)
                       for gid, code in answers(m).items() if gid in ("matmul-flops", "tiled-matmul")}
    cases["snoop-print-later"] = (m, notebook(m, snooping_matmul, after=PRINT_LEAKS), "ok", MATMUL_FULL)
    # Wrong answers whose error or return value is the calling test's source.
    cases["snoop-exception-message"] = (m, notebook(m, {"tiled-matmul": SNOOP + (
        "def tiled_matmul(A, B, tile=32):\n    raise ValueError(_snoop())\n")}), "ok", MATMUL_FULL - 7)
    cases["snoop-returned-text"] = (h, notebook(h, {"layer-pattern": SNOOP + (
        "def layer_pattern(n_layers, attention_every):\n    return [_snoop()] * n_layers\n")}, after=PRINT_LEAKS),
        "ok", FULL - 3)
    cases["snoop-class"] = (r, notebook(r, {"residual-block": SNOOP + WRONG_BLOCK["residual-block"].replace(
        "    def forward(self, x):\n", "    def forward(self, x):\n        _snoop()\n")}, after=PRINT_LEAKS), "ok", BELOW)
    return cases | {
        "honest-solution": (h, notebook(h), "ok", FULL),
        "honest-wrong": (h, notebook(h, WRONG_PATTERN), "ok", FULL - 3),
        "patch-assert-helpers": (m, notebook(m, WRONG_TILED, before=(
            "import numpy as np, numpy.testing\n"
            "np.testing.assert_allclose = lambda *a, **k: None\nnp.allclose = lambda *a, **k: True\n"
            "np.isclose = lambda *a, **k: True\n")), "ok", MATMUL_FULL - 7),
        "patch-inside-function": (m, notebook(m, {"tiled-matmul": (
            "import numpy as np\n\ndef tiled_matmul(A, B, tile=32):\n"
            "    import numpy.testing\n    numpy.testing.assert_allclose = lambda *a, **k: None\n"
            "    if A.shape[1] != B.shape[0]:\n        raise ValueError('shapes')\n"
            "    return np.zeros((A.shape[0], B.shape[1]))\n")}), "ok", MATMUL_FULL - 7),
        "patch-builtins": (h, notebook(h, patched_bodies, before=(
            "import builtins\nbuiltins.all = lambda *a: True\nbuiltins.any = lambda *a: True\n")), "ok", FULL - 3),
        "read-solutions": (h, notebook(h, steal), "ok", FULL - 3),
        "write-outside": (h, notebook(h, after=(
            f"for path in [{str(ROOT / 'PWNED')!r}, '/tmp/grader-attack-marker', '/etc/pwned']:\n"
            "    try:\n        open(path, 'w').write('x')\n    except OSError:\n        pass\n")), "ok", FULL),
        "network": (h, notebook(h, after=(
            "import socket\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=2).sendall(b'leak')\n"
            "except OSError:\n    pass\n")), "ok", FULL),
        "infinite-loop": (h, notebook(h, {"layer-pattern": (
            "def layer_pattern(n_layers, attention_every):\n    while True:\n        pass\n")}), "timeout", FULL - 3),
        "fork-bomb": (h, notebook(h, before=(
            "import os, time\nfor _ in range(100000):\n    try:\n        pid = os.fork()\n"
            "    except OSError:\n        break\n    if pid == 0:\n        time.sleep(120)\n        os._exit(0)\n")),
            "ok", FULL),
        "memory-bomb": (h, notebook(h, before="hog = bytearray(16 * 2**30)\n"), "memory", FULL),
        "os-exit": (h, notebook(h, before="import os\nos._exit(0)\n"), "kernel_died", FULL),
        "sys-exit": (h, notebook(h, before="import sys\nsys.exit(1)\n"), "ok", FULL),
        "sigkill-own-kernel": (h, notebook(h, after="import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"),
                               "kernel_died", FULL),
        "huge-output": (h, notebook(h, before="print('x' * 100_000_000)\n"), "ok", FULL),
        "deleted-test": (h, wrong_with_deleted_test, "ok", FULL - 3),
        "edited-test": (h, wrong_with_edited_test, "ok", FULL - 3),
        "duplicated-test": (h, duplicated, "ok", FULL - 3),
        "forged-points": (h, forged, "ok", FULL - 3),
        "malformed-json": (h, b'{"cells": [', "invalid_notebook", 0.0),
        "wrong-kernel-name": (h, wrong_kernel, "ok", FULL),
        "missing-notebook": (h, None, "missing", 0.0),
        "correct-with-warnings": (h, notebook(h, before=(
            "import sys, warnings\nwarnings.warn('a harmless warning')\n"
            "print('noise on stderr', file=sys.stderr)\n"), after="warnings.warn('another one')\n"), "ok", FULL),
        "patch-torch": (s7, notebook(s7, WRONG_SCAN, before=(
            "import torch, torch.testing\ntorch.testing.assert_close = lambda *a, **k: None\n"
            "torch.allclose = lambda *a, **k: True\ntorch.Tensor.allclose = lambda *a, **k: True\n")), "ok", None),
        "patch-torch-control": (s7, notebook(s7, WRONG_SCAN), "ok", None),
        "correct-callable-object": (h, notebook(h, {"layer-pattern": (
            "class LayerPattern:\n    def __call__(self, n_layers, attention_every):\n"
            "        if n_layers < 1 or attention_every < 1:\n            raise ValueError('at least 1')\n"
            "        return ['attention' if i % attention_every == attention_every // 2 else 'mamba'\n"
            "                for i in range(n_layers)]\n\n\nlayer_pattern = LayerPattern()\n")}), "ok", FULL),
        "correct-other-style": (h, notebook(h, {"layer-pattern": (
            "def layer_pattern(n_layers, attention_every):\n"
            "    if min(n_layers, attention_every) < 1:\n        raise ValueError('at least 1')\n"
            "    kinds = []\n    for block_start in range(0, n_layers, attention_every):\n"
            "        for offset in range(min(attention_every, n_layers - block_start)):\n"
            "            kinds.append('attention' if offset == attention_every // 2 else 'mamba')\n"
            "    return kinds\n")}), "ok", FULL),
    }


def write_submissions(folder: Path, port: int) -> dict:
    cases = attacks(port)
    for student, (assignment, content, _, _) in cases.items():
        target = folder / student / assignment / COURSE.notebook(assignment).name
        target.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            continue
        target.write_bytes(content if isinstance(content, bytes) else nbformat.writes(content).encode())
    return cases


DEADLINE = "2026-07-01T00:00+00:00"


def grades(out: Path) -> dict:
    with open(out / "grades.csv") as file:
        return {row["student_id"]: row for row in csv.DictReader(file)}


# Session scope: xdist may hand this worker other modules' tests between these (all on one worker: xdist_group
# "autograde"); a module-scoped batch would be torn down and graded again, costing a minute.
@pytest.fixture(scope="session")
def batch(tmp_path_factory):
    """One autograde run over all attacks, with a listening socket the sandbox must not reach."""
    folder = tmp_path_factory.mktemp("class")
    connections = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    cases = write_submissions(folder / "submissions", server.getsockname()[1])
    # nbgrader's timestamp.txt: one submission on time, one late (the others' times are their files' times).
    (folder / "submissions" / "honest-solution" / "10-hybrids" / "timestamp.txt").write_text("2026-06-30 23:59:00.000000 UTC")
    (folder / "submissions" / "honest-wrong" / "10-hybrids" / "timestamp.txt").write_text("2026-07-01 02:00:00.000000 UTC")
    server.listen()
    server.settimeout(0.5)

    def accept():
        while not stop.is_set():
            try:
                connections.append(server.accept())
            except OSError:
                pass

    stop = threading.Event()
    listener = threading.Thread(target=accept, daemon=True)
    listener.start()
    out = folder / "out"
    run = subprocess.run([*GRADER, "autograde", str(folder / "submissions"), "--out", str(out), "--jobs", "2",
                          "--timeout", "8", "--memory", "2048", "--deadline", DEADLINE], capture_output=True, text=True,
                         cwd=ROOT)
    stop.set()
    listener.join()
    server.close()
    return {"cases": cases, "out": out, "run": run, "connections": connections, "folder": folder}


def test_the_batch_completes(batch):
    assert batch["run"].returncode == 0, batch["run"].stderr


@pytest.mark.parametrize("student", [name for name, case in attacks().items() if case[3] is not None])
def test_attack_ends_with_its_score_and_status(batch, student):
    assignment, _, status, score = batch["cases"][student]
    row = grades(batch["out"])[student]
    log = (batch["out"] / "logs" / student / f"{assignment}.log").read_text()
    assert row["assignment"] == assignment
    assert row["status"] == status, log
    full = full_marks(assignment)
    if score == BELOW:
        assert float(row["score"]) < full, log
    else:
        assert float(row["score"]) == score, log
    assert float(row["max_score"]) == full


def test_every_status_is_one_of_the_documented_ones(batch):
    from grader.report import STATUSES

    assert {row["status"] for row in grades(batch["out"]).values()} == set(STATUSES)


def test_patching_torch_gains_nothing(batch):
    rows = grades(batch["out"])
    patched, control = rows["patch-torch"], rows["patch-torch-control"]
    assert float(patched["score"]) == float(control["score"]) < float(control["max_score"])


def test_nothing_escaped_the_sandbox(batch):
    assert not (ROOT / "PWNED").exists()
    assert not Path("/tmp/grader-attack-marker").exists()
    assert not Path("/etc/pwned").exists()
    assert batch["connections"] == [], "a sandboxed kernel reached a socket on this machine"


def test_two_grading_runs_use_different_users():
    """A run clears its own users' processes; another run's kernels must never be among them."""
    if os.geteuid() != 0:
        pytest.skip("uids are only switched when grading as root")
    code = "from grader import sandbox; print(sandbox.sandbox_uid(0), flush=True); import time; time.sleep(3)"
    first = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    second = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    uids = {int(first.stdout.readline()), int(second.stdout.readline())}
    first.wait(), second.wait()
    assert len(uids) == 2


def hidden_lines(assignments) -> set[str]:
    """Lines of the hidden tests that no released notebook shows."""
    secrets = set()
    for assignment in assignments:
        secrets |= secret_lines(read_notebook(COURSE.notebook(assignment)))
    shown = "".join(nbformat.writes(released(a)) for a in assignments)
    answers_text = "".join(code for a in assignments for code in answers(a).values())
    return {line for line in secrets if line not in shown and line not in answers_text}


def student_facing_text(out: Path) -> dict[str, str]:
    """Everything a student may receive: feedback pages, grades.csv, result files, judged notebooks' outputs."""
    files = {str(p): p.read_text() for p in (out / "feedback").rglob("*.html")}
    files |= {str(p): p.read_text() for p in (out / "results").rglob("*.json")}
    files[str(out / "grades.csv")] = (out / "grades.csv").read_text()
    for path in (out / "autograded").rglob("*.ipynb"):  # what nbgrader's own feedback tools would show
        files[str(path)] = json.dumps([c.get("outputs", []) for c in read_notebook(path).cells])
    return files


def test_nothing_hidden_reaches_a_student(batch):
    secrets = hidden_lines(sorted({case[0] for case in batch["cases"].values()}))
    assert len(secrets) > 50
    files = student_facing_text(batch["out"])
    assert len(files) >= 2 * len(batch["cases"])
    for name, text in files.items():
        leaked = [line for line in secrets if line in text]
        assert not leaked, f"{name} shows hidden test lines: {leaked[:2]}"
        assert LEAK_MARK not in text, f"{name} shows what a cell printed after the hidden tests ran"
    huge = batch["out"] / "feedback" / "huge-output" / "10-hybrids.html"
    assert huge.stat().st_size < 2_000_000


def test_snooping_code_finds_no_test_to_read(batch):
    """The tests run in the grader: the student's code, reading its callers and input history, finds none.

    The instructor's log keeps the student's exception message whole: it holds what the snooping found.
    """
    log = (batch["out"] / "logs" / "snoop-exception-message" / "04-matmul.log").read_text()
    assert "FAIL test-tiled-matmul-shapes (run by the grader) ValueError:" in log  # the snoop's report
    assert "np.arange(6.0).reshape(2, 3)" not in log and "BEGIN HIDDEN" not in log


def test_feedback_shows_outputs_from_before_the_hidden_tests(batch):
    page = (batch["out"] / "feedback" / "correct-with-warnings" / "10-hybrids.html").read_text()
    assert "noise on stderr" in page  # printed before any test ran
    assert "outputs not shown" in (batch["out"] / "feedback" / "snoop-print-later" / "04-matmul.html").read_text()


def test_feedback_and_export_commands_rewrite_from_the_graded_folder(batch, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch["out"], out)
    shutil.rmtree(out / "feedback")
    (out / "grades.csv").unlink()
    for command in ("feedback", "export"):
        run = subprocess.run([*GRADER, command, str(out)], capture_output=True, text=True, cwd=ROOT)
        assert run.returncode == 0, run.stderr
    assert grades(out) == grades(batch["out"])
    assert len(list((out / "feedback").rglob("*.html"))) == len(list((batch["out"] / "feedback").rglob("*.html")))


def test_gradebook_has_the_grades_for_nbgrader_export(batch):
    out = batch["out"]
    export = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "export", "--to", str(out / "export.csv")],
                            cwd=out, capture_output=True, text=True,
                            env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"})
    assert export.returncode == 0, export.stderr[-2000:]
    with open(out / "export.csv") as file:
        rows = {(r["student_id"], r["assignment"]): float(r["score"]) for r in csv.DictReader(file)}
    for student, row in grades(out).items():
        assert rows[(student, row["assignment"])] == float(row["score"])


def test_a_rerun_grades_only_what_is_missing_or_changed(batch, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch["out"], out)
    results = out / "results"
    (results / "honest-wrong" / "10-hybrids.json").unlink()  # as if killed before this one finished
    (results / "sys-exit" / "10-hybrids.json").write_text('{"truncated')  # a torn write
    changed = batch["folder"] / "submissions" / "honest-solution" / "10-hybrids" / "hybrids.ipynb"
    original = changed.read_bytes()
    changed.write_bytes(nbformat.writes(notebook("10-hybrids", WRONG_PATTERN)).encode())
    try:
        run = subprocess.run([*GRADER, "autograde", str(batch["folder"] / "submissions"), "--out", str(out),
                              "--jobs", "2", "--timeout", "8", "--memory", "2048", "--assignment", "10-hybrids"],
                             capture_output=True, text=True, cwd=ROOT)
    finally:
        changed.write_bytes(original)
    assert run.returncode == 0, run.stderr
    assert "graded 3," in run.stdout, run.stdout
    rows = grades(out)
    assert float(rows["honest-solution"]["score"]) == FULL - 3  # regraded: its notebook changed
    assert float(rows["honest-wrong"]["score"]) == FULL - 3
    assert rows["sys-exit"]["status"] == "ok"


def test_a_zip_from_an_lms_grades_like_the_folder(batch, tmp_path):
    """Its entries' times are the submission times; with --late-penalty zero, nbgrader's plug-in zeroes late work."""
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for student, when in (("honest-solution", (2026, 6, 30, 12, 0, 0)), ("honest-wrong", (2026, 7, 2, 0, 0, 0))):
            path = batch["folder"] / "submissions" / student / "10-hybrids" / "hybrids.ipynb"
            zipped.writestr(zipfile.ZipInfo(f"{student.replace('-', '')}_12345_67890_hybrids.ipynb", when),
                            path.read_bytes())
        zipped.writestr("../../escape_hybrids.ipynb", "{}")  # a hostile name: read, never extracted
    out = tmp_path / "out"
    run = subprocess.run([*GRADER, "autograde", str(archive), "--out", str(out), "--jobs", "2", "--deadline", DEADLINE,
                          "--late-penalty", "zero"], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    rows = grades(out)
    assert float(rows["honestsolution"]["score"]) == FULL and float(rows["honestsolution"]["seconds_late"]) == 0
    late = rows["honestwrong"]
    assert float(late["score"]) == 0 and float(late["late_penalty"]) == FULL - 3
    assert float(late["seconds_late"]) == 24 * 3600 and late["timestamp"] == "2026-07-02 00:00:00"
    assert late["10-hybrids:test-layer-pattern"]  # the tests' own points stay, beside the penalty
    assert rows["escape"]["status"] == "invalid_notebook"
    assert not (tmp_path.parent / "escape_hybrids.ipynb").exists()


def test_timestamps_and_the_deadline_reach_grades_csv_and_the_gradebook(batch):
    rows = grades(batch["out"])
    on_time, late = rows["honest-solution"], rows["honest-wrong"]
    assert on_time["timestamp"] == "2026-06-30 23:59:00" and float(on_time["seconds_late"]) == 0
    assert late["timestamp"] == "2026-07-01 02:00:00" and float(late["seconds_late"]) == 7200
    assert float(late["late_penalty"]) == 0 and float(late["score"]) == FULL - 3  # the default policy: none
    columns = [c for c in late if c.startswith("10-hybrids:")]
    assert len(columns) >= 3 and sum(float(late[c]) for c in columns) == FULL - 3
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{batch['out'] / 'gradebook.db'}", "course") as gradebook:
        assert gradebook.find_submission("10-hybrids", "honest-wrong").total_seconds_late == 7200


def test_nbgrader_feedback_export_and_a_moved_folder_are_safe(batch, tmp_path):
    """formgrader's Generate Feedback shows no hidden test; nbgrader export leaves grades.csv; the folder moves."""
    out = tmp_path / "moved"
    shutil.copytree(batch["out"], out)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    ours = (out / "grades.csv").read_text()
    for command in (["export"], ["generate_feedback", "04-matmul"]):
        run = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *command], cwd=out, env=env,
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stderr[-2000:]
    assert (out / "grades.csv").read_text() == ours and (out / "nbgrader_grades.csv").exists()
    pages = list((out / "feedback").glob("*/04-matmul/*.html"))
    assert len(pages) >= 3
    secrets = hidden_lines(["04-matmul"])
    for page in pages:
        text = page.read_text()
        assert not [line for line in secrets if line in text], f"nbgrader's feedback {page} shows a hidden test"


def test_hand_grades_and_comments_from_formgrader_reach_export_and_feedback(batch, tmp_path):
    from nbgrader.api import Gradebook

    out = tmp_path / "out"
    shutil.copytree(batch["out"], out)
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "course") as gradebook:  # what formgrader's API writes
        notebook = gradebook.find_submission_notebook("hybrids", "10-hybrids", "honest-wrong")
        failed = next(g for g in notebook.grades if g.score < g.max_score)
        failed.manual_score = failed.max_score
        comment = notebook.comments[0]
        comment.manual_comment = "Nice use of a ratio here."
        gradebook.db.commit()
        name = failed.name
    for command in ("export", "feedback"):
        run = subprocess.run([*GRADER, command, str(out)], capture_output=True, text=True, cwd=ROOT)
        assert run.returncode == 0, run.stderr
    row = grades(out)["honest-wrong"]
    assert float(row["score"]) == FULL and float(row[f"10-hybrids:{name}"]) > 0
    page = (out / "feedback" / "honest-wrong" / "10-hybrids.html").read_text()
    assert "Nice use of a ratio here." in page and f"{FULL:g} / {FULL:g}" in page


def test_feedback_pages_render_markdown_and_math_and_load_nothing_from_outside(batch):
    import re as regex

    page = (batch["out"] / "feedback" / "honest-solution" / "10-hybrids.html").read_text()
    assert "<h2>" in page.split("Your notebook", 1)[1]  # the notebook's Markdown headings, rendered
    assert "\\(" in page or "\\[" in page  # math, typeset by MathJax
    assert (batch["out"] / "feedback" / "_mathjax" / "tex-svg.js").is_file()
    outside = regex.findall(r"""(?:src|href)\s*=\s*['"]?(?:https?:)?//""", page)
    assert not outside, outside
    assert "Comments from your instructor" in page
    failed = (batch["out"] / "feedback" / "honest-wrong" / "10-hybrids.html").read_text()
    assert "0 / 3" in failed or "0 / 2" in failed  # a failed test reads as no points earned


def test_grader_check_gives_the_learner_the_score_autograde_gives(batch):
    """The self-study journey: the same notebook, with a test deleted, scores the same in both."""
    student = "deleted-test"
    path = batch["folder"] / "submissions" / student / "10-hybrids" / "hybrids.ipynb"
    run = subprocess.run([*GRADER, "check", str(path)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    score = float(grades(batch["out"])[student]["score"])
    assert run.stdout.strip().splitlines()[-1] == f"score: {score:g} / {FULL:g}"
