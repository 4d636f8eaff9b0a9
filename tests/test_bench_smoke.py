"""`make bench-smoke`: the benchmark runs end to end at tiny sizes and writes every section of its JSON.

No timing is asserted (timings belong to `make bench` on a known machine, benchmarks/README.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "bench.py"


@pytest.mark.slow
def test_bench_smoke_writes_every_section(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads(out.read_text(encoding="utf-8"))

    assert res["settings"]["smoke"] is True
    m = res["machine"]
    for key in ("cores", "cpu_model", "versions", "git_commit", "date"):
        assert key in m
    assert m["cores"] >= 1 and m["versions"]["numpy"]

    # 1. the ensemble at every size: wall, per replicate-week (with reporting and bare), peak memory
    rows = res["ensemble"]["rows"]
    assert [r["replicates"] for r in rows if not r["allocator_tuned"]] == res["settings"]["ensemble_sizes"]
    assert [r["replicates"] for r in rows if r["allocator_tuned"]] == res["settings"]["malloc_variant_sizes"]
    for r in rows:
        for key in (
            "wall_seconds",
            "us_per_replicate_week",
            "warm_us_per_replicate_week",
            "bare_us_per_replicate_week",
            "page_faults_per_chunk_week",
            "peak_rss_bytes",
        ):
            assert set(r[key]) >= {"median", "min", "max"}
            assert r[key]["min"] <= r[key]["median"] <= r[key]["max"]
        assert r["peak_rss_bytes"]["median"] > 0

    # 2. one Mesa model per replicate against the ensemble
    idi = res["idiomatic"]
    assert idi["ratio_of_medians"] > 0
    assert idi["idiomatic_seconds_per_replicate"]["median"] > 0
    assert idi["ensemble_seconds_per_replicate"]["median"] > 0

    # 3. sim run with the default workers: wall, memory of the process tree, identical to one process
    mil = res["million"]
    assert mil["wall_seconds"]["median"] > 0
    assert mil["peak_pss_tree_bytes"]["median"] > 0 and mil["peak_rss_tree_bytes"]["median"] > 0
    assert mil["identical_to_single_process"] is True, mil["identical_files"]

    # 4. the sweep (when `sim sweep` exists): workers 1 and 2, overhead against compute, speed-up
    sw = res["sweep"]
    if sw["available"]:
        for w in ("1", "2"):
            v = sw["workers"][w]
            assert v["wall_seconds"]["median"] > 0 and v["compute_seconds"]["median"] > 0
            assert "overhead" in v
        assert sw["speedup_2_over_1"]["median"] > 0

    # 5. the profile of a week: numpy calls counted, report written beside the results
    pr = res["profile"]
    assert pr["numpy_calls_per_week"] > 50
    assert pr["page_faults_per_week"] >= 0
    assert pr["numpy_calls_by_function"]
    report = Path(pr["report"])
    report = report if report.is_absolute() else ROOT / report
    assert report.exists() and report.parent == out.parent
    assert "numpy calls per week" in report.read_text(encoding="utf-8")

    # the printed table names every part; no target is judged at smoke sizes
    for title in ("1. Ensemble", "2. One Mesa model", "3. sim run", "4.", "5. Profile"):
        assert title in proc.stdout
    assert res["targets"] == []
