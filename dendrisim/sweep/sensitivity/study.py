"""Sensitivity-study file (TOML) -> validated :class:`StudySpec` (docs/sensitivity.md).

A study file::

    name = "fig5-sensitivity"
    out = "results/sensitivity"          # relative to the working directory
    cases = ["fig5-needle-routine-sei", "fig5-deposit-routine-sei", "fig5-deposit-stable-sei"]
    routine = "fig5-needle-routine-sei"  # the paper's claim: routine loses more Li AND heats
    stable = "fig5-deposit-stable-sei"   # more than stable
    [set]                                # overrides of every run (e.g. a cheaper setting)
    "time.rtol" = 0.01
    [[parameters]]                       # one per inferred parameter
    key = "kinetics.activation_energy_J_mol"
    low = 135e3
    high = 457e3
    scale = "linear"                     # linear | log (sampled uniformly in log10)
    kind = "value"                       # value | factor (times the case's resolved value)
    label = "E"
    tag = "[C]"
    source = "why this range"
    [morris]
    trajectories = 10
    [sobol]
    base_samples = 32                    # N; Saltelli's N (D + 2) runs per case
    [run]                                # as a sweep's [run] (backend, workers, ...)
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dendrisim.config.base import read_utf8
from dendrisim.sweep.spec import (
    DEFAULT_RUNNER,
    NAME_RE,
    RunConfig,
    SlurmConfig,
    SweepError,
    flatten,
)

FIG5_CASES = ["fig5-needle-routine-sei", "fig5-deposit-routine-sei", "fig5-deposit-stable-sei"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Parameter(_Strict):
    """One uncertain input: a case key, its plausible range and where the range comes from."""

    key: str
    low: float
    high: float
    scale: Literal["linear", "log"] = "linear"
    kind: Literal["value", "factor"] = "value"  # factor: times the resolved value of `key`
    label: str = ""
    unit: str = ""
    nominal: float | None = None  # the built-in cases' value (in the units of low/high)
    cases: list[str] = Field(default_factory=list)  # the study cases it applies to; []: all
    tag: str = "[I]"
    source: str = ""

    @model_validator(mode="after")
    def _range(self) -> Parameter:
        if not self.high > self.low:
            raise ValueError(f"parameter {self.key!r}: high = {self.high} must exceed low")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"parameter {self.key!r}: scale = 'log' needs low > 0")
        return self

    @property
    def name(self) -> str:
        """Short name in tables and plots."""
        return self.label or self.key.rsplit(".", 1)[-1]


class MorrisConfig(_Strict):
    """``[morris]``: elementary-effects screening (SALib.sample.morris)."""

    trajectories: int = Field(default=10, ge=2)  # r
    levels: int = Field(default=4, ge=2)  # p (even)


class SobolConfig(_Strict):
    """``[sobol]``: variance-based indices (Saltelli sampling, SALib.analyze.sobol)."""

    base_samples: int = Field(default=32, ge=2)  # N (a power of 2)
    second_order: bool = False
    parameters: list[str] = Field(default_factory=list)  # keys; empty: from the Morris result
    keep: int = Field(default=4, ge=1)  # influential parameters taken from Morris
    bootstrap: int = Field(default=1000, ge=10)  # resamples of the confidence intervals


class StudySpec(_Strict):
    """A validated sensitivity study."""

    name: str = Field(default="sensitivity", pattern=NAME_RE)
    description: str = ""
    out: str = ""  # default: results/<name>
    cases: list[str] = Field(default_factory=lambda: list(FIG5_CASES), min_length=1)
    routine: str = FIG5_CASES[0]
    stable: str = FIG5_CASES[2]
    seed: int = 20261130
    set: dict[str, Any] = Field(default_factory=dict)
    # [set] keys that only make the runs cheaper: `dendrisim sensitivity check` runs samples
    # without them (the default setting) to measure what they change
    cheap: list[str] = Field(default_factory=list)
    check_runner: str = DEFAULT_RUNNER  # what `check` compares the [run] runner with (the FEM)
    unset: list[str] = Field(default_factory=list)  # case keys left unset in every run
    case_set: dict[str, dict[str, Any]] = Field(default_factory=dict)  # per-case overrides
    parameters: list[Parameter] = Field(min_length=2)
    morris: MorrisConfig = MorrisConfig()
    sobol: SobolConfig = SobolConfig()
    run: RunConfig = RunConfig()
    slurm: SlurmConfig = SlurmConfig()
    source: str = Field(default="", exclude=True)

    @model_validator(mode="after")
    def _consistent(self) -> StudySpec:
        for role in ("routine", "stable"):
            if getattr(self, role) not in self.cases:
                raise ValueError(f"{role} = {getattr(self, role)!r} is not one of cases")
        keys = [p.key for p in self.parameters]
        if len(set(keys)) != len(keys):
            raise ValueError(f"parameters: a key appears twice in {keys}")
        for p in self.parameters:
            if set(p.cases) - set(self.cases):
                raise ValueError(f"parameter {p.key!r}: cases {p.cases} not all in {self.cases}")
        if set(self.case_set) - set(self.cases):
            raise ValueError(
                f"case_set: {sorted(set(self.case_set) - set(self.cases))} not in cases"
            )
        if set(self.cheap) - set(self.set):
            raise ValueError(f"cheap: {sorted(set(self.cheap) - set(self.set))} are not [set] keys")
        unknown = [k for k in self.sobol.parameters if k not in keys]
        if unknown:
            raise ValueError(f"sobol.parameters: {unknown} are not keys of [[parameters]]")
        return self

    def out_dir(self) -> Path:
        """The study's folder."""
        return Path(self.out) if self.out else Path("results") / self.name

    def overrides(self, case: str) -> dict[str, Any]:
        """The overrides of every run of ``case``: unset keys (None), [set], its case_set."""
        return {**dict.fromkeys(self.unset), **self.set, **self.case_set.get(case, {})}

    def parameter(self, key: str) -> Parameter:
        """The parameter of a case key."""
        return next(p for p in self.parameters if p.key == key)


