"""Where step 3 and 4 run: threads of this process, or the workers of a Dask cluster.

Both engines offer the same four calls to the pipeline: `share` (data every
task of an assignment needs, sent to each worker once), `submit`, `wait`
(some of the running tasks finished) and `close`.  A task is always
`work.grade_task`, whose answer is JSON text.

A Dask cluster is one the instructor already runs (a scheduler address, or a
scheduler file, from `dask scheduler`, dask-jobqueue's SLURM or PBS clusters,
or dask-kubernetes).  Its workers must have this course installed (the same
venv) and bubblewrap: before any work is sent, every worker is asked whether
it can make a sandbox, and the run stops with the first that cannot.  A
worker that dies takes its task with it; Dask gives the task to another
worker, and the submission is recorded once, by this process, when an answer
arrives.
"""

from __future__ import annotations

import concurrent.futures
import time
from pathlib import Path

from . import GraderError


class LocalEngine:
    """`jobs` threads of this process, each driving one sandboxed kernel at a time."""

    name = "this machine"

    def __init__(self, jobs: int):
        self.jobs = max(1, jobs)
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs)

    def check_workers(self, use_sandbox: bool) -> None:
        pass  # the command itself checked this machine's sandbox

    def capacity(self) -> int:
        return self.jobs

    def share(self, data):
        return data

    def submit(self, function, *args):
        return self.pool.submit(function, *args)

    def wait(self, futures) -> set:
        done, _ = concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED)
        return done

    def result(self, future) -> str:
        return future.result()

    def lost(self) -> bool:
        return False

    def close(self, cancel: bool = False) -> None:
        self.pool.shutdown(wait=True, cancel_futures=cancel)


class DaskEngine:
    """The workers of a running Dask cluster, reached through its scheduler."""

    def __init__(self, scheduler: str):
        try:
            from distributed import Client
        except ImportError:
            raise GraderError("--scheduler needs Dask's distributed package (pip install distributed)") from None
        try:
            if Path(scheduler).is_file():  # a scheduler file, as `dask scheduler --scheduler-file` writes it
                self.client = Client(scheduler_file=scheduler, timeout="10s")
            else:
                self.client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as error:
            raise GraderError(f"cannot reach a Dask scheduler at {scheduler}: {error}") from None
        self.name = f"the Dask cluster at {self.client.scheduler.address}"
        self._capacity, self._capacity_asked = 1, float("-inf")

    def dashboard(self) -> str | None:
        """The dashboard's address, when the scheduler serves one."""
        if "dashboard" in self.client.scheduler_info(n_workers=0).get("services", {}):
            return self.client.dashboard_link
        return None

    def check_workers(self, use_sandbox: bool) -> None:
        """Wait for a first worker; then every worker must be able to sandbox, or nothing is sent."""
        if not self.client.nthreads():
            print(f"grader: waiting for the first worker of {self.name}...", flush=True)
            self.client.wait_for_workers(1)  # on a batch system, workers start when their jobs do
        if not use_sandbox:
            return
        from distributed.comm import CommClosedError

        from .work import sandbox_here

        answers = self.client.run(sandbox_here, on_error="return")
        for worker, answer in sorted(answers.items()):
            if isinstance(answer, (CommClosedError, OSError)):
                continue  # it went away while asked; if it comes back, its tasks ask again (work.grade_task)
            if isinstance(answer, BaseException):  # e.g. a worker without this course cannot even load the call
                raise GraderError(f"worker {worker} cannot run the grader: {type(answer).__name__}: {answer}")
        refusing = {worker: answer[1] for worker, answer in answers.items()
                    if isinstance(answer, tuple) and not answer[0]}
        if refusing:
            worker, why = sorted(refusing.items())[0]
            raise GraderError(f"worker {worker} cannot run student code in a sandbox: {why}; "
                              f"install it there (`make sandbox`) or stop that worker "
                              f"({len(refusing)} of {len(answers)} workers refuse)")

    def capacity(self) -> int:
        """Threads of all workers (asked again every few seconds: workers come and go)."""
        if time.monotonic() - self._capacity_asked > 5:
            self._capacity = max(1, sum(self.client.nthreads().values()))
            self._capacity_asked = time.monotonic()
        return self._capacity

    def share(self, data):
        # Held by the cluster as the result of a task that returns it: a worker that dies with it loses nothing,
        # the scheduler computes it again (scattered data would be lost with its worker).
        return self.client.submit(_given, data, pure=False)

    def submit(self, function, *args):
        return self.client.submit(function, *args, pure=False)

    def wait(self, futures) -> set:
        """Some finished futures: done, failed (a task that killed its workers), or cancelled (a lost scheduler)."""
        while True:
            ended = {f for f in futures if f.done() or f.cancelled()}
            if ended:
                return ended
            if self.lost():
                return set(futures)  # each reports the lost scheduler
            time.sleep(0.05)

    def result(self, future) -> str:
        answer = future.result()
        if not isinstance(answer, str):  # grade_task answers text; anything else is not ours
            raise TypeError(f"a worker answered {type(answer).__name__}, not JSON text")
        return answer

    def lost(self) -> bool:
        return self.client.status != "running"

    def close(self, cancel: bool = False) -> None:
        try:
            self.client.close(timeout=10)
        except Exception:
            pass


def _given(data):
    """A task whose result is `data` (see DaskEngine.share)."""
    return data
