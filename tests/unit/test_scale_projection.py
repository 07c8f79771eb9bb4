"""The weak-scaling projection of bench_scale rows (benchmarks/scale_projection.py)."""

from __future__ import annotations

import pytest

from benchmarks.scale_projection import NET, faces, krylov_fit, load_factor, project, split3

BASE = {
    "size": "1M", "cells": 1_000_000, "ranks": 2, "steps": 3, "newton": 6, "krylov": 90,
    "s_per_step": 10.0, "cpu_s_per_step": 10.0, "load_1min": 0.5, "machine": {"cores": 2},
    "assembly_s_per_step": 3.0, "solve_s_per_step": 4.0, "mesh_motion_s_per_step": 3.0,
    "reductions_per_step": 300.0, "halo_exchanges_per_step": 2000.0,
    "ghost_dofs_max": 4000, "owned_dofs_max": 200_000, "amg_levels": 4,
}  # fmt: skip
FREE = {"latency_us": 0.0, "allreduce_us": 0.0, "bandwidth_GBs": 1e30, "neighbours": 14}


@pytest.mark.parametrize("n, dims, f", [(2, (2, 1, 1), 1), (8, (2, 2, 2), 3), (64, (4, 4, 4), 6)])
def test_block_decomposition_cuts(n, dims, f):
    assert split3(n) == dims and faces(n) == f
    assert faces(256) == 6 and split3(256) == (8, 8, 4)


def test_free_network_and_flat_krylov_scale_perfectly():
    for n in (8, 256):
        row = project(BASE, 0.0, n, FREE)
        assert row["efficiency"] == pytest.approx(1.0, abs=1e-12)
        assert row["cells_per_rank"] == 500_000 and row["cells"] == 500_000 * n


def test_krylov_growth_scales_the_solve_only():
    row = project(BASE, 0.1, 64, FREE)
    growth = 32**0.1  # 64 / 2 ranks, same cells per rank
    assert row["compute_s"] == pytest.approx(6.0 + 4.0 * growth, rel=1e-12)


def test_halo_volume_is_the_measured_ghosts_times_the_cuts():
    bw = {**FREE, "bandwidth_GBs": 1.0}
    h = [project({**BASE, "ghost_dofs_max": g}, 0.0, 64, bw)["halo_s"] for g in (4000, 8000)]
    assert h[1] == pytest.approx(2 * h[0], rel=1e-12)
    assert h[0] == pytest.approx(2000 * 6 * 4000 * 8 / 1e9, rel=1e-12)


def test_reductions_cost_log2_ranks():
    red = {**FREE, "allreduce_us": 1.0}
    assert project(BASE, 0.0, 256, red)["reduction_s"] == pytest.approx(300 * 8e-6)
    assert project(BASE, 0.0, 8, NET)["efficiency"] < 1.0


def test_a_loaded_row_is_scaled_by_its_cpu_time():
    assert load_factor(BASE) == 1.0
    loaded = {**BASE, "load_1min": 9.0, "s_per_step": 40.0, "cpu_s_per_step": 12.0}
    assert load_factor(loaded) == pytest.approx(0.3)
    assert project(loaded, 0.0, 8, FREE)["compute_s"] == pytest.approx(12.0)


def _row(size, cells, krylov, **kw):
    return {**BASE, "size": size, "cells": cells, "krylov": krylov, "newton": 10, **kw}


def test_krylov_growth_from_a_mesh_and_its_split_when_measured():
    graded = [_row("0.1M", 100_000, 140), _row("0.3M", 300_000, 140)]
    split = [_row("0.13M", 125_000, 100, refinements=0), _row("1M", 1_000_000, 200, refinements=1)]
    assert krylov_fit(graded)[0] == pytest.approx(0.0, abs=1e-12)
    assert krylov_fit(graded + split)[0] == pytest.approx(1 / 3, rel=1e-12)  # 2x per 8x
    # a 1M row of another mesh family (no refinements recorded) is not paired
    old = [_row("1M", 875_000, 400), split[0]]
    assert krylov_fit(graded + old)[0] != pytest.approx(1 / 3)
