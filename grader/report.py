"""Step 6, report: feedback page, log, and last the result file, each written atomically.

The result file's presence means "this submission is graded": a run killed
at any point leaves either the old result or the new one, never half of one.
grades.csv is rebuilt from all result files.  What a student receives (the
feedback page, and grades.csv if the instructor shares it) holds only
student-safe text (see judge.py); the log is the instructor's and keeps
everything.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .collect import Submission
from .feedback import feedback_html, install_mathjax
from .notebooks import read_notebook, write_atomically
from .record import HandGrading, hand_grading

STATUSES = ("ok", "timeout", "memory", "kernel_died", "invalid_notebook", "missing")
CSV_FIELDS = ("student_id", "assignment", "score", "max_score", "status", "seconds", "needs_manual_grade",
              "timestamp", "seconds_late", "late_penalty")


@dataclass(frozen=True)
class TestResult:
    """One test's outcome as a student may see it."""

    __test__ = False  # not a pytest class, despite its name

    name: str
    score: float
    max_score: float
    message: str | None = None  # student-safe; None when passed
    manual: bool = False  # graded by a person in formgrader (a written answer, a task), not by a test

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score


@dataclass
class Outcome:
    submission: Submission
    status: str
    seconds: float
    tests: list[TestResult] = field(default_factory=list)
    reused: bool = False
    comments: dict[str, str] = field(default_factory=dict)  # formgrader's, by cell name
    needs_manual_grade: bool = False
    seconds_late: float = 0.0
    late_penalty: float = 0.0  # nbgrader's LateSubmissionPlugin's, taken off the tests' total

    @property
    def score(self) -> float:
        return max(0.0, sum(t.score for t in self.tests) - self.late_penalty)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)


def result_path(root: Path, submission: Submission) -> Path:
    """DIR/results/<student>/<assignment>.json (<assignment>/<notebook>.json in an assignment of several notebooks)."""
    return root / "results" / submission.student / f"{submission.name}.json"


def combined(outcomes: list[Outcome]) -> Outcome:
    """One assignment's outcome from those of its notebooks, in order (a test is named <notebook>:<grade id>).

    Its status is the first that is not "ok" (each notebook's own is in its
    result file); points, seconds and late penalties add up, as nbgrader's do.
    """
    if len(outcomes) == 1:
        return outcomes[0]
    tests = [replace(t, name=f"{o.submission.notebook}:{t.name}") for o in outcomes for t in o.tests]
    comments = {f"{o.submission.notebook}:{name}": text for o in outcomes for name, text in o.comments.items()}
    status = next((o.status for o in outcomes if o.status != "ok"), "ok")
    return Outcome(outcomes[0].submission, status, round(sum(o.seconds for o in outcomes), 2), tests,
                   all(o.reused for o in outcomes), comments, any(o.needs_manual_grade for o in outcomes),
                   max(o.seconds_late for o in outcomes), sum(o.late_penalty for o in outcomes))


