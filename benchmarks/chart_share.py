"""The charts' share of `sim run`'s wall time, in one process (issue 14 §5).

Runs `sim run SCENARIO -n N --workers 1 -q` in this process, timing the call that draws the charts
(`write_run_charts`) inside it, and prints the run's wall time, the charts' time and their share. Run it with
the code of two commits to compare (the interpreter and imports are outside both times):

    .venv/bin/python benchmarks/chart_share.py --replicates 10000 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def measure(scenario: str, replicates: int) -> tuple[float, float]:
    import sim.plots as plots
    import sim.plots.run as plots_run
    from sim.cli import main

    original = plots_run.write_run_charts
    spent = [0.0]

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    plots_run.write_run_charts = timed  # type: ignore[assignment]
    plots.write_run_charts = timed  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        try:
            main(["run", scenario, "-n", str(replicates), "-w", "1", "-q", "-o", str(Path(tmp) / "r"), "--force"])
        except SystemExit as exc:
            if exc.code:
                raise
        total = time.perf_counter() - start
    plots_run.write_run_charts = original  # type: ignore[assignment]
    plots.write_run_charts = original  # type: ignore[attr-defined]
    return total, spent[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", default="scenarios/baseline.yaml")
    parser.add_argument("--replicates", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    measure(args.scenario, 200)  # warm: imports and fonts
    rows = [measure(args.scenario, args.replicates) for _ in range(args.repeats)]
    totals, charts = [r[0] for r in rows], [r[1] for r in rows]
    shares = [c / t for t, c in rows]
    load = os.getloadavg()[0]
    print(
        f"sim run, {args.replicates:,} replicates, one worker: wall {statistics.median(totals):.2f} s, charts "
        f"{statistics.median(charts):.2f} s, share {statistics.median(shares):.0%} "
        f"(runs: {', '.join(f'{c:.2f}/{t:.2f}' for t, c in rows)}; load average {load:.1f})"
    )


if __name__ == "__main__":
    main()
