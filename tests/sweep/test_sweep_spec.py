"""Sweep file parsing, validation messages and expansion into named cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dendrisim.config import load_case
from dendrisim.physics import materials
from dendrisim.sweep import SweepError, builtin_sweep_names, expand, load_sweep
from dendrisim.sweep.spec import validate_sweep

ISSUE_EXAMPLE = """
base = "fig5-stable"            # built-in name or path
out = "results/ld-sweep"
[set]                           # overrides for every case
"time.end_s" = 9.0
[axes]                          # full grid over any case keys
"geometry.aspect_ratio" = [1.0, 2.0, 5.0, 10.0]
"sei.preset" = ["none", "stable"]
[run]
backend = "local"               # local | mpi | slurm
workers = 2
"""


def _spec(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return load_sweep(p)


def test_issue_example_expands_to_named_grid(tmp_path):
    spec = _spec(tmp_path, ISSUE_EXAMPLE.replace("9.0", "4.0"))
    cases = expand(spec)
    assert len(cases) == 8
    # outer product, last axis fastest
    assert [c.varied for c in cases[:3]] == [
        {"geometry.aspect_ratio": 1.0, "sei.preset": "none"},
        {"geometry.aspect_ratio": 1.0, "sei.preset": "stable"},
        {"geometry.aspect_ratio": 2.0, "sei.preset": "none"},
    ]
    assert cases[3].name == "aspect_ratio-2_sei.preset-stable"
    assert len({c.name for c in cases}) == 8
    base = load_case("fig5-stable")
    v0 = base.geometry.analytic_volume_um3()
    stable = materials.SEI_PRESETS["stable"]
    for c in cases:
        g = c.case.geometry
        assert c.case.name == c.name
        assert c.case.time.end_s == 4.0
        assert g.length_um / g.diameter_um == pytest.approx(
            c.varied["geometry.aspect_ratio"], rel=1e-9
        )
        # constant Li volume: aspect ratio changes the shape only
        assert g.analytic_volume_um3() == pytest.approx(v0, rel=1e-9)
        # a preset override takes the preset's values (not the base's resolved ones)
        want = stable["protection_factor"] if c.varied["sei.preset"] == "stable" else 1.0
        assert c.case.sei.protection_factor == pytest.approx(want)
    assert spec.run.workers == 2 and spec.out_dir().as_posix() == "results/ld-sweep"


def test_ranges_zip_and_explicit_cases(tmp_path):
    spec = _spec(
        tmp_path,
        """
base = "fig5-routine"
[axes]
"thermal.ambient_K" = {start = 430.0, stop = 470.0, num = 5}
kinetics.activation_energy_J_mol = {start = 1e5, stop = 1e6, num = 3, log = true}
[zip]
"geometry.length_um" = [1.0, 2.0]
"geometry.diameter_um" = {start = 0.1, stop = 0.2, step = 0.1}
[[cases]]
name = "long"
"geometry.length_um" = 3.0
""",
    )
    assert spec.axes["thermal.ambient_K"] == [430.0, 440.0, 450.0, 460.0, 470.0]
    np.testing.assert_allclose(
        spec.axes["kinetics.activation_energy_J_mol"], [1e5, 1e5 * math.sqrt(10), 1e6], rtol=1e-11
    )
    assert spec.zip[0]["geometry.diameter_um"] == [0.1, 0.2]
    cases = expand(spec)
    assert len(cases) == 5 * 3 * 2 + 1
    # zipped keys move together
    assert {(c.case.geometry.length_um, c.case.geometry.diameter_um) for c in cases[:-1]} == {
        (1.0, 0.1),
        (2.0, 0.2),
    }
    assert cases[-1].name == "long" and cases[-1].case.geometry.length_um == 3.0
    assert cases[-1].case.geometry.diameter_um == 0.15  # base value kept


def test_integer_step_range_and_template_naming(tmp_path):
    spec = _spec(
        tmp_path,
        """
