"""Bad input: a clear message naming key, value and what is allowed; exit status 2."""

from __future__ import annotations

import shutil
import subprocess
import sys

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
        ("name = 'bad name!'\n[time]\nend_s = 9.0\n", ["name", "bad name!"]),
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


# --- issue 13: bad files, non-finite numbers, sizes gmsh cannot build, environment -------
def _float_keys(model=None, prefix=""):
    """Every float-valued case key (dotted), found from the config models."""
    import types
    import typing

    from pydantic import BaseModel

    from dendrisim.config import Case

    out = []
    for name, f in (model or Case).model_fields.items():
        ann = f.annotation
        args = typing.get_args(ann) if isinstance(ann, types.UnionType) else (ann,)
        sub = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if sub:
            out += _float_keys(sub[0], f"{prefix}{name}.")
        elif float in args:
            out.append(f"{prefix}{name}")
    return out


def test_non_finite_numbers_refused_for_every_float_key(capsys):
    keys = _float_keys()
    assert len(keys) > 40 and "thermal.initial_K" in keys and "time.end_s" in keys
    for key in keys:
        for value in ("inf", "-inf", "nan"):
            code, text = _run(["check", "fig5-routine", "--set", f"{key}={value}"], capsys)
            assert code == 2 and "Traceback" not in text, (key, value, text)
            assert key in text and value in text, (key, value, text)


@pytest.mark.parametrize("command", ["check", "sweep"])
@pytest.mark.parametrize(
    "data,expect",
    [
        (b"name = 'x'\n\x00\x01\x02\xff binary", "is a binary file"),
        ("name = 'caf\u00e9'\n".encode("latin-1"), "is not UTF-8 text (byte 0xe9 at offset 11)"),
    ],
)
def test_binary_or_non_utf8_file(tmp_path, capsys, command, data, expect):
    p = tmp_path / "input.toml"
    p.write_bytes(data)
    code, text = _run([command, str(p), *(["--dry-run"] if command == "sweep" else [])], capsys)
    assert code == 2 and expect in text and str(p) in text and "Traceback" not in text
    assert len(text.strip().splitlines()) == 1


@pytest.mark.parametrize("text", ["", "# a comment only\n", "name = 'x'\n"])
def test_empty_case_file_rejected(tmp_path, capsys, text):
    p = tmp_path / "empty.toml"
    p.write_text(text)
    code, out = _run(["check", str(p)], capsys)
    assert code == 2 and "no sections; start from `dendrisim show-case" in out


def test_size_gmsh_cannot_build_answered_at_check(capsys):
    code, out = _run(["check", "fig5-routine", "--set", "geometry.diameter_um=1e-9"], capsys)
    assert code == 2 and "geometry.diameter_um = 1e-09" in out and "1e-06 µm" in out
    assert "OpenCASCADE" in out and "exception" not in out.lower()


def test_smallest_allowed_size_builds(capsys):
    """MIN_FEATURE_UM itself builds in OpenCASCADE (the limit is not too strict)."""
    from dendrisim.config import load_case
    from dendrisim.config.geometry import MIN_FEATURE_UM
    from dendrisim.geometry.build import gmsh_session
    from dendrisim.geometry.generator import build_case_model

    m = MIN_FEATURE_UM
    case = load_case("fig5-routine", [f"geometry.diameter_um={m}", f"geometry.length_um={m}"])
    with gmsh_session():
        _, groups = build_case_model(case, generate_mesh=False)
    assert {"bulk", "substrate", "axis", "interface"} <= set(groups)


@pytest.mark.parametrize("formulation", ["axisymmetric", "planar"])
def test_facet_groups_same_at_the_smallest_mesh_size(formulation):
    """mesh_size_interface_um = 1e-4 lost `bulk` and `substrate` (tolerance 1e-3 h)."""
    import gmsh

    from dendrisim.config import load_case
    from dendrisim.config.geometry import MIN_FEATURE_UM
    from dendrisim.geometry.build import gmsh_session
    from dendrisim.geometry.generator import build_case_model

    def facets(h):
        extra = [f"geometry.mesh_size_interface_um={h}"] if h else []
        case = load_case("fig5-routine", [f"geometry.formulation='{formulation}'", *extra])
        with gmsh_session():
            _, groups = build_case_model(case, generate_mesh=False)
            return {
                n: tuple(gmsh.model.getEntitiesForPhysicalGroup(*dt)) for n, dt in groups.items()
            }

    ref = facets(None)
    assert {"bulk", "substrate", "side", "interface", "substrate_top"} <= set(ref)
    for h in (1e-4, MIN_FEATURE_UM):
        assert facets(h) == ref, h