def builtin_study_names() -> list[str]:
    """Studies shipped in ``dendrisim/data/studies``."""
    files = resources.files("dendrisim.data.studies")
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml"))


def load_study(study: str | Path, overrides: dict[str, Any] | None = None) -> StudySpec:
    """A study file or built-in study name -> :class:`StudySpec`; ``overrides`` as in sweeps."""
    path = Path(study).expanduser()
    if path.is_file():
        try:
            text, source = read_utf8(path, "study"), str(path)
        except ValueError as exc:
            raise SweepError(str(exc)) from None
    elif str(study) in builtin_study_names():
        text = resources.files("dendrisim.data.studies").joinpath(f"{study}.toml").read_text()
        source = f"built-in {str(study)!r}"
    else:
        raise SweepError(
            f"{str(study)!r} is neither a study file nor a built-in study "
            f"(built-in: {', '.join(builtin_study_names())})"
        )
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"not valid TOML ({exc})", source) from None
    if isinstance(raw.get("set"), dict):
        raw["set"] = flatten(raw["set"], "set")
    if isinstance(raw.get("case_set"), dict):
        raw["case_set"] = {
            c: flatten(v, f"case_set.{c}") if isinstance(v, dict) else v
            for c, v in raw["case_set"].items()
        }
    for key, value in (overrides or {}).items():
        if value is not None:
            node = raw
            *parents, last = key.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[last] = value
    raw["source"] = source
    try:
        return StudySpec.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            where = ".".join(str(p) for p in err["loc"]) or "study"
            msg = str(err["msg"]).removeprefix("Value error, ")
            got = err.get("input")
            lines.append(f"{where}: {msg}" + ("" if isinstance(got, dict) else f" (got {got!r})"))
        raise SweepError(lines, source) from None
