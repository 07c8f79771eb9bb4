"""The main job of ``scripts/run``: the three built-in Figure-5 cases, end to end.

Each stage runs as far as the package has been built; a stage that is not built yet is
reported plainly and the job still exits 0 (the validation part always runs).
"""

from __future__ import annotations

import sys
from pathlib import Path

from dendrisim import api
from dendrisim.core import parallel
from dendrisim.core.errors import DendrisimError, NotBuiltYetError
from dendrisim.post.plots.contributions import FIG5_CASES  # needle/deposit x routine/stable SEI


def main(results_root: str = "results") -> int:
    """Validate, mesh, run and plot the three Figure-5 cases; print where everything went."""
    say = parallel.root_print
    cases = [api.load_case(name) for name in FIG5_CASES]
    for c in cases:
        g = c.geometry
        say(
            f"[ok] {c.name}: valid case ({g.shape}, L = {g.length_um:.4g} µm, D = "
            f"{g.diameter_um:.4g} µm, L/D = {g.length_um / g.diameter_um:.3g}, Li volume "
            f"{g.analytic_volume_um3():.5g} µm3, SEI {c.sei.preset})"
        )
    not_built: list[str] = []
    stages = [
        (
            "mesh",
            lambda c: api.mesh(
                c, out=Path("meshes") / f"{c.name}.msh", preview=Path("meshes") / f"{c.name}.png"
            ),
        ),
        ("run", lambda c: api.run(c, out=Path(results_root) / c.name, force=True)),
    ]
    for stage, fn in stages:
        for c in cases:
            try:
                out = fn(c)
            except NotBuiltYetError as exc:
                not_built.append(f"{stage}: {exc}")
                break
            say(f"[ok] {c.name}: {stage} -> {out}")
        else:
            continue
        break
    if not not_built:
        try:
            figs = api.plot(
                [Path(results_root) / c.name for c in cases], out=Path(results_root) / "fig5"
            )
            say(f"[ok] Figure 5 plots -> {figs}")
            shot = Path(results_root) / "fig5" / "fig5c.png"
            folders = [Path(results_root) / c.name for c in cases]
            panel = api.view(folders, screenshot=shot, fields=("c",))
            say(f"[ok] Figure 5c panel -> {panel}")
        except NotBuiltYetError as exc:
            not_built.append(f"plot: {exc}")
    for line in not_built:
        say(f"[not built yet] {line}")
    if not_built:
        say(
            "The Figure-5 cases are valid; the stages above are not built yet, so no "
            "results were written."
        )
    return 0


if __name__ == "__main__":
    from dendrisim.core.logs import set_log_level

    set_log_level("info")  # progress and stop messages on stderr, like `dendrisim run`
    try:
        sys.exit(main())
    except DendrisimError as exc:
        parallel.root_print(f"dendrisim: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
