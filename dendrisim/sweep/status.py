"""State of each case folder of a sweep: finished, failed, incomplete, pending or stale.

A case counts as finished only when its manifest says so, its ``timeseries.csv`` has at
least one data row, and its ``case.toml`` (the resolved case, compared as data) equals the
case the sweep would run now; a folder
left by a killed run (manifest "running", or no manifest) is incomplete and is run again.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dendrisim.config import Case, validate_case
from dendrisim.core.errors import DendrisimError
from dendrisim.io.run_folder import FAILED, FINISHED, read_manifest

PENDING = "pending"  # no folder yet
INCOMPLETE = "incomplete"  # folder without a final manifest (killed, crashed, running)
STALE = "stale"  # a result of different inputs (the sweep file changed)


@dataclass(frozen=True)
class CaseState:
    """What a case folder holds now."""

    status: str  # finished | failed | incomplete | pending | stale
    stop_reason: str | None = None
    detail: str = ""  # why incomplete/stale, or the error of a failed case
    previous: str | None = None  # for stale: the status of the old result


def _has_rows(ts: Path) -> bool:
    try:
        with open(ts, encoding="utf-8") as fh:
            lines = [ln for ln in fh if ln.strip() and not ln.startswith("#")]
    except OSError:
        return False
    return len(lines) >= 2


def diff_cases(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two nested case dicts."""
    out = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k), b.get(k)
        key = f"{prefix}{k}"
        if isinstance(va, dict) and isinstance(vb, dict):
            out += diff_cases(va, vb, key + ".")
        elif va != vb:
            out.append(f"{key}: {va!r} -> {vb!r}")
    return out


def case_state(folder: Path, expected: Case) -> CaseState:
    """State of ``folder`` for the case ``expected``."""
    if not folder.exists():
        return CaseState(PENDING)
    manifest = read_manifest(folder)
    if manifest is None:
        return CaseState(INCOMPLETE, detail="no manifest.json (run killed before it started)")
    status = manifest.get("status")
    reason = manifest.get("stop_reason")
    if status not in (FINISHED, FAILED):
        return CaseState(INCOMPLETE, detail=f"manifest status {status!r} (run interrupted)")
    if reason == "interrupted":  # stopped by the user: unfinished, runs again on resume
        return CaseState(INCOMPLETE, detail="interrupted (Ctrl-C) before its end")
    case_file = folder / "case.toml"
    try:
        old = tomllib.loads(case_file.read_text("utf-8")) if case_file.is_file() else None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return CaseState(INCOMPLETE, detail=f"unreadable case.toml ({exc})")
    if old is None:
        return CaseState(INCOMPLETE, detail="no case.toml")
    new = expected.to_dict()
    if old != new:  # an input-form case file (sizes from aspect ratio): compare resolved
        try:
            old = validate_case(old).to_dict()
        except DendrisimError:
            pass
    changed = diff_cases(old, new)
    if changed:
        return CaseState(
            STALE,
            reason,
            "inputs changed: "
            + "; ".join(changed[:4])
            + (f"; and {len(changed) - 4} more" if len(changed) > 4 else ""),
            previous=status,
        )
    if status == FINISHED and not _has_rows(folder / "timeseries.csv"):
        return CaseState(INCOMPLETE, detail="finished manifest but no time series rows")
    detail = str(manifest.get("error", "")) if status == FAILED else ""
    return CaseState(status, reason, detail)
