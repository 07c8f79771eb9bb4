"""CLI commands that work without the solver: cases, show-case, check; python -m."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest

from dendrisim.cli.app import main
from dendrisim.config import builtin_case_names, load_case


def _ok(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    out = capsys.readouterr()
    assert exc.value.code == 0, out.err
    return out.out


def test_cases_lists_names_first(capsys):
    out = _ok(["cases"], capsys)
    first_words = [line.split()[0] for line in out.strip().splitlines()]
    assert first_words == builtin_case_names()


def test_show_case_is_commented_toml_that_loads(capsys, tmp_path):
    out = _ok(["show-case", "fig5-routine"], capsys)
    assert out.lstrip().startswith("#")
    p = tmp_path / "start.toml"
    p.write_text(out)
    assert load_case(p).to_dict() == load_case("fig5-routine").to_dict()


def test_check_prints_resolved_case_with_overrides(capsys):
    out = _ok(
        ["check", "fig5-stable", "--set", "time.end_s=2", "-s", "thermal.ambient_K=300"], capsys
    )
    body = "\n".join(line for line in out.splitlines() if not line.startswith("#"))
    data = tomllib.loads(body)
    assert data["time"]["end_s"] == 2.0 and data["thermal"]["ambient_K"] == 300.0
    assert data["geometry"]["diameter_um"] == pytest.approx(0.3414957, rel=1e-6)
    assert data["electrolyte"]["concentration_mol_m3"] == 7000.0  # preset resolved


def test_python_dash_m_entry_point():
    r = subprocess.run(
        [sys.executable, "-m", "dendrisim", "cases"], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0 and "fig5-routine" in r.stdout
