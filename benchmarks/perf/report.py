"""The table ``make bench`` prints: every figure with its spread, and every target."""

from __future__ import annotations

from typing import Any

from .settings import HORIZON, MIB


def fmt_stats(s: dict[str, Any], scale: float = 1.0, digits: int = 3, unit: str = "") -> str:
    m, lo, hi = s["median"] * scale, s["min"] * scale, s["max"] * scale
    return f"{m:,.{digits}f}{unit} [{lo:,.{digits}f}-{hi:,.{digits}f}]"


def fmt_others(s: dict[str, Any] | None) -> str:
    return "-" if not s else f"{s['median']:.2f} (max {s['max']:.2f})"


def table(res: dict[str, Any]) -> str:
    m = res["machine"]
    cpu = m.get("cpu") or {}
    lines = [
        f"Leverage benchmark · {m['date']} · commit {m['git_commit']}",
        f"machine: {m['cores']} cores, {m['cpu_model']} (family {cpu.get('family')} model {cpu.get('model')}, "
        f"{'VM' if cpu.get('hypervisor') else 'bare metal'}), {m['memory_gib']} GiB · Python "
        f"{m['versions']['python']}, numpy {m['versions']['numpy']}, Mesa {m['versions'].get('mesa')}"
        + (" · SMOKE (sizes too small for the targets)" if res["settings"]["smoke"] else ""),
        f"load average at start {m['load_average_at_start']}, at end {res.get('load_average_at_end')}; "
        f"waited {res.get('seconds_waited_for_quiet', 0)} s for other processes to go quiet",
        "figures: median [min-max] of the runs; 'others' = cores used by other processes during the runs",
        "",
    ]
    ens = res.get("ensemble")
    if ens:
        lines.append(
            "1. Ensemble, baseline, 104 weeks, one process: sim.runner.run (model + weekly reporting + "
            "tables) in a fresh process; µs per replicate-week"
        )
        lines.append(
            f"   {'R':>9} {'runs':>4}  {'wall s':<24}{'µs/rw (cold)':<27}{'warm':<8}{'bare':<8}"
            f"{'faults/wk':>10}  {'peak RSS MiB':<16}others"
        )
        for row in ens["rows"]:
            lines.append(
                f"   {row['replicates']:>9,} {row['repeats']:>4}  {fmt_stats(row['wall_seconds']):<24}"
                f"{fmt_stats(row['us_per_replicate_week']):<27}"
                f"{row['warm_us_per_replicate_week']['median']:<8.3f}"
                f"{row['bare_us_per_replicate_week']['median']:<8.3f}"
                f"{row['page_faults_per_chunk_week']['median']:>10,.0f}  "
                f"{fmt_stats(row['peak_rss_bytes'], 1 / MIB, 0):<16}{fmt_others(row.get('other_cores'))}"
                + ("  <- allocator tuned" if row["allocator_tuned"] else "")
            )
        lines.append("")
    idi = res.get("idiomatic")
    if idi:
        c = (idi.get("contention") or {}).get("other_cores")
        lines.append(
            f"2. One Mesa model per replicate (batch_run's loop) against one ensemble, N = {idi['n']:,}, "
            "same process" + (f" (others {c:.2f} cores)" if c is not None else "")
        )
        lines.append(
            f"   one model per replicate: {fmt_stats(idi['idiomatic_seconds_per_replicate'], 1e3, 2, ' ms')} "
            f"per replicate ({HORIZON} weeks each; {idi['idiomatic_total_seconds']:.1f} s for all "
            f"{idi['n']:,})"
        )
        lines.append(
            f"   one ensemble of R = {idi['n']:,}: "
            f"{fmt_stats(idi['ensemble_seconds_per_replicate'], 1e6, 1, ' µs')} per replicate"
        )
        lines.append(f"   ratio: {idi['ratio_of_medians']:,.0f}x (per block {fmt_stats(idi['ratio_per_block'], 1, 0)})")
        lines.append(
            f"   variant, each model stopped once its replicate ends (mean "
            f"{idi['early_stop_mean_weeks']:.1f} weeks): "
            f"{fmt_stats(idi['early_stop_seconds_per_replicate'], 1e3, 2, ' ms')} per replicate, ratio "
            f"{idi['early_stop_ratio_of_medians']:,.0f}x"
        )
        lines.append("")
    mil = res.get("million")
    if mil:
        lines.append(
            f"3. sim run, {mil['replicates']:,} replicates x {mil['horizon_weeks']} weeks, "
            f"{mil['workers']} workers (others {fmt_others(mil.get('other_cores'))} cores)"
        )
        lines.append(
            f"   wall: {fmt_stats(mil['wall_seconds'], 1, 1, ' s')}   "
            f"({fmt_stats(mil['us_per_replicate_week'])} µs/replicate-week)"
        )
        lines.append(
            f"   peak memory, process tree: PSS {fmt_stats(mil['peak_pss_tree_bytes'], 1 / MIB, 0, ' MiB')}, "
            f"summed RSS {fmt_stats(mil['peak_rss_tree_bytes'], 1 / MIB, 0, ' MiB')}, "
            f"{mil['peak_processes']} processes"
        )
        lines.append(
            "   at the peak (PSS): "
            + ", ".join(f"{p['process']} {p['pss_mib']:,} MiB" for p in mil.get("processes_at_peak", []))
        )
        if mil.get("single_process"):
            sp = mil["single_process"]
            lines.append(
                f"   --workers 1: {sp['wall_seconds']:.1f} s, peak PSS {sp['peak_pss_tree_bytes'] / MIB:,.0f} "
                f"MiB (others {fmt_others(sp.get('other_cores'))} cores); identical results: "
                f"{mil['identical_to_single_process']}"
            )
        lines.append("")
    sw = res.get("sweep")
    if sw:
        if not sw.get("available"):
            lines += ["4. Sweep: `sim sweep` not available", ""]
        else:
            lines.append(
                f"4. sim sweep, {sw['points']} points x {sw['replicates']:,} replicates x {sw['horizon_weeks']} weeks"
            )
            for w, v in sw["workers"].items():
                lines.append(
                    f"   --workers {w}: wall {fmt_stats(v['wall_seconds'], 1, 2, ' s')}, sweep "
                    f"{fmt_stats(v['sweep_wall_seconds'], 1, 2, ' s')}, tasks' compute "
                    f"{fmt_stats(v['compute_seconds'], 1, 2, ' s')} "
                    f"(others {fmt_others(v.get('other_cores'))} cores)"
                )
                lines.append(
                    f"      overhead {fmt_stats(v['overhead'], 100, 1, '%')} of compute "
                    f"({fmt_stats(v['overhead_with_startup'], 100, 1, '%')} with the CLI's start-up)"
                )
            lines.append(
                f"   speed-up of 2 workers over 1: {fmt_stats(sw['speedup_2_over_1'], 1, 2, 'x')} (command), "
                f"{fmt_stats(sw['speedup_2_over_1_sweep_only'], 1, 2, 'x')} (sweep without start-up), "
                f"{fmt_stats(sw['compute_speedup_2_over_1'], 1, 2, 'x')} (tasks' compute)"
            )
            lines.append("")
    pr = res.get("profile")
    if pr:
        lines.append(
            f"5. Profile of a week at R = {pr['replicates']:,}: {pr['week_ms']:.2f} ms "
            f"({pr['us_per_replicate_week']:.3f} µs/replicate-week): model {pr['model_ms']:.2f} ms, reporting "
            f"{pr['reporting_ms']:.2f} ms; {pr['numpy_calls_per_week']:.0f} numpy calls a week; "
            f"{pr['week_ms_at_r1']:.2f} ms a week at R = 1"
        )
        top = ", ".join(f"{k.split(':')[-1]} {v:.0f}" for k, v in list(pr["numpy_calls_by_function"].items())[:5])
        lines.append(f"   numpy calls by function: {top}; full report: {pr['report']}")
        lines.append("")
    ex = res.get("explorer")
    if ex and ex.get("available"):
        lines.append(
            f"6. sim explore: a lever move to the fast-pass numbers at {ex['replicates']:,} replicates: median "
            f"{ex['median_s']:.3f} s, max {ex['max_s']:.3f} s over {ex['moves']} moves, CPU "
            f"{ex.get('cpu_median_s', float('nan')):.3f} s a move (first load of the page's "
            f"starting run {ex['first_load_s']:.2f} s)"
        )
        lines.append("")
    bt = res.get("batching")
    if bt:
        lines.append(
            f"7. Sweeps as one ensemble: {bt['points']} points x {bt['replicates']} replicates x "
            f"{bt['horizon_weeks']} weeks against one run of {bt['points'] * bt['replicates']:,}"
        )
        lines.append(
            f"   one run {fmt_stats(bt['run_us_per_replicate_week'], 1, 3, ' µs')}/replicate-week, the sweep on one "
            f"worker {fmt_stats(bt['sweep_us_per_replicate_week'], 1, 3, ' µs')} "
            f"({bt['points_per_batch']['1']} points a batch): ratio {fmt_stats(bt['ratio_sweep_over_run'], 1, 2, 'x')}"
        )
        lines.append(
            f"   overhead {fmt_stats(bt['overhead'], 100, 1, '%')} of compute; 2 workers over 1 "
            f"{fmt_stats(bt['speedup_2_over_1'], 1, 2, 'x')} (others {fmt_others(bt.get('other_cores'))} cores)"
        )
        sb = bt.get("sobol_levers")
        if sb:
            lines.append(
                f"   {sb['sweep']} ({sb['points']} x {sb['replicates']}, --workers {sb['workers']}): "
                f"{sb['unbatched_seconds']:.1f} s one model per point, {sb['batched_seconds']:.1f} s batched "
                f"({sb['points_per_batch']} points a batch): {sb['speedup']:.2f}x"
            )
        lines.append("")
    tg = res.get("targets", [])
    if tg:
        lines.append("Targets (issue #6, 2 cores, no GPU)")
        for t in tg:
            lines.append(
                f"   [{t['status']:>6}] {t['target']}: {t['measured']} (target {t['goal']})"
                + (f"; {t['note']}" if t["note"] else "")
            )
    return "\n".join(lines)
