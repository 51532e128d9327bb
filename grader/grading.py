"""Grade one student notebook against the hidden tests: `grader check`.

The pipeline, in order:
  1. read the student's notebook (clear error if missing or malformed);
  2. find its assignment;
  3. build a temporary nbgrader course from solutions/ (records hidden tests);
  4. submit the notebook and autograde it with nbgrader (tests restored from
     the gradebook, so editing the test cells changes nothing);
  5. read each test's score and error line back.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from .course import Course
from .notebooks import read_notebook
from .workspace import TestResult, Workspace

STUDENT = "self-study"


@dataclass(frozen=True)
class Report:
    assignment: str
    notebook: str
    tests: list[TestResult]

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)


def grade_in(workspace: Workspace, notebooks: dict[str, object]) -> dict[str, Report]:
    """Grade several versions of the assignment's notebook in a generated workspace.

    `notebooks` maps a label (used as the student id) to a notebook path or
    NotebookNode; every one is graded as the assignment's notebook of the
    same name as the source.
    """
    (source,) = workspace.course.source_notebooks(workspace.assignment)  # one notebook per assignment
    reports = {}
    for label, notebook in notebooks.items():
        workspace.submit(label, notebook, source.stem)
        workspace.autograde(label)
        reports[label] = Report(workspace.assignment, source.stem, workspace.results(label, source.stem))
    return reports


def grade_notebooks(course: Course, assignment: str, notebooks: dict[str, object], cell_timeout: int = 30) -> dict[str, Report]:
    """grade_in() a fresh nbgrader course of its own."""
    with tempfile.TemporaryDirectory(prefix="grader-") as folder:
        workspace = Workspace(course, assignment, Path(folder), cell_timeout=cell_timeout)
        workspace.generate()
        return grade_in(workspace, notebooks)


def check_notebook(course: Course, path: Path, assignment: str | None = None, cell_timeout: int = 30) -> Report:
    notebook = read_notebook(path)
    assignment = course.check_assignment(assignment) if assignment else course.assignment_for(Path(path).resolve())
    return grade_notebooks(course, assignment, {STUDENT: notebook}, cell_timeout)[STUDENT]


def format_score(value: float) -> str:
    return f"{value:g}"


def format_report(report: Report) -> list[str]:
    """One line per test, then 'score: X / Y' as the last line."""
    width = max((len(t.name) for t in report.tests), default=0)
    lines = []
    for test in report.tests:
        verdict = "pass" if test.passed else "FAIL"
        line = f"{verdict}  {test.name:<{width}}  {format_score(test.score)} / {format_score(test.max_score)}"
        if not test.passed:
            line += f"  {test.error or 'no error was raised, but the cell did not earn its points'}"
        lines.append(line)
    lines.append(f"score: {format_score(report.score)} / {format_score(report.max_score)}")
    return lines
