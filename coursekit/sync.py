"""Copy the code that later chapters reuse out of the chapter that teaches it.

A chapter teaches a piece of code in a cell whose first line reads

    # Saved in coursekit/<module>.py: later chapters import it from there.

Later chapters import it (`from coursekit.<module> import name`) rather than
define it again.  This script writes each such module from the marked cells,
in chapter order, under a fixed header of imports:

    python -m coursekit.sync            # write the modules (make sync)
    python -m coursekit.sync --check    # exit 1 if a module is out of date

The chapter stays the one place the code is written and explained; the module
is a copy that tests/test_shared_code.py keeps equal to it (the idea of
d2l.ai's `#@save`).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
PACKAGE = ROOT / "coursekit"
MARK = re.compile(r"^# Saved in coursekit/(\w+)\.py: later chapters import it from there\.$")

HEADER = '''"""{title}

Written by `make sync` from the cells of {chapters} that begin
"# Saved in coursekit/{module}.py". Edit the chapter, not this file:
tests/test_shared_code.py checks that the two agree.
"""

import contextlib
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from coursekit import hardware
'''

TITLES = {
    "training": "The training loop of chapter 01, used by every later chapter.",
    "patches": "Chapter 01's crops from the training or the test columns of a photograph.",
    "text": "Chapter 05's character-level text: loading it and cutting it into windows.",
    "scaling": "Chapter 06's Chinchilla law and its compute-optimal split.",
    "mixers": "Chapter 08's sequence mixers: naive attention and a parallel scan.",
    "memory": "Chapter 08's measurement of the peak memory of a call, on CPU or GPU.",
    "ssm": "Chapter 09's parallel scan and Mamba block.",
}


def code_cells(chapter: Path):
    """The source of every code cell of a MyST notebook, in order."""
    import jupytext  # imported here: the course's other modules do not need it

    notebook = jupytext.read(chapter)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def saved_cells(chapters_dir: Path | None = None) -> dict[str, list[tuple[str, str]]]:
    """{module: [(chapter file name, cell source without its mark line)]}."""
    saved: dict[str, list[tuple[str, str]]] = {}
    for chapter in sorted((chapters_dir or CHAPTERS).glob("[0-9][0-9]-*.md")):
        for source in code_cells(chapter):
            first, _, rest = source.partition("\n")
            match = MARK.match(first)
            if match:
                saved.setdefault(match.group(1), []).append((chapter.name, rest.strip("\n")))
    return saved


def module_text(module: str, cells: list[tuple[str, str]]) -> str:
    chapters = sorted({name for name, _ in cells})
    names = " and ".join(f"chapters/{name}" for name in chapters)
    title = TITLES.get(module, f"Code from {names}.")
    header = HEADER.format(title=title, chapters=names, module=module)
    return header + "".join(f"\n\n{source}\n" for _, source in cells)


def expected_modules(chapters_dir: Path | None = None) -> dict[Path, str]:
    return {
        PACKAGE / f"{module}.py": module_text(module, cells)
        for module, cells in saved_cells(chapters_dir).items()
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report modules that are out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in expected_modules().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if args.check and stale:
        names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
        print(f"out of date with the chapters: {names}; run `make sync`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
