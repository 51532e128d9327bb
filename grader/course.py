"""Where things live in the course repository.

    solutions/<assignment>/<notebook>.ipynb    instructor's source (nbgrader's "source")
    exercises/<assignment>/<notebook>.ipynb    released student version (nbgrader's "release")
    tests/submissions/<assignment>/*.py        planted submissions: correct_*.py and wrong_*.py
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import GraderError


@dataclass(frozen=True)
class Course:
    root: Path

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    @property
    def exercises(self) -> Path:
        return self.root / "exercises"

    @property
    def planted_submissions(self) -> Path:
        return self.root / "tests" / "submissions"

    def assignments(self) -> list[str]:
        """Assignment names, e.g. ['04-matmul'], in order."""
        return sorted(p.name for p in self.solutions.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def check_assignment(self, assignment: str) -> str:
        if assignment not in self.assignments():
            known = ", ".join(self.assignments()) or "none"
            raise GraderError(f"unknown assignment '{assignment}' (known: {known})")
        return assignment

    def source_notebooks(self, assignment: str) -> list[Path]:
        return sorted((self.solutions / self.check_assignment(assignment)).glob("*.ipynb"))

    def notebook(self, assignment: str) -> Path:
        """The assignment's one source notebook (the course's exercises each have exactly one)."""
        notebooks = self.source_notebooks(assignment)
        if len(notebooks) != 1:
            raise GraderError(f"assignment '{assignment}' has {len(notebooks)} notebooks in solutions/; "
                              "the grader handles assignments of exactly one notebook")
        return notebooks[0]

    def assignment_for(self, notebook: Path) -> str:
        """The assignment a student's notebook belongs to.

        The folder name decides when it is an assignment ("exercises/04-matmul/
        matmul.ipynb"); otherwise the notebook's file name must be unique
        among the assignments' notebooks (a copy saved elsewhere).
        """
        if notebook.parent.name in self.assignments():
            return notebook.parent.name
        matches = [a for a in self.assignments() if (self.solutions / a / notebook.name).exists()]
        if len(matches) == 1:
            return matches[0]
        raise GraderError(
            f"cannot tell which assignment {notebook} belongs to; "
            "keep it in its exercises/<assignment>/ folder or pass --assignment"
        )


def find_course(start: Path | None = None) -> Course:
    """The course whose folder contains `start` (default: the working directory).

    Falls back to the repository this package was installed from, so
    `grader` works from any folder after `pip install -e .`.
    """
    candidates = []
    here = (start or Path.cwd()).resolve()
    candidates += [here, *here.parents]
    candidates.append(Path(__file__).resolve().parent.parent)
    for folder in candidates:
        if (folder / "solutions").is_dir() and (folder / "_toc.yml").is_file():
            return Course(folder)
    raise GraderError("not inside the course repository (no solutions/ and _toc.yml found)")
