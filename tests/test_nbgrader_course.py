"""An instructor's own nbgrader assignments, graded with `grader ... --course DIR` and with plain nbgrader.

tests/nbgrader_course/source/ holds two assignments written the way nbgrader's
documentation writes them: ps1 has two notebooks (problem1: 10 autograded
points, among them the documentation's `del squares` check; problem2: a
written answer graded by hand, 2 points, and 1 autograded point that reads
the image shipped beside the notebooks) and ps2 one (a manually graded code
answer, an autograded function with hidden tests, a task).  A small class
hands them in, with nbgrader's timestamp.txt, one notebook missing and one
late; both graders grade it and must agree on every automatic score, every
maximum, what waits for a person, and the times.
"""

import copy
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader import sandbox
from grader.cli import main
from grader.notebooks import nbgrader_meta, read_notebook
from grader.planted import solution_code

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "tests" / "nbgrader_course"
NBGRADER = str(Path(sys.executable).parent / "nbgrader")
DEADLINE = "2026-07-01T00:00+00:00"
ON_TIME, LATE = "2026-06-30 20:00:00 UTC", "2026-07-01 03:00:00 UTC"

SANDBOX, NO_SANDBOX_WHY = sandbox.available()
pytestmark = [pytest.mark.xdist_group("nbgrader-course"),
              pytest.mark.skipif(not SANDBOX, reason=f"no sandbox: {NO_SANDBOX_WHY}")]


def handed_in(assignment: str, notebook: str, answers: dict[str, str] | None = None):
    """The released notebook with the instructor's answers, some replaced (grade_id -> source), as a student saves it."""
    source = read_notebook(COURSE / "source" / assignment / f"{notebook}.ipynb")
    filled = copy.deepcopy(read_notebook(COURSE / "release" / assignment / f"{notebook}.ipynb"))
    solutions = {nbgrader_meta(c)["grade_id"]: c for c in source.cells if nbgrader_meta(c).get("solution")}
    for cell in filled.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in solutions:
            cell.source = solution_code(solutions[grade_id].source)
        if grade_id in (answers or {}):
            cell.source = answers[grade_id]
    return filled


# student -> assignment -> (timestamp, {notebook: answers to change}); a notebook left out is not handed in.
CLASS = {
    "alice": {"ps1": (ON_TIME, {"problem1": {}, "problem2": {}}), "ps2": (ON_TIME, {"ps2": {}})},
    "bob": {"ps1": (LATE, {"problem1": {"squares": "def squares(n):\n    if n < 1:\n        raise ValueError(n)\n    return [i ** 2 for i in range(n)]\n"}})},
    "carol": {
        "ps1": (ON_TIME, {"problem1": {"sum_of_squares": "def sum_of_squares(n):\n    return n * (n + 1) * (2 * n + 1) // 6\n",
                                       "correct_squares": "pass  # a test cell, emptied"},
                          "problem2": {"image_header": "def image_header():\n    return b'GIF89a'\n",
                                       "growth_answer": "YOUR ANSWER HERE"}}),
        "ps2": (LATE, {"ps2": {"variance": "def variance(values):\n    return max(values) - min(values)\n"}}),
    },
}


def write_class(folder: Path) -> Path:
    for student, assignments in CLASS.items():
        for assignment, (timestamp, notebooks) in assignments.items():
            target = folder / student / assignment
            target.mkdir(parents=True)
            (target / "timestamp.txt").write_text(timestamp)
            for notebook, answers in notebooks.items():
                nbformat.write(handed_in(assignment, notebook, answers), str(target / f"{notebook}.ipynb"))
    return folder


def nbgrader_run(folder: Path, *args: str) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    run = subprocess.run([NBGRADER, *args], cwd=folder, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-1500:] + run.stderr[-3000:]


@pytest.fixture(scope="module")
def graded(tmp_path_factory, nbgrader_class):
    """The class graded twice: by `grader autograde --course` into ours/ (conftest.py), by plain nbgrader into plain/."""
    folder = tmp_path_factory.mktemp("nbgrader-course")
    submissions, ours = nbgrader_class

    plain = folder / "plain"
    shutil.copytree(COURSE / "source", plain / "source")
    (plain / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "course"\n'
                                              'c.ExecutePreprocessor.timeout = 60\n')
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{plain / 'gradebook.db'}", "course") as gradebook:
        for assignment in ("ps1", "ps2"):
            gradebook.update_or_create_assignment(assignment, duedate="2026-07-01 00:00:00")
    shutil.copytree(submissions, plain / "submitted")
    for assignment in ("ps1", "ps2"):
        nbgrader_run(plain, "generate_assignment", assignment, "--force")
        nbgrader_run(plain, "autograde", assignment, "--force")
    return {"ours": ours, "plain": plain}


