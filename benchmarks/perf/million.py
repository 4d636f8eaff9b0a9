"""Part 3: ``sim run -n 1000000`` with the default workers: wall time, memory of the process tree, identity."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .measurement import others, sha256, sim_command, stats, timed_command
from .settings import BASELINE, MIB


def part_million(cfg: dict[str, Any], log: Any, verify: bool) -> dict[str, Any]:
    from sim.runner import default_workers

    n, horizon = cfg["million_n"], cfg["million_horizon"]
    base = [*sim_command(), "run", str(BASELINE), "-n", str(n), "--horizon", str(horizon), "--force", "-q"]
    if cfg["million_chunk"]:
        base += ["--set", f"chunk_size={cfg['million_chunk']}"]
    runs = []
    tmp = Path(tempfile.mkdtemp(prefix="leverage-bench-"))
    try:
        for i in range(cfg["million_repeats"]):
            r = timed_command([*base, "--out", str(tmp / "parallel")])
            runs.append(r)
            log(
                f"  run {i + 1}: {r['wall_seconds']:.1f} s, peak tree RSS {r['peak_rss_tree_bytes'] / MIB:,.0f} MiB "
                f"(PSS {r['peak_pss_tree_bytes'] / MIB:,.0f} MiB, {r['peak_processes']} processes)"
            )
        out: dict[str, Any] = {
            "replicates": n,
            "horizon_weeks": horizon,
            "workers": default_workers(),
            "command": " ".join(["sim", *base[len(sim_command()) :], "--out", "DIR"]),
            "wall_seconds": stats([r["wall_seconds"] for r in runs]),
            "peak_rss_tree_bytes": stats([r["peak_rss_tree_bytes"] for r in runs]),
            "peak_pss_tree_bytes": stats([r["peak_pss_tree_bytes"] for r in runs]),
            "peak_processes": max(r["peak_processes"] for r in runs),
            "other_cores": others(runs),
            "processes_at_peak": sorted(runs, key=lambda r: r["peak_pss_tree_bytes"])[len(runs) // 2]["at_peak_pss"],
            "us_per_replicate_week": stats([r["wall_seconds"] / (n * horizon) * 1e6 for r in runs]),
            "memory_note": "sampled every 0.1 s over the process tree from /proc: RSS summed (shared pages "
            "counted in each process, an upper bound) and PSS summed (shared pages split)",
        }
        with contextlib.suppress(OSError, ValueError, KeyError):
            man = json.loads((tmp / "parallel" / "manifest.json").read_text(encoding="utf-8"))
            out["manifest_timings"] = man.get("timings")
        if verify:
            r = timed_command([*base, "--workers", "1", "--out", str(tmp / "single")])
            files = {}
            for name in ("outcomes.parquet", "weekly.parquet", "summary.json"):
                a, b = tmp / "parallel" / name, tmp / "single" / name
                files[name] = a.exists() and b.exists() and sha256(a) == sha256(b)
            out["single_process"] = {
                "wall_seconds": r["wall_seconds"],
                "other_cores": others([r]),
                "peak_rss_tree_bytes": r["peak_rss_tree_bytes"],
                "peak_pss_tree_bytes": r["peak_pss_tree_bytes"],
            }
            out["identical_to_single_process"] = all(files.values())
            out["identical_files"] = files
            log(f"  --workers 1: {r['wall_seconds']:.1f} s; files identical: {files}")
        else:
            out["identical_to_single_process"] = None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out
