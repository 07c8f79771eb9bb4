"""One run against its lumped (0-D) model: the row of the regime map (docs/regime.md).

Pure numpy/scipy (no dolfinx).  From a results folder: the case, the manifest's
``thermal_cell`` (heat capacity as the run used it, reacting area, heat loss) and the time
series (species inventory at t = 0, the end values), :func:`lumped_model_of` builds the
:class:`~dendrisim.physics.lumped_model.LumpedModel` of the same cell and
:func:`regime_row` compares the two at the run's end time, with the run's Damköhler and
Biot numbers (definitions: :mod:`dendrisim.physics.lumped_model`).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from dendrisim.core.units import UM as UM_TO_M
from dendrisim.physics.lumped_cell import lumped_model_of_case
from dendrisim.physics.lumped_model import (
    LumpedModel,
    NeedleRecession,
    biot,
    damkohler,
    solve_lumped,
    surface_rate_constant_m_s,
)
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK, LITHIUM

SETTINGS = {"dirichlet": "bath", "adiabatic": "adiabatic", "robin": "robin"}

REGIME_COLUMNS = (
    "case",
    "status",
    "setting",
    "L_over_D",
    "ambient_K",
    "heat_transfer_W_m2K",
    "t_end_s",
    "transport_length_um",
    "Da_0",
    "Da_max",
    "Bi",
    "retention_field",
    "retention_lumped",
    "d_retention",
    "dT_field_K",
    "dT_lumped_K",
    "d_dT_K",
    "t_half_field_s",
    "t_half_lumped_s",
    "T_max_field_K",
    "left_induction",
    "c_min_field_rel",
)


def lumped_model_of(case, manifest: dict[str, Any], species0_mol: float) -> LumpedModel:
    """The lumped model of a run's cell (see the module docstring).

    The model of the case's unit cell (:func:`~dendrisim.physics.lumped_cell.lumped_model_of_case`)
    with what the run measured at t = 0: its heat capacity, reacting area (the needle's
    area law scaled to the meshed area), species inventory and heat loss.
    """
    cell = manifest.get("thermal_cell") or {}
    C, S, L = (cell.get(k) for k in ("heat_capacity_J_K", "reacting_area_m2", "heat_loss_W_K"))
    if not all(isinstance(v, int | float) for v in (C, S)):
        raise ValueError("regime map: the manifest has no thermal_cell (run by an older dendrisim)")
    g = case.geometry
    if g.shape != "needle" or g.formulation != "axisymmetric":
        raise ValueError(
            f"regime map: geometry.shape = {g.shape!r}, formulation = {g.formulation!r}: "
            "the lumped area law is built for an axisymmetric needle"
        )
    model = lumped_model_of_case(case)
    a, ell = model.area.radius_m, model.area.length_m
    needle = NeedleRecession(a, ell, LITHIUM.molar_volume_m3_mol, float(S) / model.area.area(0.0))
    return dataclasses.replace(
        model,
        heat_capacity_J_K=float(C),
        swap_J_K_mol=model.swap_J_K_mol * float(C) / model.heat_capacity_J_K,
        area=needle,
        electrolyte_m3=species0_mol / model.concentration_mol_m3,
        loss_W_K=math.inf if L is None else float(L),
        ambient_K=case.thermal.ambient_K,
    )


def _diffusivity(case, T_K: float) -> float:
    e = case.electrolyte
    return e.diffusivity_m2_s * math.exp(
        -e.diffusivity_activation_J_mol / GAS_CONSTANT_J_MOLK * (1.0 / T_K - 1.0 / e.reference_K)
    )


def regime_row(case, manifest: dict[str, Any], ts: dict[str, np.ndarray]) -> dict[str, Any]:
    """The regime-map row of one run (:data:`REGIME_COLUMNS`)."""
    th, g = case.thermal, case.geometry
    setting = SETTINGS.get(th.outer, th.outer)
    model = lumped_model_of(case, manifest, float(ts["species_mol"][0]))
    t_end = float(ts["time_s"][-1])
    T = ts["T_interface_mean_K"]
    T0 = float(T[0])
    # to the case's end time too, for the half-life of the Li beyond a field run's stop
    lumped = solve_lumped(model, T0, [t_end, max(t_end, case.time.end_s)])
    S0 = model.area.area(0.0)
    ell = model.electrolyte_m3 / S0
    T_max = float(np.nanmax(ts["T_interface_max_K"]))
    da = [
        damkohler(surface_rate_constant_m_s(model, t), ell, _diffusivity(case, t))
        for t in (T0, T_max)
    ]
    h = th.heat_transfer_W_m2K
    bi = {"bath": math.inf, "adiabatic": 0.0}.get(
        setting, biot(h, g.electrolyte_height_um * UM_TO_M, case.electrolyte.conductivity_W_mK)
    )
    ret_f = float(ts["li_retention_from_moles"][-1])
    ret_l = float(lumped.retention[0])
    dT_f = float(T[-1]) - T0
    dT_l = float(lumped.T_K[0]) - T0
    return {
        "case": case.name,
        "status": manifest.get("status", ""),
        "setting": setting,
        "L_over_D": g.length_um / g.diameter_um,
        "ambient_K": th.ambient_K,
        "heat_transfer_W_m2K": h if setting == "robin" else math.nan,
        "t_end_s": t_end,
        "transport_length_um": ell / UM_TO_M,
        "Da_0": da[0],
        "Da_max": da[1],
        "Bi": bi,
        "retention_field": ret_f,
        "retention_lumped": ret_l,
        "d_retention": ret_f - ret_l,
        "dT_field_K": dT_f,
        "dT_lumped_K": dT_l,
        "d_dT_K": dT_f - dT_l,
        "t_half_field_s": _crossing(ts["time_s"], ts["li_retention_from_moles"], 0.5),
        "t_half_lumped_s": lumped.half_s,
        "T_max_field_K": T_max,
        # the field history left the induction regime (io/criticality.py's definition)
        "left_induction": float(
            T_max - T0 > GAS_CONSTANT_J_MOLK * T0**2 / model.activation_energy_J_mol
        ),
        "c_min_field_rel": float(np.nanmin(ts["c_interface_min_mol_m3"]))
        / case.electrolyte.concentration_mol_m3,
    }


def _crossing(t: np.ndarray, y: np.ndarray, level: float) -> float:
    """First time ``y`` falls to ``level`` (linear between rows; NaN: never)."""
    below = np.nonzero(y <= level)[0]
    if not below.size:
        return math.nan
    k = int(below[0])
    if k == 0:
        return float(t[0])
    return float(np.interp(level, [y[k], y[k - 1]], [t[k], t[k - 1]]))
