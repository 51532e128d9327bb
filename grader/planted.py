"""Planted submissions: known-correct and known-wrong answers kept in the tests.

A file tests/submissions/<assignment>/<name>.py looks like

    '''Counts multiply-adds, not FLOPs: off by a factor of two.'''
    # fails: test-matmul-flops

    # %% matmul-flops
    def matmul_flops(m, k, n):
        return m * k * n

Each `# %% <grade_id>` section replaces that solution cell of the released
notebook; solution cells it does not mention get the instructor's solution,
so a wrong submission plants exactly one mistake.  Files named correct_*.py
must score full marks; wrong_*.py must score below full, failing at least
the tests listed after `# fails:`.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

from . import GraderError
from .course import Course
from .notebooks import read_notebook, solution_cells

SECTION = re.compile(r"^# %% (?P<grade_id>[\w-]+)\s*$", re.MULTILINE)
FAILS = re.compile(r"^# fails:(?P<names>.*)$", re.MULTILINE)


@dataclass(frozen=True)
class PlantedSubmission:
    path: Path
    sections: dict[str, str]
    must_fail: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.path.stem.replace("_", "-")

    @property
    def should_pass(self) -> bool:
        return self.path.name.startswith("correct_")


def parse(path: Path) -> PlantedSubmission:
    text = path.read_text()
    parts = SECTION.split(text)
    # split() gives [preamble, id1, body1, id2, body2, ...]
    sections = {grade_id: body.strip() + "\n" for grade_id, body in zip(parts[1::2], parts[2::2])}
    if not sections:
        raise GraderError(f"{path}: no '# %% <grade_id>' sections")
    fails = FAILS.search(parts[0])
    must_fail = tuple(fails["names"].split()) if fails else ()
    return PlantedSubmission(path, sections, must_fail)


def planted_submissions(course: Course, assignment: str) -> list[PlantedSubmission]:
    folder = course.planted_submissions / assignment
    return [parse(p) for p in sorted(folder.glob("*.py")) if p.name.startswith(("correct_", "wrong_"))]


def solution_code(source: str) -> str:
    """A solution cell's source with nbgrader's markers removed (the instructor's answer)."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def build_notebook(course: Course, assignment: str, planted: PlantedSubmission):
    """The released notebook with the planted code in its solution cells."""
    source_path = course.notebook(assignment)
    released = read_notebook(course.exercises / assignment / source_path.name)
    answers = {grade_id: solution_code(cell.source) for grade_id, cell in solution_cells(read_notebook(source_path)).items()}
    unknown = set(planted.sections) - set(answers)
    if unknown:
        raise GraderError(f"{planted.path}: no solution cell named {', '.join(sorted(unknown))}")
    notebook = copy.deepcopy(released)
    for grade_id, cell in solution_cells(notebook).items():
        cell.source = planted.sections.get(grade_id, answers[grade_id])
    return notebook
