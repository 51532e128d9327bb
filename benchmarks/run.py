"""`make bench`: the course's speed budgets, measured and printed as ratios.

Budgets are checked here rather than in timed tests, which flake on a busy
machine.  A ratio above 1 means over budget.

    chapter execution     each chapter, executed cold     <= 90 s on 2 cores
    book build            cold build; warm rebuild after a one-line prose edit <= 0.05 x cold
    grader check          one notebook against hidden tests  <= 30 s
    tiled vs NumPy        exercise 01's solution against A @ B (how much slower Python loops are)
    autograde vs nbgrader 50 submissions of exercise 04-matmul (correct, wrong, crashing), graded by
                          `grader autograde` (sandboxed, parallel) and by plain `nbgrader autograde`:
                          speed-up >= 1.5
    cluster               100 submissions of two exercises on a Dask LocalCluster of 2 single-threaded
                          workers against --jobs 2 here: time ratio <= 1.15; throughput with 1 and 2
                          workers, and a projection to 32 and 256 workers

    python benchmarks/run.py [chapters|book|check|tiled|autograde|cluster ...]   (default: all)
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHAPTER_BUDGET_S = 90
CHECK_BUDGET_S = 30
WARM_REBUILD_RATIO = 0.05
AUTOGRADE_SPEEDUP = 1.5
CLASS_SIZE = 50


def seconds(command: list[str], cwd: Path = ROOT) -> float:
    start = time.perf_counter()
    run = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{run.stderr[-3000:]}")
    return time.perf_counter() - start


def chapter_seconds() -> None:
    for chapter in sorted((ROOT / "chapters").glob("*.md")):
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / f"{chapter.stem}.ipynb"
            took = seconds([str(BIN / "jupytext"), "--to", "ipynb", "--execute", "--output", str(out), chapter.name], cwd=chapter.parent)
        print(f"chapter {chapter.stem:<28} {took:6.1f} s   budget {CHAPTER_BUDGET_S} s   ratio {took / CHAPTER_BUDGET_S:.2f}")


def book_build() -> None:
    """Cold build of a copy of the book, then a rebuild after a one-line prose edit."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "book"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "_build", ".git", "test-output", ".pytest_cache"))
        build = [str(BIN / "jupyter-book"), "build", str(copy), "--builder", "html"]
        cold = seconds(build)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        chapter = sorted((copy / "chapters").glob("*.md"))[-1]
        chapter.write_text(chapter.read_text() + "\nOne more line of prose, for the benchmark.\n")
        warm = seconds(build)
    print(f"book build, cold                  {cold:6.1f} s   peak memory of one build process {peak_mb:.0f} MB")
    print(f"book rebuild after a prose edit   {warm:6.1f} s   ratio to cold {warm / cold:.3f}   target <= {WARM_REBUILD_RATIO}")


def check_seconds() -> None:
    took = seconds([str(BIN / "grader"), "check", "solutions/04-matmul/matmul.ipynb"])
    print(f"grader check 04-matmul            {took:6.1f} s   budget {CHECK_BUDGET_S} s   ratio {took / CHECK_BUDGET_S:.2f}")


def tiled_versus_numpy() -> None:
    from coursekit import benchmark

    from grader.course import Course
    from grader.planted import solution_answers

    namespace: dict = {"np": np}
    exec(solution_answers(Course(ROOT), "04-matmul")["tiled-matmul"], namespace)
    a = np.random.default_rng(0).standard_normal((256, 256))
    tiled = benchmark(lambda: namespace["tiled_matmul"](a, a, 32), repeats=3).median
    plain = benchmark(lambda: a @ a, repeats=3, min_seconds=0.01).median
    print(f"tiled_matmul / A @ B at n=256     ratio {tiled / plain:.1f}  (Python loops over blocks vs one BLAS call)")


def class_of_submissions(folder: Path, assignment: str = "04-matmul", size: int = CLASS_SIZE) -> int:
    """`size` notebooks of an exercise: the solution, planted right and wrong answers, and crashes."""
    import nbformat

    from grader.course import Course
    from grader.planted import build_notebook, planted_submissions

    course = Course(ROOT)
    (source,) = course.source_notebooks(assignment)
    kinds = [nbformat.read(str(source), as_version=4)]
    kinds += [build_notebook(course, assignment, planted) for planted in planted_submissions(course, assignment)]
    for crash in ("import os\nos._exit(1)\n", "raise RuntimeError('a bug in my notebook')\n"):
        crashing = nbformat.read(str(source), as_version=4)
        crashing.cells.insert(1, nbformat.v4.new_code_cell(crash))
        kinds.append(crashing)
    for i in range(size):
        target = folder / f"student{i:03d}" / assignment / source.name
        target.parent.mkdir(parents=True)
        nbformat.write(kinds[i % len(kinds)], str(target))
    return len(kinds)


