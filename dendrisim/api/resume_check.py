"""Whether a results folder can be resumed: its checkpoint, its status, the same case.

Rank 0 checks (:func:`resumable`); every refusal is one line (ResumeError, exit 2).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from dendrisim.core.errors import ResumeError
from dendrisim.io.run_folder import FINISHED, folder_status, read_manifest
from dendrisim.solver.restart import store


def load_case_file(path: Path):
    """The resolved case a run wrote into its folder (``case.toml``)."""
    from dendrisim.config.case import load_case

    return load_case(str(path))


def _first_difference(a: str, b: str) -> str:
    """The first differing line of two case texts ('-old / +new')."""
    for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0):
        if line[:1] in "+-" and not line.startswith(("+++", "---")):
            return line
    return "?"


def resumable(folder: Path, case=None) -> Path:
    """The checkpoint to resume ``folder`` from (rank 0; ResumeError when there is none)."""
    if not folder.is_dir() or read_manifest(folder) is None:
        raise ResumeError(f"--resume {folder}: not a dendrisim results folder (no manifest.json)")
    status = folder_status(folder)
    if status == FINISHED:
        raise ResumeError(f"--resume {folder}: the run already finished; nothing to resume")
    path = store.latest(folder)
    if path is None:
        raise ResumeError(
            f"--resume {folder}: no checkpoint in the folder (status {status}); a run writes "
            "one when a signal stops it or every output.checkpoint_every_s"
        )
    saved = store.read_meta(path)
    if saved.get("format") != store.FORMAT:
        raise ResumeError(f"--resume {folder}: {path.name} has an unknown format")
    if case is not None and case.to_toml() != saved["case_toml"]:
        diff = _first_difference(saved["case_toml"], case.to_toml())
        raise ResumeError(
            f"--resume {folder}: the case differs from the checkpoint's ({diff!r}); resume "
            "with the folder's case (leave CASE out) or start a new run"
        )
    return path
