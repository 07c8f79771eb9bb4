"""From a validated ``[geometry]`` section to a concrete layout (pure Python, no gmsh).

Everything that can be wrong with a geometry is found here, before gmsh runs, and
reported as a :class:`~dendrisim.core.errors.GeometryError` naming the key path.
Lengths in micrometres (gmsh model units).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from dendrisim.config.geometry import GeometryConfig
from dendrisim.core.errors import GeometryError
from dendrisim.core.units import UM
from dendrisim.geometry.shapes import Dendrite

# 2D: size at the interface resolves the smallest Li radius with this many elements
ELEMENTS_PER_RADIUS_2D = 8
# 3D: between these bounds, as many as keep the interface near INTERFACE_TRIANGLES_3D
# triangles (the cell count grows as h^-2 .. h^-3); 6 still gives 0.5 % volume accuracy
ELEMENTS_PER_RADIUS_3D = (6, 10)
INTERFACE_TRIANGLES_3D = 12000
ELEMENTS_PER_SEI = 2  # elements across a resolved SEI shell (2D)
ELEMENTS_PER_SEI_3D = 1


@dataclass(frozen=True)
class Layout:
    """Everything gmsh needs: domain, bodies, regions and mesh sizes [µm]."""

    formulation: str  # axisymmetric | planar | 3d
    dendrites: tuple[Dendrite, ...]  # empty for shape = "flat"
    sei_thickness_um: float
    substrate_thickness_um: float
    electrolyte_height_um: float
    half_width_um: float  # x half-extent (axisymmetric: the cell radius, x in [0, R_c])
    half_depth_um: float  # 3D box: y half-extent; 0 for a cylinder or 2D
    cylinder: bool  # 3D: cylindrical unit cell (one dendrite) instead of a box
    isolated: bool  # a particle that touches no substrate
    substrate_reacts: bool
    h_interface_um: float
    h_bulk_um: float
    mesh_order: int
    tip_refinement: bool

    @property
    def dim(self) -> int:
        """Topological dimension of the cells."""
        return 3 if self.formulation == "3d" else 2

    @property
    def flat(self) -> bool:
        """True when there is no dendrite (the foil top is then the interface)."""
        return not self.dendrites

    @property
    def sei(self) -> bool:
        """True when an SEI shell is resolved."""
        return self.sei_thickness_um > 0 and not self.flat

    def footprint_area_um2(self) -> float:
        """Area of the substrate top plane (revolved / per unit depth / 3D) [µm^2 or µm]."""
        if self.formulation == "axisymmetric" or self.cylinder:
            return math.pi * self.half_width_um**2
        if self.formulation == "planar":
            return 2 * self.half_width_um
        return 4 * self.half_width_um * self.half_depth_um


def _default_h_interface(g: GeometryConfig, dendrites: tuple[Dendrite, ...]) -> float:
    if not dendrites:
        return min(g.cell_radius_um, g.substrate_thickness_um) / 10.0
    r_min = min(d.min_radius_um for d in dendrites)
    per_r, per_sei = ELEMENTS_PER_RADIUS_2D, ELEMENTS_PER_SEI
    if g.formulation == "3d":
        lo, hi = ELEMENTS_PER_RADIUS_3D
        area = sum(d.area_um2(g.isolated) for d in dendrites) * max(1, g.forest.count)
        # an equilateral triangle of side h has area sqrt(3)/4 h^2
        per_r = min(hi, max(lo, r_min * math.sqrt(0.433 * INTERFACE_TRIANGLES_3D / area)))
        per_sei = ELEMENTS_PER_SEI_3D
    h = r_min / per_r
    if g.sei_thickness_um > 0:
        h = min(h, g.sei_thickness_um / per_sei)
    return h


def _fits(d: Dendrite, g: GeometryConfig) -> bool:
    """True when a (forest) dendrite passes its shape's checks and fits under the top."""
    if d.kind.check(d, g.substrate_thickness_um > 0) is not None:
        return False
    return d.length_um + g.sei_thickness_um < g.electrolyte_height_um


def _max_outer_um(g: GeometryConfig, base: Dendrite) -> float:
    """The largest outer radius (incl. SEI) a dendrite of the forest can have [µm]."""
    f, t = g.forest, g.sei_thickness_um
    if not f.has_ranges:
        return (base.outer_radius_um + t) * (1.0 + f.size_spread)
    _, d_max = f.largest_um(base.length_um, base.diameter_um)
    return _scaled(base, 1.0, d_max / base.diameter_um).outer_radius_um + t


