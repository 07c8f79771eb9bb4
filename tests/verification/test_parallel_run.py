"""The time loop gives the same time series on 1 and on all ranks (rtol 1e-6)."""

import numpy as np
import pytest

from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.meshing.builtin_meshes import slab_mesh
from dendrisim.solver.simulation import Simulation

COLUMNS = (
    "time_s",
    "T_interface_mean_K",
    "T_interface_max_K",
    "T_tip_K",
    "reaction_rate_mol_s",
    "li_consumed_mol",
    "c_interface_min_mol_m3",
    "species_mol",
    "energy_stored_J",
    "heat_out_dirichlet_J",
    "species_in_mol",
)


def _history(comm):
    case = load_case("fig5-routine").with_overrides(
        {
            "time.end_s": 0.5,
            "kinetics.pre_exponential": 5e8,
            "thermal.outer": "dirichlet",
            "species.outer": "dirichlet",
            "stop.runaway_K_per_min": 1e9,
            "output.fields": [],
        }
    )
    bundle = slab_mesh(comm, 16, length_m=1e-6)
    sim = Simulation(case, bundle, quiet=True)
    summary = sim.run()
    assert summary.stop_reason == "end_time"
    return sim.history


@pytest.mark.mpi
def test_parallel_matches_serial():
    par = _history(parallel.world())
    ser = _history(parallel.self_comm())
    assert len(par) == len(ser)
    for col in COLUMNS:
        a = np.array([r[col] for r in par])
        b = np.array([r[col] for r in ser])
        scale = max(np.abs(b).max(), 1e-300)
        assert np.max(np.abs(a - b)) <= 1e-6 * scale, col
