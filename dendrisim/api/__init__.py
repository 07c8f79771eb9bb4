"""The Python API; the CLI is a thin layer over these functions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dendrisim.api.reports import SweepPlots
from dendrisim.config import Case, builtin_case_names, builtin_case_text, load_case
from dendrisim.io.result import Result

if TYPE_CHECKING:
    from dendrisim.api.regime_map import RegimeReport
    from dendrisim.geometry.report import MeshReport
    from dendrisim.post.kissinger import KissingerFit
    from dendrisim.post.plots.compare import PlotReport
    from dendrisim.sweep.driver import SweepReport

__all__ = [
    "builtin_case_names",
    "builtin_case_text",
    "kissinger",
    "load_case",
    "mesh",
    "plot",
    "resume",
    "run",
    "SweepPlots",
    "sweep",
    "validate",
    "view",
]


def mesh(
    case: Case | str | Path, out: str | Path | None = None, preview: str | Path | None = None
) -> MeshReport:
    """Generate the case's geometry and mesh (gmsh); returns a ``MeshReport``.

    ``out`` defaults to ``meshes/<name>.msh``; the JSON report goes beside it and the
    preview picture (regions in colour) to ``preview`` (default: ``<out>.png``).
    """
    from dendrisim.core import parallel
    from dendrisim.geometry.generator import generate, previewed_mesh

    c = load_case(case)
    out_path = Path(out) if out is not None else Path("meshes") / f"{c.name}.msh"
    png = Path(preview) if preview is not None else out_path.with_suffix(".png")
    rep = generate(c, out_msh=out_path)
    shown, formulation = previewed_mesh(c, out_path), c.geometry.formulation
    unit = c.geometry.mesh_unit if c.geometry.mesh else "um"

    def draw() -> None:  # pyvista runs on rank 0 only, after gmsh is done
        from dendrisim.api.offscreen import quiet_vtk_display_warning
        from dendrisim.post.views.mesh_preview import render_mesh_preview

        quiet_vtk_display_warning()  # a file is rendered: the no-display warning is noise

        render_mesh_preview(shown, png, formulation=formulation, unit=unit)

    parallel.on_root(draw)
    return rep


def run(
    case: Case | str | Path, out: str | Path | None = None, force: bool = False, quiet: bool = False
) -> Result:
    """Run one simulation -> results folder; returns its :class:`~dendrisim.io.result.Result`.

    ``case`` is a Case, a case file or a built-in case name.  A run that ends without a
    valid stop (end time, runaway, Li exhausted) raises SimulationError after writing its
    manifest.
    """
    from dendrisim.api.run_case import run_case

    folder = run_case(load_case(case), out=out, force=force, quiet=quiet)
    return Result.load(folder)


def resume(
    folder: str | Path, case: Case | str | Path | None = None, quiet: bool = False
) -> Result:
    """Continue the interrupted run in ``folder`` from its last checkpoint -> its Result.

    ``case`` (optional) must be the folder's case; a folder without a checkpoint, a
    finished run or another case is refused (ResumeError, one line).  The time series is
    cut back to the checkpoint's last row and continued; the result equals an
    uninterrupted run's (docs/restart.md).
    """
    from dendrisim.api.run_case import resume_case

    folder = resume_case(folder, load_case(case) if case is not None else None, quiet=quiet)
    return Result.load(folder)


def kissinger(
    case: Case | str | Path,
    rates_K_min: list[float],
    out: str | Path | None = None,
    force: bool = False,
    quiet: bool = True,
) -> KissingerFit:
    """Simulated DSC at several heating rates -> Kissinger plot -> activation energy.

    ``case`` must have ``thermal.program = "ramp"``; each rate runs it over the same
    temperature span (end time, largest step and field interval scaled by the case's rate
    over the new one) into ``out/<name>-<rate>Kmin`` (default ``results/<name>-kissinger``).
    The peaks are the summaries' located ``dsc_peak_K``; the fit and the plot
    (``kissinger.png``) go to ``out``.  Returns the :class:`~dendrisim.post.kissinger.
    KissingerFit` (``.activation_energy_J_mol``).
    """
    from dendrisim.core import parallel
    from dendrisim.core.errors import CaseError
    from dendrisim.post.kissinger import kissinger_fit

    c = load_case(case)
    if c.thermal.program != "ramp":
        raise CaseError(
            f'kissinger: {c.name}: thermal.program = "{c.thermal.program}"; it needs "ramp"'
        )
    folder = Path(out) if out is not None else Path("results") / f"{c.name}-kissinger"
    peaks = []
    for rate in rates_K_min:
        f = c.thermal.ramp_K_min / rate  # same temperature span at the new rate
        scan = c.with_overrides(
            {
                "name": f"{c.name}-{rate:g}Kmin",
                "thermal.ramp_K_min": rate,
                "time.end_s": c.time.end_s * f,
                "time.dt_max_s": max(c.time.dt_max_s * f, c.time.dt_initial_s),
                "output.fields_every_s": c.output.fields_every_s * f,
            }
        )
        res = run(scan, out=folder / scan.name, force=force, quiet=quiet)
        peaks.append(res.summary()["dsc_peak_K"])
    fit = kissinger_fit(rates_K_min, peaks)

    def draw() -> None:
        from dendrisim.post.plots.kissinger import plot_kissinger

        plot_kissinger(fit, folder / "kissinger", ("png", "svg"))

    parallel.on_root(draw)
    return fit


def validate(
    out: str | Path = "results/validation",
    docs: str | Path = "docs",
    force: bool = False,
    quiet: bool = True,
    quick: bool = False,
):
    """The paper's DSC and ARC numbers against the model -> ``docs/validation.md``.

    Runs dsc-routine, dsc-stable, arc-routine and arc-stable into ``out/<case>`` and writes
    the table and figures (:mod:`dendrisim.api.validate`); ``quick``: minutes of programme
    time only (a test of the plumbing, not a validation).  Returns a ``ValidationReport``.
    """
    from dendrisim.api.validate import validate as _validate

    return _validate(out=out, docs=docs, force=force, quiet=quiet, quick=quick)


def sweep(sweep_file: str | Path, **kwargs: Any) -> SweepReport:
    """Run (or resume) a parameter sweep [issue #7]; returns a SweepReport.

    ``sweep_file``: a sweep TOML, a built-in sweep name, or a sweep's output folder.
    Keywords (all optional): force, backend ("local" | "mpi" | "slurm"), workers,
    ranks_per_case, runner ("module:function"), out, dry_run, collect, retry_failed, quiet.
    """
    from dendrisim.sweep import run_sweep

    return run_sweep(sweep_file, **kwargs)


def regime(
    out: str | Path = "results/regime",
    quick: bool = False,
    run: bool = True,
    collect: bool = False,
    workers: int | None = None,
    force: bool = False,
    quiet: bool = True,
    settings: Any = None,
) -> RegimeReport:
    """The regime map: field solution vs lumped 0-D model over L/D, T and heat loss [#15].

    Writes the sweep file ``<out>.toml`` (and its base case), runs it into ``out``
    (``run = False``: only the files), then ``regime.csv``, ``regime.md`` and
    ``figures/regime.png`` (``collect``: only these, from the runs in ``out``).
    ``quick``: 2 L/D x 2 T x 3 settings, 0.3 s; ``settings``: a
    :class:`dendrisim.api.regime_map.RegimeSettings`.  docs/regime.md.
    """
    from dendrisim.api.regime_map import regime as _regime

    return _regime(
        out=out,
        quick=quick,
        settings=settings,
        run=run,
        collect=collect,
        workers=workers,
        force=force,
        quiet=quiet,
    )


def plot(
    folders: str | Path | Result | Sequence[str | Path | Result],
    out: str | Path | None = None,
    ax: Any = None,  # a matplotlib Axes or a pair of them (api does not import matplotlib)
    formats: str | Sequence[str] = ("png", "svg"),
    adiabatic_bound: bool = True,
    labels: list[str] | None = None,
) -> PlotReport | SweepPlots | None:
    """Fig. 5d-style plots of one or more results folders (or Result objects) [issue #6].

    Writes fig5d.<fmt> and summary.csv/.md into ``out`` (default <dir>/figures, or
    <parent>/compare for several) and returns a report (files, summary rows, figure).
    ``ax``: a matplotlib Axes (retention and temperature on twin axes) or a pair of Axes
    (two panels) to draw into; then nothing is written unless ``out`` is given.
    ``labels``: legend label per folder, same order (default: the case names).
    A sweep's folder (summary.csv) gets its trend plots instead (a :class:`SweepPlots`).
    Under MPI the files are written by rank 0, which gets the report; other ranks get None.
    """
    from dendrisim.core import parallel
    from dendrisim.post.plots.compare import is_sweep_folder, plot_results, plot_sweep_folder

    items = [folders] if isinstance(folders, str | Path | Result) else list(folders)
    if isinstance(formats, str):
        formats = formats.split(",")
    held: dict[str, Any] = {}

    def work() -> None:  # files are written once, by rank 0 (others get None)
        sweeps = [f for f in items if isinstance(f, str | Path) and is_sweep_folder(f)]
        held["out"] = (
            SweepPlots([p for f in sweeps for p in plot_sweep_folder(f, out)])
            if sweeps
            else plot_results(
                items,
                out=out,
                ax=ax,
                formats=formats,
                adiabatic_bound=adiabatic_bound,
                labels=labels,
            )
        )

    parallel.on_root(work)
    return held.get("out")


def view(
    folder: str | Path | Result | Sequence[str | Path | Result],
    screenshot: str | Path | None = None,
    times: str | Sequence[float] | None = None,
    fields: str | Sequence[str] = ("c", "T"),
    mode: str = "3d",
    shared_clim: bool = True,
    zoom: bool = True,
) -> str:
    """PyVista view of a result's fields [issue #6].

    ``screenshot`` (.png): off-screen before/after panel (columns: ``times``, default first
    and last output; rows: ``fields`` of "c", "T"); ``mode`` "3d" (axisymmetric revolved,
    cut-away) or "section" (2D section). Several folders: stacked rows at the same scale
    (Fig. 5c compares the two shapes). Without it: an interactive window, time slider.
    ``shared_clim`` (default): one absolute colour range per field over all folders and
    times; False: each picture its own (tiny variations as offsets). ``zoom``: a last
    column on the dendrite tip with the t = 0 surface and a scale bar.
    """
    from dendrisim.api.offscreen import offscreen_requested, quiet_vtk_display_warning
    from dendrisim.core import parallel
    from dendrisim.post.views.fields_view import view as _view

    if offscreen_requested(screenshot):
        quiet_vtk_display_warning()

    if isinstance(times, str):
        try:
            times = [float(x) for x in times.split(",") if x.strip()]
        except ValueError:
            from dendrisim.core.errors import DendrisimError

            raise DendrisimError(
                f"--times {times!r}: give times in s, comma-separated, e.g. 0,4.5,9"
            ) from None
    if isinstance(fields, str):
        fields = [x.strip() for x in fields.split(",") if x.strip()]
    return parallel.on_root(
        lambda: _view(
            folder,
            screenshot=screenshot,
            times=times,
            fields=fields,
            mode=mode,
            shared_clim=shared_clim,
            zoom=zoom,
        )
    )
