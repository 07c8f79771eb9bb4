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
h · clip(0.9 norm^(−1/3), 0.2, 2) (the growth cap keeps ω < 1 + √2, where variable-step
BDF2 is zero-stable).  The first two steps (no three-point history) are not estimated.
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

    def __init__(self, rtol: float, atol: float, comm, safety: float = 0.9):
        self.rtol, self.atol, self.comm, self.safety = rtol, atol, comm, safety
        self.max_grow, self.min_shrink = 2.0, 0.2
        self.history: list[tuple[float, np.ndarray]] = []  # (t, owned u), oldest first

    def push(self, t: float, u: np.ndarray) -> None:
        """An accepted solution (owned dofs) at time ``t``."""
        self.history = [*self.history[-2:], (t, u.copy())]

    def error(self, t_new: float, u_new: np.ndarray) -> float | None:
        """Error norm of the step to ``t_new`` (None without three accepted solutions)."""
        if len(self.history) < 3:
            return None
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
        return parallel.global_max(ratio, self.comm)

    def factor(self, err: float | None) -> float:
        """Next step / this step for an error norm ``err`` (1 when not estimated)."""
        if err is None:
            return 1.0
        if err <= 0 or not math.isfinite(err):
            return self.max_grow if err <= 0 else self.min_shrink
        return min(self.max_grow, max(self.min_shrink, self.safety * err ** (-1.0 / 3.0)))
