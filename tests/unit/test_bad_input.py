"""Bad input: a clear message naming key, value and what is allowed; exit status 2."""

from __future__ import annotations

import pytest

from dendrisim.cli.app import main

# (description, extra CLI args or case text, substrings the message must contain)
BAD_OVERRIDES = [
    (
        "unknown key with suggestion",
        ["--set", "geometry.lenght_um=2"],
        ["geometry.lenght_um", "did you mean 'geometry.length_um'"],
    ),
    ("unknown section", ["--set", "geometri.length_um=2"], ["geometri", "did you mean 'geometry'"]),
    (
        "unknown key, no close match",
        ["--set", "thermal.zzz=1"],
        ["thermal.zzz", "valid keys in thermal"],
    ),
    (
        "wrong type: string for number",
        ["--set", "geometry.length_um='long'"],
        ["geometry.length_um", "'long'", "expected a number"],
    ),
    (
        "wrong type: number for bool",
        ["--set", "thermal.enabled=1"],
        ["thermal.enabled", "true or false"],
    ),
    ("wrong type: table expected", ["--set", "geometry=3"], ["geometry", "a table"]),
    (
        "negative length",
        ["--set", "geometry.length_um=-1"],
        ["geometry.length_um", "-1", "must be > 0"],
    ),
    ("zero diameter", ["--set", "geometry.diameter_um=0"], ["geometry.diameter_um", "must be > 0"]),
    (
        "diameter larger than the domain",
        ["--set", "geometry.diameter_um=1.2", "--set", "geometry.length_um=1.5"],
        ["geometry.diameter_um = 1.2", "cell_radius_um = 0.5", "larger than"],
    ),
    (
        "needle shorter than wide",
        ["--set", "geometry.length_um=0.1"],
        ["geometry.length_um = 0.1", "L >= D"],
    ),
    (
        "dendrite taller than the electrolyte",
        ["--set", "geometry.length_um=6"],
        ["geometry.length_um = 6", "electrolyte_height_um"],
    ),
    (
        "SEI thicker than the radius",
        ["--set", "geometry.sei_thickness_um=0.1"],
        ["geometry.sei_thickness_um = 0.1", "thinner"],
    ),
    (
        "temperature below 0 K",
        ["--set", "thermal.initial_K=-5"],
        ["thermal.initial_K", "-5", "must be > 0"],
    ),
    ("end time zero", ["--set", "time.end_s=0"], ["time.end_s", "must be > 0"]),
    (
        "first step longer than the run",
        ["--set", "time.dt_initial_s=20"],
        ["time.dt_initial_s = 20", "time.end_s = 9"],
    ),
    (
        "unknown formulation",
        ["--set", "geometry.formulation='2d'"],
        ["geometry.formulation", "'2d'", "'axisymmetric', 'planar' or '3d'"],
    ),
    ("unknown shape", ["--set", "geometry.shape='pyramid'"], ["geometry.shape", "'needle'"]),
    (
        "unknown electrolyte preset",
        ["--set", "electrolyte.preset='water'"],
        ["electrolyte.preset", "'water'", "'routine' or 'advanced'"],
    ),
    (
        "protection factor above 1",
        ["--set", "sei.protection_factor=2"],
        ["sei.protection_factor", "must be <= 1"],
    ),
    (
        "robin without a coefficient",
        ["--set", "thermal.outer='robin'"],
        ["thermal.heat_transfer_W_m2K", "robin"],
    ),
    (
        "missing mesh file",
        ["--set", "geometry.mesh='nowhere.msh'"],
        ["geometry.mesh", "nowhere.msh", "file not found"],
    ),
    (
        "aspect ratio without volume",
        ["--set", "geometry.aspect_ratio=3"],
        ["geometry.volume_um3 is missing"],
    ),
    (
        "volume without aspect ratio",
        ["--set", "geometry.volume_um3=0.1"],
        ["geometry.aspect_ratio is missing"],
    ),
    (
        "cone tip wider than base",
        ["--set", "geometry.shape='cone'", "--set", "geometry.tip_radius_um=0.2"],
        ["geometry.tip_radius_um = 0.2", "base radius"],
    ),
    ("forest in 2D", ["--set", "geometry.forest.count=4"], ["geometry.forest.count = 4", "3d"]),
    (
        "negative output interval",
        ["--set", "output.fields_every_s=-1"],
        ["output.fields_every_s", "must be > 0"],
    ),
    ("malformed --set", ["--set", "geometry.length_um"], ["KEY=VALUE"]),
    (
        "onset above runaway",
        ["--set", "stop.onset_K_per_min=100"],
        ["stop.onset_K_per_min = 100", "runaway"],
    ),
]


def _run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


@pytest.mark.parametrize("desc,args,expect", BAD_OVERRIDES, ids=[b[0] for b in BAD_OVERRIDES])
def test_bad_override_gives_clear_error(desc, args, expect, capsys):
    code, text = _run(["check", "fig5-routine", *args], capsys)
    assert code == 2, text
    assert "Traceback" not in text
    assert "dendrisim: error:" in text
    for s in expect:
        assert s in text, f"{desc}: {s!r} not in message:\n{text}"


def test_at_least_twenty_distinct_bad_inputs():
    assert len({b[0] for b in BAD_OVERRIDES}) >= 20


@pytest.mark.parametrize(
    "text,expect",
    [
        ("name = 'x'\n[geometry\n", ["not valid TOML"]),
        ("name = 'bad name!'\n", ["name", "bad name!"]),
        ("[time]\nend_s = 9.0\ndt_initial_s = 1e-3\ndt_min_s = 0.1\n", ["time.dt_min_s = 0.1"]),
        (
            "[geometry]\nlength_um = 1.0\ndiameter_um = 0.1\n"
            "aspect_ratio = 2.0\nvolume_um3 = 0.01\n",
            ["not both", "disagree"],
        ),
    ],
)
def test_bad_case_file(tmp_path, capsys, text, expect):
    p = tmp_path / "case.toml"
    p.write_text(text)
    code, out = _run(["check", str(p)], capsys)
    assert code == 2 and "Traceback" not in out
    assert str(p) in out  # the message names the file
    for s in expect:
        assert s in out


def test_unknown_case_name_suggests_builtin(capsys):
    code, out = _run(["check", "fig5-routin"], capsys)
    assert code == 2 and "did you mean the built-in case 'fig5-routine'" in out


def test_unknown_builtin_for_show_case(capsys):
    code, out = _run(["show-case", "nope"], capsys)
    assert code == 2 and "fig5-routine" in out


def test_debug_shows_traceback(capsys):
    code, out = _run(["--debug", "check", "fig5-routine", "--set", "time.end_s=0"], capsys)
    assert code == 2 and "Traceback" in out


def test_unknown_command_is_usage_error(capsys):
    code, out = _run(["frobnicate"], capsys)
    assert code == 2 and "frobnicate" in out
