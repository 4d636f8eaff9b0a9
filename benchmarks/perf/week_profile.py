"""Part 5: one week at R = 10,000 under cProfile, and numpy calls per week (``profile_week.txt``)."""

from __future__ import annotations

import cProfile
import datetime as dt
import os
import pstats
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .ensemble import minor_faults, tune_malloc
from .measurement import git_commit, load, one, stats
from .numpy_calls import count_numpy_calls, fn_label
from .settings import HORIZON, PROFILE_FILE, ROOT


def one_profile(replicates: int, weeks: int, warmup: int, out: str, passes: int = 5) -> dict[str, Any]:
    """Part 5: cProfile of ``weeks`` weeks at R (after ``warmup``), numpy calls counted per week, and the
    cost of a week at R = 1 (its fixed overhead) against R."""
    from sim.model import PressureModel

    sc = load(replicates)

    # (a) cProfile of `weeks` weeks (model.step, reporting included).
    model = PressureModel(sc, replicates, 0)
    for _ in range(warmup):
        model.step()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(weeks):
        model.step()
    prof.disable()
    profiled = (time.perf_counter() - t0) / weeks

    # (b) the same weeks without the profiler, several times (the minimum is the least disturbed by other
    # processes), with the reporting's share (model.recorder.record) and page faults; first as a fresh process runs
    # them (every sim run, every pool worker's first chunk), then with glibc's allocator tuned (tune_malloc).
    def time_weeks() -> tuple[list[float], list[float], list[float]]:
        weeks_t, reporting_t, faults_t = [], [], []
        for _ in range(passes):
            model = PressureModel(sc, replicates, 0)
            for _ in range(warmup):
                model.step()
            record = model.recorder.record
            spent = [0.0]

            def timed_record(*args: Any, record: Any = record, spent: list[float] = spent) -> None:
                t = time.perf_counter()
                record(*args)
                spent[0] += time.perf_counter() - t

            model.recorder.record = timed_record  # type: ignore[method-assign]
            f0 = minor_faults()
            t0 = time.perf_counter()
            for _ in range(weeks):
                model.step()
            weeks_t.append((time.perf_counter() - t0) / weeks)
            faults_t.append((minor_faults() - f0) / weeks)
            reporting_t.append(spent[0] / weeks)
        return weeks_t, reporting_t, faults_t

    weeks_t, reporting_t, faults_t = time_weeks()
    i_best = min(range(passes), key=lambda i: weeks_t[i])
    week, reporting, faults = weeks_t[i_best], reporting_t[i_best], faults_t[i_best]
    tuned = tune_malloc()
    tweeks_t, treporting_t, tfaults_t = time_weeks() if tuned else ([], [], [])
    j_best = min(range(len(tweeks_t)), key=lambda i: tweeks_t[i]) if tweeks_t else None

    # (c) a week at R = 1: nothing but per-call overhead.
    r1 = []
    for _ in range(passes):
        small = PressureModel(load(1), 1, 0)
        for _ in range(warmup):
            small.step()
        t0 = time.perf_counter()
        for _ in range(weeks * 4):
            small.step()
        r1.append((time.perf_counter() - t0) / (weeks * 4))
    week_r1 = min(r1)

    # (d) numpy calls per week, by kind and by calling function.
    model = PressureModel(sc, replicates, 0)
    for _ in range(warmup):
        model.step()
    by_kind, by_caller = count_numpy_calls(model, weeks)
    calls = sum(by_kind.values()) / weeks

    # (e) a whole sim.runner.run at R under cProfile: what a run costs outside its weekly steps.
    from sim.runner import run

    run(load(64), workers=1)
    whole = cProfile.Profile()
    t0 = time.perf_counter()
    whole.enable()
    run(sc, workers=1)
    whole.disable()
    run_wall = time.perf_counter() - t0
    run_parts: dict[str, float] = {}
    wanted = {
        ("runner.py", "run"): "sim.runner.run (all)",
        ("runner.py", "run_chunk"): "run_chunk (build + steps + outcome table)",
        ("model.py", "step"): "PressureModel.step x horizon",
        ("recorder.py", "record"): "  of which weekly reporting (WeeklyRecorder.record)",
        ("outcomes.py", "outcome_table"): "outcome_table",
        ("outcomes.py", "table"): "weekly table (WeeklyAccumulator.table: quantiles from histograms)",
        ("summary.py", "summarise"): "summarise",
    }
    for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in pstats.Stats(whole).stats.items():  # type: ignore[attr-defined]
        key = (Path(file).name, name)
        if key in wanted and file.startswith(str(ROOT / "sim")):
            run_parts[wanted[key]] = run_parts.get(wanted[key], 0.0) + ct

    st = pstats.Stats(prof)
    sim_dir = str(ROOT / "sim")
    functions = []
    for (file, line, name), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        functions.append(
            {
                "function": fn_label(file, line, name, sim_dir),
                "calls_per_week": nc / weeks,
                "tottime_ms_per_week": tt / weeks * 1e3,
                "cumtime_ms_per_week": ct / weeks * 1e3,
            }
        )
    functions.sort(key=lambda f: -f["tottime_ms_per_week"])

    best_week = tweeks_t[j_best] if j_best is not None else week
    tuned_lines = (
        []
        if j_best is None
        else [
            f"same weeks, glibc allocator tuned (mmap threshold 32 MiB, trim threshold 128 MiB), best of {passes}: "
            f"{tweeks_t[j_best] * 1e3:.3f} ms = {tweeks_t[j_best] / replicates * 1e6:.3f} µs per replicate-week "
            f"(passes: " + ", ".join(f"{w * 1e3:.2f}" for w in tweeks_t) + " ms)",
            f"  of which weekly reporting:        {treporting_t[j_best] * 1e3:8.3f} ms",
            f"  of which the model's processes:   {(tweeks_t[j_best] - treporting_t[j_best]) * 1e3:8.3f} ms",
            f"  minor page faults per week:       {tfaults_t[j_best]:8.0f} (untuned: {faults:.0f})",
        ]
    )
    text = profile_report(
        replicates,
        weeks,
        warmup,
        profiled,
        weeks_t,
        week,
        reporting,
        week_r1,
        calls,
        by_kind,
        by_caller,
        prof,
        best_week,
        tuned_lines,
    )
    parts_text = "\n".join(f"  {v:8.3f}  {k}" for k, v in sorted(run_parts.items(), key=lambda kv: -kv[1]))
    text += (
        f"\nOne whole sim.runner.run at R = {replicates:,} x {HORIZON} weeks under cProfile "
        f"({run_wall:.3f} s wall; cumulative seconds):\n{parts_text}\n"
    )
    Path(out).write_text(text, encoding="utf-8")
    per_call_us = week_r1 / calls * 1e6 if calls else None
    return {
        "replicates": replicates,
        "weeks_profiled": weeks,
        "warmup_weeks": warmup,
        "week_ms": week * 1e3,
        "reporting_ms": reporting * 1e3,
        "model_ms": (week - reporting) * 1e3,
        "week_ms_passes": stats([w * 1e3 for w in weeks_t]),
        "week_ms_at_r1_passes": stats([w * 1e3 for w in r1]),
        "page_faults_per_week": faults,
        "allocator_tuned": None
        if j_best is None
        else {
            "week_ms": tweeks_t[j_best] * 1e3,
            "reporting_ms": treporting_t[j_best] * 1e3,
            "model_ms": (tweeks_t[j_best] - treporting_t[j_best]) * 1e3,
            "us_per_replicate_week": tweeks_t[j_best] / replicates * 1e6,
            "page_faults_per_week": tfaults_t[j_best],
            "week_ms_passes": stats([w * 1e3 for w in tweeks_t]),
        },
        "week_ms_under_profiler": profiled * 1e3,
        "us_per_replicate_week": week / replicates * 1e6,
        "week_ms_at_r1": week_r1 * 1e3,
        "numpy_calls_per_week": calls,
        "us_per_call_at_r1": per_call_us,
        "ns_per_replicate_per_call": ((best_week - week_r1) / replicates / calls * 1e9) if calls else None,
        "numpy_calls_by_kind": {k: v / weeks for k, v in by_kind.most_common()},
        "numpy_calls_by_function": {k: v / weeks for k, v in by_caller.most_common()},
        "top_functions": functions[:25],
        "whole_run_under_profiler_seconds": run_parts,
        "report": str(out),
    }


