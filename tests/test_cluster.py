"""`grader autograde --scheduler`: grading on a Dask cluster, here a LocalCluster on the loopback.

The class is test_nbgrader_course's (two assignments, three notebooks, a
missing notebook, late work, an extra file), its first student copied a few
times so that a run lasts long enough to be interrupted.  On the cluster it
must grade exactly as on this machine; a worker killed in the middle of a
submission, or the grading command itself killed, must lose no grade and
duplicate none; and a worker that cannot make a sandbox must be refused.
"""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader import sandbox, work
from grader.cli import main
from test_nbgrader_course import COURSE, DEADLINE

distributed = pytest.importorskip("distributed")

SANDBOX, NO_SANDBOX_WHY = sandbox.available()
# One group with test_nbgrader_course: the class is graded on this machine once (conftest.nbgrader_class).
pytestmark = [pytest.mark.xdist_group("nbgrader-course"),
              pytest.mark.skipif(not SANDBOX, reason=f"no sandbox: {NO_SANDBOX_WHY}")]
COPIES_OF_ALICE = 1  # 3 more notebooks, so that a run lasts long enough to be interrupted


def autograde(submissions: Path, out: Path, *extra: str) -> int:
    return main(["autograde", str(submissions), "--out", str(out), "--course", str(COURSE),
                 "--deadline", DEADLINE, *extra])


def grade_rows(out: Path) -> dict:
    """grades.csv by (student, assignment), every column but the seconds it took; a copy of alice reads as alice."""
    with open(out / "grades.csv", newline="") as file:
        rows = {}
        for row in csv.DictReader(file):
            row = {k: v for k, v in row.items() if k != "seconds"}
            row["student_id"] = row["student_id"].rstrip("0123456789")
            rows.setdefault((row["student_id"], row["assignment"]), []).append(row)
    return rows


def same_grades(out: Path, graded_here: Path) -> bool:
    """Every row as graded here, each copy of alice exactly as alice."""
    rows, here = grade_rows(out), grade_rows(graded_here)
    return rows.keys() == here.keys() and all(row == here[key][0] for key, group in rows.items() for row in group)


def feedback_pages(out: Path) -> dict:
    folder = out / "feedback"
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.html"))}


def result_files(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in (out / "results").rglob("*.json"))


@pytest.fixture(scope="module")
def larger_class(nbgrader_class, tmp_path_factory):
    """The class with copies of alice: (submissions, the number of notebooks to grade)."""
    folder = tmp_path_factory.mktemp("cluster") / "submissions"
    shutil.copytree(nbgrader_class[0], folder)
    for n in range(COPIES_OF_ALICE):
        shutil.copytree(folder / "alice", folder / f"alice{n}")
    return folder, len(result_files(nbgrader_class[1])) + 3 * COPIES_OF_ALICE


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0") as local_cluster:
        yield local_cluster


def test_a_cluster_grades_exactly_as_this_machine(nbgrader_class, cluster, tmp_path, capsys):
    submissions, graded_here = nbgrader_class
    out = tmp_path / "out"
    assert autograde(submissions, out, "--scheduler", cluster.scheduler_address) == 0
    assert f"grading on the Dask cluster at {cluster.scheduler_address}" in capsys.readouterr().out
    assert grade_rows(out) == grade_rows(graded_here)
    assert feedback_pages(out) == feedback_pages(graded_here)
    logs = "".join(p.read_text() for p in (out / "logs").rglob("*.log"))
    assert "graded on: tcp://127.0.0.1:" in logs  # the instructor's log says which worker graded it


def worker_pids(cluster) -> dict[str, int]:
    with distributed.Client(cluster) as client:
        return client.run(os.getpid)


