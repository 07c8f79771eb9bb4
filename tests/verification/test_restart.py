"""Checkpoint and restart (issue 13): an interrupted and resumed run equals an uninterrupted one.

- a deterministic in-process stop at a chosen time (as SIGUSR1 would stop it), then
  ``api.resume``: the same time series to rtol 1e-10 (BDF2 on a fixed mesh: two field
  levels and the error control's history; a moving mesh resumed after a remesh);
- SIGUSR1 to a real ``dendrisim run`` (exit 0, status interrupted, a checkpoint), then
  ``dendrisim run --resume DIR``;
- 2 ranks (MPI test): resumed on 2 ranks, and from a checkpoint written on 1 rank;
- refusals: no checkpoint, a finished run, another case (one line, exit 2).
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys

import numpy as np
import pytest

from benchmarks.restart_accuracy import differences, stop_at
from dendrisim import api
from dendrisim.core import parallel
from dendrisim.core.errors import ResumeError, RunInterrupted
from dendrisim.io.timeseries import read_timeseries
from dendrisim.solver.restart import store
from tests.unit.run_process import env, wait_rows

# BDF2 on a fixed mesh, about 30 steps
BDF2 = [
    "interface.moving=false",
    "time.scheme=bdf2",
    "time.end_s=0.6",
    "output.fields=[]",
]
# the Fig. 5 routine case as it is (BDF2 on a moving mesh, the mesh predictor), 13 steps
MOVING = ["time.end_s=0.6", "output.fields=[]"]
# the Fig. 5 needle consumed fast on a coarse mesh: remeshes from t = 0.49 s (BDF2, the
# default, restarts after each; backward Euler with REMESH_BE)
REMESH = [
    "thermal.enabled=false",
    "kinetics.pre_exponential=5e9",
    "output.fields=[]",
    "geometry.mesh_size_interface_um=0.03",
    "interface.remesh_quality=0.6",
    "time.end_s=0.75",
]
REMESH_BE = ["time.scheme=backward_euler", *REMESH]


def _interrupted_and_resumed(case, at_s, out, resume_comm=None):
    """(uninterrupted, resumed) time series and the checkpoint's state."""
    api.run(case, out=out / "full", force=True, quiet=True)
    with stop_at(at_s), pytest.raises(RunInterrupted) as exc:
        api.run(case, out=out / "cut", force=True, quiet=True)
    assert exc.value.exit_code == 0 and "--resume" in str(exc.value)
    meta = store.read_meta(out / "cut" / store.NAME)
    man = json.loads((out / "cut" / "manifest.json").read_text())
    assert man["status"] == "interrupted", man
    assert man["checkpoint_s"] == meta["time_s"], (man["checkpoint_s"], meta["time_s"])
    parallel.barrier()  # every rank read the folder before it is resumed
    if resume_comm is None:
        api.resume(out / "cut", quiet=True)
    elif parallel.is_root():
        from dendrisim.api.run_case import resume_case

        resume_case(out / "cut", quiet=True, comm=resume_comm)
    parallel.barrier()
    full = read_timeseries(out / "full" / "timeseries.csv")
    cut = read_timeseries(out / "cut" / "timeseries.csv")
    return full, cut, meta


def _assert_same(full, cut, rtol):
    """Every column to ``rtol``; absolutely: the balance residuals (round-off themselves)
    and ``li_retention_gap``, a difference of two retentions near 1 (li_retention and
    li_retention_from_moles are compared relatively; the gap's own relative difference,
    3.4e-8 of a gap of at most 7e-7 on 2 -> 1 ranks, is 2.4e-14: round-off)."""
    diffs = differences(full, cut)
    for k in diffs:
        if k.endswith("_balance_rel") or k == "li_retention_gap":
            diffs[k] = float(np.max(np.abs(full[k] - cut[k])))
    worst = max(diffs, key=diffs.get)
    assert diffs[worst] <= rtol, (worst, diffs[worst])


@pytest.mark.skip_in_parallel
def test_bdf2_run_stopped_and_resumed_equals_uninterrupted(tmp_path):
    case = api.load_case("fig5-routine", BDF2)
    full, cut, meta = _interrupted_and_resumed(case, 0.3, tmp_path)
    assert 0.3 <= meta["time_s"] < 0.6 and len(meta["bdf2_times_s"]) == 3
    _assert_same(full, cut, 1e-10)
    m = json.loads((tmp_path / "cut" / "manifest.json").read_text())
    assert m["status"] == "finished" and m["resumes"] == 1


