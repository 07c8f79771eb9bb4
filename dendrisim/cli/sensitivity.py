"""``dendrisim sensitivity {morris,sobol,check,oat,report}``: a global sensitivity study."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dendrisim.api import sensitivity as sens
from dendrisim.core import parallel

app = typer.Typer(
    help="Global sensitivity of the Fig. 5 conclusions (SALib Morris, then Sobol); "
    "docs/sensitivity.md.",
    no_args_is_help=True,
)

StudyArg = Annotated[
    str,
    typer.Argument(metavar="STUDY", help="Study file (TOML) or built-in study name."),
]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Study folder.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]
BackendOpt = Annotated[
    str | None, typer.Option("--backend", "-b", help="local | mpi | slurm (default: the file's).")
]
WorkersOpt = Annotated[int | None, typer.Option("--workers", "-j", help="Worker processes.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Re-run finished samples.")]
CollectOpt = Annotated[
    bool, typer.Option("--collect", help="Only analyse what has run (after SLURM job arrays).")
]
RetryOpt = Annotated[bool, typer.Option("--retry-failed", help="Run failed samples again.")]
DryOpt = Annotated[bool, typer.Option("--dry-run", help="List the runs; write nothing.")]


@app.callback()
def _group(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More messages on stderr.")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Warnings and errors only.")] = False,
) -> None:
    """Global sensitivity of the Fig. 5 conclusions (docs/sensitivity.md)."""
    from dendrisim.core.logs import set_log_level

    set_log_level("warning" if quiet else "debug" if verbose else "info")


def _phase(phase, study, out, backend, workers, force, collect, retry, dry, quiet) -> None:
    report = sens.sensitivity(
        study,
        phase,
        out=out,
        backend=backend,
        workers=workers,
        force=force,
        collect=collect,
        retry_failed=retry,
        dry_run=dry,
        quiet=quiet,
    )
    parallel.root_print(report)


@app.command("morris")
def morris_cmd(
    study: StudyArg = sens.STUDY,
    out: OutOpt = None,
    backend: BackendOpt = None,
    workers: WorkersOpt = None,
    force: ForceOpt = False,
    collect: CollectOpt = False,
    retry_failed: RetryOpt = False,
    dry_run: DryOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Morris screening of every parameter (r trajectories; resumable)."""
    _phase("morris", study, out, backend, workers, force, collect, retry_failed, dry_run, quiet)


@app.command("sobol")
def sobol_cmd(
    study: StudyArg = sens.STUDY,
    out: OutOpt = None,
    backend: BackendOpt = None,
    workers: WorkersOpt = None,
    force: ForceOpt = False,
    collect: CollectOpt = False,
    retry_failed: RetryOpt = False,
    dry_run: DryOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Sobol indices (Saltelli) of the influential parameters (after morris; resumable)."""
    _phase("sobol", study, out, backend, workers, force, collect, retry_failed, dry_run, quiet)


@app.command("check")
def check_cmd(
    study: StudyArg = sens.STUDY,
    phase: Annotated[str, typer.Option("--phase", help="Design to take samples from.")] = "morris",
    samples: Annotated[
        str, typer.Option("--samples", help="Sample indices, comma-separated (default: 4 spread).")
    ] = "",
    out: OutOpt = None,
    workers: WorkersOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run a few samples at the default setting; compare with the cheap runs."""
    from dendrisim.core.errors import DendrisimError

    try:
        idx = [int(s) for s in samples.split(",") if s.strip()] or None
    except ValueError:
        raise DendrisimError(f"--samples {samples!r}: give integers, e.g. 0,13,26") from None
    res = sens.sensitivity_check(
        study, phase, idx, out=out, workers=workers, force=force, quiet=quiet
    )
    for name, r in res["outputs"].items():
        parallel.root_print(
            f"{name:<40} max |cheap - default| = {r['max_abs_diff']!s:<12.6} "
            f"(output std {r['spread_std']:.4g}, {r['compared']} samples)"
        )


@app.command("oat")
def oat_cmd(
    study: StudyArg = sens.STUDY,
    keys: Annotated[
        str, typer.Option("--keys", help="Parameters (case keys), comma-separated.")
    ] = "electrolyte.conductivity_W_mK,electrolyte.diffusivity_m2_s",
    runner: Annotated[
        str | None, typer.Option("--runner", help="Runner (default: the study's check runner).")
    ] = None,
    out: OutOpt = None,
    workers: WorkersOpt = None,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """One at a time: each key at both ends of its range, the rest nominal (FEM by default)."""
    res = sens.sensitivity_oat(
        study, [k.strip() for k in keys.split(",") if k.strip()], runner=runner, out=out,
        workers=workers, force=force, quiet=quiet,
    )  # fmt: skip
    for name, r in res["outputs"].items():
        ch = ", ".join(
            f"{p}: {'–' if c is None else format(c, '+.3g')}"
            for p, c in zip(res["points"][1:], r["change"][1:], strict=True)
        )
        v = r["values"][0]
        parallel.root_print(f"{name:<40} nominal {'–' if v is None else format(v, '.6g')}; {ch}")


@app.command("report")
def report_cmd(
    study: StudyArg = sens.STUDY,
    out: OutOpt = None,
    page: Annotated[Path, typer.Option("--page", help="Markdown page to write.")] = Path(
        "docs/sensitivity.md"
    ),
    img: Annotated[Path, typer.Option("--img", help="Folder of its figures.")] = Path("docs/img"),
) -> None:
    """Write docs/sensitivity.md (tables, robustness fraction) and its figures."""
    parallel.root_print(f"wrote {sens.sensitivity_report(study, out=out, page=page, img=img)}")
