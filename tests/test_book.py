"""The book: table of contents, chapter format, citations, and a full build."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from toc import toc_entries

ROOT = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


def source_of(entry: str) -> Path | None:
    for suffix in (".md", ".ipynb"):
        if (ROOT / (entry + suffix)).exists():
            return ROOT / (entry + suffix)
    return None


def chapters() -> list[Path]:
    return sorted((ROOT / "chapters").glob("*.md"))


@pytest.mark.parametrize("entry", toc_entries())
def test_every_toc_entry_exists(entry):
    assert source_of(entry) is not None, f"_toc.yml lists {entry}, which does not exist"


def test_every_chapter_is_in_the_toc():
    listed = set(toc_entries())
    for chapter in chapters():
        assert f"chapters/{chapter.stem}" in listed, f"{chapter.name} is not in _toc.yml"


@pytest.mark.parametrize("chapter", chapters(), ids=lambda p: p.stem)
def test_chapters_are_numbered_myst_notebooks(chapter):
    assert re.fullmatch(r"\d\d-[a-z0-9-]+", chapter.stem), "chapters are named NN-slug.md"
    header = yaml.safe_load(chapter.read_text().split("---")[1])
    assert header["jupytext"]["text_representation"]["format_name"] == "myst"
    assert header["kernelspec"]["name"] == "python3"
    assert "```{code-cell}" in chapter.read_text()


@pytest.mark.parametrize("chapter", chapters(), ids=lambda p: p.stem)
def test_chapters_open_with_goals_and_close_with_exercises(chapter):
    text = chapter.read_text()
    assert ":::{admonition} What you will learn" in text
    start = text.find(":::{admonition} Exercises")
    assert start >= 0, "no Exercises box"
    box = text[start:].split(":::")[1]
    assert "grader check exercises/" in box, "the Exercises box must say how to check"


def test_every_citation_is_in_the_bibliography():
    bib = (ROOT / "book" / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([^,\s]+),", bib))
    for page in [source_of(entry) for entry in toc_entries()]:
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", page.read_text()):
            for key in group.split(","):
                assert key.strip() in keys, f"{page.name} cites {key.strip()}, missing from references.bib"


def test_book_does_not_need_the_shared_folder():
    for path in [ROOT / "_config.yml", *chapters(), *ROOT.glob("coursekit/*.py")]:
        assert "shared/" not in path.read_text(), f"{path.name} refers to ../shared"


def test_gpu_chapter_shows_recorded_runs(tmp_path):
    """The GPU chapter's own cells, run with one (fake, clearly labelled) record present: the record is printed.

    Only the cells the record table needs run (its imports, `datasheet_entry`, the table): the whole chapter
    runs in the site build, where its live figures are checked.
    """
    import jupytext

    records = tmp_path / "records"
    records.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "fake-gpu-record.json", records / "fake.json")
    chapter = jupytext.read(ROOT / "chapters" / "04-gpus-and-matmul.md")
    needed = ("import statistics", "def datasheet_entry", 'load_gpu_records("matmul")')
    code = "\n\n".join(c.source for c in chapter.cells
                        if c.cell_type == "code" and any(marker in c.source for marker in needed))
    assert code.count("def datasheet_entry") == 1 and 'load_gpu_records("matmul")' in code
    run = subprocess.run([sys.executable, "-c", code.replace("plt.show()", "")], cwd=ROOT / "chapters",
                         env={**os.environ, "COURSE_GPU_RECORDS": str(records), "MPLBACKEND": "Agg"},
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "FAKE GPU for tests (not a measurement) (recorded 2000-01-01" in run.stdout
    assert "No GPU run has been recorded yet" not in run.stdout


VERDICTS = {"measured here", "cited", "corrected", "partly holds", "forecast", "opinion", "not yet checked"}
LEDGER_ROW = re.compile(r'^\| (?P<id>C\d\d) \| "(?P<quote>[^"|]+)" \| (?P<verdict>[^|]+?) \| (?P<finding>[^|]+?) '
                        r'\| \{ref\}`(?P<label>[\w-]+)` \|$', re.MULTILINE)


def test_every_claim_of_the_seed_has_a_row_in_the_ledger_and_its_link_resolves():
    """book/claims.md: one row per claim in book/data/seed_claims.json, a known verdict, a label that exists."""
    claims = json.loads((ROOT / "book" / "data" / "seed_claims.json").read_text())["claims"]
    page = (ROOT / "book" / "claims.md").read_text()
    rows = {row["id"]: row for row in LEDGER_ROW.finditer(page)}
    table_lines = [line for line in page.splitlines() if line.startswith("| C")]
    assert len(rows) == len(table_lines), "a ledger row is malformed: | id | \"quote\" | verdict | finding | {ref}`label` |"
    assert list(rows) == [claim["id"] for claim in claims], "the ledger's rows and the seed's claims differ"
    labels = set()  # labels of headings: a {ref} to any other label needs a title of its own
    for path in [*(ROOT / "chapters").glob("*.md"), *(ROOT / "book").glob("*.md")]:
        labels |= set(re.findall(r"^\(([\w-]+)\)=\n#+ ", path.read_text(), re.MULTILINE))
    for claim in claims:
        row = rows[claim["id"]]
        assert row["quote"] == claim["quote"], f"{claim['id']}: the row quotes {row['quote']!r}"
        assert row["verdict"] in VERDICTS, f"{claim['id']}: unknown verdict {row['verdict']!r}"
        assert row["label"] in labels, f"{claim['id']}: no section labelled {row['label']!r}"
    assert "{ref}`claims`" in (ROOT / "book" / "intro.md").read_text(), "the intro does not link the ledger"


def test_chapters_are_written_as_jupytext_writes_them():
    """What JupyterLab writes back when a chapter is saved (tests/test_lab.py saves them for real), caught early:
    an edit by hand that jupytext would re-wrap (a long YAML caption) would change the file on its first save."""
    import jupytext

    assert "jupytext_version" in (ROOT / "jupytext.toml").read_text()  # the version lines it filters, as below
    for path in chapters():
        text = path.read_text()
        written = jupytext.writes(jupytext.reads(text, fmt="md:myst"), fmt="md:myst")
        written = "".join(line for line in written.splitlines(keepends=True)
                          if not line.lstrip().startswith(("jupytext_version:", "format_version:")))
        assert written == text, f"{path.name}: run `jupytext --to md:myst --output {path} {path}` from the course folder"
