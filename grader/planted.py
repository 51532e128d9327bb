"""Planted submissions: known-correct and known-wrong answers kept in the tests.

A file tests/submissions/<assignment>/<name>.py looks like

    '''Counts multiply-adds, not FLOPs: off by a factor of two.'''
    # fails: test-matmul-flops

    # %% matmul-flops
    def matmul_flops(m, k, n):
        return m * k * n

Each `# %% <grade_id>` section replaces that solution cell of the released
notebook; solution cells it does not mention get the instructor's solution,
so a wrong submission plants exactly one mistake.  Where a cell defines
several things, `# %% <grade_id> <name>` replaces only the top-level function
or class `<name>` of the instructor's answer in that cell, and
`# %% <grade_id> <Class>.<method>` only that method of the class (written as
it stands in the class, or unindented):

    # %% hybrid-stack attention_step
    def attention_step(layer, x_t, cache):
        ...

    # %% causal-self-attention CausalSelfAttention.forward
    def forward(self, x):
        ...

Files named correct_*.py
must score full marks; wrong_*.py must score below full, failing at least
the tests listed after `# fails:`.
"""

from __future__ import annotations

import ast
import copy
import re
import textwrap

import nbformat
from dataclasses import dataclass
from pathlib import Path

from . import GraderError
from .course import Course
from .notebooks import nbgrader_meta, read_notebook, solution_cells

SECTION = re.compile(r"^# %% (?P<grade_id>[\w-]+(?: [A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)?)\s*$", re.MULTILINE)
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
    # split() gives [preamble, header1, body1, header2, body2, ...]; a header is "grade_id" or "grade_id name"
    # Blank lines around a body go; the indentation of its first line stays (a method is written indented).
    sections = {header: re.sub(r"\A(?:[ \t]*\n)+", "", body).rstrip() + "\n"
                for header, body in zip(parts[1::2], parts[2::2])}
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


def solution_answers(course: Course, assignment: str, notebook: str | None = None) -> dict[str, str]:
    """The instructor's answer of each solution cell of a notebook, by grade_id, without nbgrader's markers."""
    source = read_notebook(course.notebook(assignment, notebook))
    return {grade_id: solution_code(cell.source) for grade_id, cell in solution_cells(source).items()}


def answered_notebook(course: Course, assignment: str, answers: dict[str, str] | None = None,
                      before: str = "", after: str = "", notebook: str | None = None):
    """The released notebook with the instructor's answers, some replaced by `answers` (grade_id -> code).

    `before` becomes a code cell ahead of the first answer cell, `after` one at the end.
    `notebook`: which of the assignment's notebooks (default: its only one).
    """
    released = read_notebook(course.exercises / assignment / course.notebook(assignment, notebook).name)
    code = solution_answers(course, assignment, notebook)
    unknown = set(answers or {}) - set(code)
    if unknown:
        raise GraderError(f"no solution cell named {', '.join(sorted(unknown))} in {assignment}")
    code.update(answers or {})
    notebook = copy.deepcopy(released)
    for grade_id, cell in solution_cells(notebook).items():
        cell.source = code[grade_id]
    if before:
        first = next(i for i, c in enumerate(notebook.cells) if nbgrader_meta(c).get("solution"))
        notebook.cells.insert(first, nbformat.v4.new_code_cell(before))
    if after:
        notebook.cells.append(nbformat.v4.new_code_cell(after))
    return notebook


def replace_definition(code: str, name: str, replacement: str) -> str:
    """`code` with its top-level function or class `name` (decorators included) replaced by `replacement`.

    A dotted `name`, `Class.method`, replaces only that method of the top-level class, at the method's indentation.
    """
    scope, nodes = "top-level", ast.parse(code).body
    *outer, name = name.split(".")
    if outer:
        classes = [node for node in nodes if isinstance(node, ast.ClassDef) and node.name == outer[0]]
        if not classes:
            raise GraderError(f"no top-level class {outer[0]!r} in that solution cell")
        scope, nodes = f"{outer[0]}'s", classes[0].body
    found = [node for node in nodes
             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name]
    if not found:
        raise GraderError(f"no {scope} definition {name!r} in that solution cell")
    node, lines = found[0], code.splitlines()
    start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
    replacement = textwrap.indent(textwrap.dedent(replacement.rstrip("\n")), " " * node.col_offset)
    return "\n".join(lines[:start] + replacement.splitlines() + lines[node.end_lineno:]) + "\n"


def planted_answers(course: Course, assignment: str, planted: PlantedSubmission) -> dict[str, dict[str, str]]:
    """The code of each solution cell the planted submission changes: {notebook name: {grade_id: code}}."""
    instructor = {name: solution_answers(course, assignment, name) for name in course.notebook_names(assignment)}
    home = {grade_id: name for name, cells in instructor.items() for grade_id in cells}
    answers: dict[str, dict[str, str]] = {name: {} for name in instructor}
    for header, body in planted.sections.items():
        grade_id, _, definition = header.partition(" ")
        if grade_id not in home:
            raise GraderError(f"no solution cell named {grade_id} in {assignment}")
        cells = answers[home[grade_id]]
        if not definition:
            cells[grade_id] = body
        else:
            cells[grade_id] = replace_definition(cells.get(grade_id, instructor[home[grade_id]][grade_id]), definition, body)
    return answers


def build_notebooks(course: Course, assignment: str, planted: PlantedSubmission) -> dict:
    """Each released notebook of the assignment with the planted code in its solution cells, by name."""
    try:
        return {name: answered_notebook(course, assignment, cells, notebook=name)
                for name, cells in planted_answers(course, assignment, planted).items()}
    except GraderError as error:
        raise GraderError(f"{planted.path}: {error}") from None


def build_notebook(course: Course, assignment: str, planted: PlantedSubmission):
    """The released notebook with the planted code in its solution cells (an assignment of one notebook)."""
    (notebook,) = build_notebooks(course, assignment, planted).values()
    return notebook
