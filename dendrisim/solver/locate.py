"""Locating threshold events inside a step by trial re-solves (Illinois method).

A step [t, t + dt] over which an event's ``g`` rose through 0 is re-solved from its start
with shorter steps s; each trial computes the observables (pure: nothing is committed) and
``g``.  The bracket [a, b] with g(a) <= 0 < g(b) shrinks by the Illinois variant of
regula falsi until b - a < ``rel_tol`` dt; the event happens at t + b (the event side, so
the row of a terminal event shows it).  A terminal event cuts the step to b; for the
others the accepted solution of the whole step is restored afterwards.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from dendrisim.solver.events import Event, Window

log = logging.getLogger("dendrisim")


@dataclass
class Trial:
    """A (trial) solution of a step of ``dt_s`` [s]: observables and the unknowns."""

    dt_s: float
    values: dict[str, float]
    u: np.ndarray
    iterations: int = 0
    krylov_iterations: int = 0


class EventLocator:
    """Finds where events crossed inside a step (collective: every rank does the same)."""

    def __init__(self, sim, rel_tol: float = 1e-3, max_solves: int = 60):
        self.sim = sim
        self.rel_tol = rel_tol
        self.max_solves = max_solves
        self.solves = 0  # trial solves so far (all events)
        self.iterations = 0  # their Newton iterations
        self.krylov_iterations = 0  # their Krylov iterations

    def trial(self, t0: float, dt: float) -> Trial | None:
        """Solve [t0, t0 + dt] from the accepted state; None if Newton fails."""
        sim = self.sim
        att = sim.solve(t0, dt)
        self.solves += 1
        self.iterations += att.iterations
        self.krylov_iterations += att.krylov_iterations
        if not att.converged:
            return None
        values = sim.observables.compute(t0 + dt, dt, att.iterations)
        u = sim.model.u.x.array.copy()
        return Trial(dt, values, u, att.iterations, att.krylov_iterations)

    def locate(
        self, event: Event, t0: float, start: Window, g0: float, end: Trial
    ) -> tuple[Trial, float]:
        """Bracket the crossing of ``event`` in (0, end.dt_s]; returns (event-side trial, s).

        ``start``: the window at the start of the step (accepted rows), ``g0``: g there
        (<= 0), ``end``: the solution at the end of the step (g > 0).
        """

        def g(values: dict[str, float]) -> float:
            return event.g(Window(values, start.row, start.prev))

        a, ga = 0.0, g0
        b, gb = end.dt_s, g(end.values)
        best, side, width = end, 0, end.dt_s
        n = 0
        while b - a > self.rel_tol * width and n < self.max_solves:
            s = self._next(a, ga, b, gb, n)
            tr = self.trial(t0, s)
            n += 1
            if tr is None:  # Newton failed on a shorter step: keep what is bracketed
                log.debug("event %s: trial solve of %.3g s failed", event.name, s)
                break
            gs = g(tr.values)
            if math.isnan(gs):
                break
            if gs > 0:
                b, gb, best = s, gs, tr
                ga = ga / 2 if side == 1 else ga
                side = 1
            else:
                a, ga = s, gs
                gb = gb / 2 if side == -1 else gb
                side = -1
        return best, b

    @staticmethod
    def _next(a: float, ga: float, b: float, gb: float, n: int) -> float:
        """Regula falsi point, kept inside the bracket (bisection when g is unusable)."""
        if not (math.isfinite(ga) and math.isfinite(gb)) or gb == ga or n % 8 == 7:
            return 0.5 * (a + b)
        s = b - gb * (b - a) / (gb - ga)
        lo, hi = a + 1e-4 * (b - a), b - 1e-4 * (b - a)
        return min(max(s, lo), hi)
