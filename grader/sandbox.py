"""Run a student's kernel in a sandbox (Linux: bubblewrap plus resource limits).

What the kernel can see: the operating system and the Python installation
read-only, the course's support package `coursekit` read-only, and one
scratch folder of its own (the submission's work folder) read-write.  It
cannot see the repository (solutions/, the grader's code), the gradebook or
any other student's folder, because none of them is mounted.  It has no
network (a new, empty network namespace), its own process tree, and limits
on memory, processes and file size.  When the grader runs as root, the
kernel drops to an unprivileged user id of its own (one per parallel slot, so
the process-count limit is not shared).

`bwrap` comes from Debian's `bubblewrap` package (`make sandbox` installs it).
Where it is missing (macOS, Windows, a container without user namespaces),
`available()` says why and the caller decides: `grader autograde` refuses
unless told `--unsafe-no-sandbox`; `grader check` runs unsandboxed and says so.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# When the grader runs as root, kernels run as uids from UNPRIVILEGED_UID on: each grading process
# reserves a block of UIDS_PER_RUN of them (one per parallel slot), so that two runs on one machine
# never share a user, and clearing one run's user never touches another run's kernels.
UNPRIVILEGED_UID = 60000
UIDS_PER_RUN = 64
RUN_BLOCKS = 64
_reserved: dict = {}  # "base" -> first uid of this process's block, "lock" -> the open lock file


@dataclass(frozen=True)
class Limits:
    cell_timeout: int = 30  # seconds per cell
    notebook_timeout: int = 300  # seconds for the whole notebook, restarts included
    memory_mb: int = 4096  # address space of each sandboxed process
    processes: int = 128  # tasks (processes and threads) of the kernel's user
    output_bytes: int = 1_000_000  # cell output kept per cell; the rest is dropped
    file_bytes: int = 64 * 2**20  # largest file the kernel may write


def available() -> tuple[bool, str]:
    """(True, '') when a sandbox can be made here, else (False, why not)."""
    if not sys.platform.startswith("linux"):
        return False, f"no sandbox on {sys.platform} (bubblewrap is Linux-only)"
    if shutil.which("bwrap") is None:
        return False, "bubblewrap is not installed (Debian: apt-get install bubblewrap, or `make sandbox`)"
    probe = subprocess.run(bwrap_prefix(Path("/tmp"), slot=0) + ["true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return False, f"bubblewrap cannot create a sandbox here: {probe.stderr.strip() or probe.returncode}"
    return True, ""


def _python_roots() -> list[Path]:
    """Folders the kernel's Python needs: the venv and the interpreter it points to."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent}
    return sorted(roots)


def _course_support() -> list[Path]:
    """Read-only course code that exercises may import (coursekit), never the grader."""
    try:
        import coursekit
    except ImportError:
        return []
    return [Path(coursekit.__file__).resolve().parent]


# Libraries that would do an exercise's work in one call (05-bpe asks for a byte-pair tokenizer), hidden
# from graded code however it imports them: the sandbox sees their folders empty.
SHORTCUT_LIBRARIES = ("tokenizers", "tiktoken", "sentencepiece")
# coursekit's modules that `make sync` copies out of the chapters hold code that exercises ask for (the
# Chinchilla split, scans, a training loop): graded code sees them empty; the plumbing stays.
SYNCED_MARK = "Written by `make sync`"


def _hidden_paths() -> list[tuple[str, Path]]:
    """("dir" or "file", path) for what graded code must not see."""
    import importlib.util

    hidden = []
    for name in SHORTCUT_LIBRARIES:
        try:
            spec = importlib.util.find_spec(name)  # finds without importing
        except (ImportError, ValueError):
            spec = None
        for folder in (spec.submodule_search_locations or []) if spec else []:
            hidden.append(("dir", Path(folder).resolve()))
    for support in _course_support():
        for module in sorted(support.glob("*.py")):
            if SYNCED_MARK in module.read_text(encoding="utf-8", errors="replace")[:400]:
                hidden.append(("file", module))
        if (support / "__pycache__").is_dir():  # compiled copies of the same code, loadable with marshal
            hidden.append(("dir", support / "__pycache__"))
    return hidden


