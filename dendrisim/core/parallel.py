"""Every MPI collective of dendrisim lives here.

No other module touches ``comm.rank`` or ``allreduce``.  All functions work with
mpi4py absent (serial fallback) and on any number of ranks; reductions start
from the identity (0, +inf, -inf) so ranks that own no entities are safe.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np


class _SerialComm:
    """Stand-in for ``MPI.COMM_WORLD`` when mpi4py is not installed."""

    rank = 0
    size = 1

    def allreduce(self, value, op=None):  # noqa: D102
        return value

    def bcast(self, value, root=0):  # noqa: D102
        return value

    def barrier(self):  # noqa: D102
        return None

    def allgather(self, value):  # noqa: D102
        return [value]

    def gather(self, value, root=0):  # noqa: D102
        return [value]


def _mpi():
    try:
        from mpi4py import MPI
    except ImportError:  # pragma: no cover - mpi4py ships with the fenics extra
        return None
    return MPI


def world():
    """``MPI.COMM_WORLD``, or a serial stand-in without mpi4py."""
    mpi = _mpi()
    return mpi.COMM_WORLD if mpi is not None else _SerialComm()


def self_comm():
    """``MPI.COMM_SELF`` (one rank), or a serial stand-in."""
    mpi = _mpi()
    return mpi.COMM_SELF if mpi is not None else _SerialComm()


def rank(comm=None) -> int:
    """Rank of this process in ``comm`` (default: world)."""
    return (comm or world()).rank


def size(comm=None) -> int:
    """Number of ranks in ``comm`` (default: world)."""
    return (comm or world()).size


def is_root(comm=None) -> bool:
    """True on rank 0."""
    return rank(comm) == 0


def _op(name: str):
    mpi = _mpi()
    return getattr(mpi, name) if mpi is not None else None


def global_sum(value: float | np.ndarray, comm=None) -> float:
    """Sum of a local float or of a local array's entries over all ranks (empty -> 0)."""
    comm = comm or world()
    local = float(np.sum(value)) if np.ndim(value) else float(value)
    return float(comm.allreduce(local, op=_op("SUM")))


def global_max(value: float | np.ndarray, comm=None) -> float:
    """Max over all ranks; an empty local array contributes -inf."""
    comm = comm or world()
    arr = np.asarray(value, dtype=float)
    local = float(arr.max()) if arr.size else -np.inf
    return float(comm.allreduce(local, op=_op("MAX")))


def global_min(value: float | np.ndarray, comm=None) -> float:
    """Min over all ranks; an empty local array contributes +inf."""
    comm = comm or world()
    arr = np.asarray(value, dtype=float)
    local = float(arr.min()) if arr.size else np.inf
    return float(comm.allreduce(local, op=_op("MIN")))


def global_any(flag: bool, comm=None) -> bool:
    """True if ``flag`` is true on any rank."""
    comm = comm or world()
    return bool(comm.allreduce(bool(flag), op=_op("LOR")))


def broadcast[T](value: T, comm=None, root: int = 0) -> T:
    """Value of ``root`` on every rank."""
    return (comm or world()).bcast(value, root=root)


def barrier(comm=None) -> None:
    """Wait for all ranks."""
    (comm or world()).barrier()


def root_print(*args: Any, comm=None, file=None, **kwargs: Any) -> None:
    """``print`` on rank 0 only."""
    if is_root(comm):
        print(*args, file=file or sys.stdout, **kwargs)


def on_root[T](fn: Callable[[], T], comm=None) -> T:
    """Run ``fn`` on rank 0 and broadcast its result; an exception is raised on all ranks."""
    comm = comm or world()
    result: Any = None
    error: BaseException | None = None
    if is_root(comm):
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - re-raised on every rank below
            error = exc
    error = broadcast(error, comm)
    if error is not None:
        raise error
    return broadcast(result, comm)


def raise_on_all_ranks(check: Callable[[], None], comm=None) -> None:
    """Run a validation on rank 0; if it raises, raise the same error on every rank."""
    on_root(lambda: check() or None, comm)


@contextlib.contextmanager
def root_open(path: str | os.PathLike, mode: str = "w", comm=None) -> Iterator[Any]:
    """Open a file on rank 0 (others get None); a barrier follows the close."""
    if is_root(comm):
        with open(path, mode, encoding="utf-8") as fh:
            yield fh
    else:
        yield None
    barrier(comm)


def gather_all[T](value: T, comm=None) -> list[T]:
    """List of every rank's ``value`` (rank order), on every rank."""
    return list((comm or world()).allgather(value))


def gather_root[T](value: T, comm=None, root: int = 0) -> list[T] | None:
    """List of every rank's ``value`` (rank order) on ``root``; None on the other ranks."""
    return (comm or world()).gather(value, root=root)
