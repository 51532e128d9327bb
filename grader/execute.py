"""Execute one sanitized submission with its kernel in the sandbox.

The Jupyter client (nbclient) runs here, in the trusted grader; only the
kernel runs in the sandbox, talking over Unix sockets in the submission's
work folder (the sandbox has no network, not even to this machine).  So the
outputs recorded in the notebook are what the kernel sent, and no student
code can edit the notebook file or the verdicts afterwards.

Failures are contained per cell:
  * a cell that runs past the cell timeout, or a kernel that dies (os._exit,
    SIGKILL, a crash), costs that cell: its output says what happened, a new
    kernel is started, the earlier non-test cells are run again to rebuild
    the state, and execution goes on with the next cell;
  * past the notebook timeout, the remaining cells are marked as not run;
  * each cell keeps at most Limits.output_bytes of output.

Each cell's execute_reply status ("ok" or "error") is kept beside its
outputs: a cell whose reply says "error" failed, whatever it displayed
(a student can hide a traceback, never the reply's status without
rewriting the kernel itself, and the trusted replay still judges the values).
What the grader itself says about a cell (timeout, dead kernel, not run) is
kept apart from what the kernel sent, so it can be shown to a student.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from . import sandbox
from .notebooks import is_test, nbgrader_meta
from .remote import Channel, KernelLost, RemoteTests

HERE = Path(__file__).resolve().parent
MAX_RESTARTS = 5
MEMORY_SIGNS = ("MemoryError", "can't allocate memory", "DefaultCPUAllocator", "Cannot allocate memory")


@dataclass
class Execution:
    notebook: nbformat.NotebookNode
    transcripts: Path
    timed_out: bool = False
    kernel_died: bool = False
    out_of_memory: bool = False
    restarts: int = 0
    seconds: float = 0.0
    kernel_log: str = ""  # the end of what the kernel process printed (start-up notes, crashes)
    events: list[str] = field(default_factory=list)
    replies: dict[int, str] = field(default_factory=dict)  # code cell index -> execute_reply status
    grader_notes: dict[int, str] = field(default_factory=dict)  # cell index -> "ErrorType: what the grader saw"
    remote: dict = field(default_factory=dict)  # grade_id -> remote.RemoteResult, for tests run in the grader

    @property
    def status(self) -> str:
        if self.timed_out:
            return "timeout"
        if self.out_of_memory:
            return "memory"
        if self.kernel_died:
            return "kernel_died"
        return "ok"


def error_output(ename: str, evalue: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class SandboxedKernelManager(AsyncKernelManager):
    """Starts `python -m ipykernel_launcher` under prlimit + bwrap, on Unix-socket transport."""

    def __init__(self, *, workdir: Path, slot: int, limits: sandbox.Limits, sandboxed: bool = True, generation: int = 0,
                 **kwargs):
        # Each (re)started kernel gets sockets of its own, so nothing of a killed kernel is read by the next client.
        super().__init__(transport="ipc", ip=str(workdir / f"kernel{generation}"),
                         connection_file=str(workdir / f"kernel{generation}.json"), kernel_name="python3", **kwargs)
        self.workdir, self.slot, self.limits, self.sandboxed = workdir, slot, limits, sandboxed

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        # The kernel's own stdout/stderr (start-up notes, crashes) go to a log beside the submission.
        log = open(self.workdir / "kernel.log", "ab")
        kw.update(stdout=log, stderr=log)
        if not self.sandboxed:  # no bwrap --setenv: give the kernel the same variables directly
            kw["env"] = {**kw.get("env", os.environ), **self.sandbox_env()}
        try:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        finally:
            log.close()

    def write_connection_file(self, **kwargs):
        result = super().write_connection_file(**kwargs)
        uid = sandbox.sandbox_uid(self.slot)
        if uid is not None:  # the kernel, as its own user, must read it
            os.chown(self.connection_file, uid, uid)
        return result

    def format_kernel_cmd(self, extra_arguments=None):
        kernel = super().format_kernel_cmd(extra_arguments)
        if not self.sandboxed:
            return kernel
        limits = self.limits
        prlimit = ["prlimit", f"--as={limits.memory_mb * 2**20}", f"--nproc={limits.processes}",
                   f"--fsize={limits.file_bytes}", "--core=0", "--"]
        env = []
        for key, value in self.sandbox_env().items():
            env += ["--setenv", key, value]
        prefix = sandbox.bwrap_prefix(self.workdir, self.slot)
        split = prefix.index("--")
        return prlimit + prefix[:split] + ["--clearenv", *env] + prefix[split:] + kernel

    def sandbox_env(self) -> dict[str, str]:
        env = sandbox.environment(self.workdir)
        env["PYTHONPATH"] = str(self.workdir / "harness")
        return env


class SandboxedClient(NotebookClient):
    """nbclient with a per-cell cap on output size."""

    def __init__(self, *args, output_bytes: int, replies: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.output_bytes = output_bytes
        self.output_seen: dict[int, int] = {}
        self.replies = replies

    async def _check_raise_for_error(self, cell, cell_index, exec_reply):
        self.replies[cell_index] = (exec_reply or {}).get("content", {}).get("status", "missing")
        return await super()._check_raise_for_error(cell, cell_index, exec_reply)

    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {}), default=str))
        seen = self.output_seen.get(cell_index, 0)
        self.output_seen[cell_index] = seen + size
        if seen + size > self.output_bytes:
            if seen <= self.output_bytes:
                outs.append(nbformat.v4.new_output(
                    "stream", name="stderr", text=f"[grader: output beyond {self.output_bytes} bytes dropped]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)


def stop_kernel(km: AsyncKernelManager, slot: int | None) -> None:
    """Kill the kernel's sandbox (with it, its whole process tree) and anything left under its user id."""
    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:
        pass
    if slot is not None:
        sandbox.clear_user(slot)


