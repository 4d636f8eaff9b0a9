"""The command line of ``benchmarks/bench.py``: the parts in order, the results JSON and the table."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from . import __doc__ as overview
from .batching import one_run, one_sweep, part_batching
from .ensemble import one_ensemble, part_ensemble
from .explorer import measure_latency, part_explorer
from .idiomatic import one_idiomatic, part_idiomatic
from .measurement import IN_PROCESS, QUIET, loadavg, machine
from .million import part_million
from .report import table
from .settings import DEFAULT_OUT, FULL, HORIZON, ROOT, SMOKE
from .sweep import part_sweep
from .targets import targets
from .week_profile import one_profile, part_profile


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=(overview or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--smoke", action="store_true", help="tiny sizes and one repeat: seconds, no targets")
    ap.add_argument(
        "--out", type=Path, help=f"results JSON [{os.path.relpath(DEFAULT_OUT, ROOT)}; smoke: a temporary directory]"
    )
    ap.add_argument("--parts", default="1,2,3,4,5,6,7", help="which parts to run, e.g. 1,5 [all]")
    ap.add_argument(
        "--no-verify",
        action="store_true",
        help="part 3: skip the --workers 1 run that checks the results are identical",
    )
    ap.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="before each measurement, wait up to this long for other processes to leave the CPUs "
        "idle (a shared machine slows every figure) [60; 0 = never wait; smoke: 0]",
    )
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--replicates", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--horizon", type=int, default=HORIZON, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--blocks", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--weeks", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--warmup", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--report", help=argparse.SUPPRESS)
    ap.add_argument("--sweep", help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--unbatched", action="store_true", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def measure(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    if kind == "ensemble":
        return one_ensemble(args.replicates, args.horizon)
    if kind == "idiomatic":
        return one_idiomatic(args.n, args.blocks, args.horizon)
    if kind == "profile":
        return one_profile(args.replicates, args.weeks, args.warmup, args.report)
    if kind == "explorer":
        return measure_latency(args.replicates, args.n)
    if kind == "batching-run":
        return one_run(args.replicates, args.horizon)
    if kind == "batching-sweep":
        return one_sweep(args.sweep, args.workers, args.unbatched)
    raise SystemExit(f"unknown measurement {kind}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args)))
        return 0

    IN_PROCESS[0] = args.smoke
    QUIET["max_wait"] = 0.0 if args.smoke else args.quiet_wait
    cfg = SMOKE if args.smoke else FULL
    out = args.out or (
        Path(tempfile.gettempdir()) / "leverage-bench-smoke" / "results.json" if args.smoke else DEFAULT_OUT
    )
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    parts = {int(p) for p in args.parts.split(",") if p.strip()}
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(msg, flush=True)

    res: dict[str, Any] = {
        "machine": machine(),
        "settings": {
            "smoke": args.smoke,
            "parts": sorted(parts),
            **{k: v for k, v in cfg.items() if k != "ensemble_repeats"},
        },
    }
    log(
        f"Leverage benchmark{' (smoke)' if args.smoke else ''}: {res['machine']['cores']} cores, "
        f"{res['machine']['cpu_model']}, commit {res['machine']['git_commit']}, load {loadavg()}"
    )
    sizes = ", ".join(f"{r:,}" for r in cfg["ensemble_sizes"])
    steps: list[tuple[int, str, str, Any]] = [
        (1, "ensemble", f"1. ensemble at R = {sizes}", lambda: part_ensemble(cfg, log)),
        (
            2,
            "idiomatic",
            f"2. one Mesa model per replicate against one ensemble, N = {cfg['idiomatic_n']:,}",
            lambda: part_idiomatic(cfg, log),
        ),
        (3, "million", f"3. sim run -n {cfg['million_n']:,}", lambda: part_million(cfg, log, not args.no_verify)),
        (
            4,
            "sweep",
            f"4. sim sweep, {cfg['sweep_points']} points x {cfg['sweep_replicates']:,} replicates",
            lambda: part_sweep(cfg, log),
        ),
        (
            5,
            "profile",
            f"5. profile of a week at R = {cfg['profile_replicates']:,}",
            lambda: part_profile(cfg, out.parent, log),
        ),
        (
            6,
            "explorer",
            f"6. sim explore: a lever move to the fast-pass numbers at {cfg['explorer_replicates']:,} replicates",
            lambda: part_explorer(cfg, log),
        ),
        (
            7,
            "batching",
            f"7. sweeps as one ensemble: {cfg['batching_points']} points x {cfg['batching_replicates']} against "
            f"one run of {cfg['batching_points'] * cfg['batching_replicates']:,}; sobol_levers batched and not",
            lambda: part_batching(cfg, log),
        ),
    ]
    for number, key, title, fn in steps:
        if number not in parts:
            continue
        load_before = loadavg()
        log(f"{title} (load {load_before})")
        t0 = time.perf_counter()
        res[key] = fn()
        res[key]["load_average_before"] = load_before
        res[key]["bench_seconds"] = round(time.perf_counter() - t0, 1)
    res["load_average_at_end"] = loadavg()
    res["seconds_waited_for_quiet"] = round(QUIET["waited"], 1)
    res["bench_seconds"] = round(time.perf_counter() - started, 1)
    res["targets"] = [] if args.smoke else targets(res)
    out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    log("")
    log(table(res))
    log(f"\nwrote {out} in {res['bench_seconds']:.0f} s")
    return 0
