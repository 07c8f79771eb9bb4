"""Observables of an ARC heat-wait-seek run (docs/physics.md#temperature-programmes).

- ``self_heating_K_min``: the sample's own heating rate, the backward-Euler rate of the
  interface-mean temperature over the step minus the heater's rate in that step (0
  outside heat phases): in wait, seek and exotherm it is the measured dT/dt of an ARC;
- ``heater_W`` and ``heater_heat_J``: the heater's power and the energy it has put in
  (the energy balance counts it as supplied heat).
"""

from __future__ import annotations

import math

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
from dolfinx import fem  # noqa: E402

from dendrisim.core.units import K_per_s_to_K_per_min  # noqa: E402
from dendrisim.observables.base import (  # noqa: E402
    Context,
    Cumulative,
    Observable,
    StepState,
    integral,
)
from dendrisim.physics.terms import heater_power  # noqa: E402


def _arc(ctx: Context) -> bool:
    return ctx.model.params.program == "heat_wait_seek"


class SelfHeating(Observable):
    """Self-heating rate of the sample [K/min] (heat-wait-seek only)."""

    columns, units = ("self_heating_K_min",), ("K/min",)
    state_attrs = ("prev",)

    def __init__(self, model):
        self.model = model
        self.prev: tuple[float, float] | None = None  # (t, T mean) of the accepted row

    @classmethod
    def build(cls, ctx: Context) -> SelfHeating | None:
        """Only with thermal.program = "heat_wait_seek"."""
        return cls(ctx.model) if _arc(ctx) else None

    def compute(self, state: StepState) -> dict[str, float]:
        """(T̄_Γ - T̄_Γ,prev)/Δt - heater rate, in K/min; NaN at t = 0."""
        if state.first or self.prev is None:
            return {self.columns[0]: math.nan}
        rate = (state.values["T_interface_mean_K"] - self.prev[1]) / state.dt_s
        rate -= float(self.model.heater.value)
        return {self.columns[0]: K_per_s_to_K_per_min(rate)}

    def commit(self, values: dict[str, float]) -> None:
        """Remember the accepted row's time and temperature."""
        self.prev = (values["time_s"], values["T_interface_mean_K"])

    def adopt(self, old: Observable) -> None:
        """Keep the last accepted row."""
        self.prev = old.prev


class HeaterPower(Observable):
    """Heater power [W] of the step (heat-wait-seek only)."""

    columns, units = ("heater_W",), ("W",)

    def __init__(self, model):
        self.form = fem.form(heater_power(model))
        self.comm = model.comm

    @classmethod
    def build(cls, ctx: Context) -> HeaterPower | None:
        """Only with thermal.program = "heat_wait_seek"."""
        return cls(ctx.model) if _arc(ctx) else None

    def compute(self, state: StepState) -> dict[str, float]:
        """``∫ β_h (ρ c_p + lumped) dV`` (0 outside heat phases and at t = 0)."""
        return {self.columns[0]: 0.0 if state.first else integral(self.form, self.comm)}


class HeaterHeat(Cumulative):
    """Energy the heater has put in since t = 0 [J] (heat-wait-seek only)."""

    columns, units, rate = ("heater_heat_J",), ("J",), "heater_W"

    @classmethod
    def build(cls, ctx: Context) -> HeaterHeat | None:
        """Only with thermal.program = "heat_wait_seek"."""
        return cls() if _arc(ctx) else None
