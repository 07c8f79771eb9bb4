"""Temperature programmes of a calorimeter (docs/physics.md#temperature-programmes).

Pure functions and objects of the resolved parameters (no dolfinx: the offline summary of a
results folder uses them too):

- ``thermal.program = "ramp"`` (DSC) gives ``T_prog(t) = T0 + β t`` (:func:`programme_K`);
  ``"none"`` keeps T0 (no programme condition is then used);
- ``"heat_wait_seek"`` (ARC) is a schedule of phases (:class:`HeatWaitSeek`): heat by one
  step at the heater rate, wait, seek; at the end of each seek the self-heating rate is
  compared with the threshold, and above it the calorimeter tracks the sample
  adiabatically (the exotherm).  While tracking, the self-heating rate is checked at every
  step; once it falls back below the threshold the heat-wait-seek resumes from the
  sample's temperature there (:meth:`HeatWaitSeek.resumed`), as an ARC does when an
  exotherm dies out (docs/physics.md#arc-heat-wait-seek).  The sample is adiabatic in
  every phase; the heater is a source that raises sample and container together at the
  heater rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from dendrisim.core.units import SECONDS_PER_MINUTE


def programme_K(p, t_s: float) -> float:
    """Programme temperature [K] at time ``t_s`` [s] for parameters ``p`` (ModelParameters).

    Only a ramp has a programme temperature that the boundaries follow; under
    heat-wait-seek the sample's temperature is its own (see :class:`HeatWaitSeek`).
    """
    if p.program == "ramp":
        return p.initial_K + p.ramp_K_s * t_s
    return p.initial_K


@dataclass(frozen=True)
class HeatWaitSeek:
    """The phases of an ARC heat-wait-seek programme [K, s].

    Cycle 0 heats from ``initial_K`` to ``start_K`` (no heat phase when they are equal),
    then waits ``wait_s`` and seeks ``seek_s``; every later cycle k heats by ``step_K`` at
    ``heat_K_s``, waits and seeks.  Plateau k is nominally ``start_K + k step_K`` (the
    sample's own self-heating during wait and seek comes on top).  ``origin_s``: when cycle
    0 starts (0, or the time a resumed schedule took over).
    """

    initial_K: float
    start_K: float
    step_K: float
    wait_s: float
    seek_s: float
    heat_K_s: float
    threshold_K_min: float
    origin_s: float = 0.0

    def resumed(self, t_s: float, T_K: float) -> HeatWaitSeek:
        """The schedule that resumes at ``t_s`` from ``T_K``: heat one step, wait, seek, ..."""
        return replace(self, initial_K=T_K, start_K=T_K + self.step_K, origin_s=t_s)

    @classmethod
    def of(cls, p) -> HeatWaitSeek | None:
        """The schedule of ModelParameters ``p`` (None unless program = heat_wait_seek)."""
        if p.program != "heat_wait_seek":
            return None
        return cls(
            p.initial_K,
            p.hws_start_K or p.initial_K,
            p.hws_step_K,
            p.hws_wait_s,
            p.hws_seek_s,
            p.hws_heat_K_s,
            p.hws_threshold_K_min,
        )

    @classmethod
    def of_thermal(cls, th) -> HeatWaitSeek | None:
        """The schedule of a ``[thermal]`` section (config.ThermalConfig) or None."""
        if th.program != "heat_wait_seek":
            return None
        m = SECONDS_PER_MINUTE
        return cls(
            th.initial_K,
            th.hws_start_K or th.initial_K,
            th.hws_step_K,
            th.hws_wait_min * m,
            th.hws_seek_min * m,
            th.hws_heat_K_min / m,
            th.hws_threshold_K_min,
        )

    @property
    def first_heat_s(self) -> float:
        """Duration of cycle 0's heat phase (initial_K to start_K)."""
        return max(self.start_K - self.initial_K, 0.0) / self.heat_K_s

    @property
    def period_s(self) -> float:
        """Duration of every cycle after the first."""
        return self.step_K / self.heat_K_s + self.wait_s + self.seek_s

    def cycle_start_s(self, k: int) -> float:
        """Start of cycle k (its heat phase)."""
        if k == 0:
            return self.origin_s
        first = self.first_heat_s + self.wait_s + self.seek_s
        return self.origin_s + first + (k - 1) * self.period_s

    def seek_end_s(self, k: int) -> float:
        """End of cycle k's seek (where the self-heating rate is compared)."""
        return self.cycle_start_s(k + 1)

    def heat_end_s(self, k: int) -> float:
        """End of cycle k's heat phase."""
        heat = self.first_heat_s if k == 0 else self.step_K / self.heat_K_s
        return self.cycle_start_s(k) + heat

    def plateau_K(self, k: int) -> float:
        """Nominal temperature of plateau k."""
        return self.start_K + k * self.step_K

    def cycle_at(self, t_s: float) -> int:
        """The cycle that holds time ``t_s``."""
        first = self.seek_end_s(0)
        if t_s < first:
            return 0
        return 1 + int(math.floor((t_s - first) / self.period_s))  # t_s >= first > origin

    def heater_K_s(self, t_s: float, exotherm_s: float | None = None) -> float:
        """Heater rate [K/s] at ``t_s``: in a heat phase before the exotherm, else 0."""
        if (exotherm_s is not None and t_s >= exotherm_s) or t_s < self.origin_s:
            return 0.0
        k = self.cycle_at(t_s)
        return self.heat_K_s if t_s < self.heat_end_s(k) else 0.0

    def boundaries_s(self, end_s: float) -> list[float]:
        """Every phase boundary in (0, end_s) (the step lands on them)."""
        out, k = [], 0
        while self.cycle_start_s(k) < end_s:
            seek_start = self.seek_end_s(k) - self.seek_s
            out += [self.heat_end_s(k), seek_start, self.seek_end_s(k)]
            k += 1
        return sorted({t for t in out if self.origin_s < t < end_s})

    def seek_end_index(self, t_s: float, rel: float = 1e-9) -> int | None:
        """The cycle k whose seek ends at ``t_s`` (to ``rel`` of the time), else None."""
        k = self.cycle_at(t_s * (1 + rel)) - 1
        if k < 0:
            return None
        t_end = self.seek_end_s(k)
        return k if abs(t_s - t_end) <= rel * max(t_end, 1.0) else None

    def detects(self, t_s: float, self_heating_K_min: float) -> bool:
        """True if ``t_s`` ends a seek and the self-heating rate there exceeds the threshold."""
        return (
            self.seek_end_index(t_s) is not None
            and math.isfinite(self_heating_K_min)
            and self_heating_K_min > self.threshold_K_min
        )
