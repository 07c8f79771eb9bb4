"""Sweep workers die with their parent: no orphan keeps running (or blocks) after a kill.

Linux: ``prctl(PR_SET_PDEATHSIG, SIGTERM)`` (through ctypes, no dependency) asks the
kernel to send SIGTERM to this process when the process (thread) that started it ends,
also by SIGKILL. SIGTERM ends a running case cleanly (status ``interrupted``, the
folder's lock freed: :mod:`dendrisim.solver.interrupt`). Other systems: nothing is set.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None = None, sig: int = signal.SIGTERM) -> bool:
    """Ask for ``sig`` when our parent ends; exit now if it has already gone.

    ``parent_pid``: the pid the parent had when it started us (default: the current one).
    Returns True if the request was set.
    """
    if not sys.platform.startswith("linux"):
        return False
    expected = os.getppid() if parent_pid is None else parent_pid
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != expected:  # the parent died before the request was in place
        os._exit(128 + int(sig))
    return True


def child_preexec(parent_pid: int):
    """A ``preexec_fn`` for subprocess: the child (mpiexec or a worker) dies with us."""

    def _preexec() -> None:
        die_with_parent(parent_pid)

    return _preexec
