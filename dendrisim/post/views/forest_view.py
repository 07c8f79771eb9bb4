"""A 3D forest before / middle / after: the Li surfaces coloured by how far they receded.

Each panel shows the Li (dendrites and the foil's top) at one output time on the moved
mesh, coloured by the recession depth |displacement| [nm] with one colour range for all
panels, the initial surfaces as a faint wire frame, and each dendrite's number (the
node displacement includes the mesh's tangential sliding, so the foil near each foot is
tinted too); the caption gives the time, the forest's Li retention and the interface temperature.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyvista as pv

from dendrisim.io.result import Result
from dendrisim.post.views.scene import region, section_grid


def _li_surface(result: Result, t: float, warp: bool = True) -> pv.PolyData:
    grid = section_grid(result.fields(t), t, warp=warp)
    surf = region(grid, "lithium").extract_surface(algorithm=None)
    return surf.clip(normal=(0, 0, -1), origin=(0, 0, -1e-3), invert=True)  # z >= 0


def _caption(result: Result, t: float) -> str:
    ret = float(np.interp(t, result["time_s"], result["li_retention"]))
    T = float(np.interp(t, result["time_s"], result["T_interface_mean_K"]))
    return f"t = {t:.3g} s   Li retention {100 * ret:.1f} %   interface T {T:.1f} K"


def forest_panel(
    result: Result | str | Path,
    screenshot: str | Path,
    times: Sequence[float] | None = None,
    tips_um: Sequence[tuple[float, float, float]] = (),
) -> str:
    """Write the before/middle/after panel of a forest run to ``screenshot`` (.png).

    ``times``: default the first, a middle and the last field output; ``tips_um``: the
    dendrites' initial tips (x, y, z) [µm], where their labels (d01, d02, ...) go.
    """
    res = result if isinstance(result, Result) else Result.load(result, warn=False)
    out_times = np.asarray(res.field_times())
    if times is None:
        times = [out_times[0], out_times[len(out_times) // 2], out_times[-1]]
    times = [res.nearest_field_time(t) for t in times]
    surfaces = [_li_surface(res, t) for t in times]
    initial = _li_surface(res, times[0], warp=False)
    top = max(float(np.abs(s.point_data["displacement_nm"]).max()) for s in surfaces)
    clim = (0.0, max(top, 1e-6))
    p = pv.Plotter(off_screen=True, shape=(1, len(times)), window_size=(700 * len(times), 720))
    for i, (t, s) in enumerate(zip(times, surfaces, strict=True)):
        p.subplot(0, i)
        s.point_data["recession (nm)"] = np.linalg.norm(
            s.point_data["displacement_nm"].reshape(len(s.points), -1), axis=1
        )
        bar = {"position_x": 0.3, "position_y": 0.03, "width": 0.4, "title_font_size": 14}
        p.add_mesh(
            s, scalars="recession (nm)", clim=clim, cmap="YlOrRd", smooth_shading=True,
            show_scalar_bar=i == len(times) - 1, scalar_bar_args=bar,
        )  # fmt: skip
        p.add_mesh(initial, style="wireframe", color="black", opacity=0.08)
        if tips_um:
            labels = [f"d{k + 1:02d}" for k in range(len(tips_um))]
            pts = [(x, y, z + 0.04 * (1 + k % 2)) for k, (x, y, z) in enumerate(tips_um)]
            p.add_point_labels(  # drawn over the surfaces: a label behind a needle shows
                pts, labels, font_size=13, point_size=1, shape_opacity=0.3, always_visible=True
            )
        p.add_text(_caption(res, t), font_size=10)
        p.camera_position = "iso"
        p.camera.elevation = 15  # from higher up: no needle hides another's label
        p.camera.zoom(1.05)
    p.link_views()
    out = Path(screenshot)
    out.parent.mkdir(parents=True, exist_ok=True)
    p.screenshot(str(out))
    p.close()
    return f"wrote {out}"
