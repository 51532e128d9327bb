"""Step 1, collect: find each (student, assignment) submission in a folder or an LMS zip.

A folder is laid out <student>/<assignment>/<notebook>.ipynb.  A zip may hold
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


def collect(course: Course, source: Path, into: Path, assignments: list[str] | None = None,
            name_pattern: str | None = None) -> list[Submission]:
    """Every (student, assignment) pair found, copied under `into` (DIR/submitted)."""
    source = Path(source)
    if not source.exists():
        raise GraderError(f"no such folder or zip: {source}")
    wanted = assignments or course.assignments()
    notebooks = {course.notebook(a).stem: a for a in wanted}
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
    for (student, assignment), (content, timestamp) in sorted(found.items()):
        if not STUDENT_ID.match(student):
            logging.getLogger("grader").warning("skipping unusable student id %r", student)
            continue
        notebook = course.notebook(assignment).stem
        if content is None:
            submissions.append(Submission(student, assignment, notebook, None, timestamp))
            continue
        target = into / student / assignment / f"{notebook}.ipynb"
        data = content.read_bytes() if isinstance(content, Path) else content
        if not target.exists() or target.read_bytes() != data:
            write_atomically(target, data)
        submissions.append(Submission(student, assignment, notebook, target, timestamp))
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


def _from_folder(source: Path, notebooks: dict[str, str]) -> dict:
    found = {}
    for student_dir in sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for notebook, assignment in notebooks.items():
            path = student_dir / assignment / f"{notebook}.ipynb"
            if (student_dir / assignment).is_dir() or path.exists():
                stamp = student_dir / assignment / "timestamp.txt"
                timestamp = parse_timestamp(stamp.read_text(errors="replace")[:100]) if stamp.is_file() else None
                if timestamp is None and path.exists():
                    timestamp = _utc(path.stat().st_mtime)
                found[(student_dir.name, assignment)] = (path if path.exists() else None, timestamp)
    return found


def _from_zip(source: Path, notebooks: dict[str, str], pattern: re.Pattern | None) -> dict:
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
                stamp = stamps.get(name.rsplit("/", 1)[0]) if "/" in name else None
                timestamp = parse_timestamp(archive.read(stamp).decode(errors="replace")) if stamp else None
                found[key] = (archive.read(info), timestamp or dt.datetime(*info.date_time))
    return found


def zip_key(name: str, notebooks: dict[str, str], pattern: re.Pattern | None = None) -> tuple[str, str] | None:
    """(student, assignment) for a zip entry's name, or None when it is not a submission."""
    parts = [p for p in name.split("/") if p]
    filename = parts[-1]
    if pattern is not None:
        match = pattern.match(filename)
        if match and match.group("file_id").removesuffix(".ipynb") in notebooks:
            return match.group("student_id"), notebooks[match.group("file_id").removesuffix(".ipynb")]
        return None
    if len(parts) >= 3 and parts[-2] in notebooks.values() and filename[:-6] in notebooks:
        return parts[-3], parts[-2]  # <student>/<assignment>/<notebook>.ipynb
    for notebook, assignment in sorted(notebooks.items(), key=lambda item: -len(item[0])):
        if filename.endswith(f"_{notebook}.ipynb"):
            return filename.split("_", 1)[0], assignment
    return None
