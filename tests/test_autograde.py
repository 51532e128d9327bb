"""`grader autograde` against a class of attacks, graded together in one sandboxed run.

Each attack is a small notebook with the score and status it must end with.
They are graded in one batch beside honest submissions, so the test also
checks that no attack disturbs the others' grades.  Exercise 08-hybrids
(plain Python: fast kernels) carries most attacks; 01-matmul the ones aimed
at numpy's assertion helpers.
"""

import copy
import csv
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
from grader.planted import solution_code

ROOT = Path(__file__).resolve().parent.parent
COURSE = Course(ROOT)
GRADER = [sys.executable, "-m", "grader.cli"]
FULL = 10.0  # both assignments are worth 10 points

SANDBOX, NO_SANDBOX_WHY = sandbox.available()
pytestmark = [
    pytest.mark.xdist_group("autograde"),
    pytest.mark.skipif(not SANDBOX, reason=f"no sandbox: {NO_SANDBOX_WHY}"),
]


def released(assignment):
    (source,) = COURSE.source_notebooks(assignment)
    return read_notebook(COURSE.exercises / assignment / source.name)


def answers(assignment):
    (source,) = COURSE.source_notebooks(assignment)
    return {gid: solution_code(c.source) for gid, c in solution_cells(read_notebook(source)).items()}


def notebook(assignment, replace=None, before="", after=""):
    """The released notebook with the solution's answers, some replaced, and extra code cells."""
    nb = copy.deepcopy(released(assignment))
    code = {**answers(assignment), **(replace or {})}
    for grade_id, cell in solution_cells(nb).items():
        cell.source = code[grade_id]
    first_solution = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("solution"))
    if before:
        nb.cells.insert(first_solution, nbformat.v4.new_code_cell(before))
    if after:
        nb.cells.append(nbformat.v4.new_code_cell(after))
    return nb


WRONG_PATTERN = {"layer-pattern": "def layer_pattern(n_layers, attention_every):\n    return ['mamba'] * n_layers\n"}
WRONG_TILED = {"tiled-matmul": "import numpy as np\n\ndef tiled_matmul(A, B, tile=32):\n"
               "    if A.shape[1] != B.shape[0]:\n        raise ValueError('shapes')\n"
               "    return np.zeros((A.shape[0], B.shape[1]))\n"}
WRONG_SCAN = {"selective-scan": "import torch\n\ndef selective_scan(u, delta, A, B, C, D=None):\n"
              "    return torch.zeros_like(u)\n"}
# Points lost by WRONG_PATTERN / WRONG_TILED alone: 3 (test-layer-pattern) and 5 (shapes 3 + dtypes 2).


