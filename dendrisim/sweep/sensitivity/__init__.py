"""Global sensitivity studies run as sweeps: SALib Morris screening, then Sobol indices.

``run_phase(load_study("fig5-sensitivity"), "morris")`` designs the samples, runs each
sample's cases as sweeps (resumable, any back end) and writes ``analysis.json``; see
:mod:`dendrisim.sweep.sensitivity.study` for the study file and docs/sensitivity.md.
"""

from dendrisim.sweep.sensitivity.run import PhaseReport, analyse, run_phase
from dendrisim.sweep.sensitivity.study import StudySpec, builtin_study_names, load_study

__all__ = ["PhaseReport", "StudySpec", "analyse", "builtin_study_names", "load_study", "run_phase"]
