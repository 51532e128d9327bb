"""Seed records: the larger, multi-seed version of a chapter's live experiment, run offline.

A chapter's headline experiment runs live with one seed, to fit the build's
time budget.  `make record` executes the same chapter with COURSE_RECORD=1:
its cells then run the same code over RECORD_SEEDS and save the results
here, labelled with the date, machine and versions.  At build time the
chapter loads the record and shows it beside the live run, so the reader
sees the spread over seeds next to the one run their machine just made.

A record also keeps the configuration it was run with; `load` refuses a
record whose configuration differs from the chapter's, so an edited
experiment never shows a stale spread.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from .backend import cpu_name, library_versions

SEED_RECORDS_DIR = Path(__file__).resolve().parent.parent / "book" / "data" / "seed-records"
RECORD_SEEDS = (0, 1, 2, 3, 4)


def recording() -> bool:
    """True while `make record` executes the chapter (COURSE_RECORD=1)."""
    return os.environ.get("COURSE_RECORD") == "1"


def save(name: str, config: dict, results: dict, folder: Path = SEED_RECORDS_DIR) -> Path:
    """Write one record: `results` maps each seed to what that seed's run gave."""
    record = {
        "name": name,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
        "machine": cpu_name(),
        "versions": library_versions(),
        "config": config,
        "seeds": sorted(int(seed) for seed in results),
        "results": {str(seed): value for seed, value in results.items()},
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def load(name: str, config: dict, folder: Path | None = None) -> dict | None:
    """The record `name` if there is one made with this `config`, else None."""
    folder = Path(os.environ.get("COURSE_SEED_RECORDS", folder or SEED_RECORDS_DIR))
    path = folder / f"{name}.json"
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    if record.get("config") != json.loads(json.dumps(config)):
        return None
    return record


def label(record: dict) -> str:
    """One line naming the run: seeds, date, machine, versions."""
    seeds = record["seeds"]
    v = record["versions"]
    return (f"recorded {record['date']} on {record['machine']}, torch {v['torch']}, "
            f"seeds {seeds[0]}-{seeds[-1]} ({len(seeds)} runs)")


def per_seed(record: dict, key: str) -> list:
    """The value `key` of every seed's result, in seed order."""
    return [record["results"][str(seed)][key] for seed in record["seeds"]]


def spread(values, form: str = "{:.3g}") -> str:
    """'mean 1.23 (range 1.20 to 1.27)' for a list of numbers, each written with `form`."""
    values = list(values)
    mean = sum(values) / len(values)
    return f"mean {form.format(mean)} (range {form.format(min(values))} to {form.format(max(values))})"


def within(value: float, record_values, margin: float) -> bool:
    """Whether a live value lies in the recorded range, widened by `margin` on each side.

    Not equality: another CPU rounds differently, and a few hundred training
    steps carry the difference into the result.
    """
    return min(record_values) - margin <= value <= max(record_values) + margin


def show(name: str, config: dict, summary) -> dict | None:
    """Print the record's label and `summary(record)`, or say how to make one; returns the record."""
    record = load(name, config)
    if record is None:
        print(f"No seed record for '{name}' with this configuration yet: `make record` runs it offline.")
        return None
    print(label(record))
    print(summary(record))
    return record


def chapters_with_records(chapters: Path) -> list[Path]:
    """The chapters whose cells save a seed record."""
    return sorted(path for path in chapters.glob("[0-9][0-9]-*.md") if "records.save(" in path.read_text())


def record_chapter(path: Path, timeout: int = 3600) -> None:
    """Execute one chapter with COURSE_RECORD=1 (its cells write the records); its outputs are dropped."""
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(path)
    os.environ["COURSE_RECORD"] = "1"  # the kernel inherits it
    try:
        NotebookClient(notebook, timeout=timeout, resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.pop("COURSE_RECORD", None)


def main(argv=None) -> int:
    import argparse
    import time

    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description="Run the chapters' experiments over RECORD_SEEDS and save "
                                     "their seed records in book/data/seed-records/ (make record).")
    parser.add_argument("chapters", nargs="*", help="chapter files or numbers (default: every chapter with a record)")
    args = parser.parse_args(argv)
    every = chapters_with_records(root / "chapters")
    chosen = [path for path in every if not args.chapters
              or any(path.name.startswith(c) or path == Path(c).resolve() for c in args.chapters)]
    if not chosen:
        print(f"no chapter with a seed record matches {args.chapters}; these have one: "
              f"{', '.join(path.stem for path in every)}")
        return 1
    for path in chosen:
        start = time.perf_counter()
        print(f"recording {path.stem} over seeds {RECORD_SEEDS} ...", flush=True)
        record_chapter(path)
        print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
