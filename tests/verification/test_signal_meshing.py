"""A stop signal while gmsh meshes ends the run ``interrupted`` with one line (issue 13).

gmsh.initialize() resets SIGTERM to the default action, so a SIGTERM while the initial mesh
was generated (in the run's process) or while a remesh's gmsh child ran killed the run at
once (exit -15, the manifest left at ``running``, no checkpoint). Each run below gets the
signal at a chosen moment (a driver wraps gmsh's mesh call or the remesh child's start):
the run ends after meshing with status ``interrupted``, a checkpoint, exit 0, one stderr
line and no traceback; the remesh child finishes its mesh and leaves no process behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dendrisim.solver.restart import store
from tests.unit.run_process import env

DRIVER = r"""
import os, signal, sys, threading
mode, out = sys.argv[1], sys.argv[2]
if mode == "initial":  # SIGTERM to this process while gmsh generates the first mesh
    import gmsh
    real = gmsh.model.mesh.generate
    def generate(*a, **k):
        os.kill(os.getpid(), signal.SIGTERM)
        return real(*a, **k)
    gmsh.model.mesh.generate = generate
    sets = ["time.end_s=0.05"]
else:  # SIGTERM to the run's process group while the first remesh's gmsh child runs
    import dendrisim.meshing.remesh.gmsh_driver as gd
    real, sent = gd.mesh_in_child, []
    def mesh_in_child(*a, **k):
        if not sent:
            sent.append(1)
            pgid = os.getpgrp()
            threading.Timer(0.3, lambda: os.killpg(pgid, signal.SIGTERM)).start()
        return real(*a, **k)
    gd.mesh_in_child = mesh_in_child
    sets = ["thermal.enabled=false", "kinetics.pre_exponential=5e9",
            "geometry.mesh_size_interface_um=0.03", "interface.remesh_quality=0.6",
            "time.end_s=0.75"]
from dendrisim.cli.app import main
args = ["run", "fig5-routine", "-q", "--out", out, "--set", "output.fields=[]"]
for s in sets:
    args += ["--set", s]
main(args)
"""


def _children_alive(out: Path) -> list[int]:
    """Processes whose command line names ``out`` (a remesh child writes into it)."""
    alive = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit() and int(p.name) != os.getpid():
            try:
                cmd = (p / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if "gmsh_model" in cmd and str(out) in cmd:
                alive.append(int(p.name))
    return alive


@pytest.mark.skip_in_parallel
@pytest.mark.parametrize("mode", ["initial", "remesh"])
def test_sigterm_while_gmsh_meshes_ends_interrupted_in_one_line(tmp_path, mode):
    out = tmp_path / "r"
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, mode, str(out)],
        capture_output=True,
        text=True,
        env=env(),
        timeout=600,
        start_new_session=True,  # its own process group: the signal stays inside it
    )
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "interrupted by SIGTERM" in lines[0], lines
    assert "Traceback" not in proc.stderr
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "interrupted"
    assert (out / store.NAME).is_file()
    if mode == "remesh":  # the mesh was finished, not cut
        assert "remeshed (1)" in (out / "log.txt").read_text()
        time.sleep(0.5)
        assert not _children_alive(out)
