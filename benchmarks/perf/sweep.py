"""Part 4: ``sim sweep`` of 100 points with one and two workers: speed-up and the overhead of the machinery."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .measurement import others, sim_command, stats, timed_command
from .settings import BASELINE

SWEEP_TEMPLATE = """\
# Written by benchmarks/bench.py: {points} points x {replicates} replicates of the baseline (one task each).
name: bench_sweep
base: {base}
sampler: lhs
samples: {points}
parameters:
  params.negotiation.talks_rate: {{low: 0.025, high: 0.1}}
  params.costs.scale: {{low: 0.5, high: 1.5}}
replicates: {replicates}
seed: 20251016
metrics: [p_settlement, p_escalation, p_ukraine_collapse, median_settlement_week, mean_terms]
"""


def sweep_available() -> bool:
    try:
        from sim.cli import cli
    except ImportError:
        return False
    return "sweep" in cli.commands


def part_sweep(cfg: dict[str, Any], log: Any) -> dict[str, Any]:
    points, reps, horizon = cfg["sweep_points"], cfg["sweep_replicates"], cfg["sweep_horizon"]
    if not sweep_available():
        log("  `sim sweep` is not available yet: part 4 skipped")
        return {"available": False, "points": points, "replicates": reps}
    tmp = Path(tempfile.mkdtemp(prefix="leverage-bench-sweep-"))
    try:
        sweep_file = tmp / "bench_sweep.yaml"
        sweep_file.write_text(SWEEP_TEMPLATE.format(points=points, replicates=reps, base=BASELINE), encoding="utf-8")
        by_workers: dict[int, dict[str, Any]] = {}
        runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        for i in range(cfg["sweep_repeats"]):
            for w in (1, 2):  # interleaved, so that both see the same machine
                cmd = [
                    *sim_command(),
                    "sweep",
                    str(sweep_file),
                    "--workers",
                    str(w),
                    "--out",
                    str(tmp / f"w{w}"),
                    "--force",
                    "-q",
                    "--set",
                    f"horizon_weeks={horizon}",
                ]
                r = timed_command(cmd, memory=False)  # a timing: sampling memory would slow it (TreeMemory)
                man = json.loads((tmp / f"w{w}" / "manifest.json").read_text(encoding="utf-8"))
                t = man.get("timings", {})
                r["internal_wall_seconds"] = t.get("wall_seconds")
                r["compute_seconds"] = t.get("compute_seconds")
                r["tasks"] = (man.get("tasks") or {}).get("total")
                r["batch_size"] = man.get("batch_size")
                runs[w].append(r)
                log(
                    f"  run {i + 1}, --workers {w}: {r['wall_seconds']:.2f} s (sweep {r['internal_wall_seconds']} s, "
                    f"tasks' compute {r['compute_seconds']} s)"
                )
        for w, rs in runs.items():
            internal = [r["internal_wall_seconds"] for r in rs]
            compute = [r["compute_seconds"] for r in rs]
            by_workers[w] = {
                "wall_seconds": stats([r["wall_seconds"] for r in rs]),
                "sweep_wall_seconds": stats(internal),
                "compute_seconds": stats(compute),
                "startup_seconds": stats([r["wall_seconds"] - r["internal_wall_seconds"] for r in rs]),
                # machinery overhead: the sweep's wall x workers against the tasks' own compute
                "overhead": stats([iw * w / c - 1.0 for iw, c in zip(internal, compute, strict=True)]),
                "overhead_with_startup": stats([r["wall_seconds"] * w / r["compute_seconds"] - 1.0 for r in rs]),
                "tasks": rs[0]["tasks"],
                "batch_size": rs[0]["batch_size"],
                "other_cores": others(rs),
            }
        s1 = [r["wall_seconds"] for r in runs[1]]
        s2 = [r["wall_seconds"] for r in runs[2]]
        speedups = [a / b for a, b in zip(s1, s2, strict=True)]
        i1 = [r["internal_wall_seconds"] for r in runs[1]]
        i2 = [r["internal_wall_seconds"] for r in runs[2]]
        return {
            "available": True,
            "points": points,
            "replicates": reps,
            "horizon_weeks": horizon,
            "sampler": "lhs over params.negotiation.talks_rate and params.costs.scale",
            "what": "sim sweep FILE --workers W -q, wall time of the command; 'sweep' figures are the "
            "manifest's timings (run_sweep: design, tasks, parts, points.parquet, summary) and "
            "compute is the sum of the tasks' own time (run_chunk + the part's Parquet bytes)",
            "workers": {str(w): v for w, v in by_workers.items()},
            "speedup_2_over_1": stats(speedups),
            "speedup_2_over_1_sweep_only": stats([a / b for a, b in zip(i1, i2, strict=True)]),
            # the throughput of the tasks themselves: 1 worker's compute against 2 workers' compute / 2
            "compute_speedup_2_over_1": stats(
                [r1["compute_seconds"] / (r2["compute_seconds"] / 2) for r1, r2 in zip(runs[1], runs[2], strict=True)]
            ),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
