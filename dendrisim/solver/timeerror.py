"""Local error control of the variable-step BDF2 scheme (``time.scheme = "bdf2"``).

After a BDF2 step from t_n to t_{n+1} = t_n + h (previous steps h1, h2), the local error
is estimated by Milne's device: the quadratic extrapolation P of the last three accepted
solutions (t_{n-2}, t_{n-1}, t_n) to t_{n+1} and the BDF2 solution u have leading errors
C_p u''' and C_c u''' (same order), so

    e ≈ C_c / (C_c + E_p) · (u − P),
    C_c = (h³/2 + a2 h1³/6)/a0 − h³/6,   E_p = h (h + h1)(h + h1 + h2)/6,

with the BDF2 coefficients a0 = (1+2ω)/(1+ω), a2 = ω²/(1+ω), ω = h/h1 (C_c is the error
of one BDF2 step with exact history on u = t³/6: 2/9 h³ at a constant step, the
classical constant; Hairer, Nørsett & Wanner, Solving ODEs I, §III.5).  The error norm
is the largest |e_i| / (atol + rtol |u_i|) over the scaled unknowns (c/c_bulk and
(T − T0)/T_scale); a step with norm > 1 is rejected, and the next step is
h · clip(0.9 norm^(−1/p), 0.2, 2) (the growth cap keeps ω < 1 + √2, where variable-step
BDF2 is zero-stable).  The first two steps (no three-point history) are not estimated.

``time.error_per`` says what the tolerance bounds:

- ``"step"`` (SUNDIALS, SciPy): the local error of each step, p = 3.  The global error
  of a quantity that accumulates (the temperature of an adiabatic cell, the Li consumed
  of a closed one: integrals of the reaction rate) is then the sum of the local errors,
  N steps times the tolerance.
- ``"unit_step"`` (the default): the local error per unit step over the run,
  e ≤ (atol + rtol |u|) · max(h, h_floor) / span with span = ``time.end_s`` and h_floor =
  ``time.dt_max_s``/2, p = 2: the local errors then sum to about the tolerance over the
  run, whatever the number of steps.  The floor keeps the start's short steps (a
  diffusion layer forming: large derivatives for a few ms, errors of 1e-6 K) from
  dictating the step; the first estimate after a (re)start, whose three-point history
  holds the backward-Euler start step (first order: it measures that step's error, not
  the present one's), is skipped.
"""

from __future__ import annotations

import math

import numpy as np

from dendrisim.core import parallel


def bdf2_error_constant(h: float, h1: float) -> float:
    """C_c: the local error of one BDF2 step of ``h`` (previous ``h1``) per unit u'''."""
    w = h / h1
    a0, a2 = (1 + 2 * w) / (1 + w), w * w / (1 + w)
    return (h**3 / 2 + a2 * h1**3 / 6) / a0 - h**3 / 6


class LocalErrorControl:
    """Error norm of a BDF2 step and the next step size (collective: global norms)."""

    def __init__(
        self,
        rtol: float,
        atol: float,
        comm,
        safety: float = 0.9,
        span_s: float | None = None,
        floor_s: float = 0.0,
    ):
        self.rtol, self.atol, self.comm, self.safety = rtol, atol, comm, safety
        self.span_s, self.floor_s = span_s, floor_s  # per unit step over span_s; None: per step
        self.order = 3.0 if span_s is None else 2.0  # the norm's power of the step
        self.max_grow, self.min_shrink = 2.0, 0.2
        self.history: list[tuple[float, np.ndarray]] = []  # (t, owned u), oldest first
        self.start_s = 0.0  # the last (re)start: the next step after it is backward Euler

    @classmethod
    def for_case(cls, tc, comm) -> LocalErrorControl:
        """The control of a case's ``time`` section (``time.error_per``)."""
        span = tc.end_s if tc.error_per == "unit_step" else None
        return cls(tc.rtol, tc.atol, comm, span_s=span, floor_s=0.5 * tc.dt_max_s)

    def restart(self, t: float, u: np.ndarray) -> None:
        """BDF2 restarts at ``t`` (a remesh): the history is ``u`` alone."""
        self.history, self.start_s = [(t, u.copy())], t

    def push(self, t: float, u: np.ndarray) -> None:
        """An accepted solution (owned dofs) at time ``t``."""
        self.history = [*self.history[-2:], (t, u.copy())]

    def error(self, t_new: float, u_new: np.ndarray) -> float | None:
        """Error norm of the step to ``t_new`` (None without three accepted solutions)."""
        if len(self.history) < 3:
            return None
        if self.span_s is not None and self.history[0][0] == self.start_s:
            return None  # the history holds the backward-Euler start step
        (t2, u2), (t1, u1), (t0, u0) = self.history
        h, h1, h2 = t_new - t0, t0 - t1, t1 - t2
        L0 = (t_new - t1) * (t_new - t2) / ((t0 - t1) * (t0 - t2))
        L1 = (t_new - t0) * (t_new - t2) / ((t1 - t0) * (t1 - t2))
        L2 = (t_new - t0) * (t_new - t1) / ((t2 - t0) * (t2 - t1))
        pred = L0 * u0 + L1 * u1 + L2 * u2
        cc = bdf2_error_constant(h, h1)
        ep = h * (h + h1) * (h + h1 + h2) / 6
        e = cc / (cc + ep) * (u_new - pred)
        ratio = np.abs(e) / (self.atol + self.rtol * np.abs(u_new))
        norm = parallel.global_max(ratio, self.comm)
        return norm if self.span_s is None else norm * self.span_s / max(h, self.floor_s)

    def factor(self, err: float | None) -> float:
        """Next step / this step for an error norm ``err``.

        Not estimated: 1, or the growth cap after the skipped estimate of a start step.
        """
        if err is None:
            return self.max_grow if len(self.history) >= 3 else 1.0
        if err <= 0 or not math.isfinite(err):
            return self.max_grow if err <= 0 else self.min_shrink
        return min(self.max_grow, max(self.min_shrink, self.safety * err ** (-1.0 / self.order)))
