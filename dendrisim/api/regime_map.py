"""The regime map (issue #15): field solution vs lumped 0-D model over (L/D, T, heat loss).

``dendrisim regime`` writes a sweep file (:func:`sweep_text`) and runs it through the sweep
machinery: the Fig. 5 routine needle's Li volume at L/D 1-30 (equal Li volume, log-spaced)
and ambient = initial temperature 400-460 K, in three thermal settings of the unit cell:

- ``dirichlet``: an isothermal bath, T held at the ambient on the outer (``bulk``) boundary;
- ``adiabatic``: a closed cell, no heat leaves;
- ``robin``: heat loss ``h (T - T_a)`` on ``bulk`` with ``h`` from the whole cell's cooling
  (:func:`robin_h_W_m2K`).

Every run's unit cell holds its ``[cell]`` share of the cell's heat capacity
(``cell.enabled``; with ``cell.derive_unit_cell`` when that key exists, the unit cell
derived from ``[cell]``).  Then each run is compared with its lumped model
(:func:`dendrisim.io.regime.regime_row`) into ``regime.csv`` and drawn
(:func:`dendrisim.post.plots.regime.plot_regime`).  docs/regime.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

BASE_CASE = "fig5-deposit-routine-sei"  # aspect_ratio + volume_um3: the needle's Li volume
NEEDLE_VOLUME_UM3 = 0.0260654015  # Fig. 5 routine needle, L = 1.5 µm, D = 0.15 µm

# The whole cell's surface cooling (what a measured cooling curve of the cell gives):
# [I] h of a pouch cell in still air, free convection plus radiation, 10 W/(m2 K) (free
# convection of gases 2-25 W/(m2 K), Incropera & DeWitt, Fundamentals of Heat and Mass
# Transfer, Table 1.1; radiation adds ~6 W/(m2 K) at 300 K, emissivity 0.9)
CELL_SURFACE_HTC_W_M2K = 10.0
# [I] outer surface of the seed 1.0 Ah pouch: 250 cm2 of cathode (capacity / areal capacity)
# as five double-sided 6 x 4.2 cm layers -> two 25 cm2 faces + 5 mm thick edges = 60 cm2
CELL_SURFACE_M2 = 60e-4


@dataclass(frozen=True)
class RegimeSettings:
    """The grid and run settings of the study (SI; µm where named)."""

    aspect_ratios: tuple[float, ...]
    temperatures_K: tuple[float, ...]
    outers: tuple[str, ...] = ("dirichlet", "adiabatic", "robin")
    end_s: float = 9.0
    mesh_size_interface_um: float = 0.02
    li_exhausted_retention: float = 0.05
    extra: dict[str, Any] = field(default_factory=dict)


def full_settings() -> RegimeSettings:
    """The map of docs/regime.md: 6 L/D (log-spaced 1-30) x 4 T (400-460 K) x 3 settings."""
    lds = tuple(float(f"{v:.4g}") for v in np.geomspace(1.0, 30.0, 6))
    return RegimeSettings(aspect_ratios=lds, temperatures_K=(400.0, 420.0, 440.0, 460.0))


def quick_settings() -> RegimeSettings:
    """2 L/D x 2 T x 3 settings, 0.3 s, coarse: the plumbing (tests), not the map."""
    return RegimeSettings(
        aspect_ratios=(1.0, 30.0),
        temperatures_K=(400.0, 460.0),
        end_s=0.3,
        mesh_size_interface_um=0.025,
    )


def cell_cooling_time_s(case) -> float:
    """The whole cell's Newton cooling time tau = C_cell / (h_cell A_cell) [s]."""
    from dendrisim.config.cell import numbers_of

    nums = numbers_of(case)
    return nums.heat_capacity_J_K / (CELL_SURFACE_HTC_W_M2K * CELL_SURFACE_M2)