def test_a_worker_killed_mid_submission_loses_no_grade(larger_class, nbgrader_class, cluster, tmp_path):
    import psutil

    killed = []

    def kill_a_worker_running_a_kernel():
        deadline = time.monotonic() + 60
        pids = worker_pids(cluster)
        while time.monotonic() < deadline and not killed:
            for address, pid in pids.items():
                try:
                    kernels = [p for p in psutil.Process(pid).children(recursive=True)
                               if "ipykernel_launcher" in " ".join(p.cmdline())]
                except psutil.NoSuchProcess:
                    continue
                if kernels:  # in the middle of a submission: its sandboxed kernel is running
                    os.kill(pid, signal.SIGKILL)
                    killed.append(address)
                    return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_a_worker_running_a_kernel)
    killer.start()
    submissions, notebooks = larger_class
    out = tmp_path / "out"
    code = autograde(submissions, out, "--scheduler", cluster.scheduler_address)
    killer.join()
    assert killed, "no worker was caught running a kernel"
    assert code == 0
    assert same_grades(out, nbgrader_class[1])  # the killed worker's submission was graded on the other
    assert not list((out / "logs").rglob("*.error.log"))
    assert len(result_files(out)) == notebooks  # one result per notebook, none twice


def test_killing_the_grader_mid_run_then_rerunning_finishes_the_job(larger_class, nbgrader_class, cluster, tmp_path,
                                                                   capsys):
    (submissions, total), graded_here = larger_class, nbgrader_class[1]
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader.cli", "autograde", str(submissions), "--out", str(out),
               "--course", str(COURSE), "--deadline", DEADLINE, "--scheduler", cluster.scheduler_address]
    run = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and run.poll() is None and not list(out.glob("results/*/*.json")):
            time.sleep(0.02)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    first = len(result_files(out))
    assert 0 < first < total, f"{first} of {total} graded before the kill: the kill did not interrupt the run"

    capsys.readouterr()
    assert autograde(submissions, out, "--scheduler", cluster.scheduler_address) == 0
    said = capsys.readouterr().out
    assert f"kept {first} already graded" in said
    assert same_grades(out, graded_here)
    assert len(result_files(out)) == total


def test_a_worker_without_a_sandbox_is_refused(nbgrader_class, tmp_path, capsys):
    submissions = nbgrader_class[0]
    # PATH without bubblewrap: the worker's sandbox check fails as on a machine without it.
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0", env={"PATH": str(tmp_path)}) as no_sandbox:
        out = tmp_path / "out"
        assert autograde(submissions, out, "--scheduler", no_sandbox.scheduler_address) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("grader: error: worker tcp://127.0.0.1:") and "bubblewrap is not installed" in error
    assert len(error.splitlines()) == 1
    assert not list(out.glob("results/**/*.json"))  # nothing was graded, so nothing needs undoing


def test_a_grading_process_that_cannot_sandbox_refuses_its_tasks(nbgrader_class, tmp_path, monkeypatch, capsys):
    """A worker that joins after the check refuses each task it is given, and the run stops (Pipeline.finish)."""
    monkeypatch.setattr(work, "sandbox_here", lambda: (False, "bubblewrap is not installed"))
    answer = json.loads(work.grade_task("{}", {"use_sandbox": True}))
    assert answer["refused"] == "this machine cannot run student code in a sandbox: bubblewrap is not installed"

    out = tmp_path / "out"
    assert autograde(nbgrader_class[0], out, "--jobs", "2") == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("grader: error: this machine cannot run student code in a sandbox: bubblewrap is not")
    graded = [json.loads(p.read_text())["status"] for p in (out / "results").rglob("*.json")]
    assert set(graded) <= {"missing"}  # a missing notebook needs no sandbox; nothing was run


def test_a_scheduler_that_goes_away_stops_the_run_and_a_rerun_finishes(larger_class, nbgrader_class, cluster,
                                                                       tmp_path, capsys):
    (submissions, total), graded_here = larger_class, nbgrader_class[1]
    out = tmp_path / "out"
    doomed = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=":0")
    codes = []
    grading = threading.Thread(target=lambda: codes.append(autograde(submissions, out, "--scheduler",
                                                                     doomed.scheduler_address)))
    grading.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and grading.is_alive() and not result_files(out):
        time.sleep(0.02)
    doomed.close()
    grading.join(timeout=120)
    assert not grading.is_alive()
    assert codes == [2]
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("grader: error: lost the Dask cluster at tcp://127.0.0.1:")
    first = len(result_files(out))
    assert 0 < first < total

    assert autograde(submissions, out, "--scheduler", cluster.scheduler_address) == 0
    assert f"kept {first} already graded" in capsys.readouterr().out
    assert same_grades(out, graded_here)
    assert len(result_files(out)) == total
