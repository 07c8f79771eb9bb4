"""The benchmark harness's pure helpers: growth-exponent fit and the per-step split."""

from __future__ import annotations

import pytest

from benchmarks.harness import fit_exponent, step_split, table


@pytest.mark.parametrize("p", [0.5, 1.0, 1.2, 2.0])
def test_fit_exponent_recovers_a_power_law(p):
    sizes = [1e3, 3e3, 1e4, 3e4, 1e5]
    p_fit, a = fit_exponent(sizes, [2.5e-6 * n**p for n in sizes])
    assert p_fit == pytest.approx(p, abs=1e-12)
    assert a == pytest.approx(2.5e-6, rel=1e-9)


def test_fit_exponent_is_least_squares_not_endpoints():
    # log-log points (0, 0), (a, 2a), (2a, 2a), (3a, 3a) with a = ln 2: the end points
    # give slope 1, the least-squares line 4.5 a^2 / 5 a^2 = 0.9
    p, _ = fit_exponent([1.0, 2.0, 4.0, 8.0], [1.0, 4.0, 4.0, 8.0])
    assert p == pytest.approx(0.9, abs=1e-12)


@pytest.mark.parametrize(
    "sizes, secs",
    [([1.0], [1.0]), ([2.0, 2.0], [1.0, 3.0]), ([1.0, 2.0], [1.0, 0.0]), ([1.0, 2.0], [1.0])],
)
def test_fit_exponent_refuses_degenerate_input(sizes, secs):
    with pytest.raises(ValueError):
        fit_exponent(sizes, secs)


def test_step_split_adds_up_and_moves_jit_off_mesh_motion():
    timings = {"newton": 6.0, "mesh_motion": 2.5, "observables": 0.5, "output": 0.25, "setup": 99.0}
    events = {"residual": 1.0, "jacobian": 3.0}
    split = step_split(timings, events, run_s=10.0, steps=4, jit_in_run_s=0.5)
    assert split["s_per_step"] == pytest.approx(2.5)
    assert split["assembly_s_per_step"] == pytest.approx(1.0)
    assert split["solve_s_per_step"] == pytest.approx(0.5)
    assert split["mesh_motion_s_per_step"] == pytest.approx(0.5)
    assert split["observables_s_per_step"] == pytest.approx(0.125)
    assert split["output_s_per_step"] == pytest.approx(0.0625)
    parts = sum(v for k, v in split.items() if k != "s_per_step")
    assert parts == pytest.approx(split["s_per_step"])


def test_table_aligns_columns():
    text = table([{"a": 1.23456, "b": "x"}, {"a": 10, "b": "long"}], ["a", "b"])
    lines = text.splitlines()
    assert len({len(line) for line in lines}) == 1
    assert "1.235" in lines[2]
