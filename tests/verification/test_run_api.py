"""dendrisim.run end to end: generated mesh, results folder, stop reasons, exit paths."""

import json

import numpy as np
import pytest

from dendrisim import api
from dendrisim.core import parallel
from dendrisim.core.errors import SimulationError
from dendrisim.io.timeseries import TIMESERIES_COLUMNS

SHORT = {"time.end_s": 0.2, "output.fields_every_s": 0.1, "interface.moving": "false"}


@pytest.mark.mpi
def test_run_builtin_case_writes_results(mpi_tmp_path):
    out = mpi_tmp_path / "fig5-stable"
    case = api.load_case("fig5-stable", [f"{k}={v}" for k, v in SHORT.items()])
    result = api.run(case, out=out, quiet=True)
    assert result.status == "finished" and result.stop_reason == "end_time"
    ts = result.timeseries
    assert set(TIMESERIES_COLUMNS) <= set(ts)
    assert ts["time_s"][0] == 0.0 and ts["time_s"][-1] == pytest.approx(0.2, rel=1e-12)
    assert np.all(np.diff(ts["li_consumed_mol"]) > 0)
    assert np.all(np.diff(ts["T_interface_mean_K"]) > 0)  # adiabatic cell warms
    assert np.max(np.abs(ts["energy_balance_rel"])) < 1e-6
    # lumped adiabatic bound equals the interface rise here (fast conduction in a µm cell)
    rise = ts["T_interface_mean_K"][-1] - ts["T_interface_mean_K"][0]
    assert rise == pytest.approx(ts["dT_adiabatic_bound_K"][-1], rel=0.05)

    def check_files():  # on rank 0; a failure is raised on every rank (no deadlock)
        for name in ("fields.vtkhdf", "fields_all.vtkhdf", "mesh.msh", "log.txt", "case.toml"):
            assert (out / name).is_file(), name
        np.testing.assert_allclose(result.field_times(), [0.0, 0.1, 0.2], rtol=1e-12)
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["steps"] > 0 and manifest["cells"] > 0

    parallel.on_root(check_files)


def test_isothermal_and_constant_rate(mpi_tmp_path):
    case = api.load_case(
        "fig5-stable",
        [
            "time.end_s=0.1",
            "thermal.enabled=false",
            "thermal.initial_K=420.0",
            "kinetics.activation_energy_J_mol=0",
            "output.fields=[]",
        ],
    )
    result = api.run(case, out=mpi_tmp_path / "iso", quiet=True)
    ts = result.timeseries
    assert np.all(ts["T_interface_max_K"] == 420.0)
    # Ea = 0: rate = A c^n (A = preset-consistent value), c barely changes in 0.1 s
    a = case.kinetics.pre_exponential
    area = ts["reaction_rate_mol_s"][0] / (a * case.electrolyte.concentration_mol_m3)
    assert area > 0
    assert ts["reaction_rate_mol_s"][-1] == pytest.approx(ts["reaction_rate_mol_s"][0], rel=1e-2)


def test_failed_run_records_stop_reason(mpi_tmp_path):
    # far too fast a reaction for the minimum time step: dt_too_small, manifest written
    case = api.load_case(
        "fig5-stable",
        [
            "time.end_s=0.1",
            "kinetics.pre_exponential=1e14",
            "time.dt_min_s=1e-4",
            "time.dt_initial_s=1e-3",
            "stop.runaway_stops=false",
            "output.fields=[]",
        ],
    )
    out = mpi_tmp_path / "bad"
    with pytest.raises(SimulationError, match="dt_too_small|diverged"):
        api.run(case, out=out, quiet=True)
    manifest = parallel.on_root(lambda: json.loads((out / "manifest.json").read_text()))
    assert manifest["status"] == "failed"
    assert manifest["stop_reason"] in ("dt_too_small", "diverged")
