"""Cameras, scale bar and framing of field views (PyVista)."""

from __future__ import annotations

import math

import numpy as np
import pyvista as pv


def ruler(p: pv.Plotter, grid: pv.DataSet, axisym: bool) -> None:
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


def nice_length(span: float, fraction: float = 0.25) -> float:
    """A round scale-bar length (1, 2 or 5 x 10^k) of at most ``fraction`` of ``span``."""
    target = fraction * span
    k = math.floor(math.log10(target))
    return max(m * 10.0**k for m in (1, 2, 5) if m * 10.0**k <= target)


def ruler_3d(p: pv.Plotter, window: tuple[float, float], radius: float) -> None:
    """Scale bar [µm] of a round length up the outer edge of a revolved cut-away."""
    length = nice_length(window[1] - window[0], 0.85)
    p.add_ruler(
        (1.04 * radius, 0.0, window[0]),
        (1.04 * radius, 0.0, window[0] + length),
        title="µm",
        number_labels=3,
        font_size_factor=0.8,
        label_size_factor=0.8,
        label_format="%g",
        tick_length=4,
    )


def shift_scene_left(p: pv.Plotter, frac: float) -> None:
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


def camera_clipped(window: tuple[float, float], center: np.ndarray):
    """Camera (position, focal point, up) in front of a clipped 3D dendrite [µm]."""
    zc = 0.5 * (window[0] + window[1])
    d = 3.0 * (window[1] - window[0])
    return [
        (center[0] + 0.35 * d, center[1] - d, zc + 0.35 * d),
        (center[0], center[1], zc),
        (0.0, 0.0, 1.0),
    ]


def camera_3d(window: tuple[float, float], radius: float):
    """Camera looking into the open quarter of a revolved cut-away [µm]."""
    zc = 0.5 * (window[0] + window[1])
    h = window[1] - window[0]
    d = 2.4 * max(h, 2 * radius)
    az = np.radians(-45.0)  # look into the open quarter (azimuth 270°..360°)
    pos = (d * np.cos(az) * 0.8, d * np.sin(az) * 0.8, zc + 0.35 * d)
    return [pos, (0.0, 0.0, zc), (0.0, 0.0, 1.0)]
