"""Part 7: sweeps as one ensemble (issue 17), ratios measured in one run of the benchmark.

- a sweep of 100 points x 400 replicates on one worker against one run of 40,000 replicates, per
  replicate-week (target: at most 1.5x), interleaved;
- the shipped ``scenarios/sweeps/sobol_levers.yaml`` (768 points x 400) batched against the path before
  batching (``run_sweep(..., unbatched=True)``: one model per point, its weekly record kept), on the default
  workers, in the same run (target: at least 3x faster);
- the sweep machinery's overhead against its tasks' compute on the 100 x 400 sweep (target: under 5%), and the
  same sweep on two workers against one (target: at least 1.6x).

Every figure is timed in a fresh interpreter (``bench.py --one batching-run`` / ``--one batching-sweep``): the
run is ``sim.runner.run`` (as ``sim run --workers 1``), a sweep is ``sim.sweep.run_sweep`` (as ``sim sweep``
runs it, the design and every part and ``points.parquet`` written) with the manifest's wall and compute.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from .measurement import one, others, stats
from .settings import HORIZON, ROOT

SOBOL = ROOT / "scenarios" / "sweeps" / "sobol_levers.yaml"
SWEEP_TEMPLATE = """\
# Written by benchmarks/bench.py (part 7): {points} points x {replicates} replicates of the baseline.
name: bench_batching
base: {base}
sampler: lhs
samples: {points}
parameters:
  params.negotiation.talks_rate: {{low: 0.025, high: 0.1}}
  params.costs.scale: {{low: 0.5, high: 1.5}}
  agents.us.levers.penalty_tariff: {{low: 0, high: 100}}
replicates: {replicates}
seed: 20251016
metrics: [p_settlement, p_escalation, p_ukraine_collapse, median_settlement_week, mean_terms]
"""


def one_run(replicates: int, horizon: int) -> dict[str, Any]:
    """One run of the baseline at ``replicates`` in this (fresh) process, one worker."""
    from .measurement import load

    sc = load(replicates, horizon)
    from sim.runner import run

    t0 = time.perf_counter()
    run(sc, workers=1)
    wall = time.perf_counter() - t0
    return {"replicates": replicates, "horizon": horizon, "wall_seconds": wall}


def one_sweep(path: str, workers: int, unbatched: bool) -> dict[str, Any]:
    """``run_sweep`` of the sweep file in this (fresh) process, on ``workers`` (1: in process)."""
    from sim.executors import make_backend
    from sim.sweep import load_sweep, run_sweep

    sweep = load_sweep(path)
    out = Path(tempfile.mkdtemp(prefix="leverage-bench-batching-"))
    backend = make_backend(workers)
    try:
        t0 = time.perf_counter()
        report = run_sweep(sweep, out / "out", backend=backend, unbatched=unbatched)
        wall = time.perf_counter() - t0
        manifest = json.loads((out / "out" / "manifest.json").read_text(encoding="utf-8"))
    finally:
        backend.close()
        shutil.rmtree(out, ignore_errors=True)
    if not report.complete:
        raise RuntimeError(f"{path}: {len(report.failures)} tasks failed")
    return {
        "points": len(sweep.design),
        "replicates": sweep.base.replicates,
        "horizon": sweep.base.horizon_weeks,
        "workers": workers,
        "unbatched": unbatched,
        "wall_seconds": wall,
        "sweep_wall_seconds": report.seconds,
        "compute_seconds": report.compute_seconds,
        "points_per_batch": manifest.get("points_per_batch"),
    }


def _sweep(path: Path, workers: int, *, unbatched: bool = False) -> Any:
    args = ["--sweep", str(path), "--workers", str(workers)]
    return one("batching-sweep", *args, *(["--unbatched"] if unbatched else []), timeout=3600)


def part_batching(cfg: dict[str, Any], log: Any) -> dict[str, Any]:
    points, reps, workers = cfg["batching_points"], cfg["batching_replicates"], cfg["batching_workers"]
    tmp = Path(tempfile.mkdtemp(prefix="leverage-bench-batching-"))
    try:
        sweep_file = tmp / "bench_batching.yaml"
        base = ROOT / "scenarios" / "baseline.yaml"
        sweep_file.write_text(SWEEP_TEMPLATE.format(points=points, replicates=reps, base=base), encoding="utf-8")
        runs, sweeps, two = [], [], []
        for i in range(cfg["batching_repeats"]):  # interleaved, so that both see the same machine
            r = one("batching-run", "--replicates", str(points * reps), "--horizon", str(HORIZON))
            s = _sweep(sweep_file, 1)
            t = _sweep(sweep_file, 2)
            runs.append(r)
            sweeps.append(s)
            two.append(t)
            log(
                f"  run {i + 1}: one run of {points * reps:,}: {r['wall_seconds']:.2f} s; the sweep of {points} x "
                f"{reps}: {s['sweep_wall_seconds']:.2f} s on 1 worker ({s['points_per_batch']} points a batch, "
                f"compute {s['compute_seconds']:.2f} s), {t['sweep_wall_seconds']:.2f} s on 2"
            )
        rw = points * reps * HORIZON
        ratios = [s["sweep_wall_seconds"] / r["wall_seconds"] for s, r in zip(sweeps, runs, strict=True)]
        overhead = [s["sweep_wall_seconds"] / s["compute_seconds"] - 1.0 for s in sweeps]
        speedup = [s["sweep_wall_seconds"] / t["sweep_wall_seconds"] for s, t in zip(sweeps, two, strict=True)]
        out: dict[str, Any] = {
            "points": points,
            "replicates": reps,
            "horizon_weeks": HORIZON,
            "what": "one run = sim.runner.run(baseline, workers=1) of points x replicates in a fresh process; "
            "sweep = sim.sweep.run_sweep of an LHS over two parameters and a lever, in a fresh process, wall "
            "time of run_sweep (design, batches, parts, points.parquet) and the tasks' compute from its report",
            "run_us_per_replicate_week": stats([r["wall_seconds"] / rw * 1e6 for r in runs]),
            "sweep_us_per_replicate_week": stats([s["sweep_wall_seconds"] / rw * 1e6 for s in sweeps]),
            "ratio_sweep_over_run": stats(ratios),
            "overhead": stats(overhead),
            "speedup_2_over_1": stats(speedup),
            "points_per_batch": {"1": sweeps[0]["points_per_batch"], "2": two[0]["points_per_batch"]},
            "other_cores": others(runs + sweeps + two),
        }
        # the shipped Sobol sweep (smoke: the small sweep above), batched and as before issue 17
        compare = SOBOL if cfg["batching_compare_shipped"] else sweep_file
        name = compare.stem
        new = _sweep(compare, workers)
        log(
            f"  {name} ({new['points']} x {new['replicates']}, --workers {workers}), batched: "
            f"{new['sweep_wall_seconds']:.1f} s ({new['points_per_batch']} points a batch)"
        )
        old = _sweep(compare, workers, unbatched=True)
        log(f"  {name}, one model per point (before issue 17): {old['sweep_wall_seconds']:.1f} s")
        out["sobol_levers"] = {
            "sweep": name,
            "points": new["points"],
            "replicates": new["replicates"],
            "workers": workers,
            "batched_seconds": new["sweep_wall_seconds"],
            "unbatched_seconds": old["sweep_wall_seconds"],
            "speedup": old["sweep_wall_seconds"] / new["sweep_wall_seconds"],
            "points_per_batch": new["points_per_batch"],
            "other_cores": others([new, old]),
        }
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
