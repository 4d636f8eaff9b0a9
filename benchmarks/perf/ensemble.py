"""Part 1: the ensemble at R = 1 ... 100,000 in one process, with and without the tuned allocator."""

from __future__ import annotations

import gc
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from .measurement import load, one, others, peak_rss_self, rss_now, stats
from .settings import BASELINE, HORIZON, MIB

# glibc's allocator: arrays above the mmap threshold (128 KiB until a larger mmapped block is freed) are mapped
# and unmapped at every allocation, and every first touch of their pages is a page fault. These environment
# variables (read at process start) keep such blocks on the heap: the "allocator tuned" variant of part 1.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(128 << 20)}


def tune_malloc() -> bool:
    """The same as MALLOC_ENV, from inside a running process (glibc's mallopt); False where unavailable."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 32 << 20)) and bool(libc.mallopt(m_trim_threshold, 128 << 20))
    except (OSError, AttributeError):
        return False


def minor_faults() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_minflt)


def one_ensemble(replicates: int, horizon: int) -> dict[str, Any]:
    """Part 1: ``sim.runner.run`` (model, weekly reporting, outcome and weekly tables, summary) at R in a fresh
    process, as ``sim run --workers 1`` runs it (cold); then writing the results directory, the same run again
    in the same process (warm: first-call costs paid, the allocator adapted), and the bare model steps."""
    from sim.model import PressureModel
    from sim.results import write_results
    from sim.runner import chunk_sizes, run

    sc = load(replicates, horizon)
    gc.collect()
    rss_before = rss_now()
    f0 = minor_faults()
    t0, c0 = time.perf_counter(), time.process_time()
    result = run(sc, workers=1)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    faults = minor_faults() - f0
    peak = peak_rss_self()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_results(result, Path(tmp) / "out", force=True, source=str(BASELINE))
        write = time.perf_counter() - t0
    del result
    gc.collect()
    t0 = time.perf_counter()
    run(sc, workers=1)
    warm = time.perf_counter() - t0
    gc.collect()
    bare = 0.0
    build = 0.0
    chunks = chunk_sizes(sc.replicates, sc.chunk_size)
    for c, n in enumerate(chunks):
        t0 = time.perf_counter()
        model = PressureModel(sc, n, c)
        t1 = time.perf_counter()
        model.run()
        bare += time.perf_counter() - t1
        build += t1 - t0
        del model
    rw = replicates * horizon
    return {
        "replicates": replicates,
        "horizon": horizon,
        "chunk_size": sc.chunk_size,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "us_per_replicate_week": wall / rw * 1e6,
        "write_seconds": write,
        "warm_wall_seconds": warm,
        "warm_us_per_replicate_week": warm / rw * 1e6,
        "page_faults_per_chunk_week": faults / (horizon * len(chunks)),
        "bare_step_seconds": bare,
        "bare_build_seconds": build,
        "bare_us_per_replicate_week": bare / rw * 1e6,
        "peak_rss_bytes": peak,
        "rss_before_bytes": rss_before,
    }


ENSEMBLE_KEYS = (
    "wall_seconds",
    "cpu_seconds",
    "us_per_replicate_week",
    "warm_us_per_replicate_week",
    "bare_us_per_replicate_week",
    "page_faults_per_chunk_week",
    "write_seconds",
    "peak_rss_bytes",
    "rss_before_bytes",
)


def part_ensemble(cfg: dict[str, Any], log: Any) -> dict[str, Any]:
    rows = []
    variants = [(r, False) for r in cfg["ensemble_sizes"]] + [(r, True) for r in cfg["malloc_variant_sizes"]]
    for r, tuned in variants:
        reps = cfg["ensemble_repeats"].get(r, cfg["repeats"])
        runs = [
            one("ensemble", "--replicates", str(r), "--horizon", str(HORIZON), env=MALLOC_ENV if tuned else None)
            for _ in range(reps)
        ]
        row: dict[str, Any] = {
            "replicates": r,
            "allocator_tuned": tuned,
            "repeats": reps,
            "chunk_size": runs[0]["chunk_size"],
            "other_cores": others(runs),
        }
        for key in ENSEMBLE_KEYS:
            row[key] = stats([x[key] for x in runs])
        rows.append(row)
        log(
            f"  R = {r:>7,}{' (allocator tuned)' if tuned else ''}: {row['wall_seconds']['median']:8.3f} s, "
            f"{row['us_per_replicate_week']['median']:9.3f} µs/replicate-week (warm "
            f"{row['warm_us_per_replicate_week']['median']:.3f}, bare model "
            f"{row['bare_us_per_replicate_week']['median']:.3f}), peak RSS "
            f"{row['peak_rss_bytes']['median'] / MIB:,.0f} MiB, "
            f"{row['page_faults_per_chunk_week']['median']:,.0f} page faults a week"
        )
    return {
        "horizon_weeks": HORIZON,
        "what": "sim.runner.run(scenario, workers=1) in a fresh process (cold, as sim run --workers 1 runs it; "
        "the target figure): build, 104 steps with weekly reporting, outcome table, weekly table, "
        "summary. warm = the same run again in that process (first-call costs paid, glibc's mmap "
        "threshold raised by earlier frees); bare = PressureModel.run() alone, warm; write = "
        "write_results (parquet, json), not in the wall time; allocator tuned = the cold run with "
        f"{' '.join(f'{k}={v}' for k, v in MALLOC_ENV.items())}",
        "rows": rows,
    }
