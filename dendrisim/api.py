"""The Python API; the CLI is a thin layer over these functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dendrisim.config import Case, builtin_case_names, builtin_case_text, load_case
from dendrisim.errors import NotBuiltYetError

__all__ = ["builtin_case_names", "builtin_case_text", "load_case", "mesh", "plot", "run",
           "sweep", "view"]


def mesh(case: Case | str | Path, out: str | Path | None = None,
         preview: str | Path | None = None) -> Any:
    """Generate the case's geometry and mesh (gmsh); returns a ``MeshReport``.

    ``out`` defaults to ``meshes/<name>.msh``; the JSON report goes beside it and the
    preview picture (regions in colour) to ``preview`` (default: ``<out>.png``).
    """
    from dendrisim.geometry import generate

    c = load_case(case)
    out_path = Path(out) if out is not None else Path("meshes") / f"{c.name}.msh"
    png = Path(preview) if preview is not None else out_path.with_suffix(".png")
    return generate(c, out_msh=out_path, preview_png=png)


def run(case: Case | str | Path, out: str | Path | None = None, force: bool = False,
        quiet: bool = False) -> Any:
    """Run one simulation -> results folder; returns its :class:`~dendrisim.results.Result`.

    ``case`` is a Case, a case file or a built-in case name.  A run that ends without a
    valid stop (end time, runaway, Li exhausted) raises SimulationError after writing its
    manifest.
    """
    from dendrisim.results import Result
    from dendrisim.runner import run_case

    folder = run_case(load_case(case), out=out, force=force, quiet=quiet)
    return Result.load(folder)


def sweep(sweep_file: str | Path, **kwargs: Any) -> Any:
    """Run a parameter sweep [issue #7]."""
    raise NotBuiltYetError("parameter sweeps (issue #7) are not built yet")


def plot(folders: list[str | Path], out: str | Path | None = None) -> Any:
    """Fig. 5d-style plots of one or more results folders [issue #6]."""
    raise NotBuiltYetError("plotting (issue #6) is not built yet")


def view(folder: str | Path, screenshot: str | Path | None = None) -> Any:
    """PyVista view of a result's fields [issue #6]."""
    raise NotBuiltYetError("the PyVista viewer (issue #6) is not built yet")
