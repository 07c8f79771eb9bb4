"""``python -m dendrisim.sweep.worker CASE.toml OUT``: one sweep case in its own process.

Used by the mpi backend (a fresh process per case, outside the pool's MPI world), by cases
with several MPI ranks (``mpiexec -n K python -m dendrisim.sweep.worker ...``) and by SLURM
array tasks. The last stdout line (rank 0) is the outcome as JSON after a marker.
"""

from __future__ import annotations

import argparse
import sys

from dendrisim.sweep.execute import OUTCOME_MARK, CaseTask, run_in_process
from dendrisim.sweep.lifeline import die_with_parent
from dendrisim.sweep.spec import DEFAULT_RUNNER


def main(argv: list[str] | None = None) -> int:
    """Run one case; exit 0 when finished, 1 when failed."""
    ap = argparse.ArgumentParser(prog="python -m dendrisim.sweep.worker")
    ap.add_argument("case_file")
    ap.add_argument("out")
    ap.add_argument("--runner", default=DEFAULT_RUNNER)
    ap.add_argument("--ranks", type=int, default=1)
    ap.add_argument(
        "--skip-finished",
        action="store_true",
        help="do nothing if OUT already holds a finished result of this case",
    )
    args = ap.parse_args(argv)
    die_with_parent()  # under mpiexec: its proxy; else the sweep process
    task = CaseTask(
        name="", case_file=args.case_file, out=args.out, runner=args.runner, ranks=args.ranks
    )
    if args.skip_finished and _finished(task):
        print(f"{args.out}: already finished, skipped")
        return 0
    root = True
    if args.ranks > 1:
        from dendrisim.core import parallel

        root = parallel.is_root()
    outcome = run_in_process(task, root=root)
    if root:
        from dataclasses import replace

        from dendrisim.config import load_case

        outcome = replace(outcome, name=load_case(args.case_file).name)
        print(OUTCOME_MARK + outcome.to_json(), flush=True)
    return 0 if outcome.status == "finished" else 1


def _finished(task: CaseTask) -> bool:
    from pathlib import Path

    from dendrisim.config import load_case
    from dendrisim.sweep.status import case_state

    return case_state(Path(task.out), load_case(task.case_file)).status == "finished"


if __name__ == "__main__":
    sys.exit(main())
