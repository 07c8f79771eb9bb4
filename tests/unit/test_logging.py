"""Logging: -v/-q on every command, dendrisim.set_log_level, stderr vs stdout, VTK noise."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

import dendrisim
from dendrisim.cli.app import app, main
from dendrisim.core import logs
from dendrisim.core.errors import DendrisimError


@pytest.fixture(autouse=True)
def _restore_level():
    log = logging.getLogger("dendrisim")
    level = log.level
    yield
    dendrisim.set_log_level(level or logging.WARNING, progress=True)
    log.setLevel(level)


def test_set_log_level_names_and_numbers():
    assert dendrisim.set_log_level("debug") == logging.DEBUG
    assert logging.getLogger("dendrisim").level == logging.DEBUG and logs.progress_enabled()
    assert dendrisim.set_log_level("quiet") == logging.WARNING and not logs.progress_enabled()
    assert dendrisim.set_log_level(logging.INFO) == logging.INFO and logs.progress_enabled()
    with pytest.raises(DendrisimError, match="loud.*allowed are quiet, debug"):
        dendrisim.set_log_level("loud")


def test_messages_on_stderr_at_the_chosen_level(capsys):
    log = logging.getLogger("dendrisim")
    dendrisim.set_log_level("info")
    log.info("info-line")
    log.debug("debug-line")
    dendrisim.set_log_level("warning")
    log.info("hidden-line")
    out = capsys.readouterr()
    assert out.out == ""
    assert "info-line" in out.err and "debug-line" not in out.err and "hidden" not in out.err


def test_every_command_takes_v_and_q():
    import typer.main

    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        assert {"-v", "--verbose", "-q", "--quiet"} <= opts, name
    opts = {o for p in group.params for o in getattr(p, "opts", [])}
    assert {"-v", "-q", "--version"} <= opts


@pytest.mark.parametrize("args", [["-q", "check", "fig5-stable"], ["check", "fig5-stable", "-v"]])
def test_flags_before_or_after_the_command(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("# fig5-stable: valid.")
    expected = logging.WARNING if args[0] == "-q" else logging.DEBUG
    assert logging.getLogger("dendrisim").level == expected


def test_results_on_stdout_errors_on_stderr():
    r = subprocess.run(
        [sys.executable, "-m", "dendrisim", "check", "fig5-stable", "--set", "time.end_s=-1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and r.stdout == "" and "time.end_s" in r.stderr


def test_offscreen_mesh_preview_has_no_vtk_display_warning(tmp_path):
    """`dendrisim mesh --preview` renders to a file: VTK's 'bad X server' line is noise."""
    env = {"PYVISTA_OFF_SCREEN": "", "DISPLAY": ""}
    import os

    r = subprocess.run(
        [sys.executable, "-m", "dendrisim", "mesh", "fig5-stable", "-o", str(tmp_path / "m.msh")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "m.png").stat().st_size > 1000
    assert "X server" not in r.stderr and "WARN" not in r.stderr, r.stderr
