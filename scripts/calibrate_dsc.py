"""Calibrate the DSC-relevant kinetics on the seed paper's DSC only (docs/calibration.md).

    python scripts/calibrate_dsc.py [--out dendrisim/data/calibration_dsc.json] [--fem]
    python scripts/calibrate_dsc.py --basis li   # the other mass basis, recorded beside

Data used (Cheng et al., Adv. Mater. 2023, DSC of cycled Li with electrolyte, 10 K/min):
routine SEI: exothermic peaks at 148.5 °C and 165.9 °C, 32.73 mW/mg at the maximum;
stable SEI: flat up to 183.7 °C.  The ARC numbers are never used.

Fitted on the lumped (0-D) unit cell of the built-in cases dsc-routine and dsc-stable
(:mod:`dendrisim.physics.lumped_dsc`):

- routine: the Li reaction's pre-exponential A and activation energy E to the 165.9 °C
  peak and its 32.73 W/g height (the maximum of the curve), the SEI decomposition's
  pre-exponential A_s to the 148.5 °C peak of its own heat flow;
- stable: the breakdown temperature T_b of the passivation to "flat up to 183.7 °C"
  (heat flow below 1 % of the routine maximum), with f_low fixed.

Writes the fitted values, the data, the residuals and this invocation to a JSON file;
``--fem`` also runs the FEM DSC of both cases and records the difference.

``--basis`` is the mass the paper's mW/mg is taken per: ``sample`` (the default, Li and
electrolyte of the unit cell: the fit the built-in cases use) or ``li`` (per mg of Li
alone).  ``--basis li`` adds its fit (E, A, residuals) to the existing JSON under the key
``basis_li`` and leaves the rest of the file, and the cases, as they are.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from dendrisim.config import load_case
from dendrisim.core import units
from dendrisim.geometry import shapes
from dendrisim.physics.lumped_dsc import LumpedCell, flat_until_K, located_peak, run_lumped
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK, LITHIUM
from dendrisim.physics.params import ModelParameters

C_TO_K = 273.15
DATA = {  # [F] seed paper DSC, 10 K/min
    "routine_sei_peak_K": 148.5 + C_TO_K,
    "routine_li_peak_K": 165.9 + C_TO_K,
    "routine_peak_W_g": 32.73,  # mW/mg = W/g, per mass of the pan's sample
    "stable_flat_until_K": 183.7 + C_TO_K,
    "ramp_K_min": 10.0,
}
FLAT_FRACTION = 0.01  # [I] "flat": below 1 % of the routine maximum (0.33 W/g)
STABLE_F_LOW = 1e-6  # [I] "blocked": the protection factor below T_b (docs/calibration.md)
DEFAULT_OUT = Path("dendrisim/data/calibration_dsc.json")


def lumped_cell(case, basis: str = "sample") -> LumpedCell:
    """Area, Li, electrolyte volume and mass of an axisymmetric unit cell, analytically.

    ``basis``: the mass the heat flow is per, "sample" (Li and electrolyte) or "li".
    """
    g = case.geometry
    d = shapes.Dendrite(g.shape, g.length_um, g.diameter_um, g.tip_radius_um, g.head_diameter_um)
    um2, um3 = 1e-12, 1e-18
    area = d.kind.interface_area_um2(d) * um2
    v_li = d.kind.volume_um3(d) * um3
    footprint = math.pi * g.cell_radius_um**2 * um2
    v_e = footprint * g.electrolyte_height_um * 1e-6 - v_li
    v_slab = footprint * g.substrate_thickness_um * 1e-6
    mass_kg = LITHIUM.density_kg_m3 * (v_li + v_slab)
    if basis == "sample":
        mass_kg += case.electrolyte.density_kg_m3 * v_e
    return LumpedCell(area, v_li / LITHIUM.molar_volume_m3_mol, v_e, mass_kg / units.G_TO_KG)


def curve(case, params: ModelParameters, basis: str = "sample"):
    """The lumped DSC of a ramp case with these parameters."""
    th = case.thermal
    beta = units.K_per_min_to_K_per_s(th.ramp_K_min)
    return run_lumped(params, lumped_cell(case, basis), th.initial_K, beta, case.time.end_s)


def routine_residuals(theta, case, base: ModelParameters, basis: str = "sample"):
    """[ΔT_Li/1 K, 10 ln(W/W_meas), ΔT_SEI/1 K] for θ = (log10 A, E/1e5, log10 A_s)."""
    p = base.with_(
        pre_exponential=10 ** theta[0],
        activation_energy_J_mol=theta[1] * 1e5,
        sei_decomposition_pre_exponential_s=10 ** theta[2],
    )
    c = curve(case, p, basis)
    T_li, W = located_peak(c.T_K, c.heat_flow_W_g)
    T_s, _ = located_peak(c.T_K, c.sei_W_g)
    return np.array(
        [
            T_li - DATA["routine_li_peak_K"],
            10.0 * math.log(max(W, 1e-30) / DATA["routine_peak_W_g"]),
            T_s - DATA["routine_sei_peak_K"],
        ]
    )


def kissinger_guess(case, E: float, T_p: float, first_order_factor: float) -> float:
    """A such that the rate constant at T_p is β E/(R T_p²) (Kissinger), per factor."""
    beta = units.K_per_min_to_K_per_s(case.thermal.ramp_K_min)
    k_p = beta * E / (GAS_CONSTANT_J_MOLK * T_p**2)
    return k_p * math.exp(E / (GAS_CONSTANT_J_MOLK * T_p)) / first_order_factor


def fit_routine(case, basis: str = "sample"):
    """Least squares on the three routine residuals; returns (params, θ, residuals)."""
    from scipy.optimize import least_squares

    base = ModelParameters.from_case(case)
    cell = lumped_cell(case)
    nu_area_per_v = base.stoichiometry * cell.area_m2 / cell.electrolyte_m3
    E0 = 1.8e5
    A0 = kissinger_guess(case, E0, DATA["routine_li_peak_K"], nu_area_per_v)
    As0 = kissinger_guess(
        case, base.sei_decomposition_activation_J_mol, DATA["routine_sei_peak_K"], 1
    )
    theta0 = [math.log10(A0), E0 / 1e5, math.log10(As0)]
    sol = least_squares(
        routine_residuals,
        theta0,
        args=(case, base, basis),
        x_scale=[0.5, 0.2, 0.5],
        xtol=1e-10,
        ftol=1e-10,
    )
    th = sol.x
    p = base.with_(
        pre_exponential=10 ** th[0],
        activation_energy_J_mol=th[1] * 1e5,
        sei_decomposition_pre_exponential_s=10 ** th[2],
    )
    return p, th, routine_residuals(th, case, base, basis), sol.nfev


def fit_stable(case, routine: ModelParameters, threshold_W_g: float):
    """T_b of the stable SEI so that the lumped curve is flat up to 183.7 °C."""
    from scipy.optimize import brentq

    base = ModelParameters.from_case(case).with_(
        pre_exponential=routine.pre_exponential,
        activation_energy_J_mol=routine.activation_energy_J_mol,
        protection_factor=STABLE_F_LOW,
    )

    def miss(T_b):
        c = curve(case, base.with_(breakdown_K=T_b))
        return flat_until_K(c.T_K, c.heat_flow_W_g, threshold_W_g) - DATA["stable_flat_until_K"]

    T_b = brentq(
        miss, DATA["stable_flat_until_K"] - 5.0, DATA["stable_flat_until_K"] + 40.0, xtol=1e-3
    )
    return base.with_(breakdown_K=T_b), T_b, miss(T_b)


CASE_KEYS = {  # case file -> (key, fitted-value name) written by --write-cases
    "dsc-routine": [
        ("decomposition_pre_exponential_s", "sei_decomposition_pre_exponential_s"),
        ("activation_energy_J_mol", "activation_energy_J_mol"),
        ("pre_exponential", "pre_exponential"),
    ],
    "dsc-stable": [
        ("activation_energy_J_mol", "activation_energy_J_mol"),
        ("pre_exponential", "pre_exponential"),
        ("breakdown_K", "breakdown_K"),
    ],
}
CASE_KEYS["arc-routine"] = CASE_KEYS["dsc-routine"]  # the ARC cases use the DSC's values
CASE_KEYS["arc-stable"] = CASE_KEYS["dsc-stable"]


def write_cases(fitted: dict) -> None:
    """Put the fitted values into the built-in case files (lines marked '[C] calibrated')."""
    import re

    folder = Path("dendrisim/data/cases")
    for name, keys in CASE_KEYS.items():
        path = folder / f"{name}.toml"
        text = path.read_text(encoding="utf-8")
        for key, value_name in keys:
            pattern = rf"^({key}\s*=\s*)(\S+)(\s+# \[C\] calibrated)"
            text, n = re.subn(pattern, rf"\g<1>{fitted[value_name]:.6g}\g<3>", text, flags=re.M)
            if n != 1:
                raise SystemExit(f"{path}: no calibrated line for {key}")
        path.write_text(text, encoding="utf-8")


def fem_check(names=("dsc-routine", "dsc-stable")) -> dict:
    """Run the FEM DSC of the built-in cases; peak, height, flat-until vs the lumped model."""
    import dendrisim

    out = {}
    for name in names:
        case = dendrisim.load_case(name)
        t0 = time.perf_counter()
        res = dendrisim.run(case, out=f"results/calibration/{name}", force=True, quiet=True)
        ts = res.timeseries
        T, W = np.asarray(ts["T_interface_mean_K"]), np.asarray(ts["heat_flow_W_g"])
        lump = curve(case, ModelParameters.from_case(case))
        entry = {"steps": int(len(T) - 1), "wall_s": round(time.perf_counter() - t0, 1)}
        fem_peak, lump_peak = located_peak(T, W), located_peak(lump.T_K, lump.heat_flow_W_g)
        entry.update(
            fem_peak_K=fem_peak[0],
            lumped_peak_K=lump_peak[0],
            fem_peak_W_g=fem_peak[1],
            lumped_peak_W_g=lump_peak[1],
        )
        out[name] = entry
    return out


def main(argv=None) -> int:
    """Fit, print, write the JSON (and the case files with --write-cases)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--write-cases", action="store_true", help="update dsc-routine/-stable")
    ap.add_argument("--fem", action="store_true", help="also run the FEM DSC of both cases")
    ap.add_argument(
        "--basis",
        choices=["sample", "li"],
        default="sample",
        help="mass of the paper's mW/mg: Li + electrolyte (default, the cases') or Li alone",
    )
    args = ap.parse_args(argv)
    if args.basis == "li":
        if args.write_cases or args.fem:
            ap.error("--basis li records its fit beside the cases' one: no --write-cases/--fem")
        return other_basis(args.out, argv)
    t0 = time.perf_counter()
    routine_case, stable_case = load_case("dsc-routine"), load_case("dsc-stable")
    p, theta, res, nfev = fit_routine(routine_case)
    c = curve(routine_case, p)
    T_li, W = located_peak(c.T_K, c.heat_flow_W_g)
    T_s, W_s = located_peak(c.T_K, c.sei_W_g)
    threshold = FLAT_FRACTION * DATA["routine_peak_W_g"]
    ps, T_b, miss = fit_stable(stable_case, p, threshold)
    cell = lumped_cell(routine_case)
    fitted = {
        "pre_exponential": p.pre_exponential,
        "activation_energy_J_mol": p.activation_energy_J_mol,
        "sei_decomposition_pre_exponential_s": p.sei_decomposition_pre_exponential_s,
        "breakdown_K": T_b,
    }
    record = {
        "invocation": "python " + " ".join(["scripts/calibrate_dsc.py", *(argv or sys.argv[1:])]),
        "data": DATA,
        "fixed": {
            "stable_protection_factor": STABLE_F_LOW,
            "flat_threshold_W_g": threshold,
            "sei_decomposition_amount_mol_m2": p.sei_decomposition_amount_mol_m2,
            "sei_decomposition_activation_J_mol": p.sei_decomposition_activation_J_mol,
            "sei_decomposition_enthalpy_J_mol": p.sei_decomposition_enthalpy_J_mol,
            "enthalpy_J_mol_Li": p.enthalpy_J_mol_Li,
            "product_layer": p.product_layer,
        },
        "unit_cell": {
            "area_m2": cell.area_m2,
            "li_mol": cell.li_mol,
            "electrolyte_m3": cell.electrolyte_m3,
            "mass_g": cell.mass_g,
        },
        "fitted": fitted,
        "model": {
            "routine_li_peak_K": T_li,
            "routine_peak_W_g": W,
            "routine_sei_peak_K": T_s,
            "routine_sei_peak_W_g": W_s,
            "stable_flat_until_K": DATA["stable_flat_until_K"] + miss,
            "li_consumed_fraction": float(c.li_consumed_mol[-1] / cell.li_mol),
        },
        "residuals": {
            "routine_li_peak_K": res[0],
            "routine_peak_rel": math.expm1(res[1] / 10.0),
            "routine_sei_peak_K": res[2],
            "stable_flat_until_K": miss,
        },
        "function_evaluations": nfev,
    }
    if args.write_cases:
        write_cases(fitted)
    if args.fem:
        record["fem_check"] = fem_check()
    record["wall_s"] = round(time.perf_counter() - t0, 1)
    if args.out.exists():  # keep the other basis's fit (--basis li)
        kept = json.loads(args.out.read_text(encoding="utf-8")).get("basis_li")
        if kept is not None:
            record["basis_li"] = kept
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=2))
    return 0


