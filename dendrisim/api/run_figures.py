"""The figures a run leaves in ``results/<case>/figures/`` (``output.figures``).

After the time loop, rank 0 draws what ``dendrisim plot <folder>`` would: Li retention [%]
and interface temperature of that run (``fig5d.png``) and its summary tables. A plotting
error never fails the run: it becomes a warning in log.txt.
"""

from __future__ import annotations

import logging
from pathlib import Path

from dendrisim.core import parallel

log = logging.getLogger("dendrisim")


def write_run_figures(case, folder: str | Path, comm=None) -> list[Path]:
    """Figures of the run in ``folder``/figures (rank 0; [] when off or on error)."""
    if not case.output.figures:
        return []

    def draw() -> list[Path]:
        try:
            from dendrisim.post.plots.compare import plot_results

            report = plot_results([folder], out=Path(folder) / "figures", formats=("png",))
        except Exception as exc:  # noqa: BLE001 - figures must never fail a finished run
            log.warning("figures not written: %s: %s", type(exc).__name__, exc)
            return []
        log.info("figures: %s", ", ".join(p.name for p in report.files))
        return report.files

    return parallel.on_root(draw, comm)