@pytest.mark.skip_in_parallel
def test_bdf2_moving_mesh_stopped_and_resumed_equals_uninterrupted(tmp_path):
    """The default Fig. 5 run (BDF2, mesh predictor): once it wrote no checkpoint at all."""
    case = api.load_case("fig5-routine", MOVING)
    assert case.time.scheme == "bdf2" and case.interface.moving
    full, cut, meta = _interrupted_and_resumed(case, 0.3, tmp_path)
    pred = meta["predictor"]  # the mesh was moved ahead to the next step's end
    assert pred is not None and pred["t_mesh_s"] > meta["time_s"] >= 0.3
    _assert_same(full, cut, 1e-10)


@pytest.mark.skip_in_parallel
@pytest.mark.parametrize("sets", [REMESH, REMESH_BE], ids=["bdf2", "backward_euler"])
def test_moving_run_resumed_after_a_remesh_equals_uninterrupted(tmp_path, sets):
    case = api.load_case("fig5-routine", sets)
    full, cut, meta = _interrupted_and_resumed(case, 0.6, tmp_path)
    assert len(meta["remesh_reports"]) >= 1  # the checkpoint is on a remeshed mesh
    _assert_same(full, cut, 1e-10)
    m = json.loads((tmp_path / "cut" / "manifest.json").read_text())
    assert m["remeshes"] >= len(meta["remesh_reports"]) and m["stop_reason"] == "end_time"


@pytest.mark.skip_in_parallel
def test_arc_heat_wait_seek_resumed_equals_uninterrupted(tmp_path):
    """arc-routine (product layer, SEI decomposition, heat-wait-seek): once 3.6e-5 off in
    the heat columns, because the surface state (z, x_sei) was not in the checkpoint."""
    case = api.load_case("arc-routine", ["time.end_s=3000", "output.fields=[]"])
    full, cut, meta = _interrupted_and_resumed(case, 1500.0, tmp_path)
    assert meta["hws"] is not None and 1500 <= meta["time_s"] < 3000
    _assert_same(full, cut, 1e-10)


@pytest.mark.mpi
def test_two_ranks_resumed_on_two_ranks_and_from_one_rank(mpi_tmp_path):
    """Resumed on 2 ranks (rtol 1e-8), a 2-rank checkpoint on 1 rank, a 1-rank one on 2."""
    moving = api.load_case("fig5-routine", MOVING)  # BDF2 with the mesh predictor
    _assert_same(*_interrupted_and_resumed(moving, 0.3, mpi_tmp_path / "m")[:2], 1e-8)
    # written on 2 ranks, resumed on rank 0 alone (2 -> 1)
    full, cut, meta = _interrupted_and_resumed(
        moving, 0.3, mpi_tmp_path / "m1", resume_comm=parallel.self_comm()
    )
    assert meta["ranks"] == parallel.size()
    _assert_same(full, cut, 1e-8)
    case = api.load_case("fig5-routine", BDF2)
    full, cut, _ = _interrupted_and_resumed(case, 0.3, mpi_tmp_path / "a")
    _assert_same(full, cut, 1e-8)
    # written on rank 0 alone, resumed on both ranks (the same mesh as a user's .msh: a
    # generated mesh would need every rank of the world)
    one = mpi_tmp_path / "b"
    msh = mpi_tmp_path / "a" / "full" / "mesh.msh"
    case1 = api.load_case("fig5-routine", [*BDF2, f"geometry.mesh={msh}"])
    if parallel.is_root():
        from dendrisim.api.run_case import run_case

        with stop_at(0.3), contextlib.suppress(RunInterrupted):
            run_case(case1, out=one, quiet=True, comm=parallel.self_comm())
    parallel.barrier()
    assert store.read_meta(one / store.NAME)["ranks"] == 1
    parallel.barrier()
    api.resume(one, quiet=True)
    _assert_same(full, read_timeseries(one / "timeseries.csv"), 1e-8)