def _gap_um(g: GeometryConfig, h_interface_um: float) -> float:
    """Smallest surface distance between dendrites and to the walls [µm]."""
    given = g.forest.min_gap_um
    return given if given is not None else 2.0 * h_interface_um


def _spacing(g: GeometryConfig, base: Dendrite, gap: float) -> float:
    """The forest's pitch [µm]; GeometryError if neighbours would overlap or touch."""
    f = g.forest
    r_out = _max_outer_um(g, base)
    default = 6.0 * (r_out if f.has_ranges else base.outer_radius_um + g.sei_thickness_um)
    spacing = f.spacing_um if f.spacing_um is not None else default
    if spacing < 2 * r_out + gap:
        raise GeometryError(
            f"geometry.forest.spacing_um = {spacing:g} µm: neighbouring dendrites overlap or "
            f"touch (outer diameter {2 * r_out:.4g} µm incl. SEI and size spread, plus a mesh "
            f"gap {gap:.3g} µm); use a spacing of at least {2 * r_out + gap:.4g} µm"
        )
    return spacing


def _check_density(g: GeometryConfig, r_out: float, gap: float, hx: float, hy: float) -> None:
    """GeometryError when random discs of radius r_out + gap/2 cannot fill the box's share.

    [F] random sequential adsorption of equal discs jams at a covered fraction of 0.547
    (Feder, J. Theor. Biol. 87, 1980); 0.45 of the area left by the wall margins keeps
    placement by rejection fast.
    """
    f = g.forest
    usable = max(0.0, 2 * (hx - r_out - gap)) * max(0.0, 2 * (hy - r_out - gap))
    covered = f.count * math.pi * (r_out + 0.5 * gap) ** 2
    if covered > 0.45 * (usable + 1e-300):
        raise GeometryError(
            f"geometry.forest.count = {f.count}: the forest is too dense for random placement "
            f"(discs of radius {r_out + 0.5 * gap:.4g} µm cover {covered / max(usable, 1e-300):.0%}"
            f" of the usable box, at most 45 %); increase geometry.forest.spacing_um or reduce "
            "the diameters, the gap or the count"
        )


def _draw(g: GeometryConfig, base: Dendrite, rng: random.Random) -> Dendrite:
    """One random dendrite: from the L/D and D ranges, else the relative size spread."""
    f = g.forest
    if not f.has_ranges:
        s_l = 1.0 + f.size_spread * rng.uniform(-1, 1)
        s_d = 1.0 + f.size_spread * rng.uniform(-1, 1)
        return _scaled(base, s_l, s_d)
    d = base.diameter_um
    if f.diameter_min_um is not None:
        d = rng.uniform(f.diameter_min_um, f.diameter_max_um)
    ar = base.length_um / base.diameter_um
    if f.aspect_ratio_min is not None:
        ar = rng.uniform(f.aspect_ratio_min, f.aspect_ratio_max)
    return _scaled(base, ar * d / base.length_um, d / base.diameter_um)


def _scaled(base: Dendrite, s_length: float, s_diameter: float) -> Dendrite:
    """The base dendrite with its length and every given diameter-like size scaled."""
    return replace(
        base,
        length_um=base.length_um * s_length,
        diameter_um=base.diameter_um * s_diameter,
        tip_radius_um=None if base.tip_radius_um is None else base.tip_radius_um * s_diameter,
        head_diameter_um=None
        if base.head_diameter_um is None
        else base.head_diameter_um * s_diameter,
    )


def _random_forest(
    g: GeometryConfig, base: Dendrite, hx: float, hy: float, gap: float, spacing: float
) -> tuple[Dendrite, ...]:
    """Positions and sizes drawn from the seed, rejecting misfits and overlaps."""
    f, t = g.forest, g.sei_thickness_um
    rng = random.Random(f.seed)
    out: list[Dendrite] = []
    for k in range(f.count):
        for _attempt in range(2000):
            d = _draw(g, base, rng)
            if not _fits(d, g):
                continue
            ro = d.outer_radius_um + t
            x = rng.uniform(-hx + ro + gap, hx - ro - gap)
            y = rng.uniform(-hy + ro + gap, hy - ro - gap)
            ok = all(
                math.hypot(x - o.x_um, y - o.y_um) > ro + o.outer_radius_um + t + gap for o in out
            )
            if ok:
                out.append(replace(d, x_um=x, y_um=y))
                break
        else:
            raise GeometryError(
                f"geometry.forest: could not place dendrite {k + 1} of {f.count} without "
                f"overlap (seed {f.seed}); increase geometry.forest.spacing_um = {spacing:g} µm"
                " or reduce geometry.forest.size_spread / count"
            )
    return tuple(out)


