"""Geometry: gmsh models of Li dendrites with the DESIGN §4 physical groups (no dolfinx).

``generate(case)`` builds and meshes a case's geometry (on rank 0), writes the .msh,
a JSON report and optionally a preview picture; ``build_case_model`` does the same
into the current gmsh model, for the loader (:mod:`dendrisim.mesh`).
"""

from __future__ import annotations

import time
from pathlib import Path

from dendrisim import parallel
from dendrisim.geometry.groups import CELL_IDS, FACET_IDS, GROUP_IDS
from dendrisim.geometry.spec import Dendrite, Layout, layout

__all__ = ["CELL_IDS", "FACET_IDS", "GROUP_IDS", "Dendrite", "Layout", "MeshReport",
           "build_case_model", "generate", "gmsh_session", "layout", "report_path"]


def __getattr__(name: str):
    # gmsh-using names are imported lazily so the plain-data parts load without gmsh
    if name == "MeshReport":
        from dendrisim.geometry.report import MeshReport
        return MeshReport
    if name == "gmsh_session":
        from dendrisim.geometry.build import gmsh_session
        return gmsh_session
    raise AttributeError(name)


def _geometry_section(case):
    return getattr(case, "geometry", case)


def build_case_model(case, generate_mesh: bool = True) -> tuple[Layout, dict]:
    """Build (and mesh) a case's geometry in the current gmsh model (call on one rank).

    Returns the layout and the physical groups ``{name: (dim, id)}``.
    """
    from dendrisim.geometry.build import build_model

    lay = layout(_geometry_section(case))
    return lay, build_model(lay, generate=generate_mesh)


def report_path(msh: str | Path) -> Path:
    """Where the JSON report of a .msh goes: ``<stem>.report.json`` beside it."""
    p = Path(msh)
    return p.with_name(p.stem + ".report.json")


def _generate_root(case, out_msh, preview_png):
    import gmsh

    from dendrisim.geometry.build import build_model, gmsh_session
    from dendrisim.geometry.report import make_report

    g = _geometry_section(case)
    lay = layout(g)  # all geometry errors surface here, before gmsh runs
    t0 = time.perf_counter()
    with gmsh_session(getattr(case, "name", "dendrisim")):
        groups = build_model(lay)
        seconds = time.perf_counter() - t0
        rep = make_report(lay, groups, g.shape, seconds)
        if out_msh is not None:
            out = Path(out_msh)
            out.parent.mkdir(parents=True, exist_ok=True)
            gmsh.write(str(out))
            rep.path = str(out)
            rep.write_json(report_path(out))
    if preview_png is not None:
        if out_msh is None:
            raise ValueError("a preview picture needs the mesh written to a file (out_msh)")
        from dendrisim.viz.mesh_preview import render_mesh_preview

        render_mesh_preview(out_msh, preview_png, formulation=lay.formulation)
    return rep


def generate(case, out_msh: str | Path | None = None, preview_png: str | Path | None = None):
    """Build and mesh a case's geometry with gmsh; returns a :class:`MeshReport`.

    ``case`` is a :class:`~dendrisim.config.Case` or its ``GeometryConfig``.  The mesh
    is written to ``out_msh`` (µm, gmsh 4.1 format) with ``<stem>.report.json`` beside
    it, and a preview picture to ``preview_png`` if given.  gmsh runs on rank 0; the
    report is broadcast to every rank.  Invalid geometry raises GeometryError before
    gmsh runs.
    """
    return parallel.on_root(lambda: _generate_root(case, out_msh, preview_png))
