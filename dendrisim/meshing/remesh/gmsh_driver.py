"""The gmsh driver of a remesh: the new model is meshed in a child process on rank 0.

gmsh can loop forever on a degenerate boundary, so :mod:`.gmsh_model` runs in a child
process with a time limit per attempt (:data:`REBUILD_TIMEOUT_S`) and other gmsh
algorithms as fallbacks (:data:`ALGORITHMS`).  Rank 0 then opens the .msh, checks it and
dolfinx distributes it (:func:`dendrisim.meshing.load.load_gmsh_model`), so the new mesh
is loaded like a generated one.
"""

from __future__ import annotations

import functools
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dendrisim.core import parallel
from dendrisim.meshing.remesh.errors import RemeshError
from dendrisim.meshing.remesh.polyline import Sizing
from dendrisim.meshing.remesh.repair import BoundaryEdges, prepare_chains

REBUILD_TIMEOUT_S = 30.0  # per gmsh attempt (a 2D remesh takes ~0.1-3 s); gmsh can loop forever
ALGORITHMS = (6, 5, 1)  # Frontal-Delaunay, then Delaunay, then MeshAdapt
CHILD_MODULE = "dendrisim.meshing.remesh.gmsh_model"
MPI_ENV_PREFIXES = ("PMI_", "PMIX_", "OMPI_", "MPICH_", "HYDRA_", "I_MPI_")


@dataclass
class RebuildJob:
    """What the new mesh is built from: the repaired boundary and the sizes.

    ``edges`` the repaired boundary [µm], ``collapse_um`` the length below which boundary
    edges are collapsed, ``regions`` / ``facet_names`` id -> name of the cell / facet
    groups, ``moving_tags`` the facet ids of the receding surfaces, ``sizing`` the sizes of
    the mesh as generated, ``formulation`` the mesh's formulation.
    """

    edges: BoundaryEdges
    collapse_um: float
    regions: dict[int, str]
    facet_names: dict[int, str]
    moving_tags: list[int]
    sizing: Sizing
    formulation: str


def rebuild_mesh(comm, job: RebuildJob, msh_path: str | Path | None = None):
    """Collective: mesh ``job`` with gmsh on rank 0 and distribute it.

    Returns the new :class:`~dendrisim.meshing.load.MeshBundle` and the relative change
    of each region's area (by name).  Raises :class:`RemeshError` naming what failed.
    """
    from dendrisim.meshing.load import gmsh_on_root, load_gmsh_model

    result: dict = {}
    build = functools.partial(_build_on_root, job, msh_path, result)
    try:
        with gmsh_on_root(comm):
            bundle = load_gmsh_model(comm, unit="um", formulation=job.formulation, check=build)
    except RemeshError:
        raise
    except Exception as exc:  # gmsh or the model check: say what failed
        raise RemeshError(f"remeshing failed: {exc}") from exc
    result = parallel.broadcast(result, comm)
    return bundle, result.get("area_change", {})


def _build_on_root(job: RebuildJob, msh_path, result: dict) -> dict:
    """Rank 0, in a gmsh session: mesh the job in a child, open it, check it (the groups).

    ``result["area_change"]`` gets the relative change of each region's area.
    """
    import gmsh

    from dendrisim.meshing.load import check_model

    chains, sizes, old = prepare_chains(
        job.edges, job.collapse_um, job.moving_tags, job.sizing, job.regions
    )
    child_job = {
        "chains": chains,
        "sizes": sizes,
        "regions": job.regions,
        "facet_names": job.facet_names,
        "moving_tags": job.moving_tags,
        "sizing": job.sizing,
    }
    tmp = Path(tempfile.mkdtemp(prefix="dendrisim-remesh-"))
    try:
        out, new = mesh_in_child(child_job, msh_path, tmp)
        gmsh.open(str(out))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    result["area_change"] = {
        name: (new[r] - old[r]) / old[r] if old[r] else 0.0 for r, name in job.regions.items()
    }
    return check_model(job.formulation)


def mesh_in_child(
    job: dict,
    msh_path: str | Path | None,
    tmp: Path,
    module: str = CHILD_MODULE,
    algorithms: tuple[int, ...] = ALGORITHMS,
    timeout_s: float = REBUILD_TIMEOUT_S,
) -> tuple[Path, dict]:
    """Run ``module`` (:mod:`.gmsh_model`, :mod:`.gmsh_model3d`) in a child process (rank 0).

    A time limit per attempt (``timeout_s``), other gmsh ``algorithms`` as fallbacks;
    ``tmp`` is a scratch folder.  Returns the .msh path and what the child reports (2D:
    the region areas [µm²]).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(MPI_ENV_PREFIXES)}
    out = Path(msh_path) if msh_path is not None else tmp / "remesh.msh"
    problems, bad = [], []
    for algorithm in algorithms:
        src = tmp / "job.pkl"
        src.write_bytes(pickle.dumps({**job, "algorithm": algorithm}))
        for suffix in (".bad", ".areas", ".error"):  # none left from an earlier child
            Path(str(out) + suffix).unlink(missing_ok=True)
        try:
            proc = subprocess.run(
                [sys.executable, "-m", module, str(src), str(out)],
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
                # not in the run's process group: Ctrl-C stops the run after its step
                # (solver/interrupt.py), not the mesh half-way (the child ignores stop
                # signals; run() kills it if the run itself is stopped at once)
                start_new_session=True,
            )
        except subprocess.TimeoutExpired:
            problems.append(f"gmsh algorithm {algorithm}: no mesh within {timeout_s:g} s")
            continue
        err = Path(str(out) + ".error")
        if err.is_file():
            raise RemeshError(err.read_text(encoding="utf-8"))
        areas = Path(str(out) + ".areas")
        if proc.returncode == 0 and areas.is_file():
            result = pickle.loads(areas.read_bytes())
            areas.unlink()
            return out, result
        bad_file = Path(str(out) + ".bad")
        if bad_file.is_file():  # the worst cells' centres of a mesh below the floor
            bad.append(pickle.loads(bad_file.read_bytes()))
            bad_file.unlink()
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no message"]
        problems.append(f"gmsh algorithm {algorithm}: exit {proc.returncode} ({tail[0]})")
    kept = ""
    if msh_path is not None:  # the input that gmsh could not mesh, for a bug report
        keep = Path(msh_path).with_suffix(".failed.pkl")
        shutil.copyfile(tmp / "job.pkl", keep)
        kept = f" (its input is kept in {keep.name})"
    raise RemeshError(
        "remeshing failed: " + "; ".join(problems) + kept, sum(map(list, bad), []) or None
    )
