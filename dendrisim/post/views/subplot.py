"""One scene of a field view: the field on the section, the Li, the outlines, the camera.

:func:`draw` fills the current subplot of a plotter for one result, time and field; the
layout ("revolved", "section" or "clipped") decides how the 2D section or 3D body is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyvista as pv

from dendrisim.io.result import Result
from dendrisim.post.views import scene
from dendrisim.post.views.camera import camera_3d, camera_clipped, ruler, ruler_3d

FIELDS = {  # name -> (symbol, unit, colour map)
    "c": ("c", "mol/m³", "viridis"),
    "T": ("T", "K", "inferno"),
}
UNIFORM_COLOR = {"c": "#2a788e", "T": "#bc3754"}  # mid colours of the maps, for flat fields


@dataclass
class View:
    """What one scene shows: a result's ``field`` at time ``t`` [s] in an axial window [µm]."""

    result: Result
    t: float
    field: str
    layout: str
    window: tuple[float, float]
    clim: tuple[float, float] | None = None
    absolute: bool = False  # with clim: colour the values themselves (no offset), units on bar
    bar: bool = True  # draw this scene's colour bar


@dataclass
class Look:
    """Display scale and mesh styles of one scene (``shown`` = (value - base) * factor)."""

    base: float
    factor: float
    uniform: bool
    style: dict
    li_style: dict

    def shown(self, ds: pv.DataSet, field: str) -> pv.DataSet:
        """A copy of ``ds`` with the display values of ``field`` as point data ``shown``."""
        return shown(ds, field, self.base, self.factor)


def shown(ds: pv.DataSet, field: str, base: float, factor: float) -> pv.DataSet:
    """A copy of ``ds`` with ``(field - base) * factor`` as point data ``shown``."""
    ds = ds.copy()
    ds.point_data["shown"] = (ds.point_data[field] - base) * factor
    return ds


def axial_index(result: Result) -> int:
    """Coordinate index of the dendrite axis (y = z in 2D sections, z in 3D)."""
    return 2 if result.formulation == "3d" else 1


def look(p: pv.Plotter, view: View, values: np.ndarray, key: str) -> Look:
    """Colour range, styles and (for a flat field) the "uniform" label of one scene."""
    field = view.field
    sym, unit, cmap = FIELDS[field]
    vals = np.asarray(view.clim if view.clim else values, float)
    base, factor, title, uniform = scene.display_scale(vals, sym, unit)
    if view.clim is not None and view.absolute and not uniform:
        base, factor, title = 0.0, 1.0, f"{sym} [{unit}]"
    rng = ((float(np.nanmin(vals)) - base) * factor, (float(np.nanmax(vals)) - base) * factor)
    if uniform:
        style: dict = {"color": UNIFORM_COLOR[field]}
        p.add_text(
            f"{sym} = {np.nanmean(vals):.6g} {unit}\n(uniform)",
            position=(0.70, 0.5),
            viewport=True,
            font_size=11,
            color="black",
        )
    else:
        bar = dict(
            title=title + " " * len(key),
            vertical=True,
            position_x=0.82,
            position_y=0.25,
            width=0.08,
            height=0.5,
            n_labels=4,
            fmt=scene.smart_format(np.asarray(rng)),
            title_font_size=14,
            label_font_size=13,
            color="black",
        )
        style = {"scalars": "shown", "cmap": cmap, "clim": rng, "scalar_bar_args": bar}
    li_style = (  # on an absolute shared scale the Li's µK variation is one colour: grey
        {"color": scene.LITHIUM_COLOR}
        if field == "c" or uniform or (view.clim is not None and view.absolute)
        else {"scalars": "shown", "cmap": cmap, "clim": rng, "show_scalar_bar": False}
    )
    return Look(base, factor, uniform, style, li_style)


def draw(p: pv.Plotter, view: View, initial: pv.PolyData | None, key: str) -> None:
    """Fill the current subplot (``key``: unique per subplot, keeps scalar bars apart)."""
    result = view.result
    grid = scene.crop(
        scene.section_grid(result.fields(view.t), view.t), view.window, axial_index(result)
    )
    colored = scene.region(grid, "electrolyte") if view.field == "c" else grid
    lk = look(p, view, colored.point_data[view.field], key)
    if view.layout == "clipped":
        _draw_clipped(p, view, grid, colored, lk, initial)
    else:
        _draw_section(p, view, grid, colored, lk, initial)


def _draw_clipped(p, view: View, grid, colored, lk: Look, initial) -> None:
    """A 3D result cut in half through the dendrite, seen from the front."""
    field = view.field
    center = scene.dendrite_center(grid)
    half = lk.shown(colored, field).clip(normal=(0, 1, 0), origin=center, invert=False)
    p.add_mesh(half, show_scalar_bar=view.bar and not lk.uniform, **lk.style)
    li = scene.region(grid, "lithium").extract_surface(algorithm=None)
    p.add_mesh(lk.shown(li, field) if field == "T" else li, specular=0.4, **lk.li_style)
    if initial is not None:
        p.add_mesh(initial, **scene.INITIAL_STYLE)
    p.camera_position = camera_clipped(view.window, center)
    p.reset_camera()
    p.camera.zoom(1.05)


def _draw_section(p, view: View, grid, colored, lk: Look, initial) -> None:
    """A 2D section (mirrored when axisymmetric), or revolved into a 3D cut-away."""
    field, layout = view.field, view.layout
    axisym = view.result.formulation == "axisymmetric"
    lift = 1e-3 * (view.window[1] - view.window[0])
    li_edges = scene.outline(grid, "lithium")
    planes = [0.0, 270.0] if layout == "revolved" else [None]
    for k, angle in enumerate(planes):

        def put(ds: pv.DataSet, angle=angle, lift: float = 0.0) -> pv.DataSet:
            if angle is None:
                out = scene.mirror(ds) if axisym else ds.copy()
                out.points[:, 2] += lift  # lines in front of the section (camera at +z)
                return out
            return scene.to_3d(ds, angle)

        p.add_mesh(
            put(lk.shown(colored, field)),
            show_scalar_bar=(k == 0 and view.bar and not lk.uniform),
            **lk.style,
        )
        if field == "c" and layout == "section":
            p.add_mesh(put(scene.region(grid, "lithium")), color=scene.LITHIUM_COLOR)
        if initial is not None:
            p.add_mesh(put(initial, lift=lift), **scene.INITIAL_STYLE)
        p.add_mesh(put(li_edges, lift=2 * lift), color="white", line_width=1.2)
    if layout == "revolved":
        surf = scene.revolve(li_edges, 0.0, 360.0)
        p.add_mesh(
            lk.shown(surf, "T") if field == "T" else surf,
            smooth_shading=True,
            specular=0.5,
            specular_power=20,
            **lk.li_style,
        )
        radius = float(np.abs(grid.points[:, 0]).max())
        p.camera_position = camera_3d(view.window, radius)
        p.reset_camera()
        p.camera.zoom(1.05)
        ruler_3d(p, view.window, radius)
    else:
        p.view_xy()
        p.camera.zoom(1.2)
        ruler(p, grid, axisym)
