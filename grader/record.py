"""Step 5, record: scores into nbgrader's gradebook (SQLite, one writer: the main thread).

nbgrader's SaveAutoGrades writes them, so `nbgrader export` and formgrader see
exactly what the grader decided.
"""

from __future__ import annotations

from dataclasses import dataclass

from .collect import Submission
from .sanitize import nbgrader_resources


@dataclass(frozen=True)
class TestScore:
    name: str
    score: float
    max_score: float


def register(db_url: str, submission: Submission) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, "course") as gradebook:
        gradebook.update_or_create_student(submission.student)
        gradebook.update_or_create_submission(submission.assignment, submission.student)


def record_scores(db_url: str, submission: Submission, notebook) -> list[TestScore]:
    """Scores of the judged notebook (a failing test cell holds an error output), as stored."""
    from nbgrader.preprocessors import SaveAutoGrades

    resources = nbgrader_resources(db_url, submission.student, submission.assignment, submission.notebook)
    SaveAutoGrades().preprocess(notebook, resources)
    return stored_scores(db_url, submission)


def record_zero(db_url: str, submission: Submission) -> list[TestScore]:
    """A missing or unreadable notebook: every test scores 0 (as nbgrader does for missing files)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, "course") as gradebook:
        graded = gradebook.find_submission_notebook(submission.notebook, submission.assignment, submission.student)
        for grade in graded.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        gradebook.db.commit()
    return stored_scores(db_url, submission)


def stored_scores(db_url: str, submission: Submission) -> list[TestScore]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, "course") as gradebook:
        graded = gradebook.find_submission_notebook(submission.notebook, submission.assignment, submission.student)
        return [TestScore(g.name, float(g.score), float(g.max_score)) for g in graded.grades]
