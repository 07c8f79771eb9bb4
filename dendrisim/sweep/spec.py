"""Sweep file (TOML) -> validated :class:`SweepSpec`, with errors that name the key.

A sweep file::

    base = "fig5-stable"             # built-in case name or case file (relative to this file)
    out = "results/ld-sweep"         # relative to the working directory
    [set]                            # overrides for every case
    "time.end_s" = 9.0
    [axes]                           # full grid (outer product) over any case keys
    "geometry.aspect_ratio" = [1.0, 2.0, 5.0, 10.0]
    "thermal.ambient_K" = {start = 430.0, stop = 470.0, num = 5}        # linspace
    "kinetics.pre_exponential" = {start = 1e12, stop = 1e14, num = 3, log = true}
    [zip]                            # varied together (one more grid axis); or [[zip]] groups
    "geometry.length_um" = [1.0, 2.0]
    "geometry.diameter_um" = [0.1, 0.2]
    [[cases]]                        # explicit extra cases (overrides; optional name)
    name = "needle-30"
    "geometry.aspect_ratio" = 30.0
    [run]
    backend = "local"                # local | mpi | slurm
    workers = 2                      # default: number of cores
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dendrisim.config.base import read_utf8
from dendrisim.core.errors import DendrisimError

NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9._+-]*$"
RANGE_KEYS = frozenset({"start", "stop", "num", "step", "log"})
DEFAULT_RUNNER = "dendrisim.api:run"


class SweepError(DendrisimError):
    """Invalid sweep file or sweep state; the message names the key, value and what is allowed."""

    exit_code = 2

    def __init__(self, problems: list[str] | str, source: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        head = f"invalid sweep {source}" if source else "sweep"
        lines = self.problems
        super().__init__(
            f"{head}: {lines[0]}"
            if len(lines) == 1
            else head + ":\n" + "\n".join(f"  - {p}" for p in lines)
        )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunConfig(_Strict):
    """``[run]``: where and how the cases are executed."""

    backend: Literal["local", "mpi", "slurm"] = "local"
    workers: int | None = Field(default=None, ge=1)  # local/mpi pool size; None: cores
    ranks_per_case: int = Field(default=1, ge=1)  # MPI ranks of each case (mpiexec -n / srun)
    runner: str = DEFAULT_RUNNER  # "module:function" or "path/file.py:function"
    # local: false reuses worker processes (JIT-compiled forms stay loaded: 2.4x one-by-one
    # runs on 2 cores); true starts a new process per case (full isolation, slower)
    fresh_process: bool = False
    start_method: Literal["spawn", "forkserver"] = "spawn"  # never fork after MPI init
    mpiexec: str = "mpiexec"  # launcher used when ranks_per_case > 1 (local, mpi backends)
    case_timeout_s: float | None = Field(default=None, gt=0)  # wall-time limit per case

    @field_validator("runner")
    @classmethod
    def _runner_form(cls, v: str) -> str:
        if ":" not in v or not v.rsplit(":", 1)[1].isidentifier():
            raise ValueError(
                f'run.runner = {v!r}: expected "module:function" or '
                '"path/to/file.py:function", e.g. "dendrisim.api:run"'
            )
        return v


class SlurmConfig(_Strict):
    """``[slurm]``: job-array settings (only for backend = "slurm")."""

    partition: str = ""
    account: str = ""
    time: str = "01:00:00"  # per array task, HH:MM:SS or D-HH:MM:SS
    mem: str = ""  # e.g. "4G" per node
    cpus_per_task: int = Field(default=1, ge=1)
    max_parallel: int | None = Field(default=None, ge=1)  # %N throttle of the array
    setup: list[str] = Field(default_factory=list)  # shell lines before the run (module load)
    extra: list[str] = Field(default_factory=list)  # extra "#SBATCH ..." option lines
    python: str = ""  # interpreter on the nodes; default: the one writing the script
    launcher: str = "srun"  # srun (inside the allocation) or mpiexec

    @field_validator("time")
    @classmethod
    def _time_form(cls, v: str) -> str:
        if not re.fullmatch(r"(\d+-)?\d{1,3}:\d{2}(:\d{2})?|\d+", v):
            raise ValueError(f"slurm.time = {v!r}: expected minutes, MM:SS, HH:MM:SS or D-HH:MM:SS")
        return v


class SweepSpec(_Strict):
    """A validated sweep: base case, overrides, axes and how to run."""

    name: str = Field(default="sweep", pattern=NAME_RE)
    description: str = ""
    base: str
    out: str = ""  # default: results/<name>
    set: dict[str, Any] = Field(default_factory=dict)
    axes: dict[str, list[Any]] = Field(default_factory=dict)
    zip: list[dict[str, list[Any]]] = Field(default_factory=list)
    cases: list[dict[str, Any]] = Field(default_factory=list)
    naming: str = ""  # template like "ld{geometry.aspect_ratio:g}-{sei.preset}"; default auto
    run: RunConfig = RunConfig()
    slurm: SlurmConfig = SlurmConfig()
    source_dir: str = Field(default="", exclude=True)  # folder of the sweep file

    def out_dir(self) -> Path:
        """Sweep output folder."""
        return Path(self.out) if self.out else Path("results") / self.name

    def base_source(self) -> str:
        """The base case as load_case expects it: a path (resolved) or a built-in name."""
        p = Path(self.base).expanduser()
        if not p.is_absolute() and self.source_dir:
            cand = Path(self.source_dir) / p
            if cand.is_file():
                return str(cand)
        return str(p) if p.is_file() else self.base


# --- raw TOML -> normalised dict ---------------------------------------------------------
def _is_range(v: Any) -> bool:
    return isinstance(v, dict) and bool(v) and set(v) <= RANGE_KEYS and "start" in v


def flatten(
    table: dict[str, Any], where: str, leaf=lambda v: not isinstance(v, dict), prefix: str = ""
) -> dict[str, Any]:
    """Nested tables -> dotted keys (``geometry.aspect_ratio``), stopping at ``leaf`` values."""
    out: dict[str, Any] = {}
    for k, v in table.items():
        key = f"{prefix}{k}"
        if leaf(v):
            out[key] = v
        else:
            out.update(flatten(v, where, leaf, key + "."))
    return out


def expand_values(key: str, spec: Any, where: str = "axes") -> list[Any]:
    """An axis value list, or a range table {start, stop, num | step, log} -> list of values."""
    if isinstance(spec, list):
        if not spec:
            raise ValueError(f"{where}.{key!r} = []: an axis needs at least one value")
        return list(spec)
    if not _is_range(spec):
        raise ValueError(
            f"{where}.{key!r} = {spec!r}: expected an array of values or a range "
            "table {start, stop, num} / {start, stop, step} (optional log = true)"
        )
    start, stop = spec["start"], spec.get("stop")
    if stop is None or not all(isinstance(x, int | float) for x in (start, stop)):
        raise ValueError(f"{where}.{key!r}: a range needs numeric start and stop")
    log = bool(spec.get("log", False))
    if ("num" in spec) == ("step" in spec):
        raise ValueError(
            f"{where}.{key!r}: give exactly one of num (count, end included) or step (increment)"
        )
    if log and (start <= 0 or stop <= 0):
        raise ValueError(
            f"{where}.{key!r}: log = true needs start > 0 and stop > 0 (got {start}, {stop})"
        )
    if "num" in spec:
        num = spec["num"]
        if not isinstance(num, int) or num < 1:
            raise ValueError(f"{where}.{key!r}: num = {num!r} must be an integer >= 1")
        vals = np.geomspace(start, stop, num) if log else np.linspace(start, stop, num)
    else:
        step = spec["step"]
        if not isinstance(step, int | float) or step == 0 or (stop - start) * step < 0:
            raise ValueError(
                f"{where}.{key!r}: step = {step!r} must be non-zero and point from start to stop"
            )
        if log:
            raise ValueError(f"{where}.{key!r}: log = true works with num, not step")
        n = int(math.floor((stop - start) / step + 1e-9)) + 1
        vals = start + step * np.arange(n)
    ints = all(isinstance(x, int) for x in (start, stop, spec.get("step", 0))) and not log
    out = [float(f"{v:.12g}") for v in vals]
    return [int(round(v)) for v in out] if ints and "step" in spec else out


def normalise(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Flatten [set], [axes], [zip], [[cases]] to dotted keys; expand ranges. Problems listed."""
    data = dict(raw)
    problems: list[str] = []
    for sec in ("set", "axes", "zip", "cases", "run", "slurm"):
        if sec in data and not isinstance(data[sec], dict | list):
            problems.append(f"{sec} = {data[sec]!r}: expected a table")
            data.pop(sec)
    if isinstance(data.get("set"), dict):
        data["set"] = flatten(data["set"], "set")
    if isinstance(data.get("axes"), dict):
        axes = flatten(data["axes"], "axes", leaf=lambda v: not isinstance(v, dict) or _is_range(v))
        data["axes"] = {}
        for k, v in axes.items():
            try:
                data["axes"][k] = expand_values(k, v)
            except ValueError as exc:
                problems.append(str(exc))
    zips = data.get("zip", [])
    zips = [zips] if isinstance(zips, dict) else zips
    groups = []
    for i, group in enumerate(zips):
        where = "zip" if len(zips) == 1 else f"zip[{i}]"
        if not isinstance(group, dict):
            problems.append(f"{where} = {group!r}: expected a table of equal-length arrays")
            continue
        flat = flatten(group, where, leaf=lambda v: not isinstance(v, dict) or _is_range(v))
        try:
            g = {k: expand_values(k, v, where) for k, v in flat.items()}
        except ValueError as exc:
            problems.append(str(exc))
            continue
        lengths = {k: len(v) for k, v in g.items()}
        if len(set(lengths.values())) > 1:
            problems.append(
                f"{where}: zipped axes need equal lengths, got "
                + ", ".join(f"{k}: {n}" for k, n in lengths.items())
            )
        groups.append(g)
    if "zip" in data:
        data["zip"] = groups
    if isinstance(data.get("cases"), list):
        cases = []
        for i, c in enumerate(data["cases"]):
            if not isinstance(c, dict):
                problems.append(f"cases[{i}] = {c!r}: expected a table of overrides")
                continue
            name = c.get("name")
            flat = flatten({k: v for k, v in c.items() if k != "name"}, f"cases[{i}]")
            cases.append(({"name": name} if name is not None else {}) | flat)
        data["cases"] = cases
    return data, problems


