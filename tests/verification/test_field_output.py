"""Field output that standard tools open without dendrisim (docs/architecture.md#output-formats).

Each file is opened in a fresh Python that does not import dendrisim (``pyvista`` for
VTKHDF, ``adios2`` for VTX, ``paraview`` where installed) and its values are compared with
the solver's own unknowns at the same coordinates: the initial state, the final time,
the output times in seconds; across a remesh (segments + the index ``fields_all.vtkhdf``);
and a 2-rank run writes one file equal to a 1-rank one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from scipy.spatial import cKDTree

from dendrisim import api
from dendrisim.core import parallel

SHORT = ["time.end_s=2.0", "output.fields_every_s=1.0", "output.figures=false"]
# a fig5-routine run that remeshes once before 1.2 s (tests/verification/test_remesh.py)
REMESH = [
    "thermal.enabled=false",
    "kinetics.pre_exponential=5e9",
    "time.end_s=1.2",
    "output.fields_every_s=0.4",
    "output.figures=false",
]


def _solve(name, overrides, folder, comm=None):
    """Run the case's simulation into ``folder``; the Simulation (its final model) back."""
    from dendrisim.api.run_case import case_mesh, simulation

    case = api.load_case(name, overrides)
    parallel.on_root(lambda: folder.mkdir(parents=True, exist_ok=True), comm)
    bundle = case_mesh(case, folder, comm)
    sim = simulation(case, bundle, folder=folder, quiet=True)
    summary = sim.run()
    assert summary.stop_reason == "end_time"
    return case, sim


def _solver_values(model):
    """{"T_K"/"c_mol_m3": (coordinates (N, 3), values)} of the solver's P1 unknowns (1 rank)."""
    out = {}
    arr = model.u.x.array
    for i, (name, scale, offset) in enumerate(
        (("c_mol_m3", model.c_scale, 0.0), ("T_K", model.T_scale, model.T0))
    ):
        space, dofs = model.V.sub(i).collapse()
        dofs = np.concatenate([np.asarray(d) for d in dofs])
        x = space.tabulate_dof_coordinates()
        out[name] = (x, offset + scale * arr[dofs])
    return out


def _fresh_python(code: str) -> dict:
    """Run ``code`` in a new interpreter that must not import dendrisim; its JSON output."""
    guard = "\nimport sys\nassert not any(m.startswith('dendrisim') for m in sys.modules)\n"
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code) + guard],
        capture_output=True,
        text=True,
        timeout=300,
        cwd="/",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


READ_VTKHDF = """
import json, sys
import pyvista as pv
reader = pv.get_reader(sys.argv[1] if len(sys.argv) > 1 else {path!r})
vtk = reader.reader
vtk.UpdateInformation()
steps = []
for k in range(vtk.GetNumberOfSteps()):
    vtk.SetStep(k)
    grid = reader.read()
    steps.append({{
        "time": float(grid.field_data["time_s"][0]),
        "points": grid.points.tolist(),
        "T_K": grid.point_data["T_K"].tolist(),
        "c_mol_m3": grid.point_data["c_mol_m3"].tolist(),
        "displacement_m": grid.point_data["displacement_m"].tolist(),
        "region_id": grid.cell_data["region_id"].tolist(),
        "n_cells": grid.n_cells,
    }})
first = pv.read({path!r})  # what a user gets in one line: the first time
assert float(first.field_data["time_s"][0]) == steps[0]["time"]
print(json.dumps(steps))
"""


def _compare(step: dict, solver: dict, name: str, rtol: float = 1e-12) -> float:
    """Largest relative difference between the file's ``name`` and the solver's, by point."""
    x, ref = solver[name]
    # the file holds the segment's reference mesh and the displacement; the solver's mesh moved
    moved = np.asarray(step["points"]) + np.asarray(step.get("displacement_m", 0.0))
    dist, idx = cKDTree(x).query(moved)
    assert dist.max() < 1e-15  # every file point is a solver node (metres)
    got = np.asarray(step[name])
    err = float(np.max(np.abs(got - ref[idx])) / np.max(np.abs(ref)))
    assert err <= rtol, (name, err)
    return err


