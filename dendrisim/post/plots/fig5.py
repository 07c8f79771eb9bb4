"""Fig. 5d-style curves: Li retention [%] and interface temperature [K] against time.

Every function takes :class:`dendrisim.io.result.Result` objects and draws into given axes, so
a notebook can compose its own figure::

    fig, (a, b) = plt.subplots(2, 1, sharex=True)
    plot_retention(results, a); plot_interface_temperature(results, b)

:func:`fig5d` makes the whole figure (two panels, or twin axes in one user axes).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from dendrisim.core.errors import DendrisimError
from dendrisim.core.units import KELVIN_OFFSET
from dendrisim.io.result import Result
from dendrisim.post.plots.style import RC, case_colors, unique_labels
from dendrisim.solver.events import stop_labels

STOP_TEXT = {**stop_labels(), "error": "error"}  # the events' own labels


def _series(r: Result, col: str) -> tuple[np.ndarray, np.ndarray]:
    if "time_s" not in r.timeseries or col not in r.timeseries:
        raise DendrisimError(
            f"{r.path}: timeseries.csv has no column {col!r} (columns: "
            f"{', '.join(r.timeseries) or 'none'})"
        )
    return r.timeseries["time_s"], r.timeseries[col]


def _styles(
    results: Sequence[Result],
    colors: dict[str, str] | None,
    labels: Sequence[str] | None = None,
) -> list[tuple[str, str]]:
    """(legend label, colour) per result: ``labels`` if given (one per result), else names."""
    names = [r.name for r in results]
    cmap = colors or case_colors(names)
    return list(
        zip(
            check_labels(labels, len(results)) or unique_labels(names),
            [cmap[n] for n in names],
            strict=True,
        )
    )


def check_labels(labels: Sequence[str] | None, n: int) -> list[str] | None:
    """Legend labels, one per result (None: the case names); a wrong count is refused."""
    if labels is None:
        return None
    labels = [labels] if isinstance(labels, str) else [str(x) for x in labels]
    if len(labels) != n:
        raise DendrisimError(
            f"labels: {len(labels)} given ({', '.join(map(repr, labels))}) for {n} results "
            "folders; give one label per folder, in the same order"
        )
    return labels


# The lumped adiabatic bound coincides with the simulated interface temperature within
# the line width in a micrometre cell (docs/fig5.md), so a line would hide under the
# curve: it is drawn as open circles on top, in the case colour, where it can be seen.
BOUND_STYLE = {"ls": "none", "marker": "o", "ms": 5, "mfc": "white", "mew": 1.1, "markevery": 0.08}
BOUND_LABEL = "lumped adiabatic bound T0 + ΔT_ad"
# between a fast and a slow curve's jump, clear of the bound markers on top (Fig. 5d)
TEMPERATURE_LEGEND = {
    "loc": "center",
    "bbox_to_anchor": (0.46, 0.5),
    "fontsize": "small",
    "frameon": False,
}


def _mark_stop(ax: Axes, r: Result, t: np.ndarray, y: np.ndarray, color: str, above: bool) -> None:
    """Cross and short label at the end of a run that stopped before its end time."""
    reason = r.stop_reason
    if reason in STOP_TEXT and t.size:
        ax.plot(
            t[-1], y[-1], marker="X", ms=7, color=color, mec="white", mew=0.8, zorder=5, ls="none"
        )
        ax.annotate(
            STOP_TEXT[reason],
            (t[-1], y[-1]),
            xytext=(6, 4 if above else -4),
            textcoords="offset points",
            fontsize=8,
            color=color,
            va="bottom" if above else "top",
        )


def _time_axis(ax: Axes, results: Sequence[Result]) -> None:
    ends = [r.case.time.end_s for r in results if r.case is not None]
    ends += [
        float(r.timeseries["time_s"][-1])
        for r in results
        if r.timeseries.get("time_s") is not None and r.timeseries["time_s"].size
    ]
    if ends:
        ax.set_xlim(0.0, max(ends))
    ax.set_xlabel("time [s]")


def plot_retention(
    results: Sequence[Result],
    ax: Axes,
    colors: dict[str, str] | None = None,
    linestyle: str = "-",
    legend: bool = True,
    labels: Sequence[str] | None = None,
) -> list[Line2D]:
    """Li retention V_Li(t)/V_Li(0) [%] of each result on ``ax``; returns the lines.

    ``labels``: legend label per result (default: the case names).
    """
    lines = []
    for r, (label, color) in zip(results, _styles(results, colors, labels), strict=True):
        t, ret = _series(r, "li_retention")
        (ln,) = ax.plot(t, 100.0 * ret, color=color, ls=linestyle, label=label)
        _mark_stop(ax, r, t, 100.0 * ret, color, above=True)
        lines.append(ln)
    ax.set_ylabel("Li retention [%]")
    _pad_limits(ax, [100.0 * r.timeseries["li_retention"] for r in results], top=100.0)
    _time_axis(ax, results)
    _grid(ax)
    if legend:
        ax.legend(loc="lower left", frameon=False)
    return lines


def plot_interface_temperature(
    results: Sequence[Result],
    ax: Axes,
    colors: dict[str, str] | None = None,
    linestyle: str = "-",
    celsius_axis: bool = True,
    adiabatic_bound: bool = True,
    legend: bool = True,
    case_legend: bool = True,
    labels: Sequence[str] | None = None,
) -> list[Line2D]:
    """Mean interface temperature [K] of each result on ``ax`` (°C on a right axis).

    ``adiabatic_bound``: also the lumped bound T0 + ΔT_ad (open circles on the curve, see
    ``BOUND_STYLE``) when the time series has ``dT_adiabatic_bound_K`` (docs/fig5.md).
    ``case_legend`` False: the legend explains the markers only (when the cases are named
    in another panel). ``labels``: legend label per result (default: the case names).
    """
    lines, bound_drawn, bounds = [], False, []
    for r, (label, color) in zip(results, _styles(results, colors, labels), strict=True):
        t, T = _series(r, "T_interface_mean_K")
        (ln,) = ax.plot(t, T, color=color, ls=linestyle, label=label)
        lines.append(ln)
        _mark_stop(ax, r, t, T, color, above=False)
        if adiabatic_bound and "dT_adiabatic_bound_K" in r.timeseries and T.size:
            bounds.append(T[0] + r.timeseries["dT_adiabatic_bound_K"])
            ax.plot(
                t,
                bounds[-1],
                color=color,
                mec=color,
                zorder=4,
                label=f"_bound {label}",
                **BOUND_STYLE,
            )
            bound_drawn = True
    ax.set_ylabel("interface temperature [K]")
    # the bound markers inside the axes too (above the curve when Li melting absorbs heat)
    _pad_limits(ax, [r.timeseries["T_interface_mean_K"] for r in results] + bounds)
    _time_axis(ax, results)
    _grid(ax)
    if celsius_axis:
        sec = ax.secondary_yaxis(
            "right", functions=(lambda k: k - KELVIN_OFFSET, lambda c: c + KELVIN_OFFSET)
        )
        sec.set_ylabel("interface temperature [°C]")
    if legend:
        handles = list(lines) if case_legend else []
        if bound_drawn:
            proxy = {k: v for k, v in BOUND_STYLE.items() if k != "markevery"}
            handles.append(Line2D([], [], color="0.35", mec="0.35", label=BOUND_LABEL, **proxy))
        if handles:
            ax.legend(handles=handles, **TEMPERATURE_LEGEND)
    return lines


def fig5d(
    results: Sequence[Result],
    ax: Axes | Sequence[Axes] | None = None,
    title: str | None = None,
    adiabatic_bound: bool = True,
    labels: Sequence[str] | None = None,
) -> Figure:
    """The Fig. 5d-style figure of one or more results.

    ``ax`` None: a new two-panel figure (retention over temperature, shared time axis);
    two axes: the same panels in them; one axes: retention (solid, left) and temperature
    (dashed, right twin axis, no adiabatic bound) overlaid in it. ``labels``: legend
    label per result (default: the case names). Returns the figure.
    """
    if not results:
        raise DendrisimError("nothing to plot: give at least one results folder")
    with mpl.rc_context(RC):
        if ax is None:
            fig = Figure(figsize=(6.4, 6.2), layout="constrained")
            a, b = fig.subplots(2, 1, sharex=True)
            _panels(results, a, b, adiabatic_bound, labels)
            a.set_xlabel("")
        elif isinstance(ax, Axes):
            fig = ax.figure
            _twin(results, ax, labels)
        else:
            a, b = ax
            fig = a.figure
            _panels(results, a, b, adiabatic_bound, labels)
        if title:
            fig.suptitle(title)
    return fig


def _panels(results: Sequence[Result], a: Axes, b: Axes, adiabatic_bound: bool, labels) -> None:
    plot_retention(results, a, labels=labels)
    a.spines["right"].set_visible(False)
    plot_interface_temperature(
        results, b, adiabatic_bound=adiabatic_bound, case_legend=False, labels=labels
    )
    for axis, tag in ((a, "a"), (b, "b")):
        axis.text(
            0.99,
            0.96,
            f"({tag})",
            transform=axis.transAxes,
            ha="right",
            va="top",
            fontweight="bold",
        )


def _twin(results: Sequence[Result], ax: Axes, labels) -> None:
    plot_retention(results, ax, legend=False, labels=labels)
    right = ax.twinx()
    plot_interface_temperature(
        results, right, linestyle="--", celsius_axis=False, adiabatic_bound=False, legend=False
    )
    right.grid(False)
    handles = [Line2D([], [], color=c, label=lab) for lab, c in _styles(results, None, labels)]
    handles += [
        Line2D([], [], color="0.3", ls="-", label="Li retention (left)"),
        Line2D([], [], color="0.3", ls="--", label="interface T (right)"),
    ]
    ax.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False
    )


def _grid(ax: Axes) -> None:
    ax.grid(True, color="0.9", lw=0.6)
    ax.set_axisbelow(True)
    for side in ("top",):
        ax.spines[side].set_visible(False)


def _pad_limits(ax: Axes, series: list[np.ndarray], top: float | None = None) -> None:
    """Y limits with 6 % margins; a flat line still shows a readable range."""
    vals = np.concatenate([np.asarray(s, float)[np.isfinite(s)] for s in series] or [[]])
    if not vals.size:
        return
    lo, hi = float(vals.min()), float(vals.max())
    if top is not None:
        hi = max(hi, top)
    span = hi - lo
    if span <= 1e-9 * max(abs(hi), 1.0):
        span = max(abs(hi) * 1e-3, 1e-6)
        lo, hi = lo - span / 2, hi + span / 2
    ax.set_ylim(lo - 0.06 * span, hi + 0.06 * span)
