"""Geometry: gmsh models of Li dendrites with named physical groups (no dolfinx).

Group names and ids: docs/architecture.md#groups.

``generate(case)`` builds and meshes a case's geometry (on rank 0), writes the .msh and
a JSON report; ``build_case_model`` does the same into the current gmsh model, for the
loader (:mod:`dendrisim.meshing.load`).  The preview picture is drawn by the layer above
(:func:`dendrisim.api.mesh`, with :mod:`dendrisim.post.views.mesh_preview`) from the file
:func:`previewed_mesh` names.

What is built (lengths in µm, the gmsh model unit; z = 0 is the foil top):

- shapes as defined in :mod:`dendrisim.geometry.shapes` (needle, cone, mushroom/mossy, sphere,
  flat), sized by (length_um, diameter_um) or (aspect_ratio, volume_um3);
- an optional SEI shell (``sei_thickness_um`` > 0): the same shape with every radius
  grown by t and the tip raised by t, clipped at z = 0 (region ``sei``; ``li_sei`` between
  Li and SEI; the foil top outside the shell stays ``substrate_top``);
- a Li foil slab ``-substrate_thickness_um <= z <= 0`` (none if 0: the dendrite then
  stands on the ``substrate`` boundary; a sphere without foil is an isolated particle);
- the electrolyte cell: axisymmetric ``0 <= r <= cell_radius_um`` (``axis`` at r = 0),
  planar ``|x| <= cell_radius_um``, 3D a cylinder of that radius, or for a forest a box
  of the grid's size; ``0 <= z <= electrolyte_height_um`` (``bulk`` on top, ``side`` on the
  lateral walls).  Unset cell sizes follow a rule of the dendrite's size
  (:meth:`dendrisim.config.geometry.GeometryConfig._resolve_domain`).
- ``interface`` is the dendrite's surface facing electrolyte (the SEI's outer surface
  when resolved); for ``flat`` it is the foil top itself.

Mesh sizes: ``mesh_size_interface_um`` at the interface (default: the smallest Li
radius over 8 in 2D; in 3D 6 to 10 elements per radius, aiming at ~12k interface
triangles; SEI: 2 elements across in 2D, 1 in 3D; cones taper the size with the local
radius), growing linearly with the distance (slope 0.2 in 2D, 0.3 in 3D) to
``mesh_size_bulk_um`` (default a quarter of the cell width or height).  OpenCASCADE
boolean fragments make every shared boundary conforming.
"""

from __future__ import annotations  # noqa: I001

import time
from pathlib import Path

from dendrisim.core import parallel
from dendrisim.core import units
from dendrisim.geometry.spec import Dendrite, Layout, layout  # noqa: F401


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


def _user_mesh_path(case, g) -> Path:
    return g.mesh_path(Path(case.source_dir) if getattr(case, "source_dir", "") else None)


def previewed_mesh(case, out_msh: str | Path) -> Path:
    """The .msh file a picture of ``generate(case, out_msh)`` shows.

    A user's mesh (``geometry.mesh``) is shown from its source file, a generated one from
    ``out_msh``.
    """
    g = _geometry_section(case)
    return _user_mesh_path(case, g) if g.mesh else Path(out_msh)


def _generate_root(case, out_msh):
    import gmsh

    from dendrisim.geometry.build import build_model, gmsh_session
    from dendrisim.geometry.report import make_report

    g = _geometry_section(case)
    if g.mesh:
        return _user_mesh_root(case, g, out_msh)
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
    return rep


def _user_mesh_root(case, g, out_msh):
    """Report on a user's .msh instead of generating one."""
    import gmsh

    from dendrisim.geometry.build import gmsh_session
    from dendrisim.geometry.report import user_mesh_report

    src = _user_mesh_path(case, g)
    um_per_unit = units.um_per_unit(g.mesh_unit)
    with gmsh_session():
        gmsh.open(str(src))
        groups = {
            gmsh.model.getPhysicalName(d, t) or str(t): (d, t)
            for d, t in gmsh.model.getPhysicalGroups()
        }
        rep = user_mesh_report(g.formulation, groups, um_per_unit, str(src))
        if out_msh is not None and Path(out_msh).resolve() != src.resolve():
            Path(out_msh).parent.mkdir(parents=True, exist_ok=True)
            gmsh.write(str(out_msh))
            rep.path = str(out_msh)
    if out_msh is not None:
        rep.write_json(report_path(out_msh))
    return rep


def generate(case, out_msh: str | Path | None = None):
    """Build and mesh a case's geometry with gmsh; returns a :class:`MeshReport`.

    ``case`` is a :class:`~dendrisim.config.Case` or its ``GeometryConfig``.  The mesh
    is written to ``out_msh`` (µm, gmsh 4.1 format) with ``<stem>.report.json`` beside
    it.  gmsh runs on rank 0; the report is broadcast to every rank.  Invalid geometry
    raises GeometryError before gmsh runs.  A case with ``geometry.mesh`` (a user's .msh)
    is measured instead (no analytic reference).
    """
    return parallel.on_root(lambda: _generate_root(case, out_msh))
