"""Discrete species and energy balances of the full time loop, every accepted step."""

import numpy as np
import pytest

from dendrisim.api.run_case import simulation
from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.io.timeseries import read_timeseries
from dendrisim.meshing.builtin_meshes import slab_mesh

# µm cells heat faster than ARC rates: no runaway stop; fixed geometry (balances exact)
BASE = {
    "time.end_s": 1.0,
    "time.dt_initial_s": 1e-3,
    "output.fields_every_s": 1.0,
    "stop.runaway_K_per_min": 1e9,
    "interface.moving": False,
}


@pytest.mark.parametrize(
    "overrides",
    [
        # adiabatic closed cell, fast enough to melt Li (latent heat by apparent heat capacity)
        {"thermal.outer": "adiabatic", "kinetics.pre_exponential": 1e9},
        {
            "thermal.outer": "robin",
            "thermal.heat_transfer_W_m2K": 2e4,
            "kinetics.pre_exponential": 1e9,
        },
        {
            "thermal.outer": "dirichlet",
            "species.outer": "dirichlet",
            "thermal.substrate_bottom": "isothermal",
            "kinetics.pre_exponential": 1e9,
        },
    ],
    ids=["adiabatic", "robin", "dirichlet"],
)
def test_balances_each_step(mpi_tmp_path, overrides):
    case = load_case("fig5-routine").with_overrides({**BASE, **overrides})
    bundle = slab_mesh(parallel.world(), 12, length_m=1e-6)
    folder = str(mpi_tmp_path)
    summary = simulation(case, bundle, folder=folder, quiet=True).run()
    assert summary.valid, summary.stop_reason
    ts = read_timeseries(f"{folder}/timeseries.csv")
    assert ts["time_s"].size > 5
    assert np.max(np.abs(ts["species_balance_rel"])) < 1e-6
    assert np.max(np.abs(ts["energy_balance_rel"])) < 1e-6
    # something happened: Li consumed, species lost, heat released
    assert ts["li_consumed_mol"][-1] > 0
    assert ts["heat_released_J"][-1] > 0
    if overrides["thermal.outer"] == "adiabatic":
        assert ts["T_interface_max_K"].max() > 453.65 + 2  # went through the Li melting peak
    if overrides["thermal.outer"] == "dirichlet":
        assert ts["heat_out_dirichlet_J"][-1] > 0 and ts["species_in_mol"][-1] > 0
