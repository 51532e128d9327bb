"""The grader CLI: release, check and verify, on exercise 04-matmul and its planted submissions."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader import GraderError
from grader.cli import main
from grader.planted import answered_notebook, build_notebook, parse, solution_answers
from grader.release import leaked_lines, stale_notebooks
from grader.notebooks import read_notebook

ASSIGNMENT = "04-matmul"
ODD_NOTEBOOK = "could not be read as a notebook"  # valid JSON, but not nbformat's
GRADER = Path(sys.executable).parent / "grader"


def run_grader(*args, cwd):
    """Run the installed console script as a learner would (no activated venv)."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/bin:/bin"
    return subprocess.run([str(GRADER), *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300)


# -- grader check -------------------------------------------------------------------


def test_check_solution_scores_full_marks(course):
    result = run_grader("check", "solutions/10-hybrids/hybrids.ipynb", cwd=course.root)  # the quickest to grade
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "score: 10 / 10"
    assert len(lines) == 1 + 4 and all(line.startswith("pass  test-") for line in lines[:-1])


def test_check_released_notebook_scores_zero(course):
    result = run_grader("check", "exercises/10-hybrids/hybrids.ipynb", cwd=course.root)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "score: 0 / 10"
    assert all("NotImplementedError" in line for line in lines[:-1])


@pytest.mark.parametrize(
    "make_path, message",
    [
        (lambda tmp: tmp / "nowhere.ipynb", "no such notebook"),
        (lambda tmp: tmp, "is a folder"),
        (lambda tmp: (tmp / "notes.txt").write_text("hi") and tmp / "notes.txt", "not a notebook"),
        (lambda tmp: (tmp / "broken.ipynb").write_text("{ not json") and tmp / "broken.ipynb", "not valid notebook JSON"),
        (lambda tmp: (tmp / "odd.ipynb").write_text('{"cells": 3}') and tmp / "odd.ipynb", ODD_NOTEBOOK),
    ],
    ids=["missing", "folder", "not-ipynb", "bad-json", "bad-schema"],
)
def test_check_bad_notebooks_get_a_clear_error(course, tmp_path, capsys, make_path, message):
    path = make_path(tmp_path)
    code = main(["check", str(path), "--assignment", ASSIGNMENT])
    err = capsys.readouterr().err
    assert code == 2
    assert "grader: error:" in err and message in err and "Traceback" not in err


def test_check_unknown_assignment(course, capsys):
    code = main(["check", str(course.exercises / ASSIGNMENT / "matmul.ipynb"), "--assignment", "99-nope"])
    assert code == 2 and "unknown assignment '99-nope'" in capsys.readouterr().err


def test_check_notebook_outside_its_folder_is_found_by_name(course, tmp_path, capsys):
    copy = tmp_path / "matmul.ipynb"
    copy.write_text((course.exercises / ASSIGNMENT / "matmul.ipynb").read_text())
    assert main(["check", str(copy)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "score: 0 / 12"


def test_check_unrecognised_notebook_name(course, tmp_path, capsys):
    other = tmp_path / "homework.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), str(other))
    assert main(["check", str(other)]) == 2
    assert "cannot tell which assignment" in capsys.readouterr().err


# -- planted submissions: the heart of "exercises are honest" -----------------------


def test_planted_file_format(tmp_path, course):
    path = tmp_path / "wrong_example.py"
    path.write_text('"""doc"""\n# fails: test-a test-b\n\n# %% matmul-flops\ndef matmul_flops(m, k, n):\n    return 0\n')
    planted = parse(path)
    assert planted.must_fail == ("test-a", "test-b") and not planted.should_pass
    assert planted.sections["matmul-flops"].startswith("def matmul_flops")
    path.write_text("# %% no-such-cell\nx = 1\n")
    with pytest.raises(GraderError, match="no solution cell named no-such-cell"):
        build_notebook(course, ASSIGNMENT, parse(path))


def test_a_planted_section_can_replace_one_definition_of_a_cell(tmp_path, course):
    """`# %% <grade_id> <name>` swaps one function of a cell that defines several; the rest is the instructor's."""
    path = tmp_path / "wrong_example.py"
    path.write_text("# %% hybrid-stack state_bytes\ndef state_bytes(states):\n    return [0]\n")
    cell = next(c for c in build_notebook(course, "10-hybrid-stack", parse(path)).cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "hybrid-stack")
    instructor = solution_answers(course, "10-hybrid-stack")["hybrid-stack"]
    assert "    return [0]" in cell.source and "return [size(s) for s in states]" not in cell.source
    assert cell.source.partition("def state_bytes")[0] == instructor.partition("def state_bytes")[0]
    path.write_text("# %% hybrid-stack no_such_function\ndef no_such_function():\n    pass\n")
    with pytest.raises(GraderError, match="no top-level definition 'no_such_function'"):
        build_notebook(course, "10-hybrid-stack", parse(path))


# -- release and verify ------------------------------------------------------------


def test_released_exercises_are_current_and_leak_nothing(course):
    assert stale_notebooks(course, ASSIGNMENT) == []
    assert leaked_lines(course, ASSIGNMENT) == []
    text = (course.exercises / ASSIGNMENT / "matmul.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "HIDDEN"):
        assert marker not in text


def test_leak_check_catches_a_hand_edited_release(course, tmp_path):
    from grader.course import Course

    fake = Course(tmp_path)
    for folder in ("solutions", "exercises"):
        (tmp_path / folder / ASSIGNMENT).mkdir(parents=True)
        (tmp_path / folder / ASSIGNMENT / "matmul.ipynb").write_text(
            (course.root / folder / ASSIGNMENT / "matmul.ipynb").read_text()
        )
    released = read_notebook(tmp_path / "exercises" / ASSIGNMENT / "matmul.ipynb")
    released.cells[3].source += "\n    return 2 * m * k * n"
    nbformat.write(released, str(tmp_path / "exercises" / ASSIGNMENT / "matmul.ipynb"))
    assert any("2 * m * k * n" in line for line in leaked_lines(fake, ASSIGNMENT))


def test_release_regenerates_exercises_identically(course, tmp_path):
    from grader.course import Course
    from grader.release import release

    (tmp_path / "solutions").symlink_to(course.solutions)
    fake = Course(tmp_path)
    (path,) = release(fake, ASSIGNMENT)
    ours = json.loads(path.read_text())
    committed = json.loads((course.exercises / ASSIGNMENT / "matmul.ipynb").read_text())
    strip = lambda nb: [{k: v for k, v in c.items() if k != "id"} for c in nb["cells"]]
    assert strip(ours) == strip(committed)


# The score `grader verify` gives this planted answer: test_exercises checks it there (verify runs once per run).
PLANTED_BPE = ("wrong_train_first_seen_tie.py", "2 / 8")


def test_check_scores_a_planted_answer_as_verify_does(course, tmp_path):
    """One engine: `grader check` on a planted answer gives the score `grader verify` reports for it."""
    name, score = PLANTED_BPE
    path = tmp_path / "bpe.ipynb"
    nbformat.write(build_notebook(course, "05-bpe", parse(course.planted_submissions / "05-bpe" / name)), str(path))
    checked = run_grader("check", str(path), cwd=course.root).stdout.strip().splitlines()[-1]
    assert checked == f"score: {score}"


def test_verify_prints_one_line_per_check_and_a_verdict(monkeypatch, capsys):
    from grader import verify as verify_module
    from grader.verify import Finding, Verification

    findings = [Finding("05-bpe", "solution scores full marks", True),
                Finding("05-bpe", "wrong_x.py loses marks", False, "scored 8 / 8")]
    monkeypatch.setattr(verify_module, "verify", lambda course, assignments: Verification(findings))
    assert main(["verify", "05-bpe"]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == ["ok    05-bpe: solution scores full marks", "FAIL  05-bpe: wrong_x.py loses marks  (scored 8 / 8)",
                     "verify: some checks FAILED"]


def submission_with(course, grade_id, code, tmp_path):
    """The released notebook with the solution's answers and `code` in the answer cell `grade_id`, as matmul.ipynb."""
    path = tmp_path / "matmul.ipynb"
    nbformat.write(answered_notebook(course, ASSIGNMENT, {grade_id: code}), str(path))
    return path


def test_check_reports_an_endless_loop_as_a_timeout(course, tmp_path, capsys):
    path = submission_with(course, "matmul-flops", "def matmul_flops(m, k, n):\n    while True:\n        pass\n", tmp_path)
    assert main(["check", str(path), "--timeout", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "TimeoutError: the cell ran longer than the 2 s limit" in lines[0]
    assert lines[-2:] == ["status: timeout", "score: 10 / 12"]


def test_check_explains_a_dead_kernel(course, tmp_path, capsys):
    path = submission_with(course, "arithmetic-intensity", "import os\nos._exit(0)\n", tmp_path)
    assert main(["check", str(path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-2] == "status: kernel_died"
    assert "DeadKernelError: the kernel died while running this cell" not in "".join(lines)  # an answer cell, not a test
    assert lines[1].startswith("FAIL  test-arithmetic-intensity") and "NameError" in lines[1]


def test_harmless_stderr_output_does_not_cost_marks(course, tmp_path, capsys):
    """Plain nbgrader scores a test cell 0 when anything reaches stderr; ours must not."""
    noisy_wrapper = (
        "\n_quiet_tiled_matmul = tiled_matmul\n"
        "def tiled_matmul(A, B, tile=32):\n"
        "    import sys, warnings\n"
        "    warnings.warn('harmless', RuntimeWarning)\n"
        "    print('debug output', file=sys.stderr)\n"
        "    return _quiet_tiled_matmul(A, B, tile)\n"
    )
    answer = solution_answers(course, ASSIGNMENT)["tiled-matmul"]
    path = submission_with(course, "tiled-matmul", answer + noisy_wrapper, tmp_path)
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "score: 12 / 12"


def test_check_without_a_sandbox_grades_the_same(course):
    """Where bubblewrap is missing (macOS, some containers), `grader check` runs the learner's code unsandboxed."""
    from grader.grading import check_notebook, format_report

    outcome = check_notebook(course, course.notebook("10-hybrids"), use_sandbox=False)
    assert format_report(outcome)[-1] == "score: 10 / 10"


def test_the_gradebook_schema_version_is_what_nbgrader_asks_alembic_for():
    """prepare_nbgrader answers nbgrader's `alembic heads` question in-process: the same revision."""
    from nbgrader.dbutil import _temp_alembic_ini

    from grader.workspace import alembic_head

    alembic = Path(sys.executable).parent / "alembic"
    with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
        printed = subprocess.check_output([str(alembic), "-c", ini, "heads"], text=True)
    assert alembic_head() == printed.split()[0]


def test_grader_processes_skip_the_slow_iri_format_checker():
    """Importing the grader keeps jsonschema from building rfc3987_syntax's parsers (about 1 s a process)."""
    code = "import grader, nbformat, sys; print(sys.modules.get('rfc3987_syntax'))"
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert printed.strip() == "None"


@pytest.mark.skipif(not __import__("grader.sandbox").sandbox.available()[0], reason="no sandbox here")
def test_graded_code_cannot_import_a_shortcut(tmp_path):
    """Inside the sandbox the libraries that would do an exercise's work (a byte-pair tokenizer) and the
    chapter code that `make sync` copies into coursekit (the Chinchilla split, scans, a training loop) are
    empty; coursekit's plumbing and the course's libraries stay."""
    from grader import sandbox

    probe = (
        "import importlib\n"
        "for name in ('tokenizers', 'tiktoken', 'sentencepiece', 'coursekit.scaling', 'coursekit.training',"
        " 'coursekit.mixers', 'coursekit.ssm', 'coursekit.text', 'coursekit.memory'):\n"
        "    try:\n"
        "        module = importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        continue\n"
        "    public = [n for n in dir(module) if not n.startswith('_')]\n"
        "    print('visible' if public else 'empty', name)\n"
        "import coursekit, torch, numpy, pathlib\n"
        "print('plumbing', callable(coursekit.benchmark))\n"
        "cache = pathlib.Path(coursekit.__file__).parent / '__pycache__'\n"
        "print('visible compiled', sorted(p.name for p in cache.glob('*.pyc')) if cache.is_dir() else [])\n"
    )
    run = subprocess.run(
        sandbox.bwrap_prefix(tmp_path, 0) + [sys.executable, "-c", probe], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "visible " not in run.stdout.replace("visible compiled []", ""), run.stdout
    assert "plumbing True" in run.stdout
