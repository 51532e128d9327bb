"""The grading folder: an nbgrader course (source/, release/, submitted/, autograded/, gradebook.db) plus ours.

Ours are results/<student>/<assignment>.json (written last: its presence means
"graded"), logs/, feedback/ and grades.csv.  `nbgrader export`, formgrader and
nbgrader's feedback read the same folder through the nbgrader_config.py written
here (a relative root; nbgrader's export goes to nbgrader_grades.csv; its
feedback never shows a hidden test: nbgrader_plugins.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
from pathlib import Path

from . import GraderError, sandbox
from .collect import Submission
from .course import Course
from .notebooks import read_notebook
from .workspace import Workspace


NBGRADER_CONFIG = """\
# Written by `grader autograde`: nbgrader's own tools (formgrader, nbgrader export,
# nbgrader generate_feedback) work on this folder, wherever it is moved.
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

from grader.nbgrader_plugins import ReleasedTestsOnly

c = get_config()  # noqa: F821 (given by nbgrader)
c.CourseDirectory.course_id = "course"
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# grades.csv is grader's (with status, seconds and one column per test): nbgrader export writes its own file.
c.ExportPlugin.to = "nbgrader_grades.csv"
# Feedback pages from nbgrader show a test cell only as the released exercise shows it: never a hidden test.
c.GenerateFeedback.preprocessors = [ReleasedTestsOnly, GetGrades, CSSHTMLHeaderPreprocessor]
"""


# The kernel's own files in its work folder (execute.py, sandbox.py): an assignment's extra file may not take them.
RESERVED_NAMES = {"harness", "transcripts", "calls", "runtime", "kernel.log"}


class ClassCourse:
    def __init__(self, course: Course, out: Path, limits: sandbox.Limits):
        self.course, self.root, self.limits = course, Path(out).resolve(), limits
        self.workspaces: dict[str, Workspace] = {}

    def prepare(self, assignments: list[str]) -> None:
        """Release each assignment into the folder (again only when its source changed)."""
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "nbgrader_config.py").write_text(NBGRADER_CONFIG)
        for assignment in assignments:
            workspace = Workspace(self.course, assignment, self.root)
            marker = self.root / "source" / assignment / ".generated"
            if not marker.exists() or marker.read_text() != self.source_key(assignment):
                shutil.rmtree(self.root / "release" / assignment, ignore_errors=True)
                workspace.generate()
                marker.write_text(self.source_key(assignment))
            self.workspaces[assignment] = workspace
            self.extra_files(assignment)  # a bad name stops the run here, before any submission

    @functools.cache
    def source_key(self, assignment: str) -> str:
        """sha256 of the assignment's source folder, notebooks and extra files (read once per run)."""
        digest = hashlib.sha256()
        folder = self.course.solutions / assignment
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()

    @functools.cache
    def source(self, assignment: str, notebook: str):
        """The instructor's notebook: which names are the student's, and the tests' own text."""
        return read_notebook(self.course.notebook(assignment, notebook))

    @functools.cache
    def release(self, assignment: str, notebook: str):
        return read_notebook(self.root / "release" / assignment / f"{notebook}.ipynb")

    @functools.cache
    def extra_files(self, assignment: str) -> list[Path]:
        """The released assignment's files other than notebooks (images, data), relative to its release folder.

        Listed once per run, when the assignment is prepared; a name the sandbox's work folder needs is refused.
        """
        folder = self.root / "release" / assignment
        files = sorted(p.relative_to(folder) for p in folder.rglob("*")
                       if p.is_file() and p.suffix != ".ipynb" and ".ipynb_checkpoints" not in p.parts)
        for relative in files:
            if relative.parts[0] in RESERVED_NAMES or relative.parts[0].startswith("kernel"):
                raise GraderError(f"{assignment}: the file {relative} has a name the grader's sandbox needs: rename it")
        return files

    @property
    def db_url(self) -> str:
        return next(iter(self.workspaces.values())).db_url

    def result_path(self, submission: Submission) -> Path:
        from .report import result_path

        return result_path(self.root, submission)

    def key(self, submission: Submission) -> str:
        """What a result was computed from: the source, the submission's bytes and the limits."""
        digest = hashlib.sha256(self.source_key(submission.assignment).encode())
        digest.update(submission.path.read_bytes() if submission.path else b"<missing>")
        digest.update(repr(self.limits).encode())
        return digest.hexdigest()

    def is_graded(self, submission: Submission) -> bool:
        try:
            return json.loads(self.result_path(submission).read_text()).get("key") == self.key(submission)
        except (OSError, ValueError):
            return False
