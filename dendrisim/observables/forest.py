"""Per-dendrite observables of a 3D forest: Li consumed, retention and tip temperature.

Which dendrite a point belongs to is decided pointwise, at the quadrature points, by the
dendrites' axes (``ModelParameters.dendrite_axes_m``, from the geometry's layout): the
dendrite k minimising d_k = |xy - c_k| - R_k, the distance to its outer cylinder
(:func:`dendrisim.geometry.spec.forest_axes_m`).  Every interface point and every Li
point above the foil lies inside or on its own dendrite's cylinder (d_k <= 0) and at least
the forest's gap away from every other one, so the split is exact; it needs no tags, so it
holds on a moved mesh and on any remeshed one.  The indicators partition every point, so
the per-dendrite amounts add up to the totals (``li_consumed_mol``) to round-off.

Columns, for dendrite k = 1..N (two digits): ``li_consumed_mol_dNN`` [mol],
``li_retention_dNN`` [1] (1 - consumed/initial moles; on a moving mesh V_k(t)/V_k(0) after
each move, as ``li_retention``; 0 once its Li is gone) and ``T_tip_K_dNN`` [K] (the
interface node of the dendrite farthest along z; NaN once it has no interface left).
"""

from __future__ import annotations

import math

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402

import numpy as np  # noqa: E402

from dendrisim.core import parallel  # noqa: E402
from dendrisim.core.errors import ResumeError  # noqa: E402
from dendrisim.observables.base import (  # noqa: E402
    Context,
    Observable,
    StepState,
    extreme_at_dofs,
    integral,
    interface_dofs,
)


def dendrite_labels(xy: np.ndarray, axes_m) -> np.ndarray:
    """Index of the dendrite each point (rows of x, y [m]) belongs to (numpy)."""
    a = np.asarray(axes_m, dtype=float).reshape(-1, 3)
    d = np.hypot(xy[:, None, 0] - a[None, :, 0], xy[:, None, 1] - a[None, :, 1]) - a[None, :, 2]
    return np.argmin(d, axis=1) if len(xy) else np.zeros(0, dtype=int)


def _indicator(model, own: fem.Constant, others: fem.Constant, n_others: int):
    """UFL 1 where the point is nearer the ``own`` cylinder than every one of ``others``.

    Constants hold (x, y, R) so every dendrite's form has the same code (compiled once).
    """
    x = model.x

    def dist(c, i=None):
        cx, cy, r = (c[0], c[1], c[2]) if i is None else (c[i, 0], c[i, 1], c[i, 2])
        return ufl.sqrt((x[0] - cx) ** 2 + (x[1] - cy) ** 2) - r

    mine, chi = dist(own), 1.0
    for i in range(n_others):
        chi = chi * ufl.conditional(ufl.lt(mine, dist(others, i)), 1.0, 0.0)
    return chi