@pytest.mark.skip_in_parallel
def test_sigusr1_writes_a_checkpoint_exits_0_and_the_cli_resumes(tmp_path):
    sets = ["interface.moving=false", "time.end_s=0.4", "time.dt_max_s=0.001", "output.fields=[]"]
    args = [x for s in sets for x in ("--set", s)]
    out = tmp_path / "r"
    cmd = [sys.executable, "-m", "dendrisim", "run", "fig5-stable", *args, "-q", "--out"]
    proc = subprocess.Popen(
        [*cmd, str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env()
    )
    wait_rows(proc, out / "timeseries.csv", 30)
    proc.send_signal(signal.SIGUSR1)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    line = err.strip().splitlines()
    assert len(line) == 1 and "interrupted by SIGUSR1" in line[0], line
    assert f"dendrisim run --resume {out}" in line[0]
    assert (out / store.NAME).is_file()
    res = subprocess.run(
        [sys.executable, "-m", "dendrisim", "run", "--resume", str(out), "-q"],
        capture_output=True,
        text=True,
        env=env(),
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    full = api.run(api.load_case("fig5-stable", sets), out=tmp_path / "full", quiet=True)
    _assert_same(full.timeseries, read_timeseries(out / "timeseries.csv"), 1e-10)


@pytest.mark.skip_in_parallel
def test_resume_refusals_are_one_line(tmp_path):
    case = api.load_case("fig5-routine", ["interface.moving=false", "time.end_s=0.05"])
    api.run(case, out=tmp_path / "done", quiet=True)
    with pytest.raises(ResumeError, match="already finished"):
        api.resume(tmp_path / "done")
    with pytest.raises(ResumeError, match="not a dendrisim results folder"):
        api.resume(tmp_path)
    no_ckpt = api.load_case("fig5-routine", ["interface.moving=false", "output.checkpoint=false"])
    with stop_at(0.01), contextlib.suppress(RunInterrupted):
        api.run(no_ckpt, out=tmp_path / "cut", quiet=True)
    with pytest.raises(ResumeError, match="no checkpoint"):
        api.resume(tmp_path / "cut")
    other = api.load_case("fig5-routine", ["interface.moving=false"])
    with stop_at(0.01), contextlib.suppress(RunInterrupted):
        api.run(other, out=tmp_path / "cut2", quiet=True)
    with pytest.raises(ResumeError, match="the case differs") as exc:
        api.resume(tmp_path / "cut2", case=api.load_case("fig5-routine"))
    assert "\n" not in str(exc.value)


@pytest.mark.mpi
def test_checkpoint_rows_round_trip_in_input_order(mpi_tmp_path):
    """Fields and coordinates survive gather (input order) and scatter on any partition."""
    from dendrisim.core.compat import import_dolfinx

    import_dolfinx()
    from dolfinx import fem, mesh

    from dendrisim.solver.restart import mapping

    comm = parallel.world()
    msh = mesh.create_unit_square(comm, 6, 5)
    V = fem.functionspace(msh, ("Lagrange", 2, (2,)))
    f = fem.Function(V)
    f.interpolate(lambda x: np.stack([x[0] + 2 * x[1] ** 2, np.sin(x[0])]))
    f.x.scatter_forward()  # ghosts as their owners (interpolated on another cell: round-off)
    rows = mapping.gather_cells(V, f.x.array, comm)
    xs = mapping.gather_nodes(msh, comm)
    rows, xs = parallel.broadcast(rows, comm), parallel.broadcast(xs, comm)
    assert rows.shape == (60, 12) and xs.shape[0] == 42
    g = fem.Function(V)
    mapping.scatter_cells(V, rows, g.x.array)
    g.x.scatter_forward()
    assert np.array_equal(g.x.array, f.x.array)
    x0 = msh.geometry.x.copy()
    msh.geometry.x[:] = 0.0
    mapping.scatter_nodes(msh, xs)
    assert np.array_equal(msh.geometry.x, x0)
    folder = mpi_tmp_path
    store.write(folder, {"a": 1}, {"rows": rows}, comm)
    store.write(folder, {"a": 2}, {"rows": rows}, comm)
    assert store.read_meta(store.latest(folder))["a"] == 2
    assert store.read_meta(folder / store.PREVIOUS)["a"] == 1


@pytest.mark.skip_in_parallel
def test_sweep_continues_an_interrupted_case_from_its_checkpoint(tmp_path):
    """A sweep (re)running an interrupted case resumes it instead of starting over."""
    from dendrisim.sweep.execute import CaseTask, run_in_process

    case_file = tmp_path / "c.toml"
    case_file.write_text(api.load_case("fig5-routine", BDF2).to_toml())
    case = api.load_case(case_file)
    folder = tmp_path / "sweep" / "c"
    with stop_at(0.3), contextlib.suppress(RunInterrupted):
        api.run(case, out=folder, quiet=True)
    outcome = run_in_process(CaseTask(name="c", case_file=str(case_file), out=str(folder)))
    assert outcome.status == "finished", outcome.error
    assert json.loads((folder / "manifest.json").read_text())["resumes"] == 1
    full = api.run(case, out=tmp_path / "full", quiet=True)
    _assert_same(full.timeseries, read_timeseries(folder / "timeseries.csv"), 1e-10)