def robin_h_W_m2K(case) -> float:
    """The unit cell's h [W/(m2 K)]: the cell's loss scaled by the heat-capacity share.

    The unit cell holds C_u = c_Gamma A_Gamma of the cell's heat capacity C_cell (its share
    by reacting area, docs/cell.md); giving it the same share of the cell's heat loss
    h_cell A_cell makes it cool with the cell's time constant tau: its loss is C_u / tau,
    spread over its outer (``bulk``) face pi R^2, so h = C_u / (tau pi R^2).
    """
    from dendrisim.config.cell import numbers_of

    nums = numbers_of(case)
    if nums is None:
        raise ValueError("robin_h_W_m2K needs cell.enabled = true")
    g = case.geometry
    area_m2 = g.analytic_interface_area_um2() * 1e-12
    c_unit = nums.heat_capacity_J_m2K * area_m2
    outer_m2 = math.pi * (g.cell_radius_um * 1e-6) ** 2
    return c_unit / (cell_cooling_time_s(case) * outer_m2)


def common_overrides(s: RegimeSettings) -> dict[str, Any]:
    """The ``[set]`` of the sweep: the same for every run."""
    out: dict[str, Any] = {
        "cell.enabled": True,
        "geometry.volume_um3": NEEDLE_VOLUME_UM3,
        "sei.preset": "routine",
        "species.outer": "zero_flux",
        "time.end_s": s.end_s,
        "time.dt_min_s": 1e-13,
        "time.max_dT_per_step_K": 10.0,
        "geometry.mesh_size_interface_um": s.mesh_size_interface_um,
        "stop.li_exhausted_retention": s.li_exhausted_retention,
        "stop.runaway_stops": False,
        "output.fields_every_s": s.end_s,
        "output.checkpoint": False,
        "output.figures": False,
    }
    if _derives():  # the unit cell derived from [cell] (#15)
        out["cell.derive_unit_cell"] = True
        # One cell for every shape: the measured BET surface of dendritic Li (the [cell]
        # default), so every L/D holds the cell's heat capacity per reacting area; the base
        # case (the Fig. 5 deposit) sets its own shape's 26.32 m²/g instead (docs/fig5.md)
        from dendrisim.config.cell import CellConfig

        bet = CellConfig.model_fields["li_specific_surface_m2_g"].default
        out["cell.li_specific_surface_m2_g"] = bet
    out.update(s.extra)
    return out


def _derives() -> bool:
    from dendrisim.config.cell import CellConfig

    return "derive_unit_cell" in CellConfig.model_fields


def base_case_text() -> str:
    """The base case: the Fig. 5 deposit (aspect ratio + volume) without its hand-picked cell.

    With ``cell.derive_unit_cell`` the unit cell's radius and height come from ``[cell]``,
    so the base's ``cell_radius_um`` and ``electrolyte_height_um`` lines are left out.
    """
    from dendrisim.config import builtin_case_text

    lines = builtin_case_text(BASE_CASE).splitlines()
    if _derives():
        drop = ("cell_radius_um", "electrolyte_height_um")
        lines = [ln for ln in lines if not ln.strip().startswith(drop)]
    return "\n".join(lines).replace(f'name = "{BASE_CASE}"', 'name = "regime-base"') + "\n"


def _h_values(s: RegimeSettings, base: Path, overrides: dict[str, Any]) -> list[float]:
    from dendrisim.config import load_case

    out = []
    for ld in s.aspect_ratios:
        case = load_case(base, overrides={**overrides, "geometry.aspect_ratio": ld})
        out.append(float(f"{robin_h_W_m2K(case):.6g}"))
    return out


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return repr(v)


def sweep_text(s: RegimeSettings, out: str | Path, base: Path, workers: int | None = None) -> str:
    """The sweep file of the study (TOML); ``base``: the base case file (written already)."""
    common = common_overrides(s)
    hs = _h_values(s, base, common)
    lines = [
        "# The regime map (docs/regime.md), written by `dendrisim regime`: the Fig. 5",
        "# routine needle's Li volume at L/D 1-30, ambient = initial T, three thermal",
        "# settings; robin h per L/D = the unit cell's share of the cell's heat loss",
        f"# (h_cell {CELL_SURFACE_HTC_W_M2K:g} W/(m2 K), A_cell {CELL_SURFACE_M2 * 1e4:g} cm2;"
        " ignored by the other settings).",
        'name = "regime"',
        'description = "regime map: field vs lumped over L/D, T and heat loss"',
        f'base = "{base.name}"',
        f'out = "{Path(out).as_posix()}"',
        'naming = "{thermal.outer}_ld{geometry.aspect_ratio:g}_T{thermal.ambient_K:g}"',
        "",
        "[set]",
        *(f'"{k}" = {_toml_value(v)}' for k, v in common.items()),
        "",
        "[axes]",
        f'"thermal.outer" = {_toml_value(list(s.outers))}',
        "",
        "[[zip]]",
        f'"geometry.aspect_ratio" = {_toml_value(list(s.aspect_ratios))}',
        f'"thermal.heat_transfer_W_m2K" = {_toml_value(hs)}',
        "",
        "[[zip]]",
        f'"thermal.initial_K" = {_toml_value(list(s.temperatures_K))}',
        f'"thermal.ambient_K" = {_toml_value(list(s.temperatures_K))}',
        "",
        "[run]",
        'backend = "local"',
    ]
    if workers:
        lines.append(f"workers = {workers}")
    return "\n".join(lines) + "\n"


