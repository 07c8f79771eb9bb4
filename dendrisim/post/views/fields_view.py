"""``dendrisim view``: the dendrite and its fields at chosen times (PyVista).

:func:`panel` is the Fig. 5c-style before/after picture: one column per time (default the
first and last output), one row per field (concentration c, temperature T); each scene
shows the warped Li (grey) and the field on the section, axisymmetric results revolved
into a 3D cut-away (``mode="3d"``) or as the mirrored 2D section (``mode="section"``).
The initial Li outline is drawn in black in later columns to show the recession.
:func:`interactive` opens a window with a time slider.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyvista as pv

from dendrisim.core.errors import DendrisimError
from dendrisim.io.result import Result
from dendrisim.post.views import scene, subplot, zoom
from dendrisim.post.views.camera import shift_scene_left as _shift_scene_left
from dendrisim.post.views.subplot import FIELDS, axial_index

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


def _layout(result: Result, mode: str) -> str:
    """How a result is drawn: "revolved", "section" or "clipped".

    revolved: axisymmetric section revolved into a 3D cut-away; section: the 2D section;
    clipped: a 3D result cut in half by the plane y = y_dendrite.
    """
    if result.formulation == "3d":
        return "clipped"
    return "revolved" if mode == "3d" and result.formulation == "axisymmetric" else "section"


def _initial_outline(
    result: Result, first: pv.UnstructuredGrid, window: tuple[float, float]
) -> pv.PolyData:
    """Li surface at t = 0 as lines: its section outline (2D), its cut by the view plane (3D)."""
    grid = scene.crop(first, window, axial_index(result))
    if result.formulation != "3d":
        return scene.outline(grid, "lithium")
    li = scene.region(grid, "lithium").extract_surface(algorithm=None)
    return li.slice(normal=(0, 1, 0), origin=scene.dendrite_center(grid))


def _scene(p, view: subplot.View, initial, key: str):
    """One subplot: the field view, shifted left for the colour bar, with its caption."""
    subplot.draw(p, view, initial, key)
    _shift_scene_left(p, 0.12)
    p.add_text(
        _caption(view.result, view.t, initial is not None),
        position="upper_left",
        font_size=11,
        color="black",
    )


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
    shared_clim: bool = True,
    window_size: tuple[int, int] | None = None,
    off_screen: bool | None = None,
    zoom: bool = True,
) -> pv.Plotter:
    """Before/after picture (Fig. 5c style): columns = times (+ a zoom), rows = fields.

    ``results``: one result (folder or :class:`Result`) or several: their rows are stacked,
    all views share one camera and one axial window, so shapes compare at the same scale.
    ``shared_clim`` (default): one absolute colour range per field over every folder and
    time, units on the bar (in the last time column), so cases compare by colour; False:
    each picture its own range (tiny variations as offsets, e.g. "c − 6954.43 mol/m³").
    ``zoom``: a last column framing the dendrite tip at the last time, with the t = 0 Li
    surface and a scale bar (2D and axisymmetric results).
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
    zoom = zoom and all(r.formulation != "3d" for r in results)
    ntimes = max(len(t) for t in tlists)
    nrow, ncol = len(fields) * len(results), ntimes + int(zoom)
    p = pv.Plotter(
        shape=(nrow, ncol),
        window_size=window_size or (640 * ncol, 760 * nrow),
        border=False,
        theme=_theme(),
        off_screen=pv.OFF_SCREEN if off_screen is None else off_screen,
    )
    p.set_background("white")
    clims = {f: _global_clim(results, tlists, f) for f in fields} if shared_clim else {}
    row = 0
    for r, tlist, initial in zip(results, tlists, initials, strict=True):
        t0 = float(r.field_times()[0])
        for field in fields:
            for j, t in enumerate(tlist):
                p.subplot(row, j)
                view = subplot.View(
                    r, t, field, _layout(r, mode), window, clims.get(field), shared_clim,
                    bar=not shared_clim or j == len(tlist) - 1,
                )  # fmt: skip
                _scene(p, view, initial if t > t0 else None, key=" " * (row * ncol + j))
            if zoom:
                p.subplot(row, ntimes)
                view = subplot.View(r, tlist[-1], field, "section", window, clims.get(field),
                                    shared_clim, bar=False)  # fmt: skip
                _zoom_scene(p, view, initial, key=" " * (row * ncol + ntimes))
            row += 1
    p.link_views(_linked(nrow, ncol, ntimes))
    return p


def _linked(nrow: int, ncol: int, ntimes: int) -> list[int]:
    """Subplot indices that share one camera: every time column (not the zooms)."""
    return [i * ncol + j for i in range(nrow) for j in range(ntimes)]


def _zoom_scene(p, view: subplot.View, initial, key: str) -> None:
    zoom.draw_zoom(p, view, initial, key)
    text = p.add_text(zoom.caption(view.result, view.t), position="upper_left", font_size=11,
                      color="black")  # fmt: skip
    text.prop.background_color = "white"  # readable over any colour of the map
    text.prop.background_opacity = 0.85


def _global_clim(results: Sequence[Result], tlists, field: str) -> tuple[float, float]:
    """One colour range [field unit] over every result and time shown."""
    lo, hi = math.inf, -math.inf
    for r, times in zip(results, tlists, strict=True):
        for t in times:
            v = scene.section_grid(r.fields(t), t).point_data[field]
            lo, hi = min(lo, float(np.nanmin(v))), max(hi, float(np.nanmax(v)))
    return lo, hi


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
        view = subplot.View(result, t, field, _layout(result, mode), window)
        _scene(p, view, initial if t > times[0] else None, key="")

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
    shared_clim: bool = True,
    zoom: bool = True,
) -> str:
    """Screenshot of the before/after panel, or an interactive window with a slider.

    ``folder``: a results folder or Result, or a list of them (stacked rows in the panel;
    the interactive window shows the first). Off-screen (``PYVISTA_OFF_SCREEN=true``, as
    scripts/ set it) without ``screenshot``: the panel goes to <dir>/figures/fields.png.
    ``shared_clim``, ``zoom``: see :func:`panel`.
    """
    opts = {"times": times, "fields": fields, "mode": mode, "shared_clim": shared_clim}
    results = _as_results(folder)
    result = results[0]
    if screenshot is not None:
        out = Path(screenshot)
        if out.suffix.lower() != ".png":
            raise DendrisimError(f"--screenshot {out}: give a .png file name")
        out.parent.mkdir(parents=True, exist_ok=True)
        p = panel(results, off_screen=True, zoom=zoom, **opts)
        p.screenshot(str(out))
        p.close()
        return f"wrote {out}"
    if pv.OFF_SCREEN or os.environ.get("PYVISTA_OFF_SCREEN", "").lower() == "true":
        shot = result.path / "figures" / "fields.png"
        msg = view(results, screenshot=shot, zoom=zoom, **opts)
        return (
            f"{msg} (off-screen rendering is on, so no window; unset PYVISTA_OFF_SCREEN "
            "for the interactive view with a time slider)"
        )
    p = interactive(result, field=fields[0], mode=mode)
    p.show()
    return f"viewed {result.path}"