def profile_report(
    replicates: int,
    weeks: int,
    warmup: int,
    profiled: float,
    weeks_t: list[float],
    week: float,
    reporting: float,
    week_r1: float,
    calls: float,
    by_kind: Counter[str],
    by_caller: Counter[str],
    prof: cProfile.Profile,
    best_week: float,
    tuned_lines: list[str],
) -> str:
    lines = [
        f"Leverage: profile of one week of the baseline at R = {replicates:,} (model.step with its weekly reporting)",
        f"generated {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} at commit {git_commit()}",
        f"weeks {warmup + 1}-{warmup + weeks} after {warmup} warm-up weeks; every figure is per week (totals "
        f"over {weeks} weeks / {weeks})",
        "",
    ]
    lines.append(
        f"time per week in a fresh process (no profiler, best of {len(weeks_t)} passes): "
        f"{week * 1e3:.3f} ms = {week / replicates * 1e6:.3f} µs per replicate-week (passes: "
        + ", ".join(f"{w * 1e3:.2f}" for w in weeks_t)
        + " ms)"
    )
    lines.append(
        f"  of which weekly reporting:        {reporting * 1e3:8.3f} ms (model.recorder.record: histograms, sums)"
    )
    lines.append(f"  of which the model's processes:   {(week - reporting) * 1e3:8.3f} ms")
    lines += tuned_lines
    lines.append(f"time per week at R = 1:             {week_r1 * 1e3:8.3f} ms (fixed per-call overhead)")
    lines.append(f"numpy calls per week:               {calls:8.1f}")
    if calls:
        lines.append(f"  overhead per call (R = 1):        {week_r1 / calls * 1e6:8.2f} µs")
        lines.append(
            f"  element cost per call at R:       {(best_week - week_r1) / calls / replicates * 1e9:8.2f} ns "
            "per replicate (≈ one pass over one float64 array; from the fastest week above)"
        )
    lines.append(f"time per week under cProfile:       {profiled * 1e3:8.3f} ms")
    lines += ["", "numpy calls per week, by calling function (sim/):"]
    for k, v in by_caller.most_common():
        lines.append(f"  {v / weeks:8.1f}  {k}")
    lines += ["", "numpy calls per week, by kind:"]
    for k, v in by_kind.most_common():
        lines.append(f"  {v / weeks:8.1f}  {k}")
    st = pstats.Stats(prof)
    sim_dir = str(ROOT / "sim")
    rows: list[tuple[str, float, float, float]] = [
        (fn_label(file, line, name, sim_dir), nc / weeks, tt / weeks * 1e3, ct / weeks * 1e3)
        for (file, line, name), (_cc, nc, tt, ct, _callers) in st.stats.items()
    ]  # type: ignore[attr-defined]
    total = sum(r[2] for r in rows)
    for col, title in ((2, "own time"), (3, "cumulative time")):
        lines += [
            "",
            f"cProfile, by {title}, per week (the profiler slows small calls: {profiled * 1e3:.2f} ms a "
            f"week under it, {total:.2f} ms of own time in all):",
            f"  {'calls':>8} {'own ms':>8} {'cum ms':>8}  function",
        ]
        for label, nc, tt, ct in sorted(rows, key=lambda r: -float(r[col]))[:40]:
            lines.append(f"  {nc:8.1f} {tt:8.3f} {ct:8.3f}  {label}")
    return "\n".join(lines) + "\n"


def part_profile(cfg: dict[str, Any], out_dir: Path, log: Any) -> dict[str, Any]:
    report = out_dir / PROFILE_FILE
    res = one(
        "profile",
        "--replicates",
        str(cfg["profile_replicates"]),
        "--weeks",
        str(cfg["profile_weeks"]),
        "--warmup",
        str(cfg["warmup_weeks"]),
        "--report",
        str(report),
    )
    res["report"] = os.path.relpath(report, ROOT) if report.is_relative_to(ROOT) else str(report)
    log(
        f"  {res['week_ms']:.2f} ms a week ({res['reporting_ms']:.2f} ms reporting), "
        f"{res['numpy_calls_per_week']:.0f} numpy calls a week, {res['week_ms_at_r1']:.2f} ms a week at R = 1; "
        f"report in {res['report']}"
    )
    return res
