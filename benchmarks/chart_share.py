"""The charts' share of `sim run`'s wall time (issue 14 §5).

Runs `sim run SCENARIO -n N --workers W -q` (W = 2 by default, one per core here) in a fresh Python process in
three ways, alternated, and prints the median wall time of each, from the process's start to its exit
(interpreter start and imports included, as a user sees it):
- `no charts`: with `--no-charts`;
- `sequential`: with `--no-charts`, then the same four charts drawn after it by `write_run_charts` (what
  `sim run` did before the charts were drawn in parallel: one after the other, once the results were written);
- `parallel`: `sim run` as it is, drawing its charts in other processes while it writes the results
  (sim/plots/background.py).
The charts' share is (with charts - no charts) / with charts.
CPU is that of the command and of every process it waited for (resource.RUSAGE_CHILDREN): exact for a run in
one process; with more than one chunk on a local pool it undercounts, since the pool's workers and the
drawing processes fork from a forkserver whose usage is not collected when the command exits.

    .venv/bin/python benchmarks/chart_share.py --replicates 10000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = """
import sys
from sim.cli import main
try:
    main(sys.argv[2:])
except SystemExit as exc:
    if exc.code:
        raise
if sys.argv[1] == "sequential":
    from sim.plots.run import RUN_CHARTS, write_run_charts
    write_run_charts(sys.argv[sys.argv.index("-o") + 1], charts=RUN_CHARTS)
"""


def measure(scenario: str, replicates: int, workers: int, mode: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r"
        args = ["run", scenario, "-n", str(replicates), "-w", str(workers), "-q", "-o", str(out)]
        if mode != "parallel":
            args.append("--no-charts")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", SCRIPT, mode, *args], check=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # CPU of the command and every process it waited for (workers, forkserver, drawing processes)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="scenarios/baseline.yaml")
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    modes = ("no charts", "sequential", "parallel")
    for mode in modes:  # warm: the file cache, matplotlib's font cache
        measure(args.scenario, 200, args.workers, mode)
    times: dict[str, list[float]] = {m: [] for m in modes}
    cpus: dict[str, list[float]] = {m: [] for m in modes}
    loads = [os.getloadavg()[0]]
    for _ in range(args.repeats):
        for mode in modes:
            wall, cpu = measure(args.scenario, args.replicates, args.workers, mode)
            times[mode].append(wall)
            cpus[mode].append(cpu)
        loads.append(os.getloadavg()[0])
    med = {m: statistics.median(v) for m, v in times.items()}
    cpu_med = {m: statistics.median(v) for m, v in cpus.items()}
    print(f"sim run, {args.replicates:,} replicates, {args.workers} worker(s), median of {args.repeats}:")
    for mode in modes:
        extra = ""
        if mode != "no charts":
            charts = med[mode] - med["no charts"]
            extra = f"; charts {charts:.2f} s, {charts / med[mode]:.0%} of the run"
        print(
            f"  {mode:<10} wall {med[mode]:6.2f} s (runs: {', '.join(f'{t:.2f}' for t in times[mode])}), "
            f"CPU {cpu_med[mode]:6.2f} s{extra}"
        )
    print(f"load average (1 min) during the runs: {min(loads):.1f} to {max(loads):.1f}")


if __name__ == "__main__":
    main()