def test_vtkhdf_opens_in_pyvista_with_the_solver_values(tmp_path):
    case, sim = _solve("fig5-stable", SHORT, tmp_path / "run")
    steps = _fresh_python(READ_VTKHDF.format(path=str(tmp_path / "run" / "fields.vtkhdf")))
    assert [s["time"] for s in steps] == [0.0, 1.0, 2.0]  # seconds, t = 0 included
    # initial state: the case's values (c 0 in Li, bulk value in the electrolyte)
    first = steps[0]
    np.testing.assert_allclose(first["T_K"], case.thermal.initial_K, rtol=1e-14)
    c0 = np.asarray(first["c_mol_m3"])
    assert set(np.unique(c0)) <= {0.0, case.electrolyte.concentration_mol_m3}
    assert np.abs(first["displacement_m"]).max() == 0.0
    assert {1, 2} <= set(first["region_id"]) <= {1, 2, 3}  # lithium, electrolyte (, sei)
    # final time: the solver's unknowns at the same points
    solver = _solver_values(sim.model)
    for name in ("T_K", "c_mol_m3"):
        _compare(steps[-1], solver, name)
    assert steps[-1]["T_K"] != steps[0]["T_K"]  # the cell warmed: not the initial state
    # dendrisim's own reader gives the same arrays
    result = api.Result.load(tmp_path / "run", warn=False)
    f = result.fields()
    np.testing.assert_array_equal(f.times, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(f.get("T", 2.0), steps[-1]["T_K"])
    np.testing.assert_array_equal(f.get("c_mol_m3", 0.0), c0)


def test_remeshed_run_writes_segments_and_an_index_in_time_order(tmp_path):
    case, sim = _solve("fig5-routine", REMESH, tmp_path / "run")
    assert sim.remesher is not None and sim.remesher.count >= 1
    folder = tmp_path / "run"
    seg0 = _fresh_python(READ_VTKHDF.format(path=str(folder / "fields.vtkhdf")))
    seg1 = _fresh_python(READ_VTKHDF.format(path=str(folder / "fields_remesh1.vtkhdf")))
    index = _fresh_python(READ_VTKHDF.format(path=str(folder / "fields_all.vtkhdf")))
    t0, t1 = [s["time"] for s in seg0], [s["time"] for s in seg1]
    assert t0[0] == 0.0 and t0[-1] < t1[0]
    times = [s["time"] for s in index]
    assert times == sorted(times) and times[: len(t0) + len(t1)] == t0 + t1
    assert times[-1] == pytest.approx(1.2, rel=1e-12)
    # the index shows each segment's mesh and values at its times
    for seg in (seg0, seg1):
        for s in seg:
            i = times.index(s["time"])
            assert index[i]["n_cells"] == s["n_cells"]
            for key in ("points", "c_mol_m3", "displacement_m", "region_id"):
                np.testing.assert_array_equal(index[i][key], s[key])
    assert seg0[0]["n_cells"] != index[-1]["n_cells"]  # a new mesh after the remesh
    last = _fresh_python(READ_VTKHDF.format(path=str(sorted(folder.glob("fields_remesh*"))[-1])))
    _compare(last[-1], _solver_values(sim.model), "c_mol_m3")
    segs = api.Result.load(folder, warn=False).field_segments()
    assert [list(s.times) for s in segs[:2]] == [t0, t1]


def test_vtx_output_read_back_with_adios2(tmp_path):
    case, sim = _solve("fig5-stable", [*SHORT, "output.format='vtx'"], tmp_path / "run")
    bp = tmp_path / "run" / "fields.bp"
    assert bp.is_dir() and not (tmp_path / "run" / "fields.vtkhdf").exists()
    probe = subprocess.run([sys.executable, "-c", "import adios2"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("adios2 (Python) is not installed: VTX written, not read back")
    steps = _fresh_python(
        f"""
        import json
        import adios2
        with adios2.FileReader({str(bp)!r}) as f:
            n = f.num_steps()
            out = {{"times": [float(f.read("step", step_selection=[k, 1])[0]) for k in range(n)],
                   "points": f.read("geometry").tolist()}}
            for name in ("T_K", "c_mol_m3"):
                out[name] = f.read(name, step_selection=[n - 1, 1]).ravel().tolist()
                out[name + "_0"] = f.read(name, step_selection=[0, 1]).ravel().tolist()
            u = f.read("displacement_m", step_selection=[n - 1, 1]).reshape(len(out["points"]), -1)
            out["displacement_m"] = u.tolist()
        print(json.dumps(out))
        """
    )
    assert steps["times"] == [0.0, 1.0, 2.0]
    np.testing.assert_allclose(steps["T_K_0"], case.thermal.initial_K, rtol=1e-14)
    solver = _solver_values(sim.model)
    for name in ("T_K", "c_mol_m3"):
        _compare(steps, solver, name)


def test_xdmf_opens_in_pyvista_and_meshio(tmp_path):
    """output.format = "xdmf": one temporal collection, so VTK's and meshio's readers work."""
    case, sim = _solve("fig5-stable", [*SHORT, "output.format='xdmf'"], tmp_path / "run")
    xdmf = str(tmp_path / "run" / "fields.xdmf")
    out = _fresh_python(
        f"""
        import json
        import meshio
        import pyvista as pv
        reader = pv.get_reader({xdmf!r})
        times = list(reader.time_values)
        reader.set_active_time_value(times[-1])
        grid = reader.read()
        with meshio.xdmf.TimeSeriesReader({xdmf!r}) as r:
            points, cells = r.read_points_cells()
            t0, data0, cdata0 = r.read_data(0)
            t_end, data, _ = r.read_data(r.num_steps - 1)
        print(json.dumps({{"times": times, "points": grid.points.tolist(),
            "T_K": grid.point_data["T_K"].tolist(),
            "c_mol_m3": grid.point_data["c_mol_m3"].tolist(),
            "displacement_m": grid.point_data["displacement_m"].tolist(),
            "regions": sorted(set(grid.cell_data["region_id"].tolist())),
            "meshio_times": [t0, t_end], "meshio_T_0": data0["T_K"].ravel().tolist(),
            "meshio_T_end": data["T_K"].ravel().tolist()}}))
        """
    )
    assert out["times"] == [0.0, 1.0, 2.0] and out["meshio_times"] == [0.0, 2.0]
    assert out["regions"] == [1.0, 2.0]
    np.testing.assert_allclose(out["meshio_T_0"], case.thermal.initial_K, rtol=1e-14)
    np.testing.assert_array_equal(out["meshio_T_end"], out["T_K"])
    solver = _solver_values(sim.model)
    for name in ("T_K", "c_mol_m3"):
        _compare(out, solver, name)
    f = api.Result.load(tmp_path / "run", warn=False).fields()
    np.testing.assert_array_equal(f.get("T", 2.0), out["T_K"])


def test_vtkhdf_opens_in_paraview(tmp_path):
    probe = subprocess.run([sys.executable, "-c", "import paraview.simple"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("paraview is not importable here")
    case, sim = _solve("fig5-stable", SHORT, tmp_path / "run")
    out = _fresh_python(
        f"""
        import json
        from paraview import servermanager, simple
        from vtkmodules.numpy_interface import dataset_adapter as dsa
        src = simple.OpenDataFile({str(tmp_path / "run" / "fields.vtkhdf")!r})
        src.UpdatePipelineInformation()
        times = list(src.TimestepValues)
        src.UpdatePipeline(times[-1])
        data = dsa.WrapDataObject(servermanager.Fetch(src))
        print(json.dumps({{"times": times, "points": data.Points.tolist(),
                          "T_K": data.PointData["T_K"].tolist()}}))
        """
    )
    assert out["times"] == [0.0, 1.0, 2.0]
    _compare(out, _solver_values(sim.model), "T_K")


@pytest.mark.mpi
def test_all_ranks_write_one_file_equal_to_one_rank(mpi_tmp_path):
    """On N ranks: one fields.vtkhdf, the same mesh and values as a 1-rank run (rtol 1e-8)."""
    _solve("fig5-stable", SHORT, mpi_tmp_path / "all")
    # each rank alone on the same mesh (gmsh is not run again: rank 0 only, collectively)
    msh = f"geometry.mesh='{mpi_tmp_path / 'all' / 'mesh.msh'}'"
    serial = mpi_tmp_path / f"serial{parallel.rank()}"
    _solve("fig5-stable", [*SHORT, msh], serial, parallel.self_comm())
    parallel.barrier()

    def check():
        from dendrisim.io.vtkhdf_reader import read_vtkhdf

        a, b = (
            read_vtkhdf(mpi_tmp_path / "all" / "fields.vtkhdf"),
            read_vtkhdf(mpi_tmp_path / "serial0" / "fields.vtkhdf"),
        )
        assert sorted(p.name for p in (mpi_tmp_path / "all").glob("fields*")) == [
            "fields.vtkhdf",
            "fields_all.vtkhdf",
        ]
        np.testing.assert_array_equal(a.times, b.times)
        dist, idx = cKDTree(b.points).query(a.points)
        assert dist.max() == 0.0 and len(a.points) == len(b.points)
        assert {tuple(sorted(c)) for c in idx[a.cells]} == {tuple(sorted(c)) for c in b.cells}
        centre = a.points[a.cells].mean(axis=1)
        _, cidx = cKDTree(b.points[b.cells].mean(axis=1)).query(centre)
        np.testing.assert_array_equal(a.cell_tags, b.cell_tags[cidx])
        for name in ("T", "c", "displacement"):
            for t in a.times:
                ref = b.get(name, t)[idx]
                scale = max(np.abs(ref).max(), 1e-300)
                assert np.abs(a.get(name, t) - ref).max() <= 1e-8 * scale, (name, t)

    parallel.on_root(check)
