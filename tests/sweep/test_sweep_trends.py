"""Trend plots of a sweep: files drawn, and the critical ambient temperature brackets the
fake runner's runaway threshold."""

from __future__ import annotations

import csv
import os
import sys

import pytest

from dendrisim.sweep import run_sweep

sys.path.insert(0, os.path.dirname(__file__))
import fake_runner  # noqa: E402

AMBIENT = """
base = "fig5-stable"
out = "{out}"
naming = "ld{{geometry.aspect_ratio:g}}_T{{thermal.ambient_K:g}}"
[set]
"thermal.outer" = "dirichlet"
[axes]
"geometry.aspect_ratio" = [1.0, 10.0]
[zip]
"thermal.ambient_K" = {{start = 455.0, stop = 475.0, step = 5.0}}
"thermal.initial_K" = {{start = 455.0, stop = 475.0, step = 5.0}}
[run]
runner = "{runner}"
fresh_process = false
workers = 2
"""


def test_plot_sweep_ld_and_sei(sweep):
    from dendrisim.post.plots.trends import plot_sweep

    run_sweep(sweep.file, quiet=True)
    paths = plot_sweep(sweep.out)
    assert [p.name for p in paths] == [
        "li_retention_end_vs_L_over_D.png",
        "dT_interface_max_K_vs_L_over_D.png",
    ]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000


def test_critical_ambient_brackets_the_threshold(tmp_path, monkeypatch):
    from dendrisim.post.plots.trends import plot_sweep

    runner = f"{os.path.abspath(fake_runner.__file__)}:run"

    monkeypatch.chdir(tmp_path)
    f = tmp_path / "amb.toml"
    f.write_text(AMBIENT.format(out=tmp_path / "amb", runner=runner))
    report = run_sweep(f, quiet=True)
    paths = plot_sweep(tmp_path / "amb", out=tmp_path / "figs")
    assert (tmp_path / "figs" / "critical_ambient_vs_L_over_D.png") in paths
    with open(tmp_path / "figs" / "critical_ambient.csv") as fh:
        table = {round(float(r["L_over_D"]), 6): r for r in csv.DictReader(fh)}
    assert sorted(table) == [1.0, 10.0]
    for sc in report.cases[::5]:
        ld = round(sc.case.geometry.length_um / sc.case.geometry.diameter_um, 6)
        threshold = fake_runner.runaway_K(sc.case)  # 470 - 5 ln(L/D) K
        row = table[ld]
        assert float(row["no_runaway_max_K"]) <= threshold < float(row["runaway_min_K"])
        assert float(row["runaway_min_K"]) - float(row["no_runaway_max_K"]) == pytest.approx(5)
    assert float(table[1.0]["critical_K"]) == pytest.approx(472.5)
    assert float(table[10.0]["critical_K"]) == pytest.approx(457.5)  # threshold 458.49 K


def test_plot_sweep_refuses_non_sweep_folder(tmp_path):
    from dendrisim.core.errors import DendrisimError
    from dendrisim.post.plots.trends import plot_sweep

    with pytest.raises(DendrisimError, match="not a sweep folder"):
        plot_sweep(tmp_path)


def test_runaway_counts_when_it_did_not_stop_the_run():
    """A run that records runaway and goes on (stop.runaway_stops = false) ran away."""
    from dendrisim.post.plots.trends import critical_ambient

    rows = [
        {
            "status": "finished",
            "stop_reason": "end_time",
            "runaway_time_s": t,
            "ambient_K": a,
            "geometry.aspect_ratio": 1.0,
        }
        for a, t in ((440.0, ""), (450.0, "nan"), (460.0, 5.2), (470.0, 1.0))
    ]
    (row,) = critical_ambient(rows, "geometry.aspect_ratio", [])
    assert row["no_runaway_max_K"] == 450.0 and row["runaway_min_K"] == 460.0
    assert row["critical_K"] == pytest.approx(455.0)
