"""Step 1, collect: find each (student, assignment) submission in a folder or an LMS zip.

A folder is laid out <student>/<assignment>/<notebook>.ipynb.  An assignment of
several notebooks gives one Submission per notebook; a notebook the student did
not hand in is missing, for that notebook only.  A zip may hold
that layout (under one top folder or not) or flat files named as a learning-
management system names downloads, e.g. `jsmith_1234_5678_matmul.ipynb`: the
student is what comes before the first underscore and the notebook what the
name ends with; or give nbgrader zip_collect's `named_regexp`, with groups
(?P<student_id>...) and (?P<file_id>...), as name_pattern.  A zip's entries
are read into memory: no path from a zip ever touches the disk.

Each submission's time is nbgrader's `timestamp.txt` beside the notebook where
there is one, else the zip entry's time, else the file's modification time (UTC).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import GraderError
from .course import Course
from .notebooks import write_atomically

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")
MAX_NOTEBOOK_BYTES = 20 * 2**20


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    notebook: str  # the assignment's notebook name, without .ipynb
    path: Path | None  # None: missing
    timestamp: dt.datetime | None = None  # when it was submitted (UTC, naive: as nbgrader's gradebook keeps it)
    notebooks: int = 1  # how many notebooks its assignment has

    @property
    def name(self) -> str:
        """Its name in DIR/results, feedback and logs: the assignment, or assignment/notebook if it has several."""
        return self.assignment if self.notebooks == 1 else f"{self.assignment}/{self.notebook}"


def collect(course: Course, source: Path, into: Path, assignments: list[str] | None = None,
            name_pattern: str | None = None) -> list[Submission]:
    """Every (student, assignment, notebook) found, copied under `into` (DIR/submitted)."""
    source = Path(source)
    if not source.exists():
        raise GraderError(f"no such folder or zip: {source}")
    wanted = assignments or course.assignments()
    notebooks = [(assignment, name) for assignment in wanted for name in course.notebook_names(assignment)]
    if source.is_dir():
        found = _from_folder(source, notebooks)
    elif zipfile.is_zipfile(source):
        try:
            pattern = re.compile(name_pattern) if name_pattern else None
        except re.error as error:
            raise GraderError(f"--name-pattern is not a valid regular expression: {error}") from None
        if pattern is not None and not {"student_id", "file_id"} <= set(pattern.groupindex):
            raise GraderError("--name-pattern needs the groups (?P<student_id>...) and (?P<file_id>...)")
        found = _from_zip(source, notebooks, pattern)
    else:
        raise GraderError(f"{source} is neither a folder nor a zip file")
    submissions = []
    for (student, assignment), (contents, timestamp) in sorted(found.items()):
        if not STUDENT_ID.match(student):
            logging.getLogger("grader").warning("skipping unusable student id %r", student)
            continue
        names = course.notebook_names(assignment)
        for notebook in names:
            content = contents.get(notebook)
            if content is None:
                submissions.append(Submission(student, assignment, notebook, None, timestamp, len(names)))
                continue
            target = into / student / assignment / f"{notebook}.ipynb"
            data = content.read_bytes() if isinstance(content, Path) else content
            if not target.exists() or target.read_bytes() != data:
                write_atomically(target, data)
            submissions.append(Submission(student, assignment, notebook, target, timestamp, len(names)))
    return submissions


def parse_timestamp(text: str) -> dt.datetime | None:
    """nbgrader's timestamp.txt ("2026-11-30 17:02:11.123456 UTC", or ISO 8601) as naive UTC; None if unreadable."""
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(text.strip()).replace(tzinfo=None)
    except (ValueError, TypeError, OverflowError):
        return None


def _utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).replace(tzinfo=None)


def _from_folder(source: Path, notebooks: list[tuple[str, str]]) -> dict:
    """(student, assignment) -> ({notebook: path}, timestamp) for every assignment folder a student has."""
    found = {}
    for student_dir in sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for assignment in dict.fromkeys(a for a, _ in notebooks):
            folder = student_dir / assignment
            if not folder.is_dir():
                continue
            paths = {name: folder / f"{name}.ipynb" for a, name in notebooks
                     if a == assignment and (folder / f"{name}.ipynb").is_file()}
            stamp = folder / "timestamp.txt"
            timestamp = parse_timestamp(stamp.read_text(errors="replace")[:100]) if stamp.is_file() else None
            if timestamp is None and paths:
                timestamp = _utc(max(path.stat().st_mtime for path in paths.values()))
            found[(student_dir.name, assignment)] = (paths, timestamp)
    return found


def _from_zip(source: Path, notebooks: list[tuple[str, str]], pattern: re.Pattern | None) -> dict:
    found = {}
    with zipfile.ZipFile(source) as archive:
        stamps = {info.filename.rsplit("/", 1)[0]: info for info in archive.infolist()
                  if info.filename.endswith("/timestamp.txt") and info.file_size < 200}
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or not name.endswith(".ipynb") or "__MACOSX" in name:
                continue
            if info.file_size > MAX_NOTEBOOK_BYTES:
                logging.getLogger("grader").warning("skipping %s: larger than %d bytes", name, MAX_NOTEBOOK_BYTES)
                continue
            key = zip_key(name, notebooks, pattern)
            if key is not None:
                student, assignment, notebook = key
                stamp = stamps.get(name.rsplit("/", 1)[0]) if "/" in name else None
                timestamp = parse_timestamp(archive.read(stamp).decode(errors="replace")) if stamp else None
                timestamp = timestamp or dt.datetime(*info.date_time)
                contents, latest = found.get((student, assignment), ({}, None))
                contents[notebook] = archive.read(info)
                found[(student, assignment)] = (contents, max(timestamp, latest) if latest else timestamp)
    return found


def zip_key(name: str, notebooks: list[tuple[str, str]], pattern: re.Pattern | None = None) -> tuple[str, str, str] | None:
    """(student, assignment, notebook) for a zip entry's name, or None when it is not a submission.

    `notebooks` holds the (assignment, notebook name) pairs being collected.
    """
    parts = [p for p in name.split("/") if p]
    filename = parts[-1]
    if pattern is not None:
        match = pattern.match(filename)
        return _only_assignment(match.group("student_id"), match.group("file_id").removesuffix(".ipynb"),
                                notebooks, name) if match else None
    if len(parts) >= 3 and (parts[-2], filename[:-6]) in notebooks:
        return parts[-3], parts[-2], filename[:-6]  # <student>/<assignment>/<notebook>.ipynb
    for notebook in sorted({n for _, n in notebooks}, key=len, reverse=True):
        if filename.endswith(f"_{notebook}.ipynb"):
            return _only_assignment(filename.split("_", 1)[0], notebook, notebooks, name)
    return None


def _only_assignment(student: str, notebook: str, notebooks: list[tuple[str, str]], name: str):
    """(student, assignment, notebook) when exactly one assignment has a notebook of that name."""
    assignments = [a for a, n in notebooks if n == notebook]
    if len(assignments) > 1:
        logging.getLogger("grader").warning("skipping %s: assignments %s all have a notebook %s.ipynb; "
                                            "use <student>/<assignment>/ folders", name, ", ".join(assignments), notebook)
    return (student, assignments[0], notebook) if len(assignments) == 1 else None
