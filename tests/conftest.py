from pathlib import Path

import pytest

from grader.course import Course

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def course() -> Course:
    return Course(ROOT)


@pytest.fixture(scope="session")
def nbgrader_class(tmp_path_factory):
    """test_nbgrader_course's class, and `grader autograde --course` of it on this machine: (submissions, out).

    Shared by test_nbgrader_course (against plain nbgrader) and test_cluster (against a Dask cluster), which
    run in one xdist group so that it is graded once.
    """
    from grader.cli import main
    from test_nbgrader_course import COURSE, DEADLINE, write_class

    folder = tmp_path_factory.mktemp("nbgrader-class")
    submissions = write_class(folder / "submissions")
    out = folder / "ours"
    assert main(["autograde", str(submissions), "--out", str(out), "--course", str(COURSE),
                 "--deadline", DEADLINE, "--jobs", "2"]) == 0
    return submissions, out
