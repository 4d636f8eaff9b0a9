"""Where the benchmark reads and writes, and its sizes: full (``make bench``) and smoke (``make bench-smoke``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent  # benchmarks/
ROOT = HERE.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
DEFAULT_OUT = HERE / "results.json"
PROFILE_FILE = "profile_week.txt"
BENCH_SCRIPT = HERE / "bench.py"  # the entry point; bench.py --one KIND is one measurement
HORIZON = 104
MIB = 1024.0 * 1024.0


# Sizes: full (make bench) and smoke (make bench-smoke, the test).
FULL: dict[str, Any] = {
    "ensemble_sizes": [1, 100, 1_000, 10_000, 100_000],
    "ensemble_repeats": {100_000: 3},
    "repeats": 5,
    "malloc_variant_sizes": [10_000],
    "idiomatic_n": 1_000,
    "idiomatic_blocks": 5,
    "million_n": 1_000_000,
    "million_repeats": 3,
    "million_horizon": HORIZON,
    "million_chunk": None,
    "sweep_points": 100,
    "sweep_replicates": 1_000,
    "sweep_repeats": 3,
    "sweep_horizon": HORIZON,
    "profile_replicates": 10_000,
    "profile_weeks": 10,
    "warmup_weeks": 5,
    "explorer_replicates": 2_000,
    "explorer_moves": 8,
    "batching_points": 100,
    "batching_replicates": 400,
    "batching_repeats": 3,
    "batching_workers": 2,
    "batching_compare_shipped": True,
}
SMOKE: dict[str, Any] = {
    "ensemble_sizes": [1, 100],
    "ensemble_repeats": {},
    "repeats": 1,
    "malloc_variant_sizes": [],
    "idiomatic_n": 8,
    "idiomatic_blocks": 2,
    "million_n": 4_000,
    "million_repeats": 1,
    "million_horizon": 12,
    "million_chunk": 2_000,
    "sweep_points": 4,
    "sweep_replicates": 100,
    "sweep_repeats": 1,
    "sweep_horizon": 12,
    "profile_replicates": 500,
    "profile_weeks": 2,
    "warmup_weeks": 2,
    "explorer_replicates": 200,
    "explorer_moves": 2,
    "batching_points": 4,
    "batching_replicates": 50,
    "batching_repeats": 1,
    "batching_workers": 2,
    "batching_compare_shipped": False,
}
