"""Shared checks of moving-mesh runs: the time series as arrays, 1 vs all ranks."""

import numpy as np

from dendrisim.core import parallel


def as_arrays(history: list[dict]) -> dict[str, np.ndarray]:
    """The per-step dicts of Simulation.history as one array per column."""
    return {k: np.array([r[k] for r in history]) for k in history[0]}


def assert_moving_run_ok(history: list[dict], gap: float = 1e-3) -> dict[str, np.ndarray]:
    """V- and mole-based retention within ``gap``; species and energy balances < 1e-6."""
    ts = as_arrays(history)
    diff = np.abs(ts["li_retention"] - ts["li_retention_from_moles"])
    assert diff.max() < gap, f"max |V-based - mole-based| = {diff.max():.2e}"
    assert np.max(np.abs(ts["species_balance_rel"])) < 1e-6
    assert np.max(np.abs(ts["energy_balance_rel"])) < 1e-6
    return ts


def assert_same_on_one_and_all_ranks(case, columns, check=None, rtol: float = 1e-6):
    """Run ``case`` on every rank together and on each rank alone; compare ``columns``.

    ``check(summary)`` may assert on each run's summary; returns the serial history.
    """
    from dendrisim.meshing.load import load_case_mesh
    from dendrisim.solver.simulation import Simulation

    def history(comm):
        sim = Simulation(case, load_case_mesh(case, comm), quiet=True)
        summary = sim.run()
        if check is not None:
            check(summary)
        return sim.history

    par, ser = history(parallel.world()), history(parallel.self_comm())
    assert len(par) == len(ser)
    for col in columns:
        a = np.array([r[col] for r in par])
        b = np.array([r[col] for r in ser])
        diff = np.max(np.abs(a - b)) / max(np.abs(b).max(), 1e-300)
        assert diff <= rtol, f"{col}: 1 vs all ranks differ by {diff:.2e} (rtol {rtol:g})"
    return ser
