"""Command line: ``dendrisim <command>`` — parses, calls :mod:`dendrisim.api`, prints."""

from __future__ import annotations

import sys
import traceback
import warnings
from pathlib import Path
from typing import Annotated

import typer

from dendrisim import api
from dendrisim.cli import regime_cmd
from dendrisim.cli.options import QuietOpt, VerboseOpt
from dendrisim.cli.sensitivity import app as sensitivity_app
from dendrisim.config.cell import numbers_of
from dendrisim.config.unit_cell import unit_cell_of
from dendrisim.core import parallel
from dendrisim.core.errors import CaseError, DendrisimError, DendrisimWarning, RunInterrupted

app = typer.Typer(
    name="dendrisim",
    help="Simulate Li-metal dendrites reacting with a liquid electrolyte "
    "(reaction, transport, heat, Li consumption).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False, "verbose": 0, "quiet": False}


SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-s",
        metavar="KEY=VALUE",
        help="Override a case key, e.g. --set geometry.length_um=12 (repeatable).",
    ),
]
CaseArg = Annotated[
    str, typer.Argument(metavar="CASE", help="Case file (TOML) or built-in case name.")
]


def _print_version(value: bool) -> None:
    if value:
        from dendrisim.core.version import package_version

        parallel.root_print(f"dendrisim {package_version()}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Reaction, transport, heat release and Li consumption of Li-metal dendrites."""
    _state.update(debug=debug, verbose=verbose, quiet=quiet)
    _verbosity()


def _verbosity(verbose: int = 0, quiet: bool = False) -> bool:
    """Apply -v/-q given before or after the command; returns True when quiet."""
    from dendrisim.core.logs import set_log_level

    v = int(_state["verbose"]) + verbose
    q = bool(_state["quiet"]) or quiet
    set_log_level("warning" if q else "debug" if v else "info")
    return q


@app.command("cases")
def cases_cmd(verbose: VerboseOpt = 0, quiet: QuietOpt = False) -> None:
    """List the built-in cases (name first on each line)."""
    _verbosity(verbose, quiet)
    for name in api.builtin_case_names():
        case = api.load_case(name)
        parallel.root_print(f"{name:<18} {case.description}")


@app.command("show-case")
def show_case_cmd(
    name: Annotated[str, typer.Argument(help="Built-in case name.")],
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Print a built-in case as commented TOML, to start a case file from."""
    _verbosity(verbose, quiet)
    parallel.root_print(api.builtin_case_text(name), end="")


@app.command("check")
def check_cmd(
    case: CaseArg, set_: SetOpt = None, verbose: VerboseOpt = 0, quiet: QuietOpt = False
) -> None:
    """Validate a case and print it fully resolved (TOML)."""
    _verbosity(verbose, quiet)
    c = api.load_case(case, set_)
    parallel.root_print(
        f"# {c.name}: valid. Fully resolved (lengths in µm where the key says so, SI otherwise):"
    )
    parallel.root_print(c.to_toml(), end="")
    numbers = numbers_of(c)
    if numbers is not None:  # docs/cell.md#derived-numbers
        parallel.root_print("# [cell] derived (docs/cell.md):")
        for line in numbers.lines():
            parallel.root_print(f"#   {line}")
    unit = unit_cell_of(c)
    if unit is not None:  # docs/cell.md#the-unit-cell-derived-from-the-cell
        parallel.root_print("# unit cell derived from [cell] (quantity | formula | value | tag):")
        for row in unit.rows():
            parallel.root_print("#   " + " | ".join(row))


@app.command("mesh")
def mesh_cmd(
    case: CaseArg,
    set_: SetOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output .msh file.")] = None,
    preview: Annotated[Path | None, typer.Option("--preview", help="Preview PNG.")] = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Build the geometry and mesh only (gmsh) -> meshes/<name>.msh."""
    _verbosity(verbose, quiet)
    c = api.load_case(case, set_)
    result = api.mesh(c, out=out, preview=preview)
    parallel.root_print(result)


@app.command("run")
def run_cmd(
    case: Annotated[
        str | None,
        typer.Argument(metavar="CASE", help="Case file (TOML) or built-in case name."),
    ] = None,
    set_: SetOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Results folder.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a finished result.")] = False,
    resume: Annotated[
        Path | None,
        typer.Option("--resume", help="Continue the interrupted run in DIR from its checkpoint."),
    ] = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Run one simulation -> results/<name>/ (or continue one: --resume DIR)."""
    quiet = _verbosity(verbose, quiet)
    if resume is not None:
        if out is not None or force:
            raise CaseError("--resume DIR continues in DIR: leave out --out and --force")
        c = api.load_case(case, set_) if case is not None else None
        parallel.root_print(api.resume(resume, c, quiet=quiet))
        return
    if case is None:
        raise CaseError("dendrisim run: give a CASE (a case file or a built-in name)")
    c = api.load_case(case, set_)
    result = api.run(c, out=out, force=force, quiet=quiet)
    parallel.root_print(result)


@app.command("sweep")
def sweep_cmd(
    sweep_file: Annotated[
        str,
        typer.Argument(
            metavar="SWEEP", help="Sweep file (TOML), built-in sweep name, or a sweep's folder."
        ),
    ],
    force: Annotated[bool, typer.Option("--force", help="Re-run finished cases.")] = False,
    backend: Annotated[
        str | None,
        typer.Option(
            "--backend", "-b", help="local | mpi | slurm (default: the file's [run] backend)."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-j", help="Worker processes (local; default: cores)."),
    ] = None,
    ranks: Annotated[
        int | None, typer.Option("--ranks-per-case", help="MPI ranks of each case.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Sweep folder.")] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="List the expanded cases and what would run; write nothing."
        ),
    ] = False,
    collect: Annotated[
        bool,
        typer.Option(
            "--collect", help="Only rebuild summary.csv from the case folders (after SLURM)."
        ),
    ] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run failed cases again.")
    ] = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Run many cases: a grid over any case keys, resumable."""
    quiet = _verbosity(verbose, quiet)
    parallel.root_print(
        api.sweep(
            sweep_file,
            force=force,
            backend=backend,
            workers=workers,
            ranks_per_case=ranks,
            out=out,
            dry_run=dry_run,
            collect=collect,
            retry_failed=retry_failed,
            quiet=quiet,
        )
    )


@app.command("kissinger")
def kissinger_cmd(
    case: CaseArg,
    set_: SetOpt = None,
    rates: Annotated[
        str, typer.Option("--rates", help="Heating rates [K/min], comma-separated.")
    ] = "2,5,10,20",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace finished scans.")] = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Simulated DSC at several heating rates -> Kissinger plot and activation energy."""
    from dendrisim.core.errors import DendrisimError

    quiet = _verbosity(verbose, quiet)
    try:
        betas = [float(r) for r in rates.split(",") if r.strip()]
    except ValueError:
        raise DendrisimError(f"--rates {rates!r}: give numbers [K/min], e.g. 2,5,10,20") from None
    fit = api.kissinger(api.load_case(case, set_), betas, out=out, force=force, quiet=quiet)
    for b, tp in zip(fit.rates_K_min, fit.peaks_K, strict=True):
        parallel.root_print(f"{b:8g} K/min   T_p = {tp:.3f} K")
    parallel.root_print(
        f"Kissinger: E = {fit.activation_energy_J_mol / 1e3:.2f} kJ/mol, R² = {fit.r2:.6f}"
    )


@app.command("validate")
def validate_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Results folder.")] = Path(
        "results/validation"
    ),
    docs: Annotated[Path, typer.Option("--docs", help="Where validation.md goes.")] = Path("docs"),
    force: Annotated[bool, typer.Option("--force", help="Replace finished runs.")] = False,
    quick: Annotated[bool, typer.Option("--quick", help="Short runs (plumbing test).")] = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """DSC and ARC of routine and stable SEI against the paper -> docs/validation.md."""
    quiet = _verbosity(verbose, quiet)
    report = api.validate(out=out, docs=docs, force=force, quiet=quiet, quick=quick)
    from dendrisim.post.validation import table_markdown

    parallel.root_print(table_markdown(report.rows))
    parallel.root_print(f"wrote {report.page}")


regime_cmd.register(app, _verbosity)
app.add_typer(sensitivity_app, name="sensitivity")


@app.command("plot")
def plot_cmd(
    folders: Annotated[list[Path], typer.Argument(metavar="DIR...", help="Results folders.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Figure file or folder.")] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Figure formats: png,svg,pdf.")
    ] = "png,svg",
    bound: Annotated[
        bool, typer.Option("--bound/--no-bound", help="Draw the lumped adiabatic bound.")
    ] = True,
    label: Annotated[
        list[str] | None,
        typer.Option("--label", help="Legend label, once per DIR in order (default: case name)."),
    ] = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Figure 5d-style curves (Li retention, interface temperature); several dirs overlay."""
    _verbosity(verbose, quiet)
    parallel.root_print(
        api.plot(folders, out=out, formats=fmt, adiabatic_bound=bound, labels=label or None)
    )


@app.command("view")
def view_cmd(
    folders: Annotated[
        list[Path],
        typer.Argument(
            metavar="DIR...", help="Results folder(s); several: stacked rows, same scale."
        ),
    ],
    screenshot: Annotated[
        Path | None, typer.Option("--screenshot", help="PNG, off-screen.")
    ] = None,
    times: Annotated[
        str | None,
        typer.Option(
            "--times", help="Times [s], comma-separated (nearest stored; default first,last)."
        ),
    ] = None,
    fields: Annotated[str, typer.Option("--fields", help="Rows: c and/or T.")] = "c,T",
    mode: Annotated[str, typer.Option("--mode", help="3d (revolved cut-away) or section.")] = "3d",
    shared: Annotated[
        bool,
        typer.Option(
            "--shared-range/--own-range",
            help="One absolute colour range for all folders and times, or one per picture.",
        ),
    ] = True,
    zoom: Annotated[
        bool, typer.Option("--zoom/--no-zoom", help="Last column: the dendrite tip, scale bar.")
    ] = True,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """PyVista view of the fields (interactive, or --screenshot FILE.png)."""
    _verbosity(verbose, quiet)
    parallel.root_print(
        api.view(
            folders,
            screenshot=screenshot,
            times=times,
            fields=fields,
            mode=mode,
            shared_clim=shared,
            zoom=zoom,
        )
    )


_show_warning = warnings.showwarning


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Dendrisim's own warnings as one line on stderr (rank 0); others as Python shows them."""
    if issubclass(category, DendrisimWarning):
        parallel.root_print(f"dendrisim: warning: {message}", file=sys.stderr)
    else:
        _show_warning(message, category, filename, lineno, file, line)


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors print one clear message and exit 2 (or 3: not built yet)."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    warnings.showwarning = _one_line_warning
    try:
        app(args=argv, prog_name="dendrisim")  # click handles usage errors (exit 2)
    except DendrisimError as exc:
        if debug:
            traceback.print_exc()
        kind = "" if isinstance(exc, RunInterrupted) else "error: "
        parallel.root_print(f"dendrisim: {kind}{exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:  # before a run installed its handlers, or a second Ctrl-C
        if debug:
            traceback.print_exc()
        parallel.root_print("dendrisim: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
