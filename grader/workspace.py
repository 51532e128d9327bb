"""A throw-away nbgrader course directory, so nbgrader does the real work.

nbgrader expects a course laid out as source/, release/, submitted/,
autograded/ and a gradebook.  The course repository keeps only solutions/
and exercises/, so each command builds this layout in a temporary folder,
runs nbgrader's own converters there, and reads the results back.  Nothing
nbgrader writes can land in (or go stale in) the repository.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config

from . import GraderError
from .course import Course
from .notebooks import grade_cells, read_notebook, write_notebook

# nbgrader scores a test cell 0 if it wrote anything to stderr.  A correct
# answer that triggers a harmless warning must not lose marks, so all stderr
# output of executed cells is dropped before scoring (errors are not stderr:
# they are recorded as error outputs and still fail the test).
DROP_ALL_STDERR = "."

# The most telling line of a failed nbgrader run, e.g. "FileNotFoundError: ...".
ERROR_LINE = re.compile(r"^\s*((?:\w+\.)*\w+(?:Error|Exception|Interrupt|Exit)\b.*)$")

# What nbgrader's failures mean for the person reading them.
EXPLANATIONS = {
    "DeadKernelError": "the kernel died while running the notebook "
    "(a cell may have exited the process, crashed Python, or run out of memory)",
}
TIMEOUT_ERRORS = ("KeyboardInterrupt", "CellTimeoutError")


def _prepare_nbgrader() -> None:
    """Make nbgrader usable from `.venv/bin/grader` without an activated venv.

    nbgrader runs the `alembic` command by name each time it opens a gradebook:
    it must be on PATH (it sits beside our Python), and asking once is enough.
    """
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    import warnings

    import nbgrader.api
    from sqlalchemy.exc import SAWarning

    # nbgrader 0.9's gradebook trips SQLAlchemy 2's autoflush warnings; they are harmless.
    warnings.filterwarnings("ignore", category=SAWarning)

    if not hasattr(nbgrader.api.get_alembic_version, "cache_info"):
        nbgrader.api.get_alembic_version = functools.lru_cache(nbgrader.api.get_alembic_version)


@dataclass(frozen=True)
class TestResult:
    """The verdict of one graded test cell."""

    name: str
    score: float
    max_score: float
    error: str | None = None  # "ErrorType: message", never a traceback

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score


class Workspace:
    """nbgrader's course layout for one assignment, inside `folder`."""

    def __init__(self, course: Course, assignment: str, folder: Path, cell_timeout: int = 30):
        self.course = course
        self.assignment = course.check_assignment(assignment)
        self.root = Path(folder)
        self.cell_timeout = cell_timeout
        self._api = None

    # -- nbgrader -----------------------------------------------------------
    def config(self) -> Config:
        config = Config()
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.course_id = "course"
        config.Execute.timeout = self.cell_timeout
        config.IgnorePattern.enabled = True
        config.IgnorePattern.pattern = DROP_ALL_STDERR
        # The kernel's own start-up chatter is not the student's output.
        config.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
        return config

    @property
    def api(self):
        if self._api is None:
            _prepare_nbgrader()
            from nbgrader.apps import NbGraderAPI
            from nbgrader.coursedir import CourseDirectory

            config = self.config()
            coursedir = CourseDirectory(config=config)
            self._api = NbGraderAPI(coursedir=coursedir, config=config)
            self._api.log.setLevel(logging.ERROR)
        return self._api

    def _run(self, what: str, result: dict) -> None:
        if not result.get("success"):
            text = (result.get("log") or "") + "\n" + (result.get("error") or "")
            causes = [m[1] for m in map(ERROR_LINE.match, text.splitlines()) if m and "NbGraderException" not in m[1]]
            cause = causes[-1] if causes else "nbgrader gave no reason"
            for name, explanation in EXPLANATIONS.items():
                if name in cause:
                    cause = explanation
            raise GraderError(f"could not {what}: {cause}")

    # -- steps ----------------------------------------------------------------
    def generate(self) -> None:
        """Copy the solutions in as nbgrader's source, then release them.

        This also records every test cell (hidden tests included) in the
        gradebook, which is what autograding restores into submissions.
        """
        source = self.root / "source" / self.assignment
        shutil.copytree(self.course.solutions / self.assignment, source, dirs_exist_ok=True)
        for notebook in source.glob("*.ipynb"):
            read_notebook(notebook)  # fail early, with a clear message, on a broken source
        self._run(f"release {self.assignment}", self.api.generate_assignment(self.assignment))

    def released_notebooks(self) -> list[Path]:
        return sorted((self.root / "release" / self.assignment).glob("*.ipynb"))

    def submit(self, student: str, notebook, name: str) -> None:
        """Place a notebook (a path or a NotebookNode) as `student`'s submission `name`.ipynb."""
        destination = self.root / "submitted" / student / self.assignment / f"{name}.ipynb"
        if isinstance(notebook, (str, Path)):
            notebook = read_notebook(Path(notebook))
        write_notebook(notebook, destination)

    def autograde(self, student: str) -> None:
        self._run(f"autograde {self.assignment} ({student})", self.api.autograde(self.assignment, student))

    def results(self, student: str, name: str) -> list[TestResult]:
        """Per-test scores from the gradebook, with each failure's error line."""
        from nbgrader.api import Gradebook

        autograded = read_notebook(self.root / "autograded" / student / self.assignment / f"{name}.ipynb")
        errors = {grade_id: first_error(cell, self.cell_timeout) for grade_id, cell in grade_cells(autograded).items()}
        with Gradebook(self.api.coursedir.db_url, "course") as gradebook:
            submission = gradebook.find_submission_notebook(name, self.assignment, student)
            scores = {g.name: (g.score, g.max_score) for g in submission.grades}
        order = grade_cells(read_notebook(self.root / "source" / self.assignment / f"{name}.ipynb"))
        return [
            TestResult(grade_id, *scores[grade_id], error=errors.get(grade_id) if scores[grade_id][0] < scores[grade_id][1] else None)
            for grade_id in order
            if grade_id in scores
        ]


def first_error(cell, cell_timeout: int | None = None) -> str | None:
    """'ErrorType: message' for a cell's first error output, without traceback or data dumps.

    assert_allclose appends the compared arrays to its message; those would
    reveal hidden inputs, so the message stops before them.
    """
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            if output.get("ename") in TIMEOUT_ERRORS and cell_timeout:
                return f"TimeoutError: a cell ran longer than the {cell_timeout} s limit (an endless loop?)"
            lines = []
            for line in str(output.get("evalue", "")).splitlines():
                if line.lstrip().startswith(("x:", "y:", "ACTUAL:", "DESIRED:")):
                    break
                if line.strip():
                    lines.append(line.strip())
            message = "; ".join(lines[:4])
            if len(message) > 300:
                message = message[:297] + "..."
            return f"{output.get('ename', 'Error')}: {message}" if message else output.get("ename", "Error")
    return None
