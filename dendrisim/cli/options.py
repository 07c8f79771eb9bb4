"""Options every dendrisim command shares (one definition for app.py and its sub-modules)."""

from __future__ import annotations

from typing import Annotated

import typer

VerboseOpt = Annotated[
    int,
    typer.Option(
        "--verbose", "-v", count=True, help="More messages on stderr (-v: debug, every step)."
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Warnings and errors only; no progress display."),
]