base = "fig5-routine"
naming = "n{kinetics.reaction_order}-D{geometry.diameter_um:.2f}"
[axes]
"kinetics.reaction_order" = {start = 1, stop = 3, step = 1}
""",
    )
    assert spec.axes["kinetics.reaction_order"] == [1, 2, 3]
    assert [c.name for c in expand(spec)] == ["n1-D0.15", "n2-D0.15", "n3-D0.15"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('base = "fig5-stable"\nworkerz = 2', "unknown key 'workerz'"),
        ('base = "fig5-stable"\n[run]\nworkerz = 2', "did you mean 'workers'"),
        ('base = "fig5-stable"\n[run]\nbackend = "pbs"', "run.backend"),
        ('base = "fig5-stable"\n[axes]\n"geometry.aspect_ratio" = []', "at least one value"),
        ('base = "fig5-stable"\n[axes]\n"x.y" = {start = 1, stop = 2}', "exactly one of num"),
        ('base = "fig5-stable"\n[zip]\n"a.b" = [1, 2]\n"c.d" = [1]', "equal lengths"),
        ('[axes]\n"time.end_s" = [1.0]', "base is required"),
        ('base = "fig5-stable"\n[slurm]\ntime = "one hour"', "slurm.time"),
    ],
)
def test_sweep_file_errors_name_the_key(tmp_path, text, expected):
    with pytest.raises(SweepError) as err:
        _spec(tmp_path, text)
    assert expected in str(err.value)


@pytest.mark.parametrize(
    "axes, expected",
    [
        ('"geometry.aspect_rati" = [1.0]', "unknown key 'geometry.aspect_rati'"),
        ('"geometry.aspect_ratio" = [2.0, -1.0]', "geometry.aspect_ratio = -1.0"),
        ('"sei.preset" = ["none", "bogus"]', "sei.preset = 'bogus'"),
    ],
)
def test_invalid_cases_are_reported_with_key_and_case(tmp_path, axes, expected):
    spec = _spec(tmp_path, f'base = "fig5-stable"\n[axes]\n{axes}\n')
    with pytest.raises(SweepError) as err:
        expand(spec)
    assert expected in str(err.value)
    assert "case" in str(err.value)


def test_duplicate_names_are_refused(tmp_path):
    spec = _spec(
        tmp_path, 'base = "fig5-stable"\nnaming = "same"\n[axes]\n"time.end_s" = [1.0, 2.0]\n'
    )
    with pytest.raises(SweepError, match="both named 'same'"):
        expand(spec)


def test_close_float_values_get_distinct_names(tmp_path):
    spec = _spec(
        tmp_path,
        'base = "fig5-routine"\n[axes]\n"thermal.ambient_K" = [440.0000001, 440.0000002]\n',
    )
    names = [c.name for c in expand(spec)]
    assert len(set(names)) == 2


def test_base_path_relative_to_sweep_file(tmp_path):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "mine.toml").write_text(
        load_case("fig5-routine").to_toml().replace('name = "fig5-routine"', 'name = "mine"')
    )
    sub = tmp_path / "sweeps"
    sub.mkdir()
    spec = _spec(sub, 'base = "../cases/mine.toml"\n[axes]\n"time.end_s" = [1.0, 2.0]\n')
    cases = expand(spec)
    assert [c.case.time.end_s for c in cases] == [1.0, 2.0]


def test_builtin_example_sweeps():
    assert {"ld-constant-volume", "ambient-runaway"} <= set(builtin_sweep_names())
    ld = expand(load_sweep("ld-constant-volume"))
    ratios = sorted({c.varied["geometry.aspect_ratio"] for c in ld})
    assert ratios[0] == 1.0 and ratios[-1] == 30.0
    assert {c.case.sei.preset for c in ld} == {"routine", "stable"}
    vols = [c.case.geometry.analytic_volume_um3() for c in ld]
    assert max(vols) / min(vols) - 1 < 1e-9  # constant Li volume
    amb = expand(load_sweep("ambient-runaway"))
    assert all(c.case.thermal.initial_K == c.case.thermal.ambient_K for c in amb)
    assert all(c.case.thermal.outer == "dirichlet" for c in amb)
    assert len({c.case.geometry.aspect_ratio for c in amb}) == 4


def test_validate_sweep_flattens_nested_tables():
    spec = validate_sweep(
        {
            "base": "fig5-stable",
            "set": {"time": {"end_s": 2.0}},
            "axes": {"geometry": {"aspect_ratio": [1.0, 3.0]}},
        }
    )
    assert spec.set == {"time.end_s": 2.0}
    assert list(spec.axes) == ["geometry.aspect_ratio"]
