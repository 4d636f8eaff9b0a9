"""Part 2: one Mesa model per replicate, the way ``mesa.batch_run`` runs them, against one ensemble model."""

from __future__ import annotations

import gc
import statistics
import sys
import time
from typing import Any

from .measurement import load, one, stats
from .settings import HERE, HORIZON


def one_idiomatic(n: int, blocks: int, horizon: int) -> dict[str, Any]:
    """Part 2: N one-replicate Mesa models in sequence (in blocks) against one ensemble model of R = N,
    interleaved in the same process so that both see the same machine. Each block runs batch_run's literal
    loop (to the horizon), the early-stopping variant, then the ensemble."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import mesa_idiomatic as mi

    sc = load(n, horizon)
    mi.run_sequential(load(1, horizon), range(3))  # warm-up both paths
    mi.run_ensemble(load(16, horizon), 16)
    edges = [round(b * n / blocks) for b in range(blocks + 1)]
    idiom: list[float] = []
    early: list[float] = []
    ens: list[float] = []
    steps: list[int] = []
    for b in range(blocks):
        runs = range(edges[b], edges[b + 1])
        gc.collect()
        t0 = time.perf_counter()
        records = mi.run_sequential(sc, runs)
        idiom.append((time.perf_counter() - t0) / len(runs))
        assert all(r["steps"] == horizon for r in records)
        gc.collect()
        t0 = time.perf_counter()
        records = mi.run_sequential(sc, runs, stop_when_ended=True)
        early.append((time.perf_counter() - t0) / len(runs))
        steps.extend(r["steps"] for r in records)
        gc.collect()
        t0 = time.perf_counter()
        table = mi.run_ensemble(sc, n)
        ens.append((time.perf_counter() - t0) / n)
        assert table.num_rows == n
    return {
        "n": n,
        "blocks": blocks,
        "idiomatic_seconds_per_replicate": idiom,
        "early_stop_seconds_per_replicate": early,
        "ensemble_seconds_per_replicate": ens,
        "early_stop_mean_weeks": sum(steps) / len(steps),
        "idiomatic_total_seconds": sum(t * (edges[b + 1] - edges[b]) for b, t in enumerate(idiom)),
    }


def part_idiomatic(cfg: dict[str, Any], log: Any) -> dict[str, Any]:
    n, blocks = cfg["idiomatic_n"], cfg["idiomatic_blocks"]
    res = one("idiomatic", "--n", str(n), "--blocks", str(blocks), "--horizon", str(HORIZON), timeout=3600)
    idiom, ens = res["idiomatic_seconds_per_replicate"], res["ensemble_seconds_per_replicate"]
    early = res["early_stop_seconds_per_replicate"]
    out = {
        "n": n,
        "blocks": blocks,
        "horizon_weeks": HORIZON,
        "what": f"{n:,} PressureModel(scenario, 1, chunk=i) built and stepped in sequence with mesa.batch_run's "
        f"loop (while model.running and model.week < {HORIZON}), in {blocks} blocks; each block also "
        f"run stopping each model once its replicate has ended, then one PressureModel(scenario, {n:,}) "
        "to the horizon; all collect the outcome record; one process",
        "idiomatic_seconds_per_replicate": stats(idiom),
        "ensemble_seconds_per_replicate": stats(ens),
        "idiomatic_total_seconds": res["idiomatic_total_seconds"],
        "ratio_per_block": stats([i / e for i, e in zip(idiom, ens, strict=True)]),
        "ratio_of_medians": statistics.median(idiom) / statistics.median(ens),
        "early_stop_seconds_per_replicate": stats(early),
        "early_stop_mean_weeks": res["early_stop_mean_weeks"],
        "early_stop_ratio_per_block": stats([i / e for i, e in zip(early, ens, strict=True)]),
        "early_stop_ratio_of_medians": statistics.median(early) / statistics.median(ens),
        "contention": res.get("contention"),
    }
    log(
        f"  idiomatic {out['idiomatic_seconds_per_replicate']['median'] * 1e3:.2f} ms/replicate (stopping at the "
        f"outcome {out['early_stop_seconds_per_replicate']['median'] * 1e3:.2f}), ensemble "
        f"{out['ensemble_seconds_per_replicate']['median'] * 1e6:.1f} µs/replicate: ratio "
        f"{out['ratio_of_medians']:,.0f}x ({out['early_stop_ratio_of_medians']:,.0f}x)"
    )
    return out
