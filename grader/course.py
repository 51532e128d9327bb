"""Where things live: the course repository, or an instructor's own nbgrader course folder.

    solutions/<assignment>/<notebook>.ipynb    instructor's source (nbgrader's "source")
    exercises/<assignment>/<notebook>.ipynb    released student version (nbgrader's "release")
    tests/submissions/<assignment>/*.py        planted submissions: correct_*.py and wrong_*.py

With `--course DIR` the folders are nbgrader's own: DIR/source/<assignment>/
(any number of notebooks, and extra files such as images or data) and
DIR/release/<assignment>/.  An assignment may have several notebooks; the
course's own exercises each have one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import GraderError


@dataclass(frozen=True)
class Course:
    root: Path
    nbgrader_layout: bool = False  # source/ and release/ (an instructor's nbgrader course) instead of ours

    @property
    def solutions(self) -> Path:
        return self.root / ("source" if self.nbgrader_layout else "solutions")

    @property
    def exercises(self) -> Path:
        return self.root / ("release" if self.nbgrader_layout else "exercises")

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

    def notebook_names(self, assignment: str) -> list[str]:
        """The assignment's notebooks, by name without .ipynb, in order."""
        return [path.stem for path in self.source_notebooks(assignment)]

    def notebook(self, assignment: str, name: str | None = None) -> Path:
        """The source notebook `name` of the assignment (without a name: its only one)."""
        notebooks = self.source_notebooks(assignment)
        if name is not None:
            matches = [path for path in notebooks if path.stem == name]
            if not matches:
                raise GraderError(f"assignment '{assignment}' has no notebook {name}.ipynb "
                                  f"(it has {', '.join(p.name for p in notebooks)})")
            return matches[0]
        if len(notebooks) != 1:
            raise GraderError(f"assignment '{assignment}' has {len(notebooks)} notebooks: say which")
        return notebooks[0]

    def assignment_for(self, notebook: Path) -> str:
        return self.locate(notebook)[0]

    def locate(self, notebook: Path, assignment: str | None = None) -> tuple[str, str]:
        """(assignment, notebook name) of a student's notebook.

        The folder name decides the assignment when it is one ("exercises/
        04-matmul/matmul.ipynb"), else `assignment`, else the file name must be
        unique among the assignments' notebooks (a copy saved elsewhere).  In an
        assignment of several notebooks the file name says which one it is.
        """
        notebook = Path(notebook)
        if assignment is None and notebook.parent.name in self.assignments():
            assignment = notebook.parent.name
        if assignment is None:
            matches = [a for a in self.assignments() if (self.solutions / a / notebook.name).exists()]
            if len(matches) != 1:
                raise GraderError(
                    f"cannot tell which assignment {notebook} belongs to; keep it in its "
                    f"{self.exercises.name}/<assignment>/ folder or pass --assignment"
                )
            assignment = matches[0]
        names = self.notebook_names(self.check_assignment(assignment))
        if len(names) == 1:
            return assignment, names[0]
        if notebook.stem in names:
            return assignment, notebook.stem
        raise GraderError(f"{notebook.name} is none of assignment {assignment}'s notebooks "
                          f"({', '.join(n + '.ipynb' for n in names)}): keep its released name")


def nbgrader_course(folder: Path) -> Course:
    """An instructor's own nbgrader course folder (`--course DIR`): assignments in DIR/source/<assignment>/."""
    folder = Path(folder).resolve()
    if not (folder / "source").is_dir():
        raise GraderError(f"--course {folder}: no source/ folder there (nbgrader's source/<assignment>/*.ipynb)")
    return Course(folder, nbgrader_layout=True)


def find_course(start: Path | None = None, course_dir: Path | None = None) -> Course:
    """The course whose folder contains `start` (default: the working directory), or `course_dir` when given.

    Falls back to the repository this package was installed from, so
    `grader` works from any folder after `pip install -e .`.
    """
    if course_dir is not None:
        return nbgrader_course(course_dir)
    candidates = []
    here = (start or Path.cwd()).resolve()
    candidates += [here, *here.parents]
    candidates.append(Path(__file__).resolve().parent.parent)
    for folder in candidates:
        if (folder / "solutions").is_dir() and (folder / "_toc.yml").is_file():
            return Course(folder)
    raise GraderError("not inside the course repository (no solutions/ and _toc.yml found)")
