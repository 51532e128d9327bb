"""An nbgrader course directory, so that nbgrader does the work it is made for.

nbgrader expects a course laid out as source/, release/, submitted/,
autograded/ and a gradebook.  The repository keeps only solutions/ and
exercises/, so `release`, `check`, `verify` and `autograde` build this layout
in a folder of their own (a temporary one, or autograde's --out) and run
nbgrader's generate_assignment there: it releases the student version and
records every test cell, hidden tests included, in the gradebook.  Grading
itself is the grader's pipeline (pipeline.py), not nbgrader's autograde.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import sys
from pathlib import Path

from traitlets.config import Config

from . import GraderError
from .course import Course
from .notebooks import read_notebook


def prepare_nbgrader() -> None:
    """Make nbgrader usable from `.venv/bin/grader` without an activated venv.

    nbgrader asks a new `alembic` process for the newest migration each time it
    creates a gradebook; that process imports all of nbgrader (about 2 s).  The
    same answer comes from alembic's own API in this process, in milliseconds.
    """
    # nbgrader's own tools, started from ours, find `jupyter` and `nbgrader` beside our Python.
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    import warnings

    import nbgrader.api
    from sqlalchemy.exc import SAWarning

    # nbgrader 0.9's gradebook trips SQLAlchemy 2's autoflush warnings; they are harmless.
    warnings.filterwarnings("ignore", category=SAWarning)

    nbgrader.api.get_alembic_version = alembic_head


@functools.lru_cache
def alembic_head() -> str:
    """The gradebook schema's newest migration, as `alembic heads` prints it for nbgrader."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
        return ScriptDirectory.from_config(AlembicConfig(ini)).get_current_head()


class Workspace:
    """nbgrader's course layout for one assignment, inside `folder`."""

    def __init__(self, course: Course, assignment: str, folder: Path):
        self.course = course
        self.assignment = course.check_assignment(assignment)
        self.root = Path(folder)
        self._api = None

    def config(self) -> Config:
        config = Config()
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.course_id = "course"
        return config

    @property
    def api(self):
        if self._api is None:
            prepare_nbgrader()
            from nbgrader.apps import NbGraderAPI
            from nbgrader.coursedir import CourseDirectory

            config = self.config()
            self._api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
            self._api.log.setLevel(logging.ERROR)
        return self._api

    @property
    def db_url(self) -> str:
        return self.api.coursedir.db_url

    def generate(self) -> None:
        """Copy the solutions in as nbgrader's source, then release them.

        This also records every test cell (hidden tests included) in the
        gradebook, which is what grading restores into submissions.
        """
        source = self.root / "source" / self.assignment
        shutil.copytree(self.course.solutions / self.assignment, source, dirs_exist_ok=True)
        for notebook in source.glob("*.ipynb"):
            read_notebook(notebook)  # fail early, with a clear message, on a broken source
        result = self.api.generate_assignment(self.assignment)
        if not result.get("success"):
            text = ((result.get("error") or "") + "\n" + (result.get("log") or "")).strip().splitlines()
            raise GraderError(f"nbgrader could not release {self.assignment}: {text[-1] if text else 'no reason given'}")

    def released_notebooks(self) -> list[Path]:
        return sorted((self.root / "release" / self.assignment).glob("*.ipynb"))
