"""``dendrisim plot``: the Fig. 5d figure and summary tables of one or more results folders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dendrisim.core.errors import DendrisimError, NotBuiltYetError
from dendrisim.io.result import Result
from dendrisim.post.plots import contributions, fig5, tables
from dendrisim.post.plots.style import check_formats, save

FIGURE_STEM = "fig5d"  # <out>/fig5d.png, .svg; tables <out>/summary.csv, summary.md


@dataclass
class PlotReport:
    """What ``plot`` made: files, the summary rows, the figure (for further drawing)."""

    files: list[Path] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    figure: Figure | None = None
    markdown: str = ""

    def __str__(self) -> str:
        lines = [f"wrote {p}" for p in self.files]
        return "\n".join(lines + ([""] if lines else []) + [self.markdown.rstrip()])


def is_sweep_folder(folder: str | Path) -> bool:
    """A sweep's output folder (summary.csv of many cases, no time series of its own)."""
    folder = Path(folder)
    return (folder / "summary.csv").is_file() and not (folder / "timeseries.csv").is_file()


def plot_sweep_folder(folder: str | Path, out: str | Path | None = None) -> Any:
    """Hook for sweep trend plots (issue #7): delegates to ``plotting.trends.plot_sweep``."""
    try:
        from dendrisim.post.plots.trends import plot_sweep
    except ImportError as exc:
        raise NotBuiltYetError(
            f"{folder} is a sweep folder; its trend plots (issue #7) are not built yet"
        ) from exc
    paths = plot_sweep(folder, out)
    if (Path(folder) / "regime.csv").is_file():  # a regime-map sweep (dendrisim regime)
        from dendrisim.post.plots.regime import plot_regime

        paths += plot_regime(folder, out)
    return paths


def load_results(items: Sequence[str | Path | Result]) -> list[Result]:
    """Results from folders (or Result objects as they are); at least one."""
    if not items:
        raise DendrisimError("nothing to plot: give at least one results folder")
    out = []
    for it in items:
        r = it if isinstance(it, Result) else Result.load(it)
        if "time_s" not in r.timeseries or not r.timeseries["time_s"].size:
            raise DendrisimError(
                f"{r.path}: no time series yet (timeseries.csv missing or "
                "empty); has the run started?"
            )
        out.append(r)
    return out


def default_out(results: Sequence[Result]) -> Path:
    """One result: <dir>/figures; several: <parent of the first>/compare."""
    if len(results) == 1:
        return results[0].path / "figures"
    return results[0].path.parent / "compare"


def plot_results(
    items: Sequence[str | Path | Result],
    out: str | Path | None = None,
    ax: Axes | Sequence[Axes] | None = None,
    formats: Sequence[str] = ("png", "svg"),
    adiabatic_bound: bool = True,
    title: str | None = None,
    labels: Sequence[str] | None = None,
) -> PlotReport:
    """Fig. 5d figure + summary tables.

    ``out``: a folder (gets fig5d.<fmt>, summary.csv, summary.md) or a figure file
    (its suffix is the format; tables beside it as <stem>_summary.csv/.md). Default:
    :func:`default_out`, except with ``ax`` (drawing into user axes writes nothing unless
    ``out`` is given). ``labels``: legend label per folder (default: the case names).
    """
    results = load_results(items)
    fig = fig5.fig5d(results, ax=ax, title=title, adiabatic_bound=adiabatic_bound, labels=labels)
    rows = tables.summary_rows(results)
    note = tables.thresholds_note(results)
    report = PlotReport(rows=rows, figure=fig, markdown=tables.markdown(rows, note))
    split = contributions.fig5_split(rows)  # the three Fig. 5 cases: shape and SEI parts
    if split is not None:
        report.markdown += "\n" + contributions.split_markdown(split)
    if ax is not None and out is None:
        return report
    out = Path(out) if out is not None else default_out(results)
    if out.suffix:
        stem, fmts = out.with_suffix(""), check_formats([out.suffix])
        table_stem = out.parent / f"{out.stem}_summary"
    else:
        stem, fmts = out / FIGURE_STEM, check_formats(formats)
        table_stem = out / "summary"
    report.files += save(fig, stem, fmts)
    report.files.append(tables.write_csv(rows, table_stem.with_suffix(".csv")))
    report.files.append(tables.write_markdown(rows, table_stem.with_suffix(".md"), note))
    if split is not None:
        stem_split = table_stem.parent / table_stem.name.replace("summary", "contributions")
        report.files += contributions.write_split(split, stem_split)
    return report
