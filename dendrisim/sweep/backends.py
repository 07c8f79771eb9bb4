"""Execution back ends: a local process pool and an MPI pool (mpi4py.futures).

Both take a list of :class:`CaseTask` and call ``on_done(outcome)`` in the calling thread as
each case ends, so the sweep can update its table after every case. The SLURM back end writes
a job array instead (:mod:`dendrisim.sweep.slurm`).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

from dendrisim.core.errors import MissingDependencyError
from dendrisim.sweep.execute import (
    CaseOutcome,
    CaseTask,
    execute,
    mark_failed,
    running_marker,
)
from dendrisim.sweep.lifeline import die_with_parent
from dendrisim.sweep.spec import SweepError

OnDone = Callable[[CaseOutcome], None]


def default_workers() -> int:
    """Cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _drain(futures: dict[Future, CaseTask], on_done: OnDone) -> list[CaseTask]:
    """Wait for futures; returns the tasks lost because the pool broke."""
    lost: list[CaseTask] = []
    for fut in as_completed(futures):
        task = futures[fut]
        try:
            outcome = fut.result()
        except BrokenProcessPool:
            lost.append(task)
            continue
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            msg = f"{type(exc).__name__}: {exc}"
            mark_failed(Path(task.out), "error", msg, task.case_file)
            outcome = CaseOutcome(task.name, "failed", "error", msg)
        on_done(outcome)
    return lost


class LocalBackend:
    """N worker processes on this machine ('spawn' or 'forkserver', never fork).

    With ``fresh_process`` each case gets a new worker process (PETSc/MPI state, memory and
    crashes stay with their case); a worker that dies takes only its own case with it.
    """

    name = "local"

    def __init__(
        self, workers: int | None = None, start_method: str = "spawn", fresh_process: bool = False
    ):
        self.workers = workers or default_workers()
        self.start_method = start_method
        self.fresh_process = fresh_process

    def _pool(self, workers: int) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context(self.start_method)
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            max_tasks_per_child=1 if self.fresh_process else None,
            initializer=die_with_parent,  # SIGTERM when the sweep dies: no orphans
            initargs=(os.getpid(),),
        )

    def _batch(self, tasks: list[CaseTask], workers: int, on_done: OnDone) -> list[CaseTask]:
        """Run tasks on a new pool; returns the tasks lost because a worker died."""
        pool = self._pool(max(1, min(workers, len(tasks))))
        try:
            futures = {pool.submit(execute, t): t for t in tasks}
            lost = _drain(futures, on_done)
        except BaseException:
            _terminate(pool)
            raise
        pool.shutdown(wait=True)
        return lost

    def run(self, tasks: list[CaseTask], on_done: OnDone) -> None:
        """Run all tasks; failures and crashed workers become failed outcomes.

        When a worker dies the pool breaks and every queued case comes back. The cases that
        were running then (their marker file is left) are suspects: each runs again alone,
        and one that kills its worker alone is recorded as crashed. The others go back to the
        parallel pool.
        """
        todo = list(tasks)
        blind = 0  # pool breaks in a row with no case running (workers dying at start-up)
        while todo:
            lost = self._batch(todo, self.workers, on_done)
            todo, suspects = [], []
            for t in lost:
                marker = running_marker(t)
                (suspects if marker.exists() else todo).append(t)
                marker.unlink(missing_ok=True)
            blind = blind + 1 if lost and not suspects else 0
            if blind >= 3:
                suspects, todo = todo, []
            for t in suspects:
                if self._batch([t], 1, on_done):
                    running_marker(t).unlink(missing_ok=True)
                    msg = "worker process died during the run (crash or killed; run alone)"
                    mark_failed(Path(t.out), "crashed", msg, t.case_file)
                    on_done(CaseOutcome(t.name, "failed", "crashed", msg))


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel queued cases, end the workers this pool started."""
    procs = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)


def in_mpi_futures_server() -> bool:
    """True when this process is rank 0 of ``python -m mpi4py.futures`` (a shared pool)."""
    try:
        from mpi4py.futures import _core
    except ImportError:
        return False
    return getattr(_core, "SharedPool", None) is not None


class MPIBackend:
    """An ``mpi4py.futures.MPIPoolExecutor`` pool, e.g. inside a cluster allocation.

    Run as ``mpiexec -n N python -m mpi4py.futures -m dendrisim sweep SWEEP.toml --backend
    mpi``: rank 0 drives the sweep, the N-1 other ranks run cases. Each case runs in a fresh
    subprocess (outside the pool's MPI world, so the solver's COMM_WORLD is its own), under
    ``mpiexec -n ranks_per_case`` when a case uses several ranks.
    """

    name = "mpi"

    def __init__(self, workers: int | None = None):
        self.workers = workers

    def _executor(self) -> Executor:
        try:
            from mpi4py import MPI
            from mpi4py.futures import MPIPoolExecutor
        except ImportError as exc:
            raise MissingDependencyError(
                f"the mpi back end needs mpi4py ({exc}); pip install "
                'mpi4py, or use backend = "local"'
            ) from None
        if MPI.COMM_WORLD.Get_size() > 1 and not in_mpi_futures_server():
            raise SweepError(
                'run.backend = "mpi" under mpiexec needs the mpi4py.futures server: run '
                "`mpiexec -n N python -m mpi4py.futures -m dendrisim sweep SWEEP.toml "
                "--backend mpi` (rank 0 drives, N-1 ranks run cases)"
            )
        return MPIPoolExecutor(max_workers=self.workers)

    def run(self, tasks: list[CaseTask], on_done: OnDone) -> None:
        """Run all tasks on the pool's workers."""
        with self._executor() as pool:
            futures = {pool.submit(execute, replace(t, isolate=True)): t for t in tasks}
            try:
                for t in _drain(futures, on_done):
                    msg = "MPI pool worker lost"
                    mark_failed(Path(t.out), "crashed", msg, t.case_file)
                    on_done(CaseOutcome(t.name, "failed", "crashed", msg))
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