def test_empty_boundary_group_fails_loudly(monkeypatch):
    from dendrisim.config import load_case
    from dendrisim.core.errors import MeshError
    from dendrisim.geometry import build
    from dendrisim.geometry.generator import build_case_model

    monkeypatch.setattr(build, "FACET_TOL_UM", -1.0)  # classify nothing onto the planes
    with (
        build.gmsh_session(),
        pytest.raises(MeshError, match="no bulk, axis, substrate, substrate_top boundary"),
    ):
        build_case_model(load_case("fig5-routine"), generate_mesh=False)


@pytest.mark.parametrize("kind", ["truncated", "random", "empty"])
def test_bad_msh_file_one_line(tmp_path, capsys, kind):
    from tests.unit.run_process import dendrisim

    good = dendrisim("mesh", "fig5-stable", "--out", str(tmp_path / "good.msh"))
    assert good.returncode == 0, good.stderr
    data = (tmp_path / "good.msh").read_bytes()
    bad = tmp_path / f"{kind}.msh"
    bad.write_bytes(
        {"truncated": data[: len(data) // 3], "random": bytes(range(256)) * 20, "empty": b""}[kind]
    )
    args = ["run", "fig5-stable", "--set", f"geometry.mesh='{bad}'", "--out", str(tmp_path / "r")]
    code, out = _run(args, capsys)
    assert code == 2 and str(bad) in out and "Traceback" not in out, out
    assert len(out.strip().splitlines()) == 1


@pytest.mark.skipif(shutil.which("mpiexec") is None, reason="no mpiexec")
def test_bad_msh_reported_once_under_mpi(tmp_path):
    from tests.unit.run_process import dendrisim

    bad = tmp_path / "random.msh"
    bad.write_bytes(bytes(range(256)) * 20)
    r = subprocess.run(
        ["mpiexec", "-n", "2", sys.executable, "-m", "dendrisim", "run", "fig5-stable"]
        + ["--set", f"geometry.mesh='{bad}'", "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        env=dendrisim.__globals__["env"](),
        timeout=180,
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("not a mesh gmsh can read") == 1 and "Traceback" not in r.stderr


def test_out_in_proc_is_an_environment_error(capsys):
    code, out = _run(["run", "fig5-stable", "--out", "/proc/dendrisim-x"], capsys)
    assert code == 3 and "/proc/dendrisim-x: cannot write the results folder" in out
    assert len(out.strip().splitlines()) == 1


def test_read_only_folder_is_an_environment_error(tmp_path, capsys, monkeypatch):
    import errno

    from dendrisim.io import folder_lock

    def read_only(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(folder_lock.os, "open", read_only)  # root ignores chmod: simulate
    code, out = _run(["run", "fig5-stable", "--out", str(tmp_path / "r")], capsys)
    assert code == 3 and "Read-only file system" in out and "Traceback" not in out


def test_full_disk_during_a_run(tmp_path, capsys, monkeypatch):
    import errno

    from dendrisim.io import timeseries

    real, calls = timeseries.write_all, []

    def fills_up(fd, data):
        calls.append(1)
        if len(calls) > 6:  # header, t = 0 and 4 rows, then the disk is full mid-row
            real(fd, data[:10])
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd, data)

    monkeypatch.setattr(timeseries, "write_all", fills_up)
    out_dir = tmp_path / "r"
    code, out = _run(
        ["run", "fig5-stable", "--set", "output.fields=[]", "--out", str(out_dir), "-q"], capsys
    )
    assert code == 3 and "No space left on device" in out and "Traceback" not in out, out
    assert out.strip().splitlines()[-1].startswith("dendrisim: error:")
    text = (out_dir / "timeseries.csv").read_text()
    assert text.endswith("\n") and text.count("\n") == 6  # header + 5 whole rows
    assert not (out_dir / "manifest.json.tmp").exists()
