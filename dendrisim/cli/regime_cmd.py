"""``dendrisim regime``: the regime map study (field vs lumped; docs/regime.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from dendrisim import api
from dendrisim.cli.options import QuietOpt, VerboseOpt
from dendrisim.core import parallel

# the -v/-q handler of cli/app.py, given at registration
_verbosity: dict[str, Callable[[int, bool], bool]] = {}


def regime_cmd(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Sweep folder (its file: <out>.toml).")
    ] = Path("results/regime"),
    quick: Annotated[
        bool, typer.Option("--quick", help="2 L/D x 2 T x 3 settings, 0.3 s (plumbing test).")
    ] = False,
    no_run: Annotated[
        bool, typer.Option("--no-run", help="Only write the sweep file and print how to run it.")
    ] = False,
    collect: Annotated[
        bool, typer.Option("--collect", help="Only tabulate and plot the runs already in --out.")
    ] = False,
    workers: Annotated[int | None, typer.Option("--workers", help="Local workers.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace finished runs.")] = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Regime map: field solution vs lumped 0-D model over L/D, temperature and heat loss."""
    quiet = _verbosity["apply"](verbose, quiet)
    report = api.regime(
        out=out,
        quick=quick,
        run=not no_run,
        collect=collect,
        workers=workers,
        force=force,
        quiet=quiet,
    )
    parallel.root_print(report)


def register(app: typer.Typer, verbosity: Callable[[int, bool], bool]) -> None:
    """Add the command to the ``dendrisim`` app (``verbosity``: app's -v/-q handling)."""
    _verbosity["apply"] = verbosity
    app.command("regime")(regime_cmd)
