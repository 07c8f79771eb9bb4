"""SIGINT / SIGTERM / SIGUSR1 end a run cleanly: the step in progress finishes, then the loop stops.

The handlers only record the signal; the time loop asks :meth:`StopRequest.pending`
once per step, a collective (every rank learns that any rank was signalled, so all
stop after the same step). No exception is raised inside Newton, so an interrupt is never
mistaken for divergence. A second identical signal while the first is pending raises
KeyboardInterrupt at once (the way out of a step that does not end).
gmsh resets SIGTERM when it starts, so the run calls :meth:`reinstall` after meshing.
Handlers can only be installed from the main thread; elsewhere nothing is installed and
Ctrl-C keeps Python's default behaviour.
"""

from __future__ import annotations

import signal
import threading

from dendrisim.core import parallel

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1)  # SIGUSR1: SLURM before a time limit


def signal_name(signum: int) -> str:
    """'SIGINT', 'SIGTERM', ... for a signal number."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class StopRequest:
    """Installs the SIGINT/SIGTERM handlers for the duration of a ``with`` block."""

    def __init__(self, comm=None):
        self.comm = comm
        self.signum = 0  # the signal received on this rank (0: none)
        self.agreed = 0  # the signal all ranks agreed on (max over ranks), once pending
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for s in SIGNALS:
                self._previous[s] = signal.signal(s, self._handler)
        return self

    def reinstall(self) -> None:
        """Put the handlers back: gmsh.initialize() resets SIGTERM to the default in C."""
        for s in self._previous:
            signal.signal(s, self._handler)

    def __exit__(self, *exc) -> None:
        for s, handler in self._previous.items():
            signal.signal(s, handler)
        self._previous.clear()

    def _handler(self, signum, frame) -> None:
        if self.signum == signum:
            raise KeyboardInterrupt(signal_name(signum))
        self.signum = signum

    def pending(self) -> int:
        """The signal number if any rank was signalled, else 0 (collective: every rank calls)."""
        got = int(parallel.global_max(float(self.signum), self.comm))
        if got:
            self.agreed = got
        return got

    @property
    def exit_code(self) -> int:
        """128 + the signal (130 for SIGINT, 143 for SIGTERM)."""
        return 128 + (self.agreed or self.signum or signal.SIGINT)