def gradebook_view(folder: Path) -> dict:
    """Per (student, assignment): notebooks' automatic scores and maxima, what waits for a person, the times."""
    from nbgrader.api import Gradebook, MissingEntry

    view = {}
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", "course") as gradebook:
        for student, assignments in CLASS.items():
            for assignment in assignments:
                try:
                    submission = gradebook.find_submission(assignment, student)
                except MissingEntry:
                    continue
                view[(student, assignment)] = {
                    "max_score": submission.max_score,
                    "auto_scores": {(n.name, g.name): (g.auto_score or 0.0, g.max_score)
                                    for n in submission.notebooks for g in n.grades if not g.needs_manual_grade},
                    "by_hand": sorted((n.name, g.name) for n in submission.notebooks for g in n.grades if g.needs_manual_grade),
                    "timestamp": submission.timestamp,
                    "seconds_late": submission.total_seconds_late,
                }
    return view


def grades_csv(folder: Path) -> dict:
    with open(folder / "grades.csv", newline="") as file:
        return {(row["student_id"], row["assignment"]): row for row in csv.DictReader(file)}


def test_grader_and_plain_nbgrader_agree(graded):
    ours, plain = gradebook_view(graded["ours"]), gradebook_view(graded["plain"])
    assert set(ours) == set(plain) == {(s, a) for s, assignments in CLASS.items() for a in assignments}
    for key in plain:
        assert ours[key] == plain[key], key


def test_every_notebook_counts_in_the_maximum_and_the_grades(graded):
    rows = grades_csv(graded["ours"])
    assert {key: float(row["max_score"]) for key, row in rows.items()} == {
        ("alice", "ps1"): 13, ("alice", "ps2"): 6, ("bob", "ps1"): 13, ("carol", "ps1"): 13, ("carol", "ps2"): 6}
    alice = rows[("alice", "ps1")]
    assert float(alice["score"]) == 11 and alice["status"] == "ok" and alice["needs_manual_grade"] == "True"
    assert float(alice["ps1:problem2:correct_image_header"]) == 1  # the image beside the notebooks was there
    assert float(alice["ps1:problem1:sum_of_squares_uses_squares"]) == 2  # nbgrader's `del squares` check
    bob = rows[("bob", "ps1")]
    assert bob["status"] == "missing" and float(bob["seconds_late"]) == 3 * 3600
    assert float(bob["ps1:problem1:correct_squares"]) == 0 and float(bob["ps1:problem1:squares_invalid_input"]) == 2
    assert float(bob["ps1:problem2:correct_image_header"]) == 0  # problem2 was not handed in: missing, alone
    carol = rows[("carol", "ps1")]
    assert float(carol["ps1:problem1:correct_squares"]) == 3  # emptying a test cell changes nothing
    assert float(carol["ps1:problem1:sum_of_squares_uses_squares"]) == 0
    assert float(carol["ps1:problem2:correct_image_header"]) == 0 and carol["timestamp"] == "2026-06-30 20:00:00"
    results = graded["ours"] / "results" / "bob" / "ps1"
    assert sorted(p.name for p in results.iterdir()) == ["problem1.json", "problem2.json"]
    assert sorted(p.name for p in (graded["ours"] / "feedback" / "alice" / "ps1").iterdir()) == [
        "problem1.html", "problem2.html"]


def test_written_answers_wait_for_formgrader_and_then_count(graded, tmp_path):
    from nbgrader.api import Gradebook

    out = tmp_path / "out"
    shutil.copytree(graded["ours"], out)
    page = (out / "feedback" / "alice" / "ps1" / "problem2.html").read_text()
    assert "to be graded by hand" in page and "There are $n$ terms" not in page.split("Your notebook")[0]
    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "course") as gradebook:  # what formgrader writes
        grade = gradebook.find_grade("growth_answer", "problem2", "ps1", "alice")
        grade.manual_score = 2
        grade.needs_manual_grade = False
        gradebook.db.commit()
    for command in ("export", "feedback"):
        assert main([command, str(out)]) == 0
    assert float(grades_csv(out)[("alice", "ps1")]["score"]) == 13
    assert "2 / 2" in (out / "feedback" / "alice" / "ps1" / "problem2.html").read_text()


def test_check_and_verify_work_on_an_assignment_of_several_notebooks(tmp_path, capsys):
    path = tmp_path / "problem2.ipynb"
    nbformat.write(handed_in("ps1", "problem2"), str(path))
    assert main(["check", "--course", str(COURSE), "--assignment", "ps1", str(path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "score: 1 / 3" and lines[0].startswith("hand  growth_answer")
    assert main(["verify", "--course", str(COURSE), "ps1"]) == 0
    assert "ok    ps1: solution scores full marks  (11 / 11, 2 by hand)" in capsys.readouterr().out


def test_a_course_folder_without_sources_is_a_clear_error(tmp_path, capsys):
    assert main(["release", "--course", str(tmp_path)]) == 2
    assert "no source/ folder" in capsys.readouterr().err
