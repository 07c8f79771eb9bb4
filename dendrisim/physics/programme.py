"""Temperature programmes of a calorimeter (docs/physics.md#temperature-programmes).

Pure functions of the resolved parameters: ``thermal.program = "ramp"`` (DSC) gives
``T_prog(t) = T0 + β t``; ``"none"`` keeps T0 (no programme condition is then used).
"""

from __future__ import annotations


def programme_K(p, t_s: float) -> float:
    """Programme temperature [K] at time ``t_s`` [s] for parameters ``p`` (ModelParameters)."""
    if p.program == "ramp":
        return p.initial_K + p.ramp_K_s * t_s
    return p.initial_K
