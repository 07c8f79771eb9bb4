"""Observables as a registry: a new observable is one class and one registration."""

from __future__ import annotations

import numpy as np

from dendrisim.api.run_case import simulation
from dendrisim.config import load_case
from dendrisim.core import parallel
from dendrisim.io.timeseries import TIMESERIES_COLUMNS, read_timeseries
from dendrisim.meshing.builtin_meshes import slab_mesh
from dendrisim.observables import catalog
from dendrisim.observables.base import Observable


class InterfaceTemperatureSpread(Observable):
    """Nodal maximum minus area mean of the interface temperature [K] (a toy)."""

    columns, units = ("T_interface_spread_K",), ("K",)

    def compute(self, state):
        v = state.values
        return {self.columns[0]: v["T_interface_max_K"] - v["T_interface_mean_K"]}


def test_new_observable_is_one_class_and_one_registration(monkeypatch, tmp_path):
    monkeypatch.setattr(catalog, "CATALOG", (*catalog.CATALOG, InterfaceTemperatureSpread))
    case = load_case("fig5-routine").with_overrides(
        {"time.end_s": 0.02, "interface.moving": False, "output.fields": []}
    )
    sim = simulation(case, slab_mesh(parallel.self_comm(), 6, length_m=1e-6), tmp_path, True)
    assert sim.run().stop_reason == "end_time"
    ts = read_timeseries(tmp_path / "timeseries.csv")
    with open(tmp_path / "timeseries.csv", encoding="utf-8") as fh:
        header = fh.readline().strip().split(",")
    assert header[: len(TIMESERIES_COLUMNS)] == list(TIMESERIES_COLUMNS)  # contract first
    assert header[-1] == "T_interface_spread_K"
    spread = ts["T_interface_max_K"] - ts["T_interface_mean_K"]
    np.testing.assert_allclose(ts["T_interface_spread_K"], spread, rtol=0, atol=1e-9)
    assert ts["T_interface_spread_K"][-1] > 0  # the Li side heats unevenly
    in_memory = [r["T_interface_spread_K"] for r in sim.history]
    np.testing.assert_allclose(in_memory, spread, rtol=0, atol=1e-9)
