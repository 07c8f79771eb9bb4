"""Make ``tests/data/result_small``: a small, realistic results folder.

The layout is a contract: docs/architecture.md#results-layout.

Not a solver: a lumped model of one needle in its adiabatic unit cell gives the time series,
and analytic fields on a real gmsh mesh of the section give ``fields.xdmf``:

- Li needle (radius a, length L, hemispherical cap) on a Li foil; uniform recession of the
  needle surface by δ(t) = V_m ∫ r dt (base on the passivated foil stays put);
- r = A exp(-Ea/RT) c (first order), T from the released heat over the cell's heat capacity
  (a few 1e-6 K hotter at the needle surface), c falling as the cell's species is consumed
  (a few 1e-3 mol/m3 lower at the surface);
- the run stops at thermal runaway (self-heating rate above ``stop.runaway_K_per_min``), as the
  solver would, unless ``stop_on_runaway=False``.

Usage: ``python tests/data/make_result_small.py [OUT_DIR [CASE]]`` (default
``tests/data/result_small`` and ``fig5-routine``).  ``synthetic_timeseries`` and
``write_result(..., fields=False)`` need no dolfinx (tests use them for a second case).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

from dendrisim.config import Case, load_case
from dendrisim.io.timeseries import TIMESERIES_COLUMNS
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK, LITHIUM

UM = 1e-6


def needle_state(case: Case, delta_m: float) -> tuple[float, float, float]:
    """(radius [m], Li volume [m3], reacting area [m2]) after a recession ``delta_m``."""
    g = case.geometry
    a, L = 0.5 * g.diameter_um * UM, g.length_um * UM
    rho = max(a - delta_m, 0.0)
    body = L - a  # cylinder height (cap centre stays at z = L - a)
    vol = math.pi * rho**2 * body + 2.0 / 3.0 * math.pi * rho**3
    area = 2.0 * math.pi * rho * body + 2.0 * math.pi * rho**2
    return rho, vol, area


def _cell_heat_capacity_J_K(case: Case, v_li_m3: float) -> float:
    g, e = case.geometry, case.electrolyte
    r_cell = g.cell_radius_um * UM
    v_cell_e = math.pi * r_cell**2 * g.electrolyte_height_um * UM - v_li_m3
    v_foil = math.pi * r_cell**2 * g.substrate_thickness_um * UM
    li_rc = LITHIUM.density_kg_m3 * LITHIUM.heat_capacity_J_kgK
    return e.density_kg_m3 * e.heat_capacity_J_kgK * v_cell_e + li_rc * (v_foil + v_li_m3)


def synthetic_timeseries(
    case: Case, stop_on_runaway: bool = True
) -> tuple[dict[str, np.ndarray], str, dict]:
    """Lumped needle-in-a-cell model -> (columns of timeseries.csv, stop reason, events)."""
    k, e, g = case.kinetics, case.electrolyte, case.geometry
    vm = LITHIUM.molar_volume_m3_mol
    _, v0, _ = needle_state(case, 0.0)
    n0 = v0 * LITHIUM.molar_density_mol_m3
    heat_cap = _cell_heat_capacity_J_K(case, v0)
    v_e = math.pi * (g.cell_radius_um * UM) ** 2 * g.electrolyte_height_um * UM - v0
    T0, c0, q = case.thermal.initial_K, e.concentration_mol_m3, -k.enthalpy_J_mol_Li
    a0 = 0.5 * g.diameter_um * UM

    def rate(T: float, c: float) -> float:  # mol Li / (m2 s)
        return (
            k.pre_exponential
            * math.exp(-k.activation_energy_J_mol / (GAS_CONSTANT_J_MOLK * T))
            * c**k.reaction_order
        )

    rows: list[list[float]] = []
    t, dt, delta, n_cons, T = 0.0, case.time.dt_initial_s, 0.0, 0.0, T0
    reason = "end_time"
    onset = runaway_t = None
    prev_rate, dt_taken = 0.0, 0.0
    while True:
        c = c0 - e.stoichiometry * n_cons / v_e
        rho, vol, area = needle_state(case, delta)
        r = rate(T, c)
        rr = r * area  # mol/s
        # surface excess over the cell mean (none yet in the uniform initial state)
        dT_local = q * r * rho / e.conductivity_W_mK if rows else 0.0
        dc_local = e.stoichiometry * r * rho / e.diffusivity_m2_s if rows else 0.0
        newton = 3 if not rows else 2 + int(dt > 0.05)
        rows.append(
            [
                t,
                dt_taken,
                vol / v0,
                (1.0 - n_cons / n0) * (1.0 + 2e-5 * (vol / v0 - 1.0)),
                n_cons,
                T + 0.6 * dT_local,
                T + dT_local,
                rr,
                q * rr,
                c - dc_local,
                newton,
                T + dT_local,
                q * n_cons / heat_cap,
                c,
            ]
        )
        if len(rows) > 1:  # the solver's rule: two steps above the ARC rate, accelerating
            step_rate = 60.0 * (rows[-1][5] - rows[-2][5]) / rows[-1][1]  # K/min
            if onset is None and step_rate > case.stop.onset_K_per_min:
                onset = t
            if runaway_t is None and step_rate > prev_rate > case.stop.runaway_K_per_min:
                runaway_t = t
            prev_rate = step_rate
        if stop_on_runaway and runaway_t is not None:
            reason = "runaway"
            break
        if t >= case.time.end_s - 1e-12 or rho <= 0.02 * a0:
            reason = "end_time" if rho > 0.02 * a0 else "li_exhausted"
            break
        dt = min(dt, case.time.end_s - t)
        sub = 50  # sub-steps of the lumped ODE inside one "accepted step"
        for _ in range(sub):
            cc = c0 - e.stoichiometry * n_cons / v_e
            rho, _, area = needle_state(case, delta)
            rs = rate(T, cc)
            delta += vm * rs * dt / sub
            n_cons += rs * area * dt / sub
            T += q * rs * area / heat_cap * dt / sub
        t += dt
        dt_taken = dt
        dt = min(dt * 1.4, case.time.dt_max_s)
    names = list(TIMESERIES_COLUMNS) + [
        "T_tip_K",
        "dT_adiabatic_bound_K",
        "c_electrolyte_mean_mol_m3",
    ]
    arr = np.asarray(rows, dtype=float)
    events = {"runaway_onset_s": onset, "runaway_s": runaway_t}
    return {n: arr[:, j] for j, n in enumerate(names)}, reason, events


def write_result(
    folder: str | Path,
    case: Case,
    fields: bool = True,
    stop_on_runaway: bool = True,
    field_times: int = 3,
) -> Path:
    """Write a complete results folder for ``case`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "figures").mkdir(exist_ok=True)
    ts, reason, events = synthetic_timeseries(case, stop_on_runaway)
    (folder / "case.toml").write_text(case.to_toml(), encoding="utf-8")
    with open(folder / "timeseries.csv", "w", encoding="utf-8") as fh:
        fh.write(",".join(ts) + "\n")
        for i in range(ts["time_s"].size):
            fh.write(",".join(repr(float(ts[n][i])) for n in ts) + "\n")
    manifest = {
        "case": case.name,
        "status": "finished",
        "stop_reason": reason,
        "ranks": 1,
        "started_utc": "2026-11-25T08:00:00Z",
        "wall_time_s": 12.5,
        "git_commit": "",
        "versions": {"dendrisim": "0.1.0"},
        **events,
        "note": "synthetic test data (tests/data/make_result_small.py), not a solver run",
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if fields:
        t = ts["time_s"]
        want = np.linspace(0.0, t[-1], field_times)
        idx = np.unique([int(np.argmin(abs(t - w))) for w in want])
        write_fields(folder / "fields.xdmf", case, t[idx], ts)
    return folder


def _section_mesh(case: Case, comm):
    """gmsh section (r, z) of needle + foil + electrolyte; tags lithium 1, electrolyte 2."""
    import gmsh

    from dendrisim.core.compat import import_dolfinx

    import_dolfinx()
    from dolfinx.io import gmsh as gmshio

    g = case.geometry
    a, L = 0.5 * g.diameter_um, g.length_um
    R, H, s = g.cell_radius_um, g.electrolyte_height_um, g.substrate_thickness_um
    gmsh.initialize()
    gmsh.option.setNumber("General.Terminal", 0)
    occ = gmsh.model.occ
    cell = occ.addRectangle(0, -s, 0, R, s + H)
    body = occ.addRectangle(0, 0, 0, a, L - a)
    disk = occ.addDisk(0, L - a, 0, a, a)
    quarter = occ.addRectangle(0, L - a, 0, a, a)
    (cap_dt,), _ = occ.intersect([(2, disk)], [(2, quarter)])
    cap = cap_dt[1]
    foil = occ.addRectangle(0, -s, 0, R, s)
    occ.fragment([(2, cell)], [(2, body), (2, cap), (2, foil)])
    occ.synchronize()

    def in_li(x: float, y: float) -> bool:
        return y <= 0 or (y <= L - a and x <= a) or math.hypot(x, y - (L - a)) <= a

    li_ids, el_ids = [], []
    for dim, tag in gmsh.model.getEntities(2):
        x, y, _ = occ.getCenterOfMass(dim, tag)
        (li_ids if in_li(x, y) else el_ids).append(tag)
    gmsh.model.addPhysicalGroup(2, li_ids, 1, "lithium")
    gmsh.model.addPhysicalGroup(2, el_ids, 2, "electrolyte")
    dist = gmsh.model.mesh.field.add("Distance")
    curves = [c for _, c in gmsh.model.getBoundary([(2, t) for t in li_ids], oriented=False)]
    gmsh.model.mesh.field.setNumbers(dist, "CurvesList", curves)
    thr = gmsh.model.mesh.field.add("Threshold")
    gmsh.model.mesh.field.setNumber(thr, "InField", dist)
    gmsh.model.mesh.field.setNumber(thr, "SizeMin", a / 3)
    gmsh.model.mesh.field.setNumber(thr, "SizeMax", 0.5)
    gmsh.model.mesh.field.setNumber(thr, "DistMin", 0.02)
    gmsh.model.mesh.field.setNumber(thr, "DistMax", 1.2)
    gmsh.model.mesh.field.setAsBackgroundMesh(thr)
    for opt in (
        "Mesh.MeshSizeExtendFromBoundary",
        "Mesh.MeshSizeFromPoints",
        "Mesh.MeshSizeFromCurvature",
    ):
        gmsh.option.setNumber(opt, 0)
    gmsh.model.mesh.generate(2)
    data = gmshio.model_to_mesh(gmsh.model, comm, 0, gdim=2)
    gmsh.finalize()
    data.mesh.geometry.x[:] *= UM  # µm -> m
    return data.mesh, data.cell_tags


def _displacement(x: np.ndarray, case: Case, delta_m: float) -> np.ndarray:
    """Uniform recession of the needle surface by ``delta_m``, smoothly extended outside."""
    g = case.geometry
    a, L = 0.5 * g.diameter_um * UM, g.length_um * UM
    r, z = x[:, 0], x[:, 1]
    zq = np.clip(z, 0.0, L - a)  # nearest point of the needle's skeleton (the axis segment)
    d = np.hypot(r, z - zq)
    far = 4.0 * a
    d_new = np.where(
        d <= a, d * (a - delta_m) / a, d - delta_m * np.clip((far - d) / (far - a), 0.0, 1.0)
    )
    scale = np.where(d > 0, d_new / np.where(d > 0, d, 1.0), 1.0)
    disp = np.zeros((x.shape[0], 2))
    disp[:, 0] = r * (scale - 1.0)
    disp[:, 1] = (z - zq) * (scale - 1.0)
    disp[z < 0.0] = 0.0  # the foil does not move
    return disp


def write_fields(path: Path, case: Case, times: np.ndarray, ts: dict[str, np.ndarray]) -> None:
    """fields.xdmf exactly as the contract: mesh, cell_tags, then c, T, displacement."""
    from mpi4py import MPI

    from dendrisim.core.compat import import_dolfinx

    import_dolfinx()
    from dolfinx import fem
    from dolfinx.io import XDMFFile

    comm = MPI.COMM_SELF
    mesh, cell_tags = _section_mesh(case, comm)
    P1 = fem.functionspace(mesh, ("Lagrange", 1))
    V = fem.functionspace(mesh, ("Lagrange", 1, (2,)))
    c, T, u = (
        fem.Function(P1, name="c"),
        fem.Function(P1, name="T"),
        fem.Function(V, name="displacement"),
    )
    x = P1.tabulate_dof_coordinates()[:, :2]
    # Li-only dofs (every cell around the node is Li) carry c = 0 (contract)
    li_cells = cell_tags.indices[cell_tags.values == 1]
    el_cells = cell_tags.indices[cell_tags.values == 2]
    el_dofs = np.unique(P1.dofmap.list[el_cells].ravel())
    li_only = np.setdiff1d(np.unique(P1.dofmap.list[li_cells].ravel()), el_dofs)
    a = 0.5 * case.geometry.diameter_um * UM
    L = case.geometry.length_um * UM
    zq = np.clip(x[:, 1], 0.0, L - a)
    dist_surface = np.maximum(np.hypot(x[:, 0], x[:, 1] - zq) - a, 0.0)
    with XDMFFile(comm, str(path), "w") as f:
        f.write_mesh(mesh)
        cell_tags.name = "cell_tags"
        f.write_meshtags(cell_tags, mesh.geometry)
        for t in times:
            i = int(np.argmin(abs(ts["time_s"] - t)))
            ret = ts["li_retention"][i]
            delta = _recession(case, ret)
            c_min = ts["c_interface_min_mol_m3"][i]
            dc = ts["c_electrolyte_mean_mol_m3"][i] - c_min
            c.x.array[:] = c_min + dc * (1.0 - np.exp(-dist_surface / (2 * a)))
            c.x.array[li_only] = 0.0
            dT = ts["T_interface_max_K"][i] - ts["T_interface_mean_K"][i]
            T.x.array[:] = ts["T_interface_mean_K"][i] + dT * np.exp(-dist_surface / (3 * a))
            disp = _displacement(V.tabulate_dof_coordinates()[:, :2], case, delta)
            u.x.array[:] = disp.ravel()
            for fn in (c, T, u):
                f.write_function(fn, float(t))


def write_fields_3d(path: Path, case: Case, times: np.ndarray, n: int = 6) -> None:
    """A coarse 3D box version (tetrahedra) of the same cell: Li square rod + foil, with
    analytic c and T and zero displacement, written as the contract says."""
    from mpi4py import MPI

    from dendrisim.core.compat import import_dolfinx

    import_dolfinx()
    from dolfinx import fem, mesh
    from dolfinx.io import XDMFFile

    g = case.geometry
    R, H, s, a, L = (
        v * UM
        for v in (
            g.cell_radius_um,
            g.electrolyte_height_um,
            g.substrate_thickness_um,
            0.5 * g.diameter_um,
            g.length_um,
        )
    )
    msh = mesh.create_box(
        MPI.COMM_SELF, [[-R, -R, -s], [R, R, H]], [n, n, 4 * n], mesh.CellType.tetrahedron
    )
    tdim = 3
    msh.topology.create_connectivity(tdim, 0)
    ncell = msh.topology.index_map(tdim).size_local
    mid = mesh.compute_midpoints(msh, tdim, np.arange(ncell, dtype=np.int32))
    li = (mid[:, 2] < 0) | (
        (np.abs(mid[:, 0]) < 2 * a) & (np.abs(mid[:, 1]) < 2 * a) & (mid[:, 2] < L)
    )
    tags = mesh.meshtags(
        msh, tdim, np.arange(ncell, dtype=np.int32), np.where(li, 1, 2).astype(np.int32)
    )
    tags.name = "cell_tags"
    P1 = fem.functionspace(msh, ("Lagrange", 1))
    V = fem.functionspace(msh, ("Lagrange", 1, (3,)))
    c, T, u = (
        fem.Function(P1, name="c"),
        fem.Function(P1, name="T"),
        fem.Function(V, name="displacement"),
    )
    x = P1.tabulate_dof_coordinates()
    r = np.hypot(x[:, 0], x[:, 1])
    with XDMFFile(MPI.COMM_SELF, str(path), "w") as f:
        f.write_mesh(msh)
        f.write_meshtags(tags, msh.geometry)
        for k, t in enumerate(times):
            c.x.array[:] = 7000.0 - 0.5 * k * np.exp(-r / R)
            T.x.array[:] = 439.05 + 0.7 * t + 1e-3 * k * np.exp(-r / R)
            for fn in (c, T, u):
                f.write_function(fn, float(t))


def _recession(case: Case, retention: float) -> float:
    """Recession depth δ [m] that gives the volumetric ``retention`` (bisection)."""
    _, v0, _ = needle_state(case, 0.0)
    lo, hi = 0.0, 0.5 * case.geometry.diameter_um * UM
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if needle_state(case, mid)[1] / v0 > retention:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def main(argv: list[str]) -> None:
    """Write the stored test result."""
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).parent / "result_small"
    case = load_case(argv[2] if len(argv) > 2 else "fig5-routine")
    write_result(out, case)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out} ({size / 1024:.0f} kB)")


if __name__ == "__main__":
    main(sys.argv)
