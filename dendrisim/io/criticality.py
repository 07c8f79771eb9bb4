"""A run's thermal criticality, reported beside its history (docs/physics.md#criticality).

Pure numpy/scipy (no dolfinx): :func:`dendrisim.io.result.summarize` adds these columns to
every summary.  The run's cell is taken as a lumped cell
(:class:`dendrisim.physics.criticality.LumpedCell`) built from what the run recorded at
its start: the manifest's ``thermal_cell`` (heat capacity as the run uses it, reacting
area, heat loss h x outer area; written by ``dendrisim run``) and the first row of the
time series (the heat release q(T0) at the interface-mean temperature T0).  q(T) is
q(T0) extrapolated with the case's activation energy (reactant not depleted, SEI state
frozen at its start): the Semenov/Frank-Kamenetskii cell of this run, not a refit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dendrisim.physics.criticality import (
    LumpedCell,
    R,
    adiabatic_induction_time_s,
    semenov_critical,
    semenov_number,
)

CRITICALITY_COLUMNS = (
    "critical_ambient_K",
    "semenov_number",
    "induction_time_s",
    "fk_rise_K",
    "left_induction",
    "left_induction_s",
    "explosion_s",
)
CRITICALITY_DEFINITIONS: dict[str, str] = {
    "critical_ambient_K": "Semenov critical ambient temperature of the run's lumped cell "
    "(exact tangency of q(T) and the loss line; NaN for an adiabatic cell, where every "
    "ambient is supercritical, and for a fixed outer temperature); q(T) is the first row's "
    "heat release extrapolated with the case's activation energy",
    "semenov_number": "psi = q(T_a) E / (L R T_a^2) at thermal.ambient_K (inf adiabatic; "
    "critical at 1/e)",
    "induction_time_s": "Frank-Kamenetskii adiabatic induction time C R T0^2 / (E q(T0)) "
    "(C the heat capacity as the run uses it, T0 the first row)",
    "fk_rise_K": "the Frank-Kamenetskii temperature scale R T0^2 / E",
    "left_induction": "True when the history left the induction regime: the interface-mean "
    "temperature rose by more than fk_rise_K within the run (the label 'runaway' is "
    "meaningful only then)",
    "left_induction_s": "when the interface-mean temperature first rose by fk_rise_K "
    "(linear between rows; only if left_induction)",
    "explosion_s": "thermal explosion time: the midpoint of the step with the largest "
    "heating rate of the interface-mean temperature (the inflection of T(t); only if "
    "left_induction)",
}


def thermal_cell_of(
    manifest: dict[str, Any], q0_W: float, T0_K: float, E_J_mol: float
) -> LumpedCell | None:
    """The run's lumped cell (None without ``thermal_cell`` or a fixed outer temperature)."""
    cell = manifest.get("thermal_cell") or {}
    C, S, L = (cell.get(k) for k in ("heat_capacity_J_K", "reacting_area_m2", "heat_loss_W_K"))
    if not all(isinstance(v, int | float) for v in (C, S, L)) or not q0_W > 0:
        return None
    # order 0, unit area and enthalpy: heat_release_W(T) = q0 exp(-E/R (1/T - 1/T0))
    return LumpedCell(
        heat_capacity_J_K=float(C),
        reacting_area_m2=1.0,
        loss_W_K=float(L),
        pre_exponential=q0_W * math.exp(E_J_mol / (R * T0_K)),
        activation_energy_J_mol=E_J_mol,
        concentration_mol_m3=1.0,
        enthalpy_J_mol=-1.0,
        reaction_order=0.0,
    )


def criticality_summary(
    ts: dict[str, np.ndarray], manifest: dict[str, Any], case
) -> dict[str, Any]:
    """:data:`CRITICALITY_COLUMNS` of a run (NaN where the inputs are missing)."""
    T = ts.get("T_interface_mean_K", np.zeros(0))
    q = ts.get("heat_release_W", np.zeros(0))
    if case is None or T.size == 0 or q.size == 0:
        return {}
    T0, E = float(T[0]), float(case.kinetics.activation_energy_J_mol)
    rise = R * T0**2 / E
    out: dict[str, Any] = {
        "fk_rise_K": rise,
        "left_induction": bool(np.nanmax(T) - T0 > rise),
    }
    if out["left_induction"] and "time_s" in ts:
        out.update(_departure_times(np.asarray(ts["time_s"], float), T, T0, rise))
    cell = thermal_cell_of(manifest, float(q[0]), T0, E)
    if cell is None:
        return out
    out["induction_time_s"] = adiabatic_induction_time_s(cell, T0)
    out["semenov_number"] = semenov_number(cell, float(case.thermal.ambient_K))
    if cell.loss_W_K > 0:
        try:
            out["critical_ambient_K"] = semenov_critical(cell).ambient_K
        except ValueError:
            pass
    return out


def _departure_times(t: np.ndarray, T: np.ndarray, T0: float, rise: float) -> dict[str, float]:
    """``left_induction_s`` and ``explosion_s`` of a history that left the induction regime."""
    i = int(np.argmax(T - T0 > rise))  # the first row above (there is one)
    lo, hi = T[i - 1] - T0 - rise, T[i] - T0 - rise
    left = t[i - 1] + (t[i] - t[i - 1]) * (-lo) / (hi - lo) if i > 0 else t[0]
    dt = np.diff(t)
    rate = np.where(dt > 0, np.diff(T) / np.where(dt > 0, dt, 1.0), -np.inf)
    j = int(np.argmax(rate))
    return {"left_induction_s": float(left), "explosion_s": float(0.5 * (t[j] + t[j + 1]))}