def _parents(mount_point: Path) -> list[str]:
    """bwrap would create a mount point's missing parents as root-only folders: make them 0755."""
    args = []
    for parent in reversed(mount_point.parents[:-1]):
        if not str(parent).startswith(("/usr", "/etc", "/proc", "/dev")):
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def sandbox_uid(slot: int) -> int | None:
    if os.geteuid() != 0:
        return None
    return reserve_uids() + slot % UIDS_PER_RUN


def reserve_uids() -> int:
    """This process's first sandbox uid: a free block, held (by a lock file) until the process ends."""
    if "base" not in _reserved:
        import fcntl

        folder = Path("/tmp/grader-uid-blocks")
        folder.mkdir(mode=0o700, exist_ok=True)
        for block in range(RUN_BLOCKS):
            lock = open(folder / f"{block}.lock", "w")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                lock.close()
                continue
            _reserved.update(base=UNPRIVILEGED_UID + block * UIDS_PER_RUN, lock=lock)
            break
        else:
            raise RuntimeError(f"all {RUN_BLOCKS} sandbox uid blocks are in use by other grading runs")
    return _reserved["base"]


def bwrap_prefix(workdir: Path, slot: int) -> list[str]:
    """The bwrap command line that runs what follows it inside the sandbox."""
    workdir = Path(workdir).resolve()
    args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"]
    if os.geteuid() != 0:
        args += ["--unshare-user"]  # unprivileged bwrap needs a user namespace
    args += ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for link in ("bin", "sbin", "lib", "lib64", "lib32"):
        target = Path("/") / link
        if target.is_symlink():
            args += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            args += ["--ro-bind", str(target), str(target)]
    # /tmp first: the venv (a clone in /tmp, say) may live below it and must stay visible.
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
    for root in [*_python_roots(), *_course_support()]:
        args += _parents(root) + ["--ro-bind", str(root), str(root)]
    for kind, path in _hidden_paths():
        args += ["--tmpfs", str(path)] if kind == "dir" else ["--ro-bind", "/dev/null", str(path)]
    args += _parents(workdir) + ["--bind", str(workdir), str(workdir), "--chdir", str(workdir)]
    uid = sandbox_uid(slot)
    if uid is not None:
        # Real root outside: become an ordinary user inside (no capabilities, no new privileges).
        args += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--no-new-privs"]
    else:
        args += ["--"]
    return args


def clear_user(slot: int, wait_s: float = 10.0) -> None:
    """Kill every process of the slot's user and wait until they are gone.

    Processes that are still dying count against the user's process limit; a
    kernel started under the same user before they are reaped would fail to
    start (a fork bomb leaves ~100 of them).
    """
    uid = sandbox_uid(slot)
    if uid is None:
        return
    deadline = time.monotonic() + wait_s
    while True:
        subprocess.run(["pkill", "-KILL", "-U", str(uid)], capture_output=True)
        if subprocess.run(["pgrep", "-U", str(uid)], capture_output=True).returncode != 0 or time.monotonic() > deadline:
            return
        time.sleep(0.05)


def environment(workdir: Path) -> dict[str, str]:
    """A clean environment: nothing of the grader's leaks in."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "JUPYTER_RUNTIME_DIR": str(Path(workdir).resolve() / "runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }


def prepare_workdir(workdir: Path, slot: int) -> None:
    """The kernel's only writable folder; owned by its user when we drop privileges."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "runtime").mkdir(exist_ok=True)
    uid = sandbox_uid(slot)
    if uid is not None:
        for path in [workdir, *workdir.rglob("*")]:
            os.chown(path, uid, uid)


def set_limits(limits: Limits):
    """A preexec function applying the resource limits to the sandbox's processes."""

    def apply() -> None:
        memory = limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply
