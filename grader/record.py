"""Step 5, record: scores into nbgrader's gradebook (SQLite, one writer: the main thread).

nbgrader's SaveAutoGrades writes them, so `nbgrader export` and formgrader see
exactly what the grader decided.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from .collect import Submission
from .sanitize import nbgrader_resources


@dataclass(frozen=True)
class TestScore:
    name: str
    score: float
    max_score: float
    manual: bool = False  # graded by a person (nbgrader's manually graded answers and tasks), not by a test


@contextlib.contextmanager
def one_engine_per_gradebook():
    """Within the block, nbgrader's Gradebooks of one database share one SQLAlchemy engine.

    nbgrader opens a Gradebook for each step (its preprocessors included), and each makes an engine of its own,
    whose statement cache starts empty: about a fifth of this process's time per submission, and this process
    is the one that cannot be spread over a cluster (make bench's cluster model).
    """
    import nbgrader.api

    original, engines = nbgrader.api.create_engine, {}

    def create_engine(url, **options):
        key = (str(url), tuple(sorted(options.items())))
        if key not in engines:
            engines[key] = original(url, **options)
        return engines[key]

    nbgrader.api.create_engine = create_engine
    try:
        yield
    finally:
        nbgrader.api.create_engine = original
        for engine in engines.values():
            engine.dispose()


def register(db_url: str, submission: Submission) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, "course") as gradebook:
        gradebook.update_or_create_student(submission.student)
        gradebook.update_or_create_submission(submission.assignment, submission.student,
                                              timestamp=submission.timestamp)


def set_deadline(db_url: str, assignment: str, deadline) -> None:
    """The assignment's due date in the gradebook (naive UTC), where nbgrader's tools read it too."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, "course") as gradebook:
        gradebook.update_or_create_assignment(assignment, duedate=deadline)


def record_scores(db_url: str, submission: Submission, notebook,
                  late_penalty: str = "none") -> tuple[list[TestScore], float, float]:
    """Scores of the judged notebook (a failing test cell holds an error output) as stored, seconds late, penalty.

    The penalty is nbgrader's own LateSubmissionPlugin's (`late_penalty` is its
    method), stored on the submitted notebook as nbgrader autograde stores it.
    """
    from nbgrader.api import Gradebook
    from nbgrader.plugins import LateSubmissionPlugin
    from nbgrader.preprocessors import SaveAutoGrades

    resources = nbgrader_resources(db_url, submission.student, submission.assignment, submission.notebook)
    SaveAutoGrades().preprocess(notebook, resources)
    with Gradebook(db_url, "course") as gradebook:
        graded = gradebook.find_submission_notebook(submission.notebook, submission.assignment, submission.student)
        scores = _scores(graded)
        seconds_late = float(graded.assignment.total_seconds_late or 0)  # .assignment: the SubmittedAssignment
        penalty = 0.0
        if seconds_late > 0:
            penalty = float(LateSubmissionPlugin(penalty_method=late_penalty).late_submission_penalty(
                submission.student, sum(s.score for s in scores), seconds_late) or 0)
        graded.late_submission_penalty = penalty
        gradebook.db.commit()
    return scores, seconds_late, penalty


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
        return _scores(graded)


def _scores(graded) -> list[TestScore]:
    """The grades of a SubmittedNotebook; manual where the cell is an answer or a task, which a person grades."""
    by_hand = {c.name for c in graded.notebook.solution_cells} | {c.name for c in graded.notebook.task_cells}
    return [TestScore(g.name, float(g.score), float(g.max_score), g.name in by_hand) for g in graded.grades]


@dataclass(frozen=True)
class HandGrading:
    """What an instructor entered in formgrader for one submitted notebook."""

    scores: dict[str, float]  # grade id -> points to count (a manual score where one was given, plus extra credit)
    comments: dict[str, str]  # cell name -> the instructor's comment
    needs_manual_grade: bool


def hand_grading(gradebook, student: str, assignment: str, notebook: str) -> HandGrading | None:
    """Formgrader's manual scores and comments, from an open gradebook; None where it has no such submission."""
    from nbgrader.api import MissingEntry

    try:
        submitted = gradebook.find_submission_notebook(notebook, assignment, student)
    except MissingEntry:
        return None
    scores = {g.name: float(g.score) + float(g.extra_credit or 0) for g in submitted.grades}
    comments = {c.name: c.manual_comment for c in submitted.comments if c.manual_comment}
    return HandGrading(scores, comments, bool(submitted.needs_manual_grade))
