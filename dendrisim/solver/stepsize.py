"""Adaptive time-step control: grow/cut Δt, land on output times, give up below Δt_min."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StepController:
    """Δt from Newton iterations and the largest temperature change per step [s, K].

    - after an accepted step: grow by ``grow`` when Newton needed at most ``easy_its``
      iterations and |ΔT| stayed below half the limit; shrink by ``shrink`` beyond
      ``hard_its`` iterations;
    - a step whose |ΔT| exceeds ``max_dT_K`` is rejected and retried with a Δt scaled to
      land near 0.7 of the limit (at least quartered);
    - a diverged Newton solve is retried with Δt/2;
    - optionally (:meth:`limit_error`) the error per unit step of the consumed amount is
      kept below a tolerance;
    - below ``dt_min`` the controller reports that it gives up, whichever rule set Δt
      (``limited_by`` names it); the loop asks before every attempt, so no step is ever
      shorter than ``dt_min``.
    Steps are shortened to land exactly on the ``targets`` (output times, end time); a
    target less than ``dt_min`` ahead is stepped over by ``dt_min`` (never a sliver step).
    """

    dt: float
    dt_min: float
    dt_max: float
    max_dT_K: float
    targets: list[float] = field(default_factory=list)
    grow: float = 1.5
    shrink: float = 0.7
    easy_its: int = 4
    hard_its: int = 10
    limited_by: str = "the initial step"

    def __post_init__(self) -> None:
        self.targets = sorted(set(self.targets))  # a copy: never mutate the caller's list

    def set_dt(self, dt: float, rule: str) -> None:
        """Δt = ``dt`` [s], set by ``rule`` (named when Δt falls below dt_min)."""
        self.dt, self.limited_by = dt, rule

    def next_dt(self, t: float) -> float:
        """Step to take from time ``t`` (shortened to hit the next target exactly)."""
        dt = min(self.dt, self.dt_max)
        for target in self.targets:
            if target > t * (1 + 1e-12) + 1e-300:
                gap = target - t
                if dt >= gap or gap - dt < max(1e-3 * dt, self.dt_min):
                    dt = max(gap, self.dt_min)
                elif gap < 2 * dt:
                    dt = 0.5 * gap  # two even steps instead of a sliver
                break
        return dt

    def accepted(self, newton_its: int, dT_K: float) -> None:
        """Update Δt after an accepted step."""
        if newton_its <= self.easy_its and dT_K < 0.5 * self.max_dT_K:
            self.dt *= self.grow
        elif newton_its > self.hard_its:
            self.set_dt(self.dt * self.shrink, "Newton iterations")
        self.dt = min(self.dt, self.dt_max)

    def scaled(self, dt_used: float, factor: float) -> None:
        """Next Δt = ``factor`` × the step just accepted (error control), capped at dt_max."""
        self.set_dt(min(dt_used * factor, self.dt_max), "the local error (time.rtol/atol)")

    def limit_motion(self, dt_used: float, motion: float, max_motion: float) -> None:
        """Cap the next Δt so that the Li surface moves at most ``max_motion``.

        ``max_motion`` and ``motion`` (what the step of ``dt_used`` moved) are fractions of
        the local interface cell size.
        """
        if motion > 0:
            if dt_used * max_motion / motion < self.dt:
                self.set_dt(dt_used * max_motion / motion, "interface.max_motion_per_step")

    def limit_error(self, dt_used: float, rate_jump: float, allowed_jump: float) -> None:
        """Cap the next Δt so that the error per unit step stays below the allowed one.

        ``rate_jump`` is |ΔR| over the step of ``dt_used`` (R the consumption rate); the
        quadrature error of backward Euler is ½|ΔR|Δt, so ½|ΔR| is the error per unit step
        and scales with Δt.  Where nothing happens ΔR ≈ 0 and the step grows freely.
        """
        if rate_jump > 0:
            dt = 0.9 * dt_used * allowed_jump / (0.5 * rate_jump)
            if dt < self.dt:
                self.set_dt(dt, "the consumed-Li error (time.consumed_error_tol)")

    def too_hot(self, dt_used: float, dT_K: float) -> bool:
        """True if the step must be rejected for |ΔT| > limit (Δt is then cut)."""
        if dT_K <= self.max_dT_K:
            return False
        self.set_dt(dt_used * max(0.25, 0.7 * self.max_dT_K / dT_K), "time.max_dT_per_step_K")
        return True

    def diverged(self, dt_used: float) -> None:
        """Halve Δt after a failed Newton solve."""
        self.set_dt(0.5 * dt_used, "Newton divergence")

    def gave_up(self) -> bool:
        """True when Δt fell below the minimum."""
        return self.dt < self.dt_min
