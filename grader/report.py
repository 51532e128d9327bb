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
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .collect import Submission
from .feedback import feedback_html
from .notebooks import read_notebook, write_atomically

STATUSES = ("ok", "timeout", "memory", "kernel_died", "invalid_notebook", "missing")
CSV_FIELDS = ("student_id", "assignment", "score", "max_score", "status", "seconds")


@dataclass(frozen=True)
class TestResult:
    """One test's outcome as a student may see it."""

    __test__ = False  # not a pytest class, despite its name

    name: str
    score: float
    max_score: float
    message: str | None = None  # student-safe; None when passed

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

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)


def result_path(root: Path, submission: Submission) -> Path:
    return root / "results" / submission.student / f"{submission.assignment}.json"


def write_report(root: Path, outcome: Outcome, key: str, log_lines: list[str], html: str) -> None:
    s = outcome.submission
    write_atomically(root / "feedback" / s.student / f"{s.assignment}.html", html)
    write_atomically(root / "logs" / s.student / f"{s.assignment}.log", "\n".join(log_lines) + "\n")
    result = {"student_id": s.student, "assignment": s.assignment, "notebook": s.notebook, "score": outcome.score,
              "max_score": outcome.max_score, "status": outcome.status, "seconds": outcome.seconds,
              "tests": [asdict(t) for t in outcome.tests], "key": key,
              "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S")}
    write_atomically(result_path(root, s), json.dumps(result, indent=1))


def read_outcome(root: Path, submission: Submission) -> Outcome:
    data = json.loads(result_path(root, submission).read_text())
    return Outcome(submission, data["status"], data["seconds"], [TestResult(**t) for t in data["tests"]], reused=True)


def write_grades_csv(root: Path) -> Path:
    """DIR/grades.csv from every result file in DIR/results (atomically)."""
    rows = []
    for path in sorted((Path(root) / "results").glob("*/*.json")):
        try:
            data = json.loads(path.read_text())
            rows.append({field: data[field] for field in CSV_FIELDS})
        except (OSError, ValueError, KeyError):
            continue
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: (r["student_id"], r["assignment"])))
    write_atomically(Path(root) / "grades.csv", buffer.getvalue())
    return Path(root) / "grades.csv"


def regenerate_feedback(root: Path) -> list[Path]:
    """DIR/feedback/<student>/<assignment>.html again, from the judged notebooks and results in DIR."""
    root, pages = Path(root), []
    for path in sorted((root / "results").glob("*/*.json")):
        data = json.loads(path.read_text())
        student, assignment, name = data["student_id"], data["assignment"], data["notebook"]
        graded = root / "autograded" / student / assignment / f"{name}.ipynb"
        submission = Submission(student, assignment, name, graded if graded.exists() else None)
        outcome = read_outcome(root, submission)
        notebook = read_notebook(graded) if graded.exists() else None
        release = read_notebook(root / "release" / assignment / f"{name}.ipynb")
        page = root / "feedback" / student / f"{assignment}.html"
        write_atomically(page, feedback_html(notebook, release, outcome, None if notebook else f"status: {outcome.status}"))
        pages.append(page)
    return pages
