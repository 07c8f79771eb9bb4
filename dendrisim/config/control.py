"""Run-control sections: time stepping, solver, output."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from dendrisim.config.base import Section

PetscValue = str | int | float | bool


class TimeConfig(Section):
    """Time span and adaptive step control [s]."""

    end_s: float = Field(default=9.0, gt=0)  # docs/fig5.md: 9 s as Fig. 5
    dt_initial_s: float = Field(default=1e-3, gt=0)
    dt_min_s: float = Field(default=1e-9, gt=0)
    dt_max_s: float = Field(default=0.25, gt=0)
    max_dT_per_step_K: float = Field(default=2.0, gt=0)  # step cut above this |ΔT|
    scheme: Literal["backward_euler", "bdf2"] = "bdf2"
    # bdf2: local error / (atol + rtol |u|) <= 1 on the scaled unknowns (timeerror.py);
    # 5e-4: ΔT within 0.1 % on the 3D Fig. 5 cell (bench_accuracy --3d-small, [C])
    rtol: float = Field(default=5e-4, gt=0, lt=1)
    atol: float = Field(default=5e-4, gt=0)  # bdf2: c/c_bulk [-] and T - T0 [K] (T_scale 1 K)
    # bdf2: the tolerance bounds the local error per unit step over end_s (the errors of the
    # steps sum to about the tolerance) or per step (SUNDIALS: N steps x the tolerance)
    error_per: Literal["unit_step", "step"] = "unit_step"
    # error per unit step of the Li consumed, relative to the consumption rate plus the
    # dendrite's Li over end_s (docs/physics.md#time-stepping); 0: off, 1e-3 with a programme
    consumed_error_tol: float = Field(default=0.0, ge=0, lt=1)

    @model_validator(mode="after")
    def _check(self) -> TimeConfig:
        if self.dt_initial_s > self.end_s:
            raise ValueError(
                f"time.dt_initial_s = {self.dt_initial_s:g} s is larger than "
                f"time.end_s = {self.end_s:g} s"
            )
        if self.dt_min_s > self.dt_initial_s:
            raise ValueError(
                f"time.dt_min_s = {self.dt_min_s:g} s is larger than "
                f"time.dt_initial_s = {self.dt_initial_s:g} s"
            )
        if self.dt_max_s < self.dt_initial_s:
            raise ValueError(
                f"time.dt_max_s = {self.dt_max_s:g} s is smaller than "
                f"time.dt_initial_s = {self.dt_initial_s:g} s"
            )
        return self


class SolverConfig(Section):
    """Nonlinear and linear solver settings (defaults per formulation)."""

    linear: Literal["auto", "direct", "iterative"] = "auto"  # auto: direct 2D, iterative 3D
    newton_rtol: float = Field(default=1e-9, gt=0, lt=1)
    newton_atol: float = Field(default=1e-10, gt=0)  # scaled residual (docs/physics.md#weak-forms)
    # scaled unknowns: predicted error |δu_k|²/|δu_k-1| or step |δu_k| < stol |u| (newton.py)
    newton_stol: float = Field(default=1e-10, ge=0, lt=1)
    newton_max_it: int = Field(default=25, ge=1)
    element_degree: Literal[1, 2] = 1
    # chord Newton: keep the Jacobian/LU while Δt is unchanged and it contracts (reuse.py)
    reuse_jacobian: bool = False
    # Krylov solvers (3D): keep the AMG preconditioner until the Krylov count grows (pcreuse.py)
    reuse_preconditioner: bool = True
    petsc_options: dict[str, PetscValue] = Field(default_factory=dict)  # expert overrides


class OutputConfig(Section):
    """What is written during a run."""

    fields_every_s: float = Field(default=1.0, gt=0)
    fields: list[Literal["c", "T", "displacement"]] = Field(
        default_factory=lambda: ["c", "T", "displacement"]
    )
    # vtkhdf: one .vtkhdf per mesh (pyvista.read, ParaView); vtx: ADIOS2 .bp (ParaView);
    # xdmf: dolfinx XDMF (docs/architecture.md#output-formats says what reads each)
    format: Literal["vtkhdf", "vtx", "xdmf"] = "vtkhdf"
    # true: a checkpoint (checkpoint.h5) when a signal stops the run and every
    # checkpoint_every_s of simulated time; `dendrisim run --resume DIR` continues from it
    checkpoint: bool = True
    checkpoint_every_s: float = Field(default=0.0, ge=0)  # 0: only when a signal stops the run
    figures: bool = True