def regime_rows(folder: str | Path) -> list[dict[str, Any]]:
    """The regime-map rows of a finished (or partly finished) regime sweep folder."""
    import csv

    from dendrisim.io.regime import regime_row
    from dendrisim.io.result import Result

    folder = Path(folder)
    with open(folder / "summary.csv", newline="", encoding="utf-8") as fh:
        names = [r["case"] for r in csv.DictReader(fh)]
    rows = []
    for name in names:
        run = folder / name
        if not (run / "timeseries.csv").is_file():
            continue
        res = Result.load(run, warn=False)
        if res.case is None or res.timeseries.get("time_s", np.zeros(0)).size < 2:
            continue
        rows.append(regime_row(res.case, res.manifest, res.timeseries))
    return rows


def write_regime_table(folder: str | Path, command: str = "dendrisim regime --collect") -> Path:
    """``regime.csv`` (columns: io/regime.py REGIME_COLUMNS) and ``regime.md`` in ``folder``."""
    import csv

    from dendrisim.io.regime import REGIME_COLUMNS
    from dendrisim.post.regime_table import regime_markdown

    path = Path(folder) / "regime.csv"
    rows = regime_rows(folder)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(REGIME_COLUMNS), lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow({k: _cell(row[k]) for k in REGIME_COLUMNS})
    path.with_suffix(".md").write_text(regime_markdown(rows, command), encoding="utf-8")
    return path


def _cell(v: Any) -> Any:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6g}"
    return v


@dataclass
class RegimeReport:
    """What ``dendrisim regime`` made."""

    sweep_file: Path
    folder: Path
    table: Path | None = None
    figures: list[Path] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"sweep file {self.sweep_file}"]
        if self.table is None:
            lines.append(
                f"run it: dendrisim sweep {self.sweep_file}; then dendrisim regime "
                f"--out {self.folder} --collect"
            )
        else:
            lines += [f"wrote {self.table}"] + [f"wrote {p}" for p in self.figures]
        return "\n".join(lines)


def regime(
    out: str | Path = "results/regime",
    quick: bool = False,
    settings: RegimeSettings | None = None,
    run: bool = True,
    collect: bool = False,
    workers: int | None = None,
    force: bool = False,
    quiet: bool = True,
) -> RegimeReport:
    """Write the study's sweep file ``<out>.toml``, run it into ``out``, tabulate and plot.

    ``run = False``: only the sweep file (run it with ``dendrisim sweep``); ``collect``:
    only the table and the plot of the runs already in ``out``; ``settings``: another grid
    (default :func:`full_settings`, :func:`quick_settings` with ``quick``).
    """
    from dendrisim.core import parallel
    from dendrisim.post.plots.regime import plot_regime
    from dendrisim.sweep import run_sweep

    out = Path(out)
    sweep_file = out.with_suffix(".toml")
    report = RegimeReport(sweep_file, out)
    if not collect:
        settings = settings or (quick_settings() if quick else full_settings())
        base = out.with_name(f"{out.name}-base.toml")

        def write() -> None:
            sweep_file.parent.mkdir(parents=True, exist_ok=True)
            base.write_text(base_case_text(), encoding="utf-8")
            text = sweep_text(settings, out, base, workers)
            sweep_file.write_text(text, encoding="utf-8")

        parallel.on_root(write)
        if not run:
            return report
        run_sweep(sweep_file, force=force, quiet=quiet)

    def tabulate() -> None:
        report.table = write_regime_table(
            out, f"dendrisim regime --out {out}" + (" --quick" if quick else "")
        )
        report.figures = plot_regime(out)

    parallel.on_root(tabulate)
    return report