class ForestDendrites(Observable):
    """Li consumed, retention and tip temperature of each dendrite of a forest."""

    state_attrs = ("total", "last", "moles0", "volume0", "removed")

    def __init__(self, model, moving: bool):
        self.model, self.comm, self.moving = model, model.comm, moving
        axes = model.params.dendrite_axes_m
        self.n = len(axes)
        tags = [f"d{k + 1:02d}" for k in range(self.n)]
        names = ("li_consumed_mol", "li_retention", "T_tip_K", "li_removed_mol")
        self.columns = tuple(f"{c}_{t}" for t in tags for c in names)
        self.units = ("mol", "1", "K", "mol") * self.n
        self.rate_forms, self.volume_forms = [], []
        li_dx = model.region_dx("lithium")
        above = ufl.conditional(ufl.gt(model.x[2], 0.0), 1.0, 0.0)
        for k in range(self.n):
            rest = np.array([a for j, a in enumerate(axes) if j != k]).reshape(-1, 3)
            own = fem.Constant(model.mesh, np.array(axes[k], dtype=float))
            others = fem.Constant(model.mesh, rest)
            chi = _indicator(model, own, others, len(rest))
            self.rate_forms.append(fem.form(model.interface_integral(chi * model.rate())))
            self.volume_forms.append(fem.form(chi * above * li_dx))
        self.tips = self._tips(axes)
        self.has_tip = [parallel.global_max(float(t.size), self.comm) > 0 for t in self.tips]
        self.volume0 = [integral(f, self.comm) for f in self.volume_forms]
        self.moles0 = [v * model.params.li_molar_density_mol_m3 for v in self.volume0]
        self.total, self.last = [0.0] * self.n, [0.0] * self.n
        self.removed = [0.0] * self.n  # Li removed at remeshes (thin, pinched, dropped) [mol]

    @classmethod
    def build(cls, ctx: Context) -> ForestDendrites | None:
        """Only for a generated 3D forest (``dendrite_axes_m`` not empty)."""
        axes = getattr(ctx.model.params, "dendrite_axes_m", ())
        return cls(ctx.model, ctx.moving) if axes else None

    def _tips(self, axes) -> list[np.ndarray]:
        """Per dendrite: its highest interface T dof (on one rank; empty elsewhere)."""
        tdofs = interface_dofs(self.model, 1)
        coords = self.model.V.tabulate_dof_coordinates()
        nodes = tdofs // 2
        owned = nodes < self.model.V.dofmap.index_map.size_local
        labels = dendrite_labels(coords[nodes, :2], axes)
        out = []
        for k in range(self.n):
            z = np.where(labels == k, coords[nodes, 2], -np.inf)
            zmax = parallel.global_max(z, self.comm)
            if not math.isfinite(zmax):
                out.append(np.zeros(0, dtype=tdofs.dtype))
                continue
            hit = (labels == k) & owned & (z >= zmax - 1e-12 * max(abs(zmax), 1e-30))
            # one rank keeps it: the lowest rank holding a candidate
            r = parallel.global_min(parallel.rank(self.comm) if hit.any() else np.inf, self.comm)
            out.append(tdofs[hit][:1] if parallel.rank(self.comm) == r else tdofs[:0])
        return out

    def compute(self, state: StepState) -> dict[str, float]:
        """Consumed (the scheme's quadrature of each dendrite's rate), retention, tip T."""
        out = {}
        for k in range(self.n):
            t = f"d{k + 1:02d}"
            consumed = self.total[k]
            if not state.first:
                consumed += state.increment(self.last[k], integral(self.rate_forms[k], self.comm))
            n0, gone = self.moles0[k], consumed + self.removed[k]
            out[f"li_consumed_mol_{t}"] = consumed
            out[f"li_removed_mol_{t}"] = self.removed[k]
            out[f"li_retention_{t}"] = max(0.0, 1.0 - gone / n0) if n0 > 0 else 0.0
            out[f"T_tip_K_{t}"] = (
                extreme_at_dofs(self.model, self.tips[k], "max", 1) if self.has_tip[k] else math.nan
            )
        return out

    def commit(self, values: dict[str, float]) -> None:
        """Move the totals on."""
        for k in range(self.n):
            c = values[f"li_consumed_mol_d{k + 1:02d}"]
            self.last[k], self.total[k] = c - self.total[k], c

    def after_move(self, state: StepState) -> None:
        """Volume-based retention of each dendrite on the moved mesh, Li removed so far.

        The retention is 0 once the dendrite has no reacting surface left; the removed Li
        changes when the move remeshed.
        """
        for k in range(self.n):
            t, v0 = f"d{k + 1:02d}", self.volume0[k]
            vol = integral(self.volume_forms[k], self.comm) if self.has_tip[k] else 0.0
            state.values[f"li_retention_{t}"] = max(0.0, vol) / v0 if v0 > 0 else 0.0
            state.values[f"li_removed_mol_{t}"] = self.removed[k]

    def remeshed(self, report) -> None:
        """Attribute the Li a remesh removed to the dendrites.

        Each removed cell goes by its centre, as the quadrature points: the nearest cylinder.
        """
        rows = getattr(report, "li_removed_cells", None)
        rows = np.zeros((0, 4)) if rows is None else np.asarray(rows).reshape(-1, 4)
        labels = dendrite_labels(rows[:, :2], self.model.params.dendrite_axes_m)
        rho = self.model.params.li_molar_density_mol_m3
        for k in range(self.n):
            self.removed[k] += rho * parallel.global_sum(
                float(rows[labels == k, 3].sum()), self.comm
            )

    def restore(self, state: dict) -> None:
        """Take back the running totals; a checkpoint older than ``removed`` is refused."""
        if "removed" not in state:
            raise ResumeError(
                "this checkpoint predates the forest's per-dendrite removed Li "
                "(li_removed_mol_dNN): it cannot be resumed by this version; run the case again"
            )
        super().restore(state)

    def adopt(self, old: Observable) -> None:
        """Keep the totals and the initial amounts (a dendrite removed keeps its total)."""
        for k in self.state_attrs:
            setattr(self, k, list(getattr(old, k)))