def other_basis(out: Path, argv) -> int:
    """Fit the routine DSC per mg of Li; record it under ``basis_li`` in ``out``."""
    case = load_case("dsc-routine")
    p, _, res, nfev = fit_routine(case, "li")
    c = curve(case, p, "li")
    T_li, W = located_peak(c.T_K, c.heat_flow_W_g)
    T_s, _ = located_peak(c.T_K, c.sei_W_g)
    entry = {
        "invocation": "python " + " ".join(["scripts/calibrate_dsc.py", *(argv or sys.argv[1:])]),
        "mass_basis": "heat flow per gram of Li (dendrite and substrate), no electrolyte",
        "mass_g": lumped_cell(case, "li").mass_g,
        "fitted": {
            "pre_exponential": p.pre_exponential,
            "activation_energy_J_mol": p.activation_energy_J_mol,
            "sei_decomposition_pre_exponential_s": p.sei_decomposition_pre_exponential_s,
        },
        "model": {"routine_li_peak_K": T_li, "routine_peak_W_g": W, "routine_sei_peak_K": T_s},
        "residuals": {
            "routine_li_peak_K": res[0],
            "routine_peak_rel": math.expm1(res[1] / 10.0),
            "routine_sei_peak_K": res[2],
        },
        "function_evaluations": nfev,
    }
    record = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    record["basis_li"] = entry
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(entry, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
