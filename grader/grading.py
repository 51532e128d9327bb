"""`grader check`: one notebook through the grading pipeline, for self-study.

The same engine as `grader autograde` (pipeline.py), on a class of one, in a
temporary folder: sandboxed where bubblewrap can make a sandbox, otherwise
unsandboxed (the learner's own code, on the learner's own machine) and the
command says so.  Its output holds only student-safe text (judge.py).
"""

from __future__ import annotations

from pathlib import Path

from . import sandbox
from .course import Course
from .notebooks import read_notebook
from .pipeline import grade_notebooks
from .report import Outcome

STUDENT = "self-study"


def check_notebook(course: Course, path: Path, assignment: str | None = None, cell_timeout: int = 30,
                   use_sandbox: bool = True) -> Outcome:
    notebook = read_notebook(path)
    assignment, name = course.locate(Path(path).resolve(), course.check_assignment(assignment) if assignment else None)
    limits = sandbox.Limits(cell_timeout=cell_timeout)
    return grade_notebooks(course, assignment, {STUDENT: {name: notebook}}, limits=limits,
                           use_sandbox=use_sandbox)[STUDENT]


def format_score(value: float) -> str:
    return f"{value:g}"


def format_report(outcome: Outcome) -> list[str]:
    """One line per test, then 'score: X / Y' as the last line."""
    width = max((len(t.name) for t in outcome.tests), default=0)
    lines = []
    for test in outcome.tests:
        mark = "pass" if test.passed else "hand" if test.manual else "FAIL"
        line = f"{mark}  {test.name:<{width}}  {format_score(test.score)} / {format_score(test.max_score)}"
        if not test.passed:
            line += f"  {test.message}"
        lines.append(line)
    if outcome.status != "ok":
        lines.append(f"status: {outcome.status}")
    lines.append(f"score: {format_score(outcome.score)} / {format_score(outcome.max_score)}")
    return lines
