"""Parameter sweeps: a TOML sweep file -> named cases -> local / MPI / SLURM runs -> one table.

``run_sweep("sweep.toml")`` (or ``dendrisim sweep sweep.toml``) expands the sweep, skips
cases already finished, runs the others on the chosen back end and keeps ``summary.csv``
up to date after every case. See :mod:`dendrisim.sweep.spec` for the file format.
"""

from dendrisim.sweep.driver import SweepReport, run_sweep
from dendrisim.sweep.expand import SweepCase, expand
from dendrisim.sweep.spec import SweepError, SweepSpec, builtin_sweep_names, load_sweep
from dendrisim.sweep.summary import read_summary

__all__ = [
    "SweepCase",
    "SweepError",
    "SweepReport",
    "SweepSpec",
    "builtin_sweep_names",
    "expand",
    "load_sweep",
    "read_summary",
    "run_sweep",
]