def write_report(root: Path, outcome: Outcome, key: str, log_lines: list[str], html: str) -> None:
    s = outcome.submission
    install_mathjax(root / "feedback")
    write_atomically(root / "feedback" / s.student / f"{s.name}.html", html)
    write_atomically(root / "logs" / s.student / f"{s.name}.log", "\n".join(log_lines) + "\n")
    result = {"student_id": s.student, "assignment": s.assignment, "notebook": s.notebook, "notebooks": s.notebooks,
              "score": outcome.score,
              "max_score": outcome.max_score, "status": outcome.status, "seconds": outcome.seconds,
              "tests": [asdict(t) for t in outcome.tests], "key": key,
              "timestamp": s.timestamp.isoformat(sep=" ") if s.timestamp else "",
              "seconds_late": outcome.seconds_late, "late_penalty": outcome.late_penalty,
              "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    write_atomically(result_path(root, s), json.dumps(result, indent=1))


def outcome_of(data: dict, submission: Submission) -> Outcome:
    return Outcome(submission, data["status"], data["seconds"], [TestResult(**t) for t in data["tests"]], reused=True,
                   seconds_late=data.get("seconds_late") or 0.0, late_penalty=data.get("late_penalty") or 0.0)


def read_outcome(root: Path, submission: Submission) -> Outcome:
    return outcome_of(json.loads(result_path(root, submission).read_text()), submission)


def with_hand_grading(outcome: Outcome, grading: HandGrading | None) -> Outcome:
    """The outcome with formgrader's manual scores in place of the automatic ones (and its comments)."""
    if grading is None:
        return outcome
    tests = []
    for test in outcome.tests:
        score = grading.scores.get(test.name, test.score)
        tests.append(TestResult(test.name, score, test.max_score, None if score >= test.max_score else
                                (test.message if score == test.score else "graded by hand")))
    return replace(outcome, tests=tests, comments=grading.comments, needs_manual_grade=grading.needs_manual_grade)


def graded_outcomes(root: Path) -> list[tuple[dict, Outcome]]:
    """Every result file in DIR/results with its outcome, hand grades from the gradebook applied."""
    from contextlib import nullcontext

    from nbgrader.api import Gradebook

    root, found = Path(root), []
    database = root / "gradebook.db"
    # One connection for every result: grades.csv is rebuilt at the end of each autograde run.
    with Gradebook(f"sqlite:///{database}", "course") if database.exists() else nullcontext() as gradebook:
        for path in sorted((root / "results").glob("*/**/*.json")):
            try:
                data = json.loads(path.read_text())
                submission = Submission(data["student_id"], data["assignment"], data["notebook"], None,
                                        notebooks=int(data.get("notebooks", 1)))
                outcome = outcome_of(data, submission)
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a torn or foreign file: the next autograde run redoes it
            grading = None if gradebook is None else hand_grading(gradebook, submission.student,
                                                                  submission.assignment, submission.notebook)
            found.append((data, with_hand_grading(outcome, grading)))
    return found


def write_grades_csv(root: Path) -> Path:
    """DIR/grades.csv from every result file in DIR/results, with formgrader's hand grades (atomically).

    One row per submission (of all an assignment's notebooks): the fixed
    CSV_FIELDS, then one column per test, "<assignment>:<grade id>" (or
    "<assignment>:<notebook>:<grade id>" in an assignment of several notebooks),
    holding its points (empty for other assignments).
    """
    rows, tests, by_submission = [], {}, {}
    for data, outcome in graded_outcomes(root):
        by_submission.setdefault((data["student_id"], data["assignment"]), []).append((data, outcome))
    for parts in by_submission.values():
        data, outcome = parts[0][0], combined([o for _, o in parts])
        row = {"student_id": data["student_id"], "assignment": data["assignment"], "score": outcome.score,
               "max_score": outcome.max_score, "status": outcome.status, "seconds": outcome.seconds,
               "needs_manual_grade": outcome.needs_manual_grade, "timestamp": data.get("timestamp", ""),
               "seconds_late": outcome.seconds_late, "late_penalty": outcome.late_penalty}
        for test in outcome.tests:
            column = f"{data['assignment']}:{test.name}"
            tests[column] = None
            row[column] = test.score
        rows.append(row)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*CSV_FIELDS, *sorted(tests)])
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: (r["student_id"], r["assignment"])))
    write_atomically(Path(root) / "grades.csv", buffer.getvalue())
    return Path(root) / "grades.csv"


def regenerate_feedback(root: Path) -> list[Path]:
    """DIR/feedback/<student>/<assignment>.html again, from the judged notebooks, results and hand grades in DIR."""
    root, pages, releases = Path(root), [], {}
    install_mathjax(root / "feedback")
    for data, outcome in graded_outcomes(root):
        s = outcome.submission
        graded = root / "autograded" / s.student / s.assignment / f"{s.notebook}.ipynb"
        notebook = read_notebook(graded) if graded.exists() else None
        released = root / "release" / s.assignment / f"{s.notebook}.ipynb"
        if released not in releases:  # one per assignment, shared by its students' pages
            releases[released] = read_notebook(released)
        release = releases[released]
        page = root / "feedback" / s.student / f"{s.name}.html"
        write_atomically(page, feedback_html(notebook, release, outcome, None if notebook else f"status: {outcome.status}"))
        pages.append(page)
    return pages