def forest_dendrites(
    g: GeometryConfig, h_interface_um: float
) -> tuple[tuple[Dendrite, ...], float, float]:
    """Dendrites of a 3D forest and the box half-widths (x, y) [µm].

    Regular: a near-square grid with pitch ``spacing_um``.  Random: positions and sizes
    (L/D and D uniform in their ranges, else the relative spread ``size_spread``) drawn
    from ``seed``, reproducibly, rejecting overlaps (outer radii incl. SEI plus
    ``min_gap_um``, default two interface elements; the same gap to the mirror walls).
    """
    f, base = g.forest, g.dendrite()
    gap = _gap_um(g, h_interface_um)
    spacing = _spacing(g, base, gap)
    ncols = math.ceil(math.sqrt(f.count))
    nrows = math.ceil(f.count / ncols)
    hx, hy = 0.5 * ncols * spacing, 0.5 * nrows * spacing
    if f.random:
        _check_density(g, _max_outer_um(g, base), gap, hx, hy)
        return _random_forest(g, base, hx, hy, gap, spacing), hx, hy
    out = []
    for k in range(f.count):
        i, j = k % ncols, k // ncols
        out.append(replace(base, x_um=(i + 0.5) * spacing - hx, y_um=(j + 0.5) * spacing - hy))
    return tuple(out), hx, hy


def forest_axes_m(g: GeometryConfig) -> tuple[tuple[float, float, float], ...]:
    """(x, y, outer radius incl. SEI) of each dendrite of a generated forest [m]; else ().

    The per-dendrite observables (docs/forest.md) tell the dendrites apart by these: a
    point belongs to the dendrite k minimising |xy - c_k| - R_k (its distance to the
    dendrite's outer cylinder), exact on every dendrite's surface and inside its Li since
    neighbours are at least the gap apart.
    """
    if g.forest.count <= 1 or g.mesh or g.formulation != "3d" or not g.shape_kind.has_body:
        return ()
    t = g.sei_thickness_um
    return tuple(
        (d.x_um * UM, d.y_um * UM, (d.outer_radius_um + t) * UM) for d in layout(g).dendrites
    )


def layout(g: GeometryConfig) -> Layout:
    """Resolve a validated geometry section into a :class:`Layout`, or raise GeometryError."""
    if g.mesh:
        raise GeometryError(
            f'geometry.mesh = "{g.mesh}": a user mesh is loaded, not generated; nothing to build'
        )
    flat = not g.shape_kind.has_body
    single = () if flat else (g.dendrite(),)
    isolated = g.isolated
    sized = single
    if g.forest.count > 1 and g.forest.diameter_min_um is not None and not flat:
        base = single[0]  # the thinnest dendrite the forest may draw sets the default size
        sized = (_scaled(base, 1.0, g.forest.diameter_min_um / base.diameter_um),)
    h_i = g.mesh_size_interface_um or _default_h_interface(g, sized)
    dendrites, hx, hy, cylinder = single, g.cell_radius_um, 0.0, g.formulation == "3d"
    if g.forest.count > 1 and not flat:
        dendrites, hx, hy = forest_dendrites(g, h_i)
        cylinder = False
    width = hx if g.formulation != "planar" else 2 * hx
    h_b = g.mesh_size_bulk_um or max(
        h_i, min(width, g.electrolyte_height_um + g.substrate_thickness_um) / 4.0
    )
    if h_b < h_i:
        raise GeometryError(
            f"geometry.mesh_size_bulk_um = {h_b:g} µm is finer than the interface size {h_i:g} µm"
        )
    if h_i > 0.5 * min([d.min_radius_um for d in dendrites] + [hx]):
        raise GeometryError(
            f"geometry.mesh_size_interface_um = {h_i:g} µm is too coarse: it must be at most "
            "half the smallest Li radius (and of the cell radius)"
        )
    return Layout(
        formulation=g.formulation,
        dendrites=dendrites,
        sei_thickness_um=g.sei_thickness_um,
        substrate_thickness_um=g.substrate_thickness_um,
        electrolyte_height_um=g.electrolyte_height_um,
        half_width_um=hx,
        half_depth_um=hy,
        cylinder=cylinder,
        isolated=isolated,
        substrate_reacts=g.substrate_reacts,
        h_interface_um=h_i,
        h_bulk_um=h_b,
        mesh_order=g.mesh_order,
        tip_refinement=g.tip_refinement,
    )
