"""Moving Li surface: interface recession by consumption and mesh motion (ALE).

The Li surface recedes along its normal with speed ``V_m * r``
(docs/physics.md#equations).  Each step:

1. the interface displacement is a P1 vector field on the interface nodes, the lumped
   L2 projection of ``-V_m r dt n_Li`` (``n_Li`` the outward normal of the Li): the volume
   it sweeps equals ``V_m dt * integral(r dA)`` up to the lumping, so the Li volume and the
   moles consumed stay consistent;
2. the displacement is extended into both Li and electrolyte by a harmonic (Laplace)
   solve with a stiffness inversely proportional to the cell size (small cells near the
   interface move rigidly instead of being squashed); outer boundaries are fixed, the
   axis and the lateral walls slide (no normal motion), the substrate top slides in its
   plane (a non-reacting foil) or recedes too (``substrate_reacts``);
3. mesh coordinates are updated; the mesh velocity ``w = du/dt`` is available for the
   ALE transport terms; the cell quality is monitored (inversion detection).

Resolved SEI shell (cell region ``sei``, facets ``interface`` = SEI facing electrolyte and
``li_sei`` = Li facing SEI).  The reaction happens at the shell's outer surface, but the
Li it consumes is taken from the Li under the shell; the shell keeps its thickness and
recedes with the Li (SEI re-forms on the fresh Li as fast as the old SEI is lost):

- the Li surface ``li_sei`` recedes along the outward normal of the Li with normal speed
  ``s V_m r~``, where ``r~`` at a Li/SEI node is the nodal rate of the nearest node of the
  outer surface (``interface``; the map is found once on the initial mesh, over all ranks)
  and the factor ``s`` (about outer/inner area) makes the volume swept at ``li_sei`` equal
  ``V_m dt * integral_interface(r dA)`` exactly: the Li volume matches the moles consumed;
- the outer ``interface`` nodes move by the same rule along the outward normal of the
  solid (Li and SEI) with normal speed ``s V_m r``: each moves as far as the Li nodes that
  take their rate, so the thickness is kept (the SEI volume then shrinks with the area of
  the shell, by about ``(s - 1)`` times the Li volume consumed);
- the SEI's foot on the foil (``li_sei`` facets in the plane z = 0) slides in that plane
  like ``substrate_top``; with ``substrate_reacts`` it recedes with the Li under it (rate
  carried from the nearest ``interface`` node) and ``substrate_top`` recedes by its own rate.

Without a shell (no ``li_sei`` facets) the interface is the Li surface itself (s = 1).

Geometry of degree 1 is required (the coordinates are moved node by node).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dendrisim.core import compat, parallel
from dendrisim.core.errors import MeshError
from dendrisim.core.units import M_TO_UM

compat.load_solver_libraries()

import dolfinx  # noqa: E402
import dolfinx.fem.petsc  # noqa: E402
import dolfinx.la.petsc  # noqa: E402
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402

FOOT_ID = 1012  # private facet id of the motion: the SEI's foot on the foil plane


def radial_weight(mesh: dolfinx.mesh.Mesh, formulation: str) -> Any:
    """Measure weight: 2*pi*r for axisymmetric (x[0] = r), 1 otherwise."""
    if formulation == "axisymmetric":
        return 2.0 * np.pi * ufl.SpatialCoordinate(mesh)[0]
    return fem.Constant(mesh, dolfinx.default_scalar_type(1.0))


def li_outward_normal(mesh: dolfinx.mesh.Mesh, li_indicator: fem.Function) -> Any:
    """Outward unit normal of a region on interior facets (chi('+') n('+') + chi('-') n('-')).

    ``li_indicator`` is the DG0 indicator of the region (the Li, or the solid Li and SEI).
    """
    n = ufl.FacetNormal(mesh)
    return li_indicator("+") * n("+") + li_indicator("-") * n("-")


def cell_quality(mesh: dolfinx.mesh.Mesh) -> tuple[np.ndarray, np.ndarray]:
    """Shape quality in (0, 1] (1 = equilateral) and signed size of the local owned cells.

    Triangles: 4 sqrt(3) A / sum(l^2).  Tetrahedra: 12 (3 V)^(2/3) / sum(l^2) (the
    "gamma"-like mean-ratio measure).  The sign of the size flips when a cell inverts.
    """
    tdim = mesh.topology.dim
    n_local = mesh.topology.index_map(tdim).size_local
    nodes = mesh.geometry.dofmaps[0][:n_local]
    x = mesh.geometry.x[nodes]
    if tdim == 2:
        a, b, c = x[:, 0, :2], x[:, 1, :2], x[:, 2, :2]
        ab, ac = b - a, c - a
        signed = 0.5 * (ab[:, 0] * ac[:, 1] - ab[:, 1] * ac[:, 0])
        l2 = ((b - a) ** 2).sum(1) + ((c - b) ** 2).sum(1) + ((a - c) ** 2).sum(1)
        q = 4.0 * np.sqrt(3.0) * signed / np.maximum(l2, 1e-300)
        return q, signed
    if tdim == 3:
        a, b, c, d = (x[:, i, :] for i in range(4))
        signed = np.einsum("ij,ij->i", np.cross(b - a, c - a), d - a) / 6.0
        pairs = [(a, b), (a, c), (a, d), (b, c), (b, d), (c, d)]
        l2 = sum(((p - q_) ** 2).sum(1) for p, q_ in pairs)
        q = 12.0 * np.cbrt(3.0 * np.abs(signed)) ** 2 / np.maximum(l2, 1e-300)
        return np.sign(signed) * q, signed
    raise MeshError(f"mesh quality: topological dimension {tdim} not supported (2 or 3)")


@dataclass
class MeshMotion:
    """Interface-driven mesh motion for one mesh (create once, call :meth:`step` per step).

    ``groups`` maps group names (docs/architecture.md#groups) to (dim, id).  The
    interface groups that recede are
    ``interface`` (and ``substrate_top`` when ``substrate_reacts``), plus ``li_sei`` when an
    SEI shell is resolved (module docstring).
    """

    mesh: dolfinx.mesh.Mesh
    cell_tags: Any
    facet_tags: Any
    groups: dict[str, tuple[int, int]]
    formulation: str
    molar_volume_m3_mol: float
    substrate_reacts: bool = False
    comm: Any = None
    _state: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        msh = self.mesh
        if msh.geometry.cmaps[0].degree != 1:
            raise MeshError(
                "a moving Li surface needs a mesh of geometric order 1 "
                f"(got {msh.geometry.cmaps[0].degree}); set geometry.mesh_order = 1"
            )
        self.comm = self.comm or msh.comm
        gdim, tdim = msh.geometry.dim, msh.topology.dim
        fdim = tdim - 1
        msh.topology.create_connectivity(fdim, tdim)
        self.V = fem.functionspace(msh, ("Lagrange", 1, (gdim,)))
        self.du = fem.Function(self.V, name="displacement_increment")
        self.displacement = fem.Function(self.V, name="displacement")
        self.velocity = fem.Function(self.V, name="mesh_velocity")
        self._g = fem.Function(self.V)  # prescribed interface displacement (this step)
        self._S1 = fem.functionspace(msh, ("Lagrange", 1))  # nodal scalars (same node order)

        # Li indicator (DG0) for the outward normal
        Q0 = fem.functionspace(msh, ("DG", 0))
        self.li_indicator = fem.Function(Q0, name="li_indicator")
        li_id = self._id("lithium")
        li_cells = self.cell_tags.indices[self.cell_tags.values == li_id]
        self.li_indicator.x.array[Q0.dofmap.list[li_cells, 0]] = 1.0
        self.li_indicator.x.scatter_forward()
        # resolved SEI shell: the solid (Li and SEI) indicator gives the normal at interface
        self._shell = self._has_shell()
        self.solid_indicator = self.li_indicator
        if self._shell:
            self.solid_indicator = fem.Function(Q0, name="solid_indicator")
            solid = self.cell_tags.indices[np.isin(self.cell_tags.values, [li_id, self._id("sei")])]
            self.solid_indicator.x.array[Q0.dofmap.list[solid, 0]] = 1.0
            self.solid_indicator.x.scatter_forward()
            # interface facets covered by the shell (SEI on one side); after a remesh that
            # removed thin Li and its shell, bare Li may face the electrolyte: it recedes
            # by its own rate and is not a source of the shell motion
            self.sei_indicator = fem.Function(Q0, name="sei_indicator")
            sei = self.cell_tags.indices[self.cell_tags.values == self._id("sei")]
            self.sei_indicator.x.array[Q0.dofmap.list[sei, 0]] = 1.0
            self.sei_indicator.x.scatter_forward()

        # stiffness ~ 1/cell size (DG0)
        self._stiff = fem.Function(Q0)
        q, signed = cell_quality(msh)
        self._sign0 = np.sign(signed)
        size = np.abs(signed)
        n_local = size.size
        smallest = parallel.global_min(size, self.comm)
        self._stiff.x.array[Q0.dofmap.list[:n_local, 0]] = smallest / np.maximum(size, 1e-300)
        self._stiff.x.scatter_forward()

        # lumped projection of the interface normal displacement
        self._tags = self._shell_tags(fdim) if self._shell else self.facet_tags
        self.dS = ufl.Measure("dS", domain=msh, subdomain_data=self._tags)
        self.w = radial_weight(msh, self.formulation)
        self._moving_ids = [self._id("interface")]
        if self.substrate_reacts and "substrate_top" in self.groups:
            self._moving_ids.append(self._id("substrate_top"))
        self._inner_ids = [self._id("li_sei")] if self._shell else []
        self._rate = fem.Constant(msh, dolfinx.default_scalar_type(0.0))
        self._build_bcs(gdim, fdim)
        u, v = ufl.TrialFunction(self.V), ufl.TestFunction(self.V)
        a = self._stiff * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx
        opts = {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}
        if tdim == 3:
            opts = {"ksp_type": "cg", "pc_type": "gamg", "ksp_rtol": 1e-10}
        self._setup_extension(a, opts)
        self._volume_form = fem.form(
            self.w * ufl.dx(domain=msh, subdomain_data=self.cell_tags, subdomain_id=li_id)
        )
        self._rate_expr = None
        if self._shell:
            self._setup_carry(gdim, fdim)

    # ------------------------------------------------------------------------------------
    def _id(self, name: str) -> int:
        if name not in self.groups:
            raise MeshError(
                f"mesh motion needs the physical group {name!r}; the mesh has "
                f"{', '.join(sorted(self.groups))}"
            )
        return self.groups[name][1]

    def _facets(self, name: str) -> np.ndarray:
        if name not in self.groups:
            return np.empty(0, dtype=np.int32)
        return self.facet_tags.indices[self.facet_tags.values == self.groups[name][1]]

    def _has_shell(self) -> bool:
        """True when an SEI shell is resolved: ``sei`` cells and ``li_sei`` facets (global)."""
        if "sei" not in self.groups or "li_sei" not in self.groups:
            return False
        return parallel.global_sum(float(self._facets("li_sei").size), self.comm) > 0

    def _shell_tags(self, fdim: int) -> Any:
        """Facet tags of the motion: the SEI's foot on the foil plane gets ``FOOT_ID``.

        ``li_sei`` facets with every vertex on z = 0 (the vertical coordinate is the last
        one) are where the shell stands on the foil; they slide in that plane, or recede
        with the Li under them when the substrate reacts.
        """
        msh, ft = self.mesh, self.facet_tags
        x = msh.geometry.x
        tol = 1e-9 * parallel.global_max(np.abs(x[:, : msh.geometry.dim]), self.comm)
        values = ft.values.copy()
        lisei = np.flatnonzero(values == self._id("li_sei"))
        if lisei.size:
            nodes = dolfinx.mesh.entities_to_geometry(msh, fdim, ft.indices[lisei])
            z = x[nodes][:, :, msh.geometry.dim - 1]
            foot = np.all(np.abs(z) <= tol, axis=1)
            if not self.substrate_reacts:
                values[lisei[foot]] = FOOT_ID
        return dolfinx.mesh.meshtags(msh, fdim, ft.indices, values)

    def _covered(self) -> Any:
        """1 on interface facets with SEI on one side (covered by the shell), else 0."""
        return self.sei_indicator("+") + self.sei_indicator("-")

    def _owned_nodes(self, ids: list[int], fdim: int) -> np.ndarray:
        """Owned P1 nodes (block indices of V) on the facets of the motion tags ``ids``."""
        facets = self._tags.indices[np.isin(self._tags.values, ids)]
        dofs = fem.locate_dofs_topological(self._S1, fdim, facets)
        return np.sort(dofs[dofs < self.V.dofmap.index_map.size_local])

    def _setup_carry(self, gdim: int, fdim: int) -> None:
        """Map each owned Li/SEI node to the nearest node of the outer surface (all ranks).

        The outer ``interface`` nodes of all ranks are gathered and sorted by coordinates,
        so that ties are broken the same way on any number of ranks.
        """
        outer = self._owned_nodes(self._moving_ids, fdim)
        self._inner_nodes = np.setdiff1d(self._owned_nodes(self._inner_ids, fdim), outer)
        source = self._owned_nodes([self._id("interface")], fdim)
        wf = ufl.avg(self.w) if self.formulation == "axisymmetric" else self.w
        covered = self._nodal(
            fem.form(
                self._covered()
                * ufl.avg(ufl.TestFunction(self._S1))
                * wf
                * self.dS(self._id("interface"))
            ),
            self.V.dofmap.index_map.size_local,
        )
        self._source_nodes = source[covered[source] > 0]
        coords = self.V.tabulate_dof_coordinates()[:, :gdim]
        src = np.concatenate(parallel.gather_all(coords[self._source_nodes], self.comm))
        if src.shape[0] == 0:
            raise MeshError("an SEI shell needs interface facets (the shell's outer surface)")
        order = np.lexsort(src.T[::-1])
        src = src[order]
        x = coords[self._inner_nodes]
        carry = np.empty(x.shape[0], dtype=np.int64)
        chunk = max(1, 2_000_000 // src.shape[0])
        for k in range(0, x.shape[0], chunk):
            d2 = ((x[k : k + chunk, None, :] - src[None, :, :]) ** 2).sum(axis=2)
            carry[k : k + chunk] = order[np.argmin(d2, axis=1)]
        self._carry = carry
        # components that the boundary conditions keep at zero (sliding, fixed): the swept
        # volume that fixes the scale factor is computed without them
        bs = self.V.dofmap.index_map_bs
        keep = np.ones(self._g.x.array.size)
        for dofs in self._slide_info:
            keep[dofs] = 0.0
        keep.reshape(-1, bs)[self._fixed_dofs] = 0.0
        self._keep = keep.reshape(-1, bs)[self._inner_nodes]
        # offset of each surface node to its patch mean on the initial mesh (g = 0 here)
        n_owned = self.V.dofmap.index_map.size_local
        xs, a = self._patch_sums(n_owned)
        mean = xs / np.where(a > 0, a, 1.0)[:, None]
        self._state["patch_offset0"] = np.where((a > 0)[:, None], mean - coords[:n_owned], 0.0)

    def _build_bcs(self, gdim: int, fdim: int) -> None:
        msh, V = self.mesh, self.V
        bcs = []
        moving = np.unique(
            np.concatenate(
                [
                    self._tags.indices[self._tags.values == i]
                    for i in self._moving_ids + self._inner_ids
                ]
            )
        )
        self._moving_dofs = fem.locate_dofs_topological(V, fdim, moving)
        bcs.append(fem.dirichletbc(self._g, self._moving_dofs))
        # fixed: outer electrolyte boundary and foil bottom
        fixed = np.concatenate([self._facets("bulk"), self._facets("substrate")])
        fixed_dofs = fem.locate_dofs_topological(V, fdim, fixed)
        self._fixed_dofs = fixed_dofs
        zero = np.zeros(gdim, dtype=dolfinx.default_scalar_type)
        bcs.append(fem.dirichletbc(zero, fixed_dofs, V))
        # sliding: no motion normal to axis, side walls and a passive substrate top
        sliding: list[tuple[np.ndarray, int]] = []
        slide_names = ["axis", "side"] + ([] if self.substrate_reacts else ["substrate_top"])
        x = msh.geometry.x
        for name in slide_names:
            facets = self._facets(name)
            if name == "axis":
                sliding.append((facets, 0))
                continue
            if name == "substrate_top":
                sliding.append((facets, gdim - 1))
                if self._shell:  # the SEI's foot on the foil plane
                    foot = self._tags.indices[self._tags.values == FOOT_ID]
                    sliding.append((foot, gdim - 1))
                continue
            if facets.size == 0:
                continue
            # planar walls: normal along the coordinate that is constant on the facet
            nodes = dolfinx.mesh.entities_to_geometry(msh, fdim, facets)
            spread = np.ptp(x[nodes][:, :, :gdim], axis=1)
            for comp in range(gdim):
                sliding.append((facets[np.argmin(spread, axis=1) == comp], comp))
        self._slide_info = []
        for facets, comp in sliding:
            Vc, _ = V.sub(comp).collapse()
            zc = fem.Function(Vc)
            dofs = fem.locate_dofs_topological((V.sub(comp), Vc), fdim, facets)
            bcs.append(fem.dirichletbc(zc, dofs, V.sub(comp)))
            self._slide_info.append(dofs[0])
        self._bcs = bcs

    # ------------------------------------------------------------------------------------
    def set_rate(self, rate: Any) -> None:
        """Set the interface reaction rate r [mol m^-2 s^-1] that drives the recession.

        ``rate`` is a float or a UFL expression valid on interior facets (restricted, or
        continuous and wrapped in ``avg``).
        """
        if isinstance(rate, int | float):
            self._rate.value = float(rate)
            rate = self._rate
        self._rate_expr = rate
        v = ufl.TestFunction(self.V)
        n_out = li_outward_normal(self.mesh, self.solid_indicator)
        s = ufl.TestFunction(self._S1)
        dS = sum((self.dS(i) for i in self._moving_ids[1:]), self.dS(self._moving_ids[0]))
        wf = ufl.avg(self.w) if self.formulation == "axisymmetric" else self.w
        # B_i = int(phi_i n w dS) (area-weighted normal), R_i = int(r phi_i w dS) (rate)
        self._normal_form = fem.form(ufl.inner(n_out, ufl.avg(v)) * wf * dS)
        self._rate_vec_form = fem.form(rate * ufl.avg(s) * wf * dS)
        if self._shell:
            n_li = li_outward_normal(self.mesh, self.li_indicator)
            dS_in, dS_if = self.dS(self._inner_ids[0]), self.dS(self._id("interface"))
            cov = self._covered()
            self._shell_forms = {
                "normal": fem.form(ufl.inner(n_li, ufl.avg(v)) * wf * dS_in),
                "area": fem.form(ufl.avg(s) * wf * dS_in),
                "rate": fem.form(cov * rate * ufl.avg(s) * wf * dS_if),
                "if_area": fem.form(cov * ufl.avg(s) * wf * dS_if),
            }

    def interface_displacement(self, dt_s: float) -> None:
        """Fill the prescribed interface displacement for a step of ``dt_s`` [s].

        Node i moves by ``-V_m dt R_i B_i / |B_i|^2``: along the area-weighted normal
        ``B_i``, with the length that makes the swept volume ``sum_i u_i . B_i`` equal to
        ``-V_m dt * integral(r w dS)`` exactly (consistent with the reaction integral; at a
        right-angled corner the node moves diagonally as the exact solution does).  The
        stretch factor m_i/|B_i| (1 on a flat surface) is capped at 3 for sharp cusps.
        With an SEI shell the interface rate is scaled by s and the Li/SEI nodes move too
        (:meth:`_shell_displacement`, module docstring).
        """
        if self._rate_expr is None:
            raise RuntimeError("MeshMotion.set_rate() must be called before stepping")
        PETSc = _petsc()
        B = dolfinx.fem.petsc.assemble_vector(self._normal_form)
        B.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        Rv = dolfinx.fem.petsc.assemble_vector(self._rate_vec_form)
        Rv.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        bs = self.V.dofmap.index_map_bs
        n_owned = self.V.dofmap.index_map.size_local
        Bv = B.array_r.reshape(-1, bs)[:n_owned].copy()
        rv = Rv.array_r[:n_owned].copy()
        B.destroy()
        Rv.destroy()
        self._scalar_mass_cap(n_owned)
        b2 = (Bv**2).sum(axis=1)
        m = self._state["node_area"]
        # |B_i| >= m_i / 3: cap the stretch factor m_i/|B_i| at 3 (sharp cusps)
        b2 = np.maximum(b2, (m / 3.0) ** 2)
        g = self._g.x.array.reshape(-1, bs)
        g[:] = 0.0
        active = m > 0
        if self._shell:  # outer nodes: s times the interface rate (+ a reacting foil's own)
            scale, inner = self._shell_displacement(dt_s, n_owned)
            rv = rv + (scale - 1.0) * self._state["interface_rate"]
        g[:n_owned][active] = (-self.molar_volume_m3_mol * dt_s * rv[active] / b2[active])[
            :, None
        ] * Bv[active]
        if self._shell:
            nodes = self._inner_nodes
            g[:n_owned][nodes] = scale * inner
            Bv, m = Bv.copy(), m.copy()
            Bv[nodes], m[nodes] = self._state["inner_normal"], self._state["inner_area"]
        self._g.x.scatter_forward()
        self._tangential_relaxation(Bv, m, n_owned)
        # nodes shared with sliding boundaries keep only the tangential motion
        for dofs in self._slide_info:
            self._g.x.array[dofs] = 0.0

    def _nodal(self, form: Any, n_owned: int, bs: int = 1) -> np.ndarray:
        """Owned nodal values of an assembled vector form (ghost contributions added)."""
        PETSc = _petsc()
        vec = dolfinx.fem.petsc.assemble_vector(form)
        vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        out = vec.array_r.reshape(-1, bs)[:n_owned].copy()
        vec.destroy()
        return out if bs > 1 else out[:, 0]

    def _shell_displacement(self, dt_s: float, n_owned: int) -> tuple[float, np.ndarray]:
        """Scale factor s and unit-s displacement of the owned Li/SEI nodes (shell model).

        Node j moves by ``-V_m dt r~_j m_j B_j / |B_j|^2`` (``B_j`` its area-weighted Li
        normal, ``m_j`` its area, ``r~_j`` the nodal rate of the nearest interface node); the
        global ``s`` makes the swept volume ``-sum_j s u_j . B_j`` (components held by the
        boundary conditions left out) equal ``V_m dt * integral_interface(r dA)``.
        """
        f = self._shell_forms
        B = self._nodal(f["normal"], n_owned, self.V.dofmap.index_map_bs)
        m = self._nodal(f["area"], n_owned)
        rate = self._nodal(f["rate"], n_owned)
        area = self._nodal(f["if_area"], n_owned)
        src = self._source_nodes
        rho = rate[src] / np.where(area[src] > 0, area[src], 1.0)
        rho_all = np.concatenate(parallel.gather_all(rho, self.comm))
        nodes = self._inner_nodes
        Bj, mj = B[nodes], m[nodes]
        b2 = np.maximum((Bj**2).sum(axis=1), (mj / 3.0) ** 2)
        vm_dt = self.molar_volume_m3_mol * dt_s
        u = (-vm_dt * rho_all[self._carry] * mj / np.where(b2 > 0, b2, 1.0))[:, None] * Bj
        u *= self._keep
        swept = -parallel.global_sum((u * Bj).sum(), self.comm)
        target = vm_dt * parallel.global_sum(rate.sum(), self.comm)
        scale = target / swept if swept > 0 else 0.0
        self._state.update(interface_rate=rate, inner_normal=Bj, inner_area=mj, shell_scale=scale)
        return scale, u

    def _tangential_relaxation(
        self,
        Bv: np.ndarray,
        m: np.ndarray,
        n_owned: int,
        alpha: float = 0.5,
        smooth_cos: float = 0.95,
    ) -> None:
        """Slide interface nodes along the surface towards their neighbours' mean.

        Normal-only motion bunches nodes where the surface shrinks (next to a corner, on a
        shrinking cap) until elements invert.  Each smooth interface node (area-weighted
        normal length |B_i|/m_i above ``smooth_cos``: no corner) moves by ``alpha`` times the
        tangential part of (patch mean of the new positions - its new position).  Tangential
        motion leaves the swept volume unchanged to first order; corners are not moved.

        With an SEI shell the offset to the patch mean on the initial mesh is subtracted:
        only the bunching made by the motion is relaxed, not the initial irregularity of an
        unstructured surface mesh (relaxing that would move the two surfaces of a thin shell
        differently, shearing its cells, and change a faceted curved volume).
        """
        xs, a = self._patch_sums(n_owned)
        gdim = self.mesh.geometry.dim
        coords = self.V.tabulate_dof_coordinates()[:n_owned, :gdim]
        bs = self.V.dofmap.index_map_bs
        g = self._g.x.array.reshape(-1, bs)
        norm_b = np.sqrt((Bv**2).sum(axis=1))
        smooth = (a > 0) & (m > 0) & (norm_b > smooth_cos * np.where(m > 0, m, 1.0))
        if not np.any(smooth):
            return
        nhat = Bv[smooth] / norm_b[smooth, None]
        mean_new = xs[smooth] / a[smooth, None]
        d = mean_new - (coords[smooth] + g[:n_owned][smooth])
        if self._shell:
            d -= self._state["patch_offset0"][smooth]
        d -= (d * nhat).sum(axis=1)[:, None] * nhat
        g[:n_owned][smooth] += alpha * d
        self._g.x.scatter_forward()

    def _patch_sums(self, n_owned: int) -> tuple[np.ndarray, np.ndarray]:
        """Nodal int((x + g) phi_i dS) and int(phi_i dS) over the moving surfaces (owned)."""
        PETSc = _petsc()
        if "patch_forms" not in self._state:
            msh = self.mesh
            s = ufl.TestFunction(self._S1)
            v = ufl.TestFunction(self.V)
            ids = self._moving_ids + self._inner_ids
            dS = sum((self.dS(i) for i in ids[1:]), self.dS(ids[0]))
            x = ufl.SpatialCoordinate(msh)
            self._state["patch_forms"] = (
                fem.form(ufl.inner(ufl.avg(x + self._g), ufl.avg(v)) * dS),
                fem.form(ufl.avg(s) * dS),
            )
        fx, f1 = self._state["patch_forms"]
        X = dolfinx.fem.petsc.assemble_vector(fx)
        X.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        A = dolfinx.fem.petsc.assemble_vector(f1)
        A.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        bs = self.V.dofmap.index_map_bs
        xs = X.array_r.reshape(-1, bs)[:n_owned].copy()
        a = A.array_r[:n_owned].copy()
        X.destroy()
        A.destroy()
        return xs, a

    def _scalar_mass_cap(self, n_owned: int) -> None:
        """Nodal interface measure m_i = int(phi_i w dS) on the current geometry."""
        PETSc = _petsc()
        if "node_area_form" not in self._state:
            s = ufl.TestFunction(self._S1)
            ids = self._moving_ids
            dS = sum((self.dS(i) for i in ids[1:]), self.dS(ids[0]))
            wf = ufl.avg(self.w) if self.formulation == "axisymmetric" else self.w
            self._state["node_area_form"] = fem.form(ufl.avg(s) * wf * dS)
        M = dolfinx.fem.petsc.assemble_vector(self._state["node_area_form"])
        M.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        self._state["node_area"] = M.array_r[:n_owned].copy()
        M.destroy()

    def step(self, dt_s: float, prescribed: bool = False) -> float:
        """Move the mesh for one step of ``dt_s`` [s]; returns the global minimum quality.

        ``prescribed``: the interface displacement for ``dt_s`` is already filled (by
        :meth:`prescribed_fraction` with the same ``dt_s``).
        """
        if not prescribed:
            self.interface_displacement(dt_s)
        self._solve_extension()
        self._move_geometry(self.du)
        self.displacement.x.array[:] += self.du.x.array
        self.velocity.x.array[:] = self.du.x.array / dt_s
        return self.min_quality()

    def _setup_extension(self, a: Any, opts: dict[str, Any]) -> None:
        """Assemble the extension operator once (reference mesh) and factorise it once.

        The harmonic extension only has to be smooth, not exact on the moved mesh, so the
        stiffness of the reference mesh is kept (a lagged operator): each step is one
        right-hand side and one back-substitution.  The unconstrained matrix lifts the
        prescribed boundary displacement into the right-hand side.
        """
        PETSc = _petsc()
        form = fem.form(a)
        self._A = dolfinx.fem.petsc.assemble_matrix(form, bcs=self._bcs)
        self._A.assemble()
        self._A_free = dolfinx.fem.petsc.assemble_matrix(form)
        self._A_free.assemble()
        imap, bs = self.V.dofmap.index_map, self.V.dofmap.index_map_bs
        self._b = dolfinx.la.petsc.create_vector([(imap, bs)])
        self._g_vec = dolfinx.la.petsc.create_vector([(imap, bs)])
        self._ksp = PETSc.KSP().create(self.mesh.comm)
        self._ksp.setOptionsPrefix("dendrisim_ale_")
        opt = PETSc.Options()
        for k, v in opts.items():
            opt[f"dendrisim_ale_{k}"] = v
        self._ksp.setFromOptions()
        self._ksp.setOperators(self._A)

    def _solve_extension(self) -> None:
        """du: harmonic extension of the prescribed boundary displacement (lagged operator)."""
        g, b = self._g_vec, self._b
        g.zeroEntries()
        dolfinx.fem.petsc.set_bc(g, self._bcs)  # g = prescribed values on constrained dofs
        self._A_free.mult(g, b)
        b.scale(-1.0)  # lifting: free rows get -A g
        dolfinx.fem.petsc.set_bc(b, self._bcs)  # constrained rows: the prescribed values
        self._ksp.solve(b, self.du.x.petsc_vec)
        self.du.x.scatter_forward()

    def destroy(self) -> None:
        """Destroy the PETSc objects (collective; call on every rank together)."""
        for name in ("_ksp", "_A", "_A_free", "_b", "_g_vec"):
            obj = getattr(self, name, None)
            if obj is not None:
                obj.destroy()
                setattr(self, name, None)

    def _move_geometry(self, u: fem.Function) -> None:
        msh = self.mesh
        gdim = msh.geometry.dim
        bs = self.V.dofmap.index_map_bs
        vals = u.x.array.reshape(-1, bs)
        msh.geometry.x[:, :gdim] += vals[self._geom_to_dof(), :gdim]

    def _geom_to_dof(self) -> np.ndarray:
        """Block dof of the displacement space at every geometry node."""
        if "geom_to_dof" not in self._state:
            msh = self.mesh
            gmap = np.empty(msh.geometry.x.shape[0], dtype=np.int64)
            gmap[msh.geometry.dofmaps[0].ravel()] = self.V.dofmap.list.ravel()
            self._state["geom_to_dof"] = gmap
        return self._state["geom_to_dof"]

    def _surface_sizes(self, x: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Geometry nodes of the moving surfaces and their local size [m].

        The size is that of the smallest adjacent moving facet (length in 2D, sqrt(2 area)
        in 3D) for the coordinates ``x`` (default: the current geometry).  The node sets
        are found once; each call is a few vector operations.
        """
        msh = self.mesh
        fdim = msh.topology.dim - 1
        if "surface_nodes" not in self._state:
            ids = self._moving_ids + list(getattr(self, "_inner_ids", []))
            facets = self._tags.indices[np.isin(self._tags.values, ids)]
            nodes = dolfinx.mesh.entities_to_geometry(msh, fdim, facets)
            flat, inv = np.unique(nodes.ravel(), return_inverse=True)
            self._state["surface_nodes"] = (nodes, flat, inv)
        nodes, flat, inv = self._state["surface_nodes"]
        if nodes.size == 0:
            return flat, np.zeros(0)
        x = msh.geometry.x if x is None else x
        e1 = x[nodes[:, 1]] - x[nodes[:, 0]]
        if fdim == 1:
            size = np.linalg.norm(e1, axis=1)
        else:
            size = np.sqrt(np.linalg.norm(np.cross(e1, x[nodes[:, 2]] - x[nodes[:, 0]]), axis=1))
        h = np.full(flat.size, np.inf)
        np.minimum.at(h, inv, np.repeat(size, nodes.shape[1]))
        return flat, np.maximum(h, 1e-300)

    def prescribed_fraction(self, dt_s: float) -> float:
        """Largest surface-node displacement of a step of ``dt_s`` [s] / local size.

        Computed before moving (global); fills the prescribed displacement.
        """
        self.interface_displacement(dt_s)
        flat, h = self._surface_sizes()
        bs = self.V.dofmap.index_map_bs
        g = self._g.x.array.reshape(-1, bs)[self._geom_to_dof()[flat]]
        return max(parallel.global_max(np.linalg.norm(g, axis=1) / h, self.comm), 0.0)

    def moved_fraction(self, x_before: np.ndarray) -> float:
        """Largest surface-node displacement since ``x_before`` / local size (global).

        ``x_before``: the geometry coordinates before the move (the sizes are theirs).
        """
        flat, h = self._surface_sizes(x_before)
        disp = np.linalg.norm(self.mesh.geometry.x[flat] - x_before[flat], axis=1)
        return max(parallel.global_max(disp / h, self.comm), 0.0)

    def worst_cell_um(self) -> str:
        """Centre of the worst cell [µm] as text (the same on every rank)."""
        q, signed = cell_quality(self.mesh)
        q = np.where(np.sign(signed) == self._sign0, np.abs(q), -np.abs(q))
        n_local = q.size
        best = (float(q.min()), self.comm.rank) if n_local else (np.inf, self.comm.rank)
        allq = parallel.gather_all(best, self.comm)
        rank = min(allq)[1]
        text = ""
        if self.comm.rank == rank and n_local:
            nodes = self.mesh.geometry.dofmaps[0][int(np.argmin(q))]
            c = self.mesh.geometry.x[nodes].mean(axis=0) * M_TO_UM
            text = "(" + ", ".join(f"{v:.4g}" for v in c[: self.mesh.geometry.dim]) + ")"
        return parallel.broadcast(text, self.comm, root=rank)

    def undo_last(self) -> None:
        """Move the mesh back by the last increment (a rejected step)."""
        neg = fem.Function(self.V)
        neg.x.array[:] = -self.du.x.array
        self._move_geometry(neg)
        self.displacement.x.array[:] -= self.du.x.array

    def min_quality(self) -> float:
        """Minimum cell quality over all ranks; negative if any cell inverted."""
        q, signed = cell_quality(self.mesh)
        q = np.where(np.sign(signed) == self._sign0, np.abs(q), -np.abs(q))
        return parallel.global_min(q, self.comm)

    def li_volume_m3(self) -> float:
        """Current Li volume [m^3] (revolved body in axisymmetric)."""
        return parallel.global_sum(fem.assemble_scalar(self._volume_form), self.comm)

    def region_volume_m3(self, name: str) -> float:
        """Current volume [m^3] of a cell region (e.g. ``sei``; revolved in axisymmetric)."""
        form = fem.form(
            self.w
            * ufl.dx(domain=self.mesh, subdomain_data=self.cell_tags, subdomain_id=self._id(name))
        )
        return parallel.global_sum(fem.assemble_scalar(form), self.comm)


def _petsc():
    from petsc4py import PETSc

    return PETSc
