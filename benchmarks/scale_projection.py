"""Projected weak scaling on 8–256 ranks from the measured rows of ``bench_scale``.

Weak scaling: every rank keeps the cells per rank of a measured multi-rank row (default:
the newest 2-rank row of the largest mesh in ``benchmarks/results/scale.jsonl``), so P
ranks hold P times its cells.  The time per step on P ranks is projected as

    T(P) = T_asm + T_motion + T_other + T_solve · k(P)/k_m + T_red(P) + T_halo(P)

- measured per rank (the row): assembly, mesh motion, observables/other and solve
  seconds per step (a 2-rank row on one node: its communication is shared memory, so
  these are local work);
- Krylov growth k(P)/k_m: Krylov iterations per Newton iteration fitted as a power of the
  global cell count over the measured meshes (``fit_exponent``, same rank count), so the
  solve time and the reductions grow with the iterations at the global size;
- reductions: the measured PETSc reductions per step (VecMDot/VecNorm/VecDot/VecTDot
  events, each an MPI_Allreduce), times k(P)/k_m, each costing ``allreduce_us`` ·
  log2(P) (a tree/recursive-doubling allreduce of a few doubles);
- halo exchanges: the measured exchanges per step (VecScatterBegin events) times
  k(P)/k_m; each costs ``neighbours`` messages of ``latency_us`` plus the ghost bytes
  over ``bandwidth_GBs``; the ghost dofs of an interior rank are those of a cube of the
  rank's nodes, 6 m^(2/3) for m owned nodes (one layer of P1 nodes on each face) times
  the dofs per node;
- AMG levels: GAMG coarsens about 8–10× per level, so log8(P/P_m) more levels, each
  adding per Krylov iteration about four halo exchanges (smoothing, restriction,
  prolongation) at the latency cost only (coarse levels are small).

Assumptions (say so when quoting the table): the partition stays as balanced as
ParMETIS/SCOTCH make it on one node, the per-rank work is that of the measured row (same
cache behaviour and memory bandwidth per core), no remeshing (gmsh runs on rank 0: it
does not weak-scale), network figures of a typical InfiniBand cluster (defaults below),
Newton iterations per step unchanged.  Peak memory per rank is the measured one (the
coarse AMG levels add little).  Run on the rows of a quiet machine::

    python -m benchmarks.scale_projection [--cells-per-rank-from 1M] [--latency-us 2]
"""

from __future__ import annotations

import argparse
import json
import math

from benchmarks.harness import RESULTS, fit_exponent, record, table

RANKS = (8, 16, 32, 64, 128, 256)
NET = {"latency_us": 2.0, "allreduce_us": 1.5, "bandwidth_GBs": 10.0, "neighbours": 14}
COLUMNS = ["ranks", "cells", "cells_per_rank", "krylov_per_newton", "amg_levels"]
COLUMNS += ["compute_s", "reduction_s", "halo_s", "s_per_step", "efficiency"]


def rows_of(path=RESULTS / "scale.jsonl") -> list[dict]:
    """The rows of ``bench_scale`` (default preconditioner reuse), oldest first."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row.get("reuse_preconditioner", True) and row.get("newton"):
            out.append(row)
    return out


def krylov_fit(rows: list[dict]) -> tuple[float, float]:
    """(q, a) with Krylov per Newton iteration = a · cells^q, from one rank count."""
    by_ranks: dict[int, dict[int, float]] = {}
    for r in rows:
        by_ranks.setdefault(r["ranks"], {})[r["cells"]] = r["krylov"] / r["newton"]
    best = max(by_ranks.values(), key=len)
    if len(best) < 2:
        return 0.0, next(iter(best.values()))
    cells = sorted(best)
    return fit_exponent(cells, [best[c] for c in cells])


def project(base: dict, q: float, ranks: int, net: dict = NET) -> dict:
    """The projected row on ``ranks`` ranks with ``base``'s cells per rank."""
    per_rank = base["cells"] / base["ranks"]
    cells = per_rank * ranks
    growth = (cells / base["cells"]) ** q
    steps_s = {k: base.get(f"{k}_s_per_step", 0.0) for k in ("assembly", "solve")}
    other = sum(base.get(f"{k}_s_per_step", 0.0) for k in ("mesh_motion", "observables"))
    other += base.get("other_s_per_step", 0.0) + base.get("output_s_per_step", 0.0)
    compute = steps_s["assembly"] + other + steps_s["solve"] * growth
    red = base["reductions_per_step"] * growth * net["allreduce_us"] * 1e-6 * math.log2(ranks)
    dofs_per_node = 2  # c, T (the extension's 3 per node is in the exchanges' count)
    nodes = base["owned_dofs_max"] / dofs_per_node
    ghost_bytes = 6 * nodes ** (2 / 3) * dofs_per_node * 8
    one = net["neighbours"] * net["latency_us"] * 1e-6 + ghost_bytes / (net["bandwidth_GBs"] * 1e9)
    extra_levels = max(0.0, math.log(ranks / base["ranks"], 8))
    krylov_per_step = base["krylov"] / max(base["steps"], 1) * growth
    halo = base["halo_exchanges_per_step"] * growth * one
    halo += krylov_per_step * 4 * extra_levels * net["neighbours"] * net["latency_us"] * 1e-6
    total = compute + red + halo
    return {
        "ranks": ranks,
        "cells": round(cells),
        "cells_per_rank": round(per_rank),
        "krylov_per_newton": base["krylov"] / base["newton"] * growth,
        "amg_levels": base.get("amg_levels", 0) + extra_levels,
        "compute_s": compute,
        "reduction_s": red,
        "halo_s": halo,
        "s_per_step": total,
        "efficiency": base["s_per_step"] / total,
    }


def main(size: str | None = None, net: dict = NET, keep: bool = True) -> list[dict]:
    """The projection table from the newest multi-rank row (of ``size`` if given)."""
    rows = rows_of()
    multi = [r for r in rows if r["ranks"] > 1 and (size is None or r["size"] == size)]
    if not multi:
        raise SystemExit("no multi-rank row in scale.jsonl: run benchmarks.bench_scale first")
    base = max(multi, key=lambda r: (r["cells"], r["machine"]["date_utc"]))
    q, _ = krylov_fit(rows)
    out = [project(base, q, n, net) for n in RANKS]
    print(
        f"base: {base['size']} ({base['cells']} cells) on {base['ranks']} ranks, "
        f"{base['s_per_step']:.3g} s/step, load {base.get('load_1min', float('nan')):.1f}; "
        f"Krylov/Newton ~ cells^{q:.3f}; network {net}"
    )
    print(table(out, COLUMNS))
    if keep:
        for row in out:
            record(
                "scale_projection",
                {
                    **row,
                    "base_size": base["size"],
                    "krylov_exponent": q,
                    "base_load_1min": base.get("load_1min"),
                    **net,
                },
            )
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default=None, help="base row size label (default: largest)")
    for k, v in NET.items():
        ap.add_argument(f"--{k.replace('_', '-')}", type=float, default=v)
    ap.add_argument("--no-record", action="store_true")
    a = ap.parse_args()
    net = {k: getattr(a, k) for k in NET}
    main(a.size, net, keep=not a.no_record)