def autograde_versus_nbgrader() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        folder = Path(folder)
        kinds = class_of_submissions(folder / "submissions")
        ours = seconds([str(BIN / "grader"), "autograde", str(folder / "submissions"), "--out", str(folder / "graded"),
                        "--assignment", "04-matmul"])
        course = folder / "nbgrader-course"
        shutil.copytree(ROOT / "solutions" / "04-matmul", course / "source" / "04-matmul")
        shutil.copytree(folder / "submissions", course / "submitted")
        (course / "nbgrader_config.py").write_text(
            "c = get_config()\nc.CourseDirectory.course_id = 'bench'\n"
            "c.IgnorePattern.enabled = True\nc.IgnorePattern.pattern = '.'\n")  # same tolerance of warnings
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        start = time.perf_counter()
        for step in (["generate_assignment", "04-matmul"], ["autograde", "04-matmul"]):
            subprocess.run([str(BIN / "nbgrader"), *step], cwd=course, env=env, capture_output=True)
        plain = time.perf_counter() - start
    print(f"autograde {CLASS_SIZE} submissions ({kinds} kinds)  grader {ours:6.1f} s   nbgrader {plain:6.1f} s   "
          f"speed-up {plain / ours:.2f}x   target >= {AUTOGRADE_SPEEDUP}x")


CLUSTER_OVERHEAD = 1.15
CLUSTER_EXERCISES = ("04-matmul", "05-bpe")


def cluster_versus_local() -> None:
    """The same class graded here (--jobs 2) and on a LocalCluster of 1 and of 2 single-threaded workers.

    The projection: the instructor's process does steps 1, 2, 5 and 6 one submission at a time (here_s per
    submission, measured), the workers steps 3 and 4 (task_s each, from the 1-worker run).  The two overlap, so
    N submissions on W workers take about N * max(task_s / W, here_s): the workers are the bottleneck until
    W = task_s / here_s, the instructor's process beyond.  It assumes tasks of equal cost, a scheduler that
    keeps up (Dask's is about 1 ms per task, far below here_s) and no shared file system in the way.
    """
    from distributed import LocalCluster

    from grader import sandbox
    from grader.collect import collect
    from grader.course import Course
    from grader.engines import DaskEngine
    from grader.pipeline import Pipeline

    course = Course(ROOT)
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        folder = Path(folder)
        for assignment in CLUSTER_EXERCISES:
            class_of_submissions(folder / "submissions", assignment, size=50)
        use_sandbox = sandbox.available()[0]

        def grade(name: str, engine=None, jobs: int = 2) -> tuple[float, float]:
            """(seconds, seconds spent in this process) to grade the class into a fresh folder."""
            out = folder / name
            submissions = collect(course, folder / "submissions", out / "submitted", list(CLUSTER_EXERCISES))
            pipeline = Pipeline(course, out, jobs=jobs, use_sandbox=use_sandbox, engine=engine)
            pipeline.classcourse.prepare(list(CLUSTER_EXERCISES))  # releasing is not part of grading
            start = time.perf_counter()
            pipeline.run(submissions)
            return time.perf_counter() - start, pipeline.seconds_here

        n = sum(1 for _ in (folder / "submissions").rglob("*.ipynb"))
        here, _ = grade("here")
        timings = {}
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=":0") as cluster:
                engine = DaskEngine(cluster.scheduler_address)
                try:
                    timings[workers] = grade(f"cluster{workers}", engine)
                finally:
                    engine.close()
    two, here_s = timings[2][0], timings[2][1] / n
    print(f"cluster vs here, {n} submissions of {' and '.join(CLUSTER_EXERCISES)}: --jobs 2 here {here:6.1f} s   "
          f"2 workers {two:6.1f} s   ratio {two / here:.2f}   target <= {CLUSTER_OVERHEAD}")
    for workers, (took, _) in timings.items():
        print(f"cluster throughput, {workers} worker{'s' if workers > 1 else ' '}        {n / took * 60:6.1f} notebooks/min")
    task_s = timings[1][0] / n
    print(f"cluster model: task {task_s:.2f} s on one worker, instructor's process {here_s * 1000:.0f} ms per "
          f"submission: workers stop adding speed past about {task_s / here_s:.0f}")
    for workers in (32, 256):
        per_submission = max(task_s / workers, here_s)
        print(f"cluster projection, {workers:3d} workers  {60 / per_submission:8.0f} notebooks/min   "
              f"80,000 notebooks in {80_000 * per_submission / 3600:5.1f} h")


BENCHMARKS = {"chapters": lambda: chapter_seconds(), "book": lambda: book_build(), "check": lambda: check_seconds(),
              "tiled": lambda: tiled_versus_numpy(), "autograde": lambda: autograde_versus_nbgrader(),
              "cluster": lambda: cluster_versus_local()}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(BENCHMARKS):
        BENCHMARKS[name]()
