"""Build the gmsh model of a layout: domain, bodies, fragments, physical groups, mesh.

The OpenCASCADE kernel with boolean fragments makes every shared boundary conforming;
regions and facets are then classified by which input they came from and by position.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

import gmsh

from dendrisim.config.geometry import MIN_FEATURE_UM
from dendrisim.core import groups as G
from dendrisim.core.errors import MeshError
from dendrisim.geometry.bodies import DimTags, body
from dendrisim.geometry.sizing import apply_sizing
from dendrisim.geometry.spec import Layout

# [C] facets on a plane are found from OCC bounding boxes, which are enlarged by the
# shape tolerance (measured 1e-7 µm); half the smallest buildable length stays above that
# and below every real extent, at any mesh size.
FACET_TOL_UM = 0.5 * MIN_FEATURE_UM


def _initialize() -> None:
    """gmsh.initialize keeping Python's SIGTERM handler (gmsh resets SIGTERM to the default).

    A run's stop request (dendrisim/solver/interrupt.py) then also hears a SIGTERM that
    arrives while gmsh meshes: the run ends ``interrupted`` after meshing, never killed
    half-way with its manifest left at ``running``.
    """
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM) if main else None
    gmsh.initialize(interruptible=False)
    if main and previous is not None:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def gmsh_session(name: str = "dendrisim") -> Iterator[object]:
    """Initialise gmsh (if not already) with a fresh model; clean up on exit.

    Yields ``gmsh.model``.  gmsh is finalised only if this context initialised it.
    """
    own = not gmsh.isInitialized()
    if own:
        _initialize()
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add(name)
    try:
        yield gmsh.model
    finally:
        gmsh.model.remove()
        if own:
            gmsh.finalize()


def _domain(lay: Layout, z0: float, z1: float) -> int:
    """The lateral cell between heights z0 < z1: rectangle, cylinder or box (an OCC tag)."""
    occ = gmsh.model.occ
    w = lay.half_width_um
    if lay.formulation == "axisymmetric":
        return occ.addRectangle(0, z0, 0, w, z1 - z0)
    if lay.formulation == "planar":
        return occ.addRectangle(-w, z0, 0, 2 * w, z1 - z0)
    if lay.cylinder:
        return occ.addCylinder(0, 0, z0, 0, 0, z1 - z0, w)
    return occ.addBox(-w, -lay.half_depth_um, z0, 2 * w, 2 * lay.half_depth_um, z1 - z0)


def _clip(lay: Layout, dimtags: DimTags) -> DimTags:
    """Intersect bodies with the electrolyte cell (z >= 0; x >= 0 if axisymmetric)."""
    dim = lay.dim
    box = _domain(lay, 0.0, lay.electrolyte_height_um)
    out, _ = gmsh.model.occ.intersect(dimtags, [(dim, box)])
    return out


def _geometry(lay: Layout) -> dict[int, str]:
    """Create the OCC geometry; return {cell entity tag: region name}."""
    occ = gmsh.model.occ
    dim = lay.dim
    objects: DimTags = [(dim, _domain(lay, 0.0, lay.electrolyte_height_um))]
    if lay.substrate_thickness_um > 0:
        objects.append((dim, _domain(lay, -lay.substrate_thickness_um, 0.0)))
    li_inputs = list(range(len(objects)))[1:]  # the substrate slab is Li
    tools: DimTags = []
    sei_inputs: list[int] = []
    for d in lay.dendrites:
        li = _clip(lay, body(d, dim))
        li_inputs += list(range(len(objects) + len(tools), len(objects) + len(tools) + len(li)))
        tools += li
    if lay.sei:
        for d in lay.dendrites:
            shell = _clip(lay, body(d.grown(lay.sei_thickness_um), dim))
            n0 = len(objects) + len(tools)
            sei_inputs += list(range(n0, n0 + len(shell)))
            tools += shell
    _, out_map = occ.fragment(objects, tools) if tools else occ.fragment(objects, [])
    occ.synchronize()
    li_tags = {t for i in li_inputs for (_, t) in out_map[i]}
    sei_tags = {t for i in sei_inputs for (_, t) in out_map[i]} - li_tags
    region: dict[int, str] = {}
    for _, t in gmsh.model.getEntities(dim):
        region[t] = G.LITHIUM if t in li_tags else G.SEI if t in sei_tags else G.ELECTROLYTE
    return region


def _classify_facets(lay: Layout, region: dict[int, str]) -> dict[str, list[int]]:
    """Facet entity tags per boundary group (docs/architecture.md#groups + contract)."""
    dim = lay.dim
    zi = dim - 1  # index of the vertical coordinate in a bounding box triple
    tol = FACET_TOL_UM  # not tied to the mesh size (issue 13: 1e-3 h lost bulk/substrate)
    adjacent: dict[int, list[str]] = {}
    for t, name in region.items():
        for _, f in gmsh.model.getBoundary([(dim, t)], combined=False, oriented=False):
            adjacent.setdefault(abs(f), []).append(name)
    out: dict[str, list[int]] = {}
    for f, names in adjacent.items():
        b = gmsh.model.getBoundingBox(dim - 1, f)
        lo, hi = b[:3], b[3:]
        pair = set(names)
        group = None
        if len(names) == 2 and pair == {G.LITHIUM, G.ELECTROLYTE}:
            on_plane = abs(lo[zi]) < tol and abs(hi[zi]) < tol
            group = G.SUBSTRATE_TOP if on_plane and not lay.flat else G.INTERFACE
        elif len(names) == 2 and pair == {G.SEI, G.ELECTROLYTE}:
            group = G.INTERFACE
        elif len(names) == 2 and pair == {G.LITHIUM, G.SEI}:
            group = G.LI_SEI
        elif len(names) == 1:
            if lo[zi] > lay.electrolyte_height_um - tol:
                group = G.BULK
            elif hi[zi] < -lay.substrate_thickness_um + tol:
                group = G.SUBSTRATE
            elif lay.formulation == "axisymmetric" and hi[0] < tol:
                group = G.AXIS
            else:
                group = G.SIDE
        if group is not None:
            out.setdefault(group, []).append(f)
    return out


def required_facet_groups(lay: Layout) -> list[str]:
    """The boundary groups every generated mesh of ``lay`` has."""
    need = [G.INTERFACE, G.BULK, G.SIDE]
    if lay.formulation == "axisymmetric":
        need.append(G.AXIS)
    if lay.substrate_thickness_um > 0:
        need.append(G.SUBSTRATE)
        if not lay.flat:
            need.append(G.SUBSTRATE_TOP)
    return need


def _check_facets(lay: Layout, facets: dict[str, list[int]]) -> None:
    missing = [n for n in required_facet_groups(lay) if not facets.get(n)]
    if missing:
        raise MeshError(
            f"the generated geometry has no {', '.join(missing)} boundary (facet "
            f"classification failed at geometry.mesh_size_interface_um = "
            f"{lay.h_interface_um:g} µm); please report this case"
        )


def build_model(lay: Layout, generate: bool = True) -> dict[str, tuple[int, int]]:
    """Build geometry, physical groups and (optionally) the mesh in the current gmsh model.

    Returns the physical groups as ``{name: (dim, id)}`` (only non-empty groups).
    """
    region = _geometry(lay)
    dim = lay.dim
    facets = _classify_facets(lay, region)
    _check_facets(lay, facets)
    groups: dict[str, tuple[int, int]] = {}
    for name in (G.LITHIUM, G.ELECTROLYTE, G.SEI):
        tags = sorted(t for t, r in region.items() if r == name)
        if tags:
            gmsh.model.addPhysicalGroup(dim, tags, G.CELL_IDS[name], name=name)
            groups[name] = (dim, G.CELL_IDS[name])
    for name, fid in G.FACET_IDS.items():
        if facets.get(name):
            gmsh.model.addPhysicalGroup(dim - 1, sorted(facets[name]), fid, name=name)
            groups[name] = (dim - 1, fid)
    if generate:
        refine = facets.get(G.INTERFACE, []) + facets.get(G.LI_SEI, [])
        if lay.substrate_reacts and not lay.flat:
            refine += facets.get(G.SUBSTRATE_TOP, [])
        apply_sizing(lay, refine)
        gmsh.model.mesh.generate(dim)
        if lay.mesh_order == 2:
            gmsh.model.mesh.setOrder(2)
    return groups