def attacks(port: int = 9):
    """student id -> (assignment, notebook or raw bytes or None, expected status, expected score)."""
    h, m, s7 = "08-hybrids", "01-matmul", "07-selective-scan"
    patched_bodies = {
        "layer-pattern": "import builtins\n"
        "def layer_pattern(n_layers, attention_every):\n"
        "    builtins.all = lambda *a: True\n"  # patched at call time, inside the test
        "    builtins.sorted = lambda x, **k: list(x)\n"
        "    return ['mamba'] * n_layers\n"
    }
    steal = {"layer-pattern": WRONG_PATTERN["layer-pattern"] + (
        "\nimport glob, json, sqlite3\n"
        f"for path in glob.glob('/work/**/solutions/08-hybrids/*.ipynb', recursive=True) + [{str(ROOT / 'solutions' / '08-hybrids' / 'hybrids.ipynb')!r}]:\n"
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
    return {
        "honest-solution": (h, notebook(h), "ok", FULL),
        "honest-wrong": (h, notebook(h, WRONG_PATTERN), "ok", FULL - 3),
        "patch-assert-helpers": (m, notebook(m, WRONG_TILED, before=(
            "import numpy as np, numpy.testing\n"
            "np.testing.assert_allclose = lambda *a, **k: None\nnp.allclose = lambda *a, **k: True\n"
            "np.isclose = lambda *a, **k: True\n")), "ok", FULL - 5),
        "patch-inside-function": (m, notebook(m, {"tiled-matmul": (
            "import numpy as np\n\ndef tiled_matmul(A, B, tile=32):\n"
            "    import numpy.testing\n    numpy.testing.assert_allclose = lambda *a, **k: None\n"
            "    if A.shape[1] != B.shape[0]:\n        raise ValueError('shapes')\n"
            "    return np.zeros((A.shape[0], B.shape[1]))\n")}), "ok", FULL - 5),
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
        (source,) = COURSE.source_notebooks(assignment)
        target = folder / student / assignment / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            continue
        target.write_bytes(content if isinstance(content, bytes) else nbformat.writes(content).encode())
    return cases


def grades(out: Path) -> dict:
    with open(out / "grades.csv") as file:
        return {row["student_id"]: row for row in csv.DictReader(file)}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One autograde run over all attacks, with a listening socket the sandbox must not reach."""
    folder = tmp_path_factory.mktemp("class")
    connections = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    cases = write_submissions(folder / "submissions", server.getsockname()[1])
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
                          "--timeout", "8", "--memory", "2048"], capture_output=True, text=True, cwd=ROOT)
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
    assert row["assignment"] == assignment
    assert (row["status"], float(row["score"])) == (status, score), (Path(batch["out"] / "logs" / student /
                                                                          f"{assignment}.log").read_text())
    assert float(row["max_score"]) == FULL


def test_every_status_is_one_of_the_documented_ones(batch):
    from grader.autograde import STATUSES

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


def test_feedback_and_logs_leak_no_hidden_test(batch):
    secrets = set()  # hidden-test lines (the solutions' lines are in honest students' own code)
    shown = "".join(nbformat.writes(released(a)) for a in ("08-hybrids", "01-matmul"))  # no secret: on show
    for assignment in ("08-hybrids", "01-matmul"):
        (source,) = COURSE.source_notebooks(assignment)
        for cell in grade_cells(read_notebook(source)).values():
            hidden = cell.source.partition("### BEGIN HIDDEN TESTS")[2].partition("### END HIDDEN TESTS")[0]
            secrets |= {line.strip() for line in hidden.splitlines() if len(line.strip()) >= 16 and line.strip() not in shown}
    assert secrets
    pages = list((batch["out"] / "feedback").rglob("*.html")) + list((batch["out"] / "logs").rglob("*.log"))
    assert len(pages) >= 2 * len(batch["cases"])
    for page in pages:
        text = page.read_text()
        leaked = [line for line in secrets if line in text]
        assert not leaked, f"{page.name} shows hidden test lines: {leaked[:2]}"
    huge = batch["out"] / "feedback" / "huge-output" / "08-hybrids.html"
    assert huge.stat().st_size < 2_000_000


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
    (results / "honest-wrong" / "08-hybrids.json").unlink()  # as if killed before this one finished
    (results / "sys-exit" / "08-hybrids.json").write_text('{"truncated')  # a torn write
    changed = batch["folder"] / "submissions" / "honest-solution" / "08-hybrids" / "hybrids.ipynb"
    original = changed.read_bytes()
    changed.write_bytes(nbformat.writes(notebook("08-hybrids", WRONG_PATTERN)).encode())
    try:
        run = subprocess.run([*GRADER, "autograde", str(batch["folder"] / "submissions"), "--out", str(out),
                              "--jobs", "2", "--timeout", "8", "--memory", "2048", "--assignment", "08-hybrids"],
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
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for student in ("honest-solution", "honest-wrong"):
            path = batch["folder"] / "submissions" / student / "08-hybrids" / "hybrids.ipynb"
            zipped.write(path, f"{student.replace('-', '')}_12345_67890_hybrids.ipynb")
        zipped.writestr("../../escape_hybrids.ipynb", "{}")  # a hostile name: read, never extracted
    out = tmp_path / "out"
    run = subprocess.run([*GRADER, "autograde", str(archive), "--out", str(out), "--jobs", "2"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    rows = grades(out)
    assert float(rows["honestsolution"]["score"]) == FULL
    assert float(rows["honestwrong"]["score"]) == FULL - 3
    assert rows["escape"]["status"] == "invalid_notebook"
    assert not (tmp_path.parent / "escape_hybrids.ipynb").exists()


def test_every_shipped_exercise_grades_the_same_as_grader_verify(tmp_path):
    """Solutions full, releases 0, planted answers as `grader verify` says: replay must not change a verdict."""
    from grader.planted import build_notebook, planted_submissions

    expected = {}
    for assignment in COURSE.assignments():
        (source,) = COURSE.source_notebooks(assignment)
        planted = planted_submissions(COURSE, assignment)
        correct = [p for p in planted if p.should_pass][:1]
        wrong = [p for p in planted if not p.should_pass][:2]
        notebooks = {"solution": read_notebook(source), "release": released(assignment)}
        notebooks |= {p.label: build_notebook(COURSE, assignment, p) for p in correct + wrong}
        for student, nb in notebooks.items():
            target = tmp_path / "class" / student / assignment / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(target))
            should_pass = student == "solution" or student.startswith("correct")
            expected[(student, assignment)] = "full" if should_pass else ("zero" if student == "release" else "below")
    out = tmp_path / "out"
    run = subprocess.run([*GRADER, "autograde", str(tmp_path / "class"), "--out", str(out), "--jobs", "2"],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    with open(out / "grades.csv") as file:
        rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(file)}
    for key, want in expected.items():
        row = rows[key]
        score, top = float(row["score"]), float(row["max_score"])
        got = "full" if score == top else ("zero" if score == 0 else "below")
        if want == "below":
            assert got != "full", f"{key}: a planted wrong answer scored full"
        else:
            assert got == want, f"{key}: expected {want}, got {score}/{top}\n" + (
                out / "logs" / key[0] / f"{key[1]}.log").read_text()
        assert row["status"] == "ok" and (out / "feedback" / key[0] / f"{key[1]}.html").exists()
