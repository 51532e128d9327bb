"""One home for the code the chapters share (coursekit/sync.py).

A helper is written once, in the chapter that teaches it, in a cell marked
"# Saved in coursekit/<module>.py"; `make sync` copies it into the package and
later chapters import it. These tests keep that true: the copies agree with
the chapters, no chapter defines again what the package provides, no chapter
repeats six lines of another, and code fits the book's code column.
"""

import ast
import functools
import hashlib
from pathlib import Path

import pytest

from coursekit import sync

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))
CODE_COLUMN = 79  # characters the site's code column shows without scrolling
RUN = 6  # lines: a longer shared run is a copy


def chapter_cells():
    """(chapter name, cell source) for every code cell of every chapter."""
    return [(chapter.name, source) for chapter in CHAPTERS for source in sync.code_cells(chapter)]


CELLS = chapter_cells()


@functools.cache
def expected_modules():
    """What `make sync` would write (reading every chapter takes a second: once per run)."""
    return sync.expected_modules()


@functools.cache
def saved_cells():
    return sync.saved_cells()


def defined_names(source):
    """Names of the functions and classes a piece of code defines at top level."""
    tree = ast.parse(source)
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def test_saved_modules_agree_with_their_chapters():
    expected = expected_modules()
    assert expected, "no chapter cell is marked '# Saved in coursekit/...'"
    for path, text in expected.items():
        assert path.exists(), f"{path.name} is missing: run `make sync`"
        assert path.read_text(encoding="utf-8") == text, f"{path.name} differs from its chapter: run `make sync`"


def test_every_saved_module_imports():
    import importlib

    for path in expected_modules():
        importlib.import_module(f"coursekit.{path.stem}")


def test_saved_cells_only_define():
    # the package runs a saved cell at import: a print or a training run there
    # would run in every chapter that imports it
    allowed = (ast.FunctionDef, ast.ClassDef, ast.Assign, ast.Import, ast.ImportFrom)
    for module, cells in saved_cells().items():
        for chapter, source in cells:
            for node in ast.parse(source).body:
                assert isinstance(node, allowed), (
                    f"{chapter}: the cell saved in coursekit/{module}.py runs"
                    f" `{ast.unparse(node)[:60]}`; keep it to definitions"
                )


def test_the_mark_is_exact():
    # a near miss ("# saved in coursekit/x.py") would silently stay out of the package
    for chapter, source in CELLS:
        first = source.partition("\n")[0]
        if "saved in coursekit" in first.lower():
            assert sync.MARK.match(first), f"{chapter}: malformed mark {first!r}"


def test_no_chapter_defines_what_the_package_provides():
    provided = {}
    for module in sorted((ROOT / "coursekit").glob("*.py")):
        for name in defined_names(module.read_text(encoding="utf-8")):
            if not name.startswith("_") and name != "main":
                provided.setdefault(name, module.name)
    for chapter, source in CELLS:
        if sync.MARK.match(source.partition("\n")[0]):
            continue  # the teaching cell itself
        again = sorted(defined_names(source) & provided.keys())
        assert not again, f"{chapter} defines {again}, which coursekit/{provided[again[0]]} provides: import it"


def normalised_lines(source):
    """Code lines with white space folded; blank lines, comments and imports
    left out, as a reader skims past them."""
    lines = []
    for line in source.splitlines():
        stripped = " ".join(line.split())
        if not stripped or stripped.startswith("#") or stripped.startswith(("import ", "from ")):
            continue
        if stripped in {")", "]", "}", "),", "],", "},", "):", "):"}:
            continue
        lines.append(stripped)
    return lines


def runs(lines):
    for start in range(len(lines) - RUN + 1):
        window = "\n".join(lines[start : start + RUN])
        yield hashlib.sha1(window.encode()).hexdigest(), window


def test_no_chapter_repeats_six_lines_of_another():
    seen = {}
    for chapter in CHAPTERS:
        lines = normalised_lines("\n\n".join(source for name, source in CELLS if name == chapter.name))
        for digest, window in runs(lines):
            first = seen.setdefault(digest, chapter.name)
            assert first == chapter.name, f"{chapter.name} repeats {RUN} lines of {first}:\n{window}"


@pytest.mark.parametrize("chapter", [c.name for c in CHAPTERS])
def test_code_fits_the_code_column(chapter):
    long = [
        line
        for name, source in CELLS
        if name == chapter
        for line in source.splitlines()
        if len(line) > CODE_COLUMN
    ]
    assert not long, f"{len(long)} code lines longer than {CODE_COLUMN} characters, e.g. {long[0]!r}"


def test_sync_reports_a_stale_module(tmp_path, monkeypatch, capsys):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    (chapters / "01-demo.md").write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "kernelspec:\n  name: python3\n  display_name: Python 3\n---\n\n"
        "```{code-cell} ipython3\n"
        "# Saved in coursekit/demo.py: later chapters import it from there.\n"
        "def double(x):\n    return 2 * x\n```\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sync, "CHAPTERS", chapters)
    monkeypatch.setattr(sync, "PACKAGE", tmp_path)
    monkeypatch.setattr(sync, "ROOT", tmp_path)
    assert sync.main(["--check"]) == 1
    assert "run `make sync`" in capsys.readouterr().err
    assert sync.main([]) == 0
    written = (tmp_path / "demo.py").read_text()
    assert "def double(x):\n    return 2 * x\n" in written
    assert sync.main(["--check"]) == 0