def run_test(client: SandboxedClient, remote: RemoteTests, cell, index: int, limits: sandbox.Limits,
             result: Execution, deadline: float) -> None:
    """A test cell, run here against the kernel; in the kernel itself when it cannot be (remote.py)."""
    grade_id = nbgrader_meta(cell)["grade_id"]
    try:
        outcome = remote.run(grade_id, limits.cell_timeout, deadline)
    except KernelLost as lost:
        if lost.kind == "dead" or not run_sync(client.km.is_alive)():
            raise DeadKernelError("the kernel died during a test") from None
        raise CellTimeoutError("a test timed out") from None
    if outcome.status == "unremotable":
        result.events.append(f"{grade_id}: run in the kernel ({outcome.error})")
        client.execute_cell(cell, index)
        return
    result.remote[grade_id] = outcome
    cell.outputs = []


def install_harness(workdir: Path, config: dict) -> None:
    folder = workdir / "harness"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("harness.py", "codec.py", "watched.py"):
        shutil.copy(HERE / name, folder / name)
    (folder / "config.json").write_text(json.dumps(config))


def execute(notebook, workdir: Path, harness_config: dict, limits: sandbox.Limits, slot: int = 0,
            use_sandbox: bool = True, source=None) -> Execution:
    """Run every code cell of `notebook` (modified in place) with its kernel in a sandbox.

    With the instructor's `source`, test cells run in this process against the
    kernel (remote.py); a test that cannot is sent to the kernel as a cell and
    recorded for replay.  Without it, every test runs in the kernel.
    """
    workdir = Path(workdir).resolve()
    transcripts = workdir / "transcripts"
    install_harness(workdir, {**harness_config, "out_dir": str(transcripts), "socket": str(workdir / "calls")})
    transcripts.mkdir(exist_ok=True)
    remote = RemoteTests(source) if source is not None else None
    if use_sandbox:
        sandbox.prepare_workdir(workdir, slot)
    result = Execution(notebook, transcripts)
    start = time.monotonic()
    setup = [f"import harness; harness.install({str(workdir / 'harness' / 'config.json')!r})"]
    done: list[int] = []  # code cells already run in the current kernel's lifetime or before
    replies = result.replies

    def note(index: int, ename: str, evalue: str, replace: bool = False) -> None:
        output = error_output(ename, evalue)
        notebook.cells[index].outputs = [output] if replace else [*notebook.cells[index].outputs, output]
        result.grader_notes[index] = f"{ename}: {evalue}"

    def new_client() -> SandboxedClient:
        """A client for a new kernel (the tests' trusted state starts afresh with it)."""
        if use_sandbox:
            sandbox.clear_user(slot)  # nothing left over under this user id, from this run or an earlier one
        km = SandboxedKernelManager(workdir=workdir, slot=slot, limits=limits, sandboxed=use_sandbox,
                                    generation=result.restarts)
        client = SandboxedClient(notebook, km=km, timeout=limits.cell_timeout, allow_errors=True,
                                 output_bytes=limits.output_bytes, replies=replies, startup_timeout=60,
                                 extra_arguments=[f"--IPKernelApp.exec_lines={json.dumps(setup)}",
                                                  "--IPKernelApp.log_level=ERROR"])
        client.km = km
        if remote is not None:
            remote.new_kernel(Channel(workdir / "calls", lambda: run_sync(km.is_alive)()))
        return client

    def rebuild(client: SandboxedClient) -> None:
        """A new kernel: run the earlier non-test cells again (their outputs are kept from the first run)."""
        for index in done:
            cell = notebook.cells[index]
            if is_test(cell) or any(o.get("output_type") == "error" for o in cell.outputs):
                continue
            kept, status = cell.outputs, replies.get(index)
            cell = nbformat.from_dict(dict(cell))
            client.execute_cell(cell, index)
            cell.outputs = kept
            replies[index] = status

    code_cells = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    pending = list(code_cells)
    while pending:
        client = new_client()
        try:
            with client.setup_kernel():
                rebuild(client)
                while pending:
                    index = pending[0]
                    if time.monotonic() - start > limits.notebook_timeout:
                        result.timed_out = True
                        for rest in pending:
                            note(rest, "TimeoutError", f"not run: the notebook ran longer than its "
                                 f"{limits.notebook_timeout} s limit", replace=True)
                        pending = []
                        break
                    try:
                        cell = notebook.cells[index]
                        if remote is not None and is_test(cell):
                            run_test(client, remote, cell, index, limits, result, start + limits.notebook_timeout)
                        else:
                            client.execute_cell(cell, index)
                    finally:
                        pending.pop(0)
                        done.append(index)
        except CellTimeoutError:
            result.timed_out = True
            note(done[-1], "TimeoutError", f"the cell ran longer than the {limits.cell_timeout} s limit (an endless loop?)")
            result.events.append(f"cell {done[-1]}: timeout")
        except DeadKernelError:
            result.kernel_died = True
            note(done[-1], "DeadKernelError", "the kernel died while running this cell (it exited, crashed or was "
                 "killed); the cells after it ran in a new kernel")
            result.events.append(f"cell {done[-1]}: kernel died")
        except RuntimeError as error:  # the kernel did not even start
            result.kernel_died = True
            result.events.append(f"kernel failed to start: {error}")
            for rest in pending:
                note(rest, "DeadKernelError", "not run: the kernel could not start", replace=True)
            pending = []
        finally:
            stop_kernel(client.km, slot if use_sandbox else None)
        if pending:
            result.restarts += 1
            if result.restarts > MAX_RESTARTS:
                for rest in pending:
                    note(rest, "DeadKernelError", "not run: too many kernel restarts", replace=True)
                pending = []
    for index in code_cells:
        for output in notebook.cells[index].get("outputs", []):
            if output.get("output_type") == "error" and any(
                    sign in f"{output.get('ename')}: {output.get('evalue')}" for sign in MEMORY_SIGNS):
                result.out_of_memory = True
    if remote is not None and remote.channel is not None:
        remote.channel.close()
    result.seconds = time.monotonic() - start
    log = workdir / "kernel.log"
    if log.exists():
        result.kernel_log = without_startup_notes(log.read_text(errors="replace"))[-2000:]
    return result


# What ipykernel prints each time a kernel starts (once per restart): the same ten lines in every log.
STARTUP_NOTE = re.compile(r"NOTE: When using the `ipython kernel` entry point.*?--existing \S+\n?", re.DOTALL)


def without_startup_notes(text: str) -> str:
    return STARTUP_NOTE.sub("", text)
