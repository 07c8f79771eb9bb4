"""The zoom column of the Fig. 5c panel: the dendrite tip, where the recession shows.

The whole cell is micrometres tall while the Li surface recedes by nanometres, so the
before/after columns cannot show the change; this scene frames the tip of the (mirrored)
section at the last time, with the t = 0 Li surface in black over the current Li (grey)
and a scale bar of a round length.
"""

from __future__ import annotations

import numpy as np
import pyvista as pv

from dendrisim.post.views import scene
from dendrisim.post.views.camera import nice_length
from dendrisim.post.views.subplot import View, look

SCALE_BAR_COLOR = "black"


def tip_frame(initial: pv.PolyData) -> tuple[float, float]:
    """(tip height, dendrite radius) [µm] from the t = 0 Li outline (section, x = r)."""
    pts = initial.points
    if not len(pts):
        return 0.0, 1.0
    tip = float(pts[:, 1].max())
    above = pts[pts[:, 1] > 0.1 * tip] if tip > 0 else pts
    radius = float(np.abs(above[:, 0]).max()) if len(above) else float(np.abs(pts[:, 0]).max())
    return tip, max(radius, 1e-6)


def scale_bar(
    p: pv.Plotter, x0: float, y0: float, length_um: float, lift: float, height: float
) -> None:
    """A black bar of ``length_um`` from (x0, y0), its length written above, on a white box.

    The box (``height`` [µm] tall) keeps bar and label readable over any colour of the map.
    """
    text = f"{length_um * 1e3:.0f} nm" if length_um < 1 else f"{length_um:g} µm"
    box = pv.Plane(
        center=(x0 + 0.5 * length_um, y0 + 0.3 * height, lift),
        direction=(0, 0, 1),
        i_size=length_um + 0.5 * height,
        j_size=height,
    )
    p.add_mesh(box, color="white", opacity=0.85, lighting=False)
    bar = pv.Line((x0, y0, 2 * lift), (x0 + length_um, y0, 2 * lift))
    p.add_mesh(bar, color=SCALE_BAR_COLOR, line_width=6)
    p.add_point_labels(
        [(x0 + 0.5 * length_um, y0 + 0.15 * height, 3 * lift)],
        [text],
        show_points=False,
        shape=None,
        font_size=20,
        text_color=SCALE_BAR_COLOR,
        justification_horizontal="center",
        always_visible=True,
    )


def draw_zoom(p: pv.Plotter, view: View, initial: pv.PolyData, key: str) -> None:
    """Fill the current subplot with the tip of the section at ``view.t``."""
    result = view.result
    grid = scene.section_grid(result.fields(view.t), view.t)
    colored = scene.region(grid, "electrolyte") if view.field == "c" else grid
    lk = look(p, view, colored.point_data[view.field], key)
    tip, radius = tip_frame(initial)
    half_h = 3.0 * radius
    lift = 1e-3 * half_h
    axisym = result.formulation == "axisymmetric"

    def put(ds: pv.DataSet, z: float = 0.0) -> pv.DataSet:
        out = scene.mirror(ds) if axisym else ds.copy()
        out.points[:, 2] += z
        return out

    p.add_mesh(put(lk.shown(colored, view.field)), show_scalar_bar=False, **lk.style)
    if view.field == "c":
        p.add_mesh(put(scene.region(grid, "lithium")), color=scene.LITHIUM_COLOR)
    p.add_mesh(put(scene.outline(grid, "lithium"), 2 * lift), color="white", line_width=1.5)
    p.add_mesh(put(initial, 3 * lift), **{**scene.INITIAL_STYLE, "line_width": 3.0})
    p.view_xy()
    p.enable_parallel_projection()
    center = (0.0, tip - 0.4 * half_h, 0.0)
    p.camera.focal_point = center
    p.camera.position = (center[0], center[1], 10.0 * half_h)
    p.camera.parallel_scale = half_h
    w, h = p.window_size
    aspect = (w / p.shape[1]) / (h / p.shape[0])
    half_w = half_h * aspect
    length = nice_length(2 * half_w)
    scale_bar(p, -0.85 * half_w, center[1] - 0.85 * half_h, length, 4 * lift, 0.18 * half_h)


def caption(result, t: float) -> str:
    """Text of the zoom scene."""
    return (
        f"{result.name}   t = {t:.3g} s, zoom on the tip\nblack: Li surface at t = 0; grey: Li now"
    )
