"""The console examples of README.md and the docs pages run as written.

Every ``$ dendrisim ...`` line names an existing command and options it has; the cheap
ones (cases, show-case, check) are run in order in one folder, as a reader would type
them; docs/getting-started.md's sequence is run whole (its run is 2 s of simulated time).
The Python examples are executed by the docs build (scripts/docs).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from dendrisim.cli.app import app
from dendrisim.core.compat import fenics_available

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["README.md", "docs/getting-started.md", "docs/user-guide.md", "docs/plot-and-view.md"]
CHEAP = {"cases", "show-case", "check"}


def console_lines(page: str) -> list[str]:
    """The ``dendrisim`` commands of a page's console blocks, comments stripped."""
    text = (ROOT / page).read_text("utf-8")
    out = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ ") and re.match(r"(mpiexec -n \d+ )?dendrisim\s", line[2:]):
                out.append(re.sub(r"\s+#.*$", "", line[2:]).strip())
    return out


def _options(cmd) -> set[str]:
    return {o for p in cmd.params for o in (*getattr(p, "opts", []), *p.secondary_opts)}


GROUP = typer.main.get_command(app)


@pytest.mark.parametrize("page", PAGES)
def test_examples_name_existing_commands_and_options(page):
    lines = console_lines(page)
    assert lines, f"{page}: no dendrisim examples found"
    for line in lines:
        words = shlex.split(line.split(">")[0])
        words = words[words.index("dendrisim") + 1 :]
        name = words[0]
        assert name in GROUP.commands, f"{page}: `{line}`: no command {name!r}"
        known = _options(GROUP.commands[name]) | _options(GROUP)
        for w in words[1:]:
            opt = w.strip("[]").split("=")[0]
            if opt.startswith("-"):
                assert opt in known, f"{page}: `{line}`: {name} has no option {opt}"


def _run_in(folder: Path, line: str) -> subprocess.CompletedProcess:
    py = f"{shlex.quote(sys.executable)} -m dendrisim"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    env["PYVISTA_OFF_SCREEN"] = "true"
    return subprocess.run(
        re.sub(r"^dendrisim\s", f"{py} ", line),
        shell=True,
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_readme_cheap_examples_run_as_written(tmp_path):
    ran = []
    for line in console_lines("README.md"):
        if line.split()[1] not in CHEAP:
            continue
        r = _run_in(tmp_path, line)
        assert r.returncode == 0, f"`{line}` failed:\n{r.stderr}"
        ran.append(line.split()[1])
    assert set(ran) == CHEAP
    assert (tmp_path / "my.toml").stat().st_size > 500  # show-case > my.toml


@pytest.mark.skipif(not fenics_available(), reason="needs FEniCSx")
def test_getting_started_sequence_runs(tmp_path):
    for line in console_lines("docs/getting-started.md"):
        r = _run_in(tmp_path, line)
        assert r.returncode == 0, f"`{line}` failed:\n{r.stderr}"
    assert (tmp_path / "results" / "fig5-routine" / "figures" / "fig5d.png").is_file()


def readme_python_blocks() -> list[str]:
    """The ```python blocks of README.md."""
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text("utf-8"), re.S)


@pytest.mark.skipif(not fenics_available(), reason="needs FEniCSx")
def test_readme_pyvista_lines_open_the_fig5_fields_without_dendrisim(tmp_path):
    """The three README lines (and its other-time recipe) run in a Python without dendrisim."""
    from dendrisim import api

    (block,) = [b for b in readme_python_blocks() if "fields.vtkhdf" in b]
    assert len([line for line in block.splitlines() if line.strip()]) == 3
    case = api.load_case("fig5-needle-routine-sei", ["time.end_s=1.0", "output.figures=false"])
    api.run(case, out=tmp_path / "results" / "fig5-needle-routine-sei", quiet=True)
    check = """
assert grid.field_data["time_s"][0] == 0.0 and grid.point_data["T_K"].size == grid.n_points
reader = pv.get_reader("results/fig5-needle-routine-sei/fields.vtkhdf")
reader.reader.SetStep(reader.reader.GetNumberOfSteps() - 1)
grid = reader.read()
print(grid.field_data["time_s"][0])
import sys
assert not [m for m in sys.modules if m.startswith("dendrisim")]
"""
    r = subprocess.run(
        [sys.executable, "-c", block + check],
        cwd=tmp_path,
        env={**os.environ, "PYVISTA_OFF_SCREEN": "true", "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "1.0"  # the last output time [s]
