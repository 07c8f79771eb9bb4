"""``dendrisim view``: the dendrite and its fields at chosen times (PyVista).

:func:`panel` is the Fig. 5c-style before/after picture: one column per time (default the
first and last output), one row per field (concentration c, temperature T); each scene
shows the warped Li (grey) and the field on the section, axisymmetric results revolved
into a 3D cut-away (``mode="3d"``) or as the mirrored 2D section (``mode="section"``).
The initial Li outline is drawn in black in later columns to show the recession.
:func:`interactive` opens a window with a time slider.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyvista as pv

from dendrisim.core.errors import DendrisimError
from dendrisim.io.result import Result
from dendrisim.post.views import scene

FIELDS = {  # name -> (symbol, unit, colour map)
    "c": ("c", "mol/m³", "viridis"),
    "T": ("T", "K", "inferno"),
}
UNIFORM_COLOR = {"c": "#2a788e", "T": "#bc3754"}  # mid colours of the maps, for flat fields
MODES = ("3d", "section")
CUT_START_DEG, CUT_SWEEP_DEG = 0.0, 270.0  # revolved over 270°: a quarter cut open


def _check(fields: Sequence[str], mode: str, result: Result) -> None:
    bad = [f for f in fields if f not in FIELDS]
    if bad:
        raise DendrisimError(f"view field {bad[0]!r}: allowed {', '.join(FIELDS)}")
    if mode not in MODES:
        raise DendrisimError(f"view mode {mode!r}: allowed {', '.join(MODES)}")
    stored = result.fields().names
    missing = [f for f in fields if f not in stored]
    if missing:
        raise DendrisimError(
            f"{result.path}: field {missing[0]!r} was not written "
            f"(stored: {', '.join(stored) or 'none'})"
        )


def pick_times(result: Result, times: Sequence[float] | None) -> list[float]:
    """Stored output times nearest the asked ones (default: first and last)."""
    stored = result.field_times()
    if times is None or len(times) == 0:
        return [float(stored[0]), float(stored[-1])] if stored.size > 1 else [float(stored[0])]
    out: list[float] = []
    for t in times:
        near = result.nearest_field_time(float(t))
        if near not in out:
            out.append(near)
    return out


def _interp(result: Result, col: str, t: float) -> float:
    ts = result.timeseries
    if col not in ts or "time_s" not in ts or not ts["time_s"].size:
        return float("nan")
    return float(np.interp(t, ts["time_s"], ts[col]))


def _caption(result: Result, t: float, initial: bool) -> str:
    ret = _interp(result, "li_retention", t)
    T = _interp(result, "T_interface_mean_K", t)
    parts = [f"{result.name}   t = {t:.3g} s"]
    if result.case is not None:
        g = result.case.geometry
        parts[0] += f"   ({g.shape}, L = {g.length_um:.3g} µm, D = {g.diameter_um:.3g} µm)"
    if np.isfinite(ret):
        parts.append(f"Li retention {100 * ret:.1f} %")
    if np.isfinite(T):
        parts.append(f"interface T {T:.2f} K")
    if initial:
        parts.append("black line: Li surface at t = 0")
    return "\n".join(parts)


def _shown(ds: pv.DataSet, field: str, base: float, factor: float) -> pv.DataSet:
    ds = ds.copy()
    ds.point_data["shown"] = (ds.point_data[field] - base) * factor
    return ds


def _layout(result: Result, mode: str) -> str:
    """How a result is drawn: "revolved", "section" or "clipped".

    revolved: axisymmetric section revolved into a 3D cut-away; section: the 2D section;
    clipped: a 3D result cut in half by the plane y = y_dendrite.
    """
    if result.formulation == "3d":
        return "clipped"
    return "revolved" if mode == "3d" and result.formulation == "axisymmetric" else "section"


def axial_index(result: Result) -> int:
    """Coordinate index of the dendrite axis (y = z in 2D sections, z in 3D)."""
    return 2 if result.formulation == "3d" else 1


def _initial_outline(
    result: Result, first: pv.UnstructuredGrid, window: tuple[float, float]
) -> pv.PolyData:
    """Li surface at t = 0 as lines: its section outline (2D), its cut by the view plane (3D)."""
    grid = scene.crop(first, window, axial_index(result))
    if result.formulation != "3d":
        return scene.outline(grid, "lithium")
    li = scene.region(grid, "lithium").extract_surface(algorithm=None)
    return li.slice(normal=(0, 1, 0), origin=scene.dendrite_center(grid))


def _scene(
    p: pv.Plotter,
    result: Result,
    t: float,
    field: str,
    mode: str,
    window: tuple[float, float],
    clim: tuple[float, float] | None,
    initial: pv.PolyData | None,
    key: str,
) -> None:
    """One subplot: Li, the field on the section, the initial outline (``key``: unique)."""
    layout = _layout(result, mode)
    axisym = result.formulation == "axisymmetric"
    grid = scene.crop(scene.section_grid(result.fields(t), t), window, axial_index(result))
    sym, unit, cmap = FIELDS[field]
    colored = scene.region(grid, "electrolyte") if field == "c" else grid
    vals = np.asarray(clim if clim else colored.point_data[field], float)
    base, factor, title, uniform = scene.display_scale(vals, sym, unit)
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
        style = {
            "scalars": "shown",
            "cmap": cmap,
            "clim": rng,
            "scalar_bar_args": dict(
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
            ),
        }
    li_style = (
        {"color": scene.LITHIUM_COLOR}
        if field == "c" or uniform
        else {"scalars": "shown", "cmap": cmap, "clim": rng, "show_scalar_bar": False}
    )
    lift = 1e-3 * (window[1] - window[0])
    if layout == "clipped":
        center = scene.dendrite_center(grid)
        p.add_mesh(
            _shown(colored, field, base, factor).clip(
                normal=(0, 1, 0), origin=center, invert=False
            ),
            **style,
        )
        li = scene.region(grid, "lithium").extract_surface(algorithm=None)
        p.add_mesh(
            _shown(li, field, base, factor) if field == "T" else li, specular=0.4, **li_style
        )
        if initial is not None:
            p.add_mesh(initial, color=scene.OUTLINE_INITIAL, line_width=2.5)
        p.camera_position = _camera_clipped(window, center)
        p.reset_camera()
        p.camera.zoom(1.05)
    else:
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
                put(_shown(colored, field, base, factor)),
                show_scalar_bar=(k == 0 and not uniform),
                **style,
            )
            if field == "c" and layout == "section":
                p.add_mesh(put(scene.region(grid, "lithium")), color=scene.LITHIUM_COLOR)
            if initial is not None:
                p.add_mesh(put(initial, lift=lift), color=scene.OUTLINE_INITIAL, line_width=2.5)
            p.add_mesh(put(li_edges, lift=2 * lift), color="white", line_width=1.2)
        if layout == "revolved":
            surf = scene.revolve(li_edges, 0.0, 360.0)
            p.add_mesh(
                _shown(surf, "T", base, factor) if field == "T" else surf,
                smooth_shading=True,
                specular=0.5,
                specular_power=20,
                **li_style,
            )
            p.camera_position = _camera_3d(window, float(np.abs(grid.points[:, 0]).max()))
            p.reset_camera()
            p.camera.zoom(1.05)
        else:
            p.view_xy()
            p.camera.zoom(1.2)
            _ruler(p, grid, axisym)
    _shift_scene_left(p, 0.12)
    p.add_text(
        _caption(result, t, initial is not None), position="upper_left", font_size=11, color="black"
    )


def _ruler(p: pv.Plotter, grid: pv.DataSet, axisym: bool) -> None:
    """Length scale under the section [µm]."""
    x, y = grid.points[:, 0], grid.points[:, 1]
    r = float(np.abs(x).max())
    lo = -r if axisym else float(x.min())
    yb = float(y.min()) - 0.04 * float(y.max() - y.min())
    p.add_ruler(
        (lo, yb, 0.0),
        (r, yb, 0.0),
        title="µm",
        number_labels=3,
        font_size_factor=0.8,
        label_size_factor=0.8,
        label_format="%.2g",
        tick_length=4,
    )


def _shift_scene_left(p: pv.Plotter, frac: float) -> None:
    """Move the camera sideways so the scene leaves room for the colour bar on the right."""
    cam = p.camera
    fp, pos, up = (np.asarray(v, float) for v in (cam.focal_point, cam.position, cam.up))
    view = fp - pos
    right = np.cross(view, up)
    norm = np.linalg.norm(right)
    if norm == 0:
        return
    w, h = p.window_size
    shape = getattr(p, "shape", (1, 1))
    aspect = (w / shape[1]) / (h / shape[0])
    height = (
        cam.parallel_scale * 2
        if cam.parallel_projection
        else 2 * np.linalg.norm(view) * np.tan(np.radians(cam.view_angle) / 2)
    )
    shift = frac * height * aspect * right / norm
    cam.focal_point = tuple(fp + shift)
    cam.position = tuple(pos + shift)


def _camera_clipped(window: tuple[float, float], center: np.ndarray):
    zc = 0.5 * (window[0] + window[1])
    d = 3.0 * (window[1] - window[0])
    return [
        (center[0] + 0.35 * d, center[1] - d, zc + 0.35 * d),
        (center[0], center[1], zc),
        (0.0, 0.0, 1.0),
    ]


def _camera_3d(window: tuple[float, float], radius: float):
    zc = 0.5 * (window[0] + window[1])
    h = window[1] - window[0]
    d = 2.4 * max(h, 2 * radius)
    az = np.radians(-45.0)  # look into the open quarter (azimuth 270°..360°)
    pos = (d * np.cos(az) * 0.8, d * np.sin(az) * 0.8, zc + 0.35 * d)
    return [pos, (0.0, 0.0, zc), (0.0, 0.0, 1.0)]


def _theme():
    """Plotter theme with empty meshes allowed (Li fully consumed leaves no outline)."""
    theme = pv.themes.DocumentTheme()
    theme.load_theme(pv.global_theme)
    theme.allow_empty_mesh = True
    return theme


def _as_results(items) -> list[Result]:
    if isinstance(items, Result | str | Path):
        items = [items]
    out = [it if isinstance(it, Result) else Result.load(it) for it in items]
    if not out:
        raise DendrisimError("nothing to view: give a results folder")
    return out


def panel(
    results,
    times: Sequence[float] | None = None,
    fields: Sequence[str] = ("c", "T"),
    mode: str = "3d",
    shared_clim: bool = False,
    window_size: tuple[int, int] | None = None,
    off_screen: bool | None = None,
) -> pv.Plotter:
    """Before/after picture (Fig. 5c style): columns = times, rows = fields.

    ``results``: one result (folder or :class:`Result`) or several: their rows are stacked,
    all views share one camera and one axial window, so shapes compare at the same scale.
    ``shared_clim``: one colour range per row instead of one per picture.
    """
    results = _as_results(results)
    fields = list(fields)
    for r in results:
        _check(fields, mode, r)
    tlists = [pick_times(r, times) for r in results]
    firsts = [scene.section_grid(r.fields(), float(r.fields().times[0])) for r in results]
    boxes = [scene.crop_box(g, axial_index(r)) for g, r in zip(firsts, results, strict=True)]
    window = (min(b[0] for b in boxes), max(b[1] for b in boxes))
    initials = [_initial_outline(r, g, window) for g, r in zip(firsts, results, strict=True)]
    nrow, ncol = len(fields) * len(results), max(len(t) for t in tlists)
    size = window_size or (640 * ncol, 760 * nrow)
    p = pv.Plotter(
        shape=(nrow, ncol),
        window_size=size,
        border=False,
        theme=_theme(),
        off_screen=pv.OFF_SCREEN if off_screen is None else off_screen,
    )
    p.set_background("white")
    row = 0
    for r, tlist, initial in zip(results, tlists, initials, strict=True):
        t0 = float(r.field_times()[0])
        for field in fields:
            clim = None
            if shared_clim:
                vals = [scene.section_grid(r.fields(t), t).point_data[field] for t in tlist]
                clim = (
                    float(min(np.nanmin(v) for v in vals)),
                    float(max(np.nanmax(v) for v in vals)),
                )
            for j, t in enumerate(tlist):
                p.subplot(row, j)
                _scene(
                    p,
                    r,
                    t,
                    field,
                    mode,
                    window,
                    clim,
                    initial if t > t0 else None,
                    key=" " * (row * ncol + j),
                )
            row += 1
    if nrow * ncol > 1:
        p.link_views()
    return p


def interactive(result: Result | str | Path, field: str = "c", mode: str = "3d") -> pv.Plotter:
    """A window with a time slider (snaps to the stored output times)."""
    result = result if isinstance(result, Result) else Result.load(result)
    _check([field], mode, result)
    times = result.field_times()
    first = scene.section_grid(result.fields(), float(times[0]))
    window = scene.crop_box(first, axial_index(result))
    initial = _initial_outline(result, first, window)
    p = pv.Plotter(window_size=(800, 900), theme=_theme())
    p.set_background("white")

    def update(value: float) -> None:
        t = result.nearest_field_time(float(value))
        p.clear_actors()
        _scene(p, result, t, field, mode, window, None, initial if t > times[0] else None, key="")

    update(float(times[0]))
    if times.size > 1:
        p.add_slider_widget(
            update,
            [float(times[0]), float(times[-1])],
            value=float(times[0]),
            title="time [s]",
            fmt="%.3g",
            pointa=(0.1, 0.93),
            pointb=(0.6, 0.93),
            color="black",
        )
    p._dendrisim_update = update  # for tests: drive the slider without a window
    return p


def view(
    folder,
    screenshot: str | Path | None = None,
    times: Sequence[float] | None = None,
    fields: Sequence[str] = ("c", "T"),
    mode: str = "3d",
    shared_clim: bool = False,
) -> str:
    """Screenshot of the before/after panel, or an interactive window with a slider.

    ``folder``: a results folder or Result, or a list of them (stacked rows in the panel;
    the interactive window shows the first). Off-screen (``PYVISTA_OFF_SCREEN=true``, as
    scripts/ set it) without ``screenshot``: the panel goes to <dir>/figures/fields.png.
    """
    results = _as_results(folder)
    result = results[0]
    if screenshot is not None:
        out = Path(screenshot)
        if out.suffix.lower() != ".png":
            raise DendrisimError(f"--screenshot {out}: give a .png file name")
        out.parent.mkdir(parents=True, exist_ok=True)
        p = panel(
            results, times=times, fields=fields, mode=mode, shared_clim=shared_clim, off_screen=True
        )
        p.screenshot(str(out))
        p.close()
        return f"wrote {out}"
    if pv.OFF_SCREEN or os.environ.get("PYVISTA_OFF_SCREEN", "").lower() == "true":
        shot = result.path / "figures" / "fields.png"
        msg = view(
            results, screenshot=shot, times=times, fields=fields, mode=mode, shared_clim=shared_clim
        )
        return (
            f"{msg} (off-screen rendering is on, so no window; unset PYVISTA_OFF_SCREEN "
            "for the interactive view with a time slider)"
        )
    p = interactive(result, field=fields[0], mode=mode)
    p.show()
    return f"viewed {result.path}"