def _format_errors(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        path = ".".join(loc)
        if err["type"] == "extra_forbidden":
            model = {"run": RunConfig, "slurm": SlurmConfig}.get(loc[0], SweepSpec)
            valid = [k for k in model.model_fields if k != "source_dir"]
            hint = difflib.get_close_matches(loc[-1], valid, n=1, cutoff=0.5)
            where = ".".join(loc[:-1]) or "top level"
            more = (
                f"; did you mean {hint[0]!r}?"
                if hint
                else f" (valid keys in {where}: {', '.join(valid)})"
            )
            lines.append(f"unknown key {path!r}{more}")
        elif err["type"] == "missing":
            lines.append(
                f"{path} is required"
                + (" (a built-in case name or a case file)" if path == "base" else "")
            )
        else:
            msg = str(err["msg"]).removeprefix("Value error, ")
            value = err.get("input")
            lines.append(msg if msg.startswith(f"{path} ") else f"{path} = {value!r}: {msg}")
    return lines


def validate_sweep(
    raw: dict[str, Any], source: str | None = None, source_dir: str = ""
) -> SweepSpec:
    """Validate a raw sweep dict (as read from TOML) into a :class:`SweepSpec`."""
    data, problems = normalise(raw)
    data["source_dir"] = source_dir
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        problems += _format_errors(exc)
        raise SweepError(problems, source) from None
    if problems:
        raise SweepError(problems, source)
    return spec


def builtin_sweep_names() -> list[str]:
    """Example sweeps shipped in ``dendrisim/sweeps``."""
    files = resources.files("dendrisim.data.sweeps")
    return sorted(p.name[:-5] for p in files.iterdir() if p.name.endswith(".toml"))


def load_sweep(sweep: str | Path, overrides: dict[str, Any] | None = None) -> SweepSpec:
    """Load a sweep file (or a built-in sweep name); ``overrides`` set top-level or run keys.

    ``overrides`` is a flat dict like ``{"run.backend": "mpi", "out": "results/x"}``.
    """
    path = Path(sweep).expanduser()
    if path.is_dir() and (path / "sweep" / "sweep.json").is_file():
        return _from_sweep_folder(path / "sweep" / "sweep.json", overrides)
    if path.is_file():
        try:
            text = read_utf8(path, "sweep")
        except ValueError as exc:
            raise SweepError(str(exc)) from None
        source, source_dir = str(path), str(path.resolve().parent)
        default_name = re.sub(r"[^A-Za-z0-9._+-]", "_", path.stem) or "sweep"
    elif str(sweep) in builtin_sweep_names():
        text = resources.files("dendrisim.data.sweeps").joinpath(f"{sweep}.toml").read_text("utf-8")
        source, source_dir, default_name = f"built-in {str(sweep)!r}", "", str(sweep)
    else:
        raise SweepError(
            f"{str(sweep)!r} is neither a sweep file nor a built-in sweep "
            f"(built-in: {', '.join(builtin_sweep_names())})"
        )
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"not valid TOML ({exc})", source) from None
    raw.setdefault("name", default_name)
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        node = raw
        *parents, last = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return validate_sweep(raw, source, source_dir)


def _from_sweep_folder(meta: Path, overrides: dict[str, Any] | None) -> SweepSpec:
    """The spec a sweep folder was run with (``out/sweep/sweep.json``), to resume or collect."""
    import json

    data = json.loads(meta.read_text("utf-8"))
    spec = dict(data["spec"])
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        node = spec
        *parents, last = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    spec["source_dir"] = data.get("source_dir", "")
    try:
        return SweepSpec.model_validate(spec)
    except ValidationError as exc:
        raise SweepError(_format_errors(exc), str(meta)) from None
