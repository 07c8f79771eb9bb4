"""SLURM back end: a job array script (one array task per unfinished case) and a collect job.

``write_job`` writes, under ``out/sweep/slurm/``:

- ``array.sh``: ``#SBATCH --array=0-(N-1)`` job; task i runs the i-th line of ``tasks.txt``
  (a case name) with ``srun -n ranks_per_case python -m dendrisim.sweep.worker``, reading
  ``out/sweep/cases/<name>.toml`` and writing ``out/<name>/``;
- ``collect.sh``: a one-task job that rebuilds ``out/summary.csv``
  (``dendrisim sweep OUT --collect``);
- ``submit.sh``: submits the array, then the collect job with ``--dependency=afterany``;
- ``logs/``: where SLURM writes each task's output (it must exist before submission).

All paths in the scripts are absolute; a re-submitted array skips finished cases.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from dendrisim.sweep.execute import CaseTask, worker_command
from dendrisim.sweep.spec import SweepSpec
from dendrisim.sweep.summary import atomic_write


def _sbatch_lines(spec: SweepSpec, job: str, logs: Path, ntasks: int) -> list[str]:
    s = spec.slurm
    lines = [
        f"#SBATCH --job-name={job}",
        f"#SBATCH --ntasks={ntasks}",
        f"#SBATCH --cpus-per-task={s.cpus_per_task}",
        f"#SBATCH --time={s.time}",
        f"#SBATCH --output={logs}/%x_%A_%a.out",
    ]
    for key, value in (("partition", s.partition), ("account", s.account), ("mem", s.mem)):
        if value:
            lines.append(f"#SBATCH --{key}={value}")
    lines += [x if x.startswith("#SBATCH") else f"#SBATCH {x}" for x in s.extra]
    return lines


SIGNAL_BEFORE_LIMIT_S = 120  # [I] time to finish a step and write a checkpoint
# a case stopped by the time limit's signal with a checkpoint: requeue this array task
REQUEUE_LINES = (
    'if grep -q \'"status": "interrupted"\' "$OUT/manifest.json" 2>/dev/null '
    '&& [[ -e "$OUT/checkpoint.h5" || -e "$OUT/checkpoint.bp" ]]; then',
    '  echo "case $NAME interrupted with a checkpoint: requeued to resume"',
    '  scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"',
    "  rc=0",
    "fi",
)


def array_script(spec: SweepSpec, tasks: list[CaseTask], out: Path, slurm_dir: Path) -> str:
    """Text of the job array script."""
    s = spec.slurm
    python = s.python or sys.executable
    ranks = spec.run.ranks_per_case
    throttle = f"%{s.max_parallel}" if s.max_parallel else ""
    head = [
        "#!/bin/bash",
        f"# dendrisim sweep {spec.name!r}: {len(tasks)} cases, one per "
        "array task (generated; re-generate rather than edit)",
        *_sbatch_lines(spec, spec.name, slurm_dir / "logs", ranks),
        f"#SBATCH --array=0-{len(tasks) - 1}{throttle}",
        # SIGUSR1 to the case 120 s before the time limit: it writes a checkpoint and
        # ends `interrupted`; the task is then requeued and resumes (docs/restart.md)
        f"#SBATCH --signal=USR1@{SIGNAL_BEFORE_LIMIT_S}",
        "#SBATCH --requeue",
        "",
        "set -euo pipefail",
    ]
    launcher = (
        [s.launcher, "-n", str(ranks)]
        if s.launcher == "srun"
        else [spec.run.mpiexec, "-n", str(ranks)]
    )
    template = CaseTask(
        name="$NAME", case_file="@CASE@", out="@OUT@", runner=tasks[0].runner, ranks=ranks
    )
    cmd = " ".join(
        shlex.quote(a) for a in worker_command(template, python, launcher, ("--skip-finished",))
    )
    cmd = cmd.replace("@CASE@", '"$CASE"').replace("@OUT@", '"$OUT"')
    body = [
        *s.setup,
        f"cd {shlex.quote(tasks[0].cwd or str(out))}",
        f"TASKS={shlex.quote(str(slurm_dir / 'tasks.txt'))}",
        'NAME="$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$TASKS")"',
        'if [[ -z "$NAME" ]]; then echo "no case for array task $SLURM_ARRAY_TASK_ID" >&2; '
        "exit 2; fi",
        f'CASE={shlex.quote(str(out / "sweep" / "cases"))}/"$NAME.toml"',
        f'OUT={shlex.quote(str(out))}/"$NAME"',
        'echo "case $NAME (array task $SLURM_ARRAY_TASK_ID) on $(hostname)"',
        "rc=0",
        f"{cmd} || rc=$?",
        *REQUEUE_LINES,
        'exit "$rc"',
    ]
    return "\n".join(head + body) + "\n"


def collect_script(spec: SweepSpec, out: Path, slurm_dir: Path, cwd: str) -> str:
    """Text of the job that rebuilds the summary once the array has run."""
    python = spec.slurm.python or sys.executable
    s = spec.slurm
    lines = [
        "#!/bin/bash",
        f"# dendrisim sweep {spec.name!r}: collect the summary table",
        f"#SBATCH --job-name={spec.name}-collect",
        "#SBATCH --ntasks=1",
        "#SBATCH --time=00:15:00",
        f"#SBATCH --output={slurm_dir / 'logs'}/%x_%j.out",
    ]
    for key, value in (("partition", s.partition), ("account", s.account)):
        if value:
            lines.append(f"#SBATCH --{key}={value}")
    lines += [
        "",
        "set -euo pipefail",
        *s.setup,
        f"cd {shlex.quote(cwd)}",
        f"{shlex.quote(python)} -m dendrisim sweep {shlex.quote(str(out))} --collect",
    ]
    return "\n".join(lines) + "\n"


def submit_script(array: Path, collect: Path) -> str:
    """Text of the helper that submits the array and the dependent collect job."""
    return (
        "\n".join(
            [
                "#!/bin/bash",
                "# submit the case array, then the summary job once it has ended",
                "set -euo pipefail",
                f"jid=$(sbatch --parsable {shlex.quote(str(array))})",
                'jid="${jid%%;*}"',
                f'sbatch --dependency=afterany:"$jid" {shlex.quote(str(collect))}',
                'echo "submitted array job $jid and its collect job"',
            ]
        )
        + "\n"
    )


def write_job(spec: SweepSpec, tasks: list[CaseTask], out: Path) -> Path:
    """Write the array, collect and submit scripts and the task list; returns array.sh."""
    slurm_dir = out / "sweep" / "slurm"
    (slurm_dir / "logs").mkdir(parents=True, exist_ok=True)
    atomic_write(slurm_dir / "tasks.txt", "".join(f"{t.name}\n" for t in tasks))
    array = slurm_dir / "array.sh"
    collect = slurm_dir / "collect.sh"
    atomic_write(array, array_script(spec, tasks, out, slurm_dir))
    atomic_write(collect, collect_script(spec, out, slurm_dir, tasks[0].cwd or str(out)))
    atomic_write(slurm_dir / "submit.sh", submit_script(array, collect))
    for p in (array, collect, slurm_dir / "submit.sh"):
        p.chmod(0o755)
    return array
