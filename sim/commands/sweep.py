"""``sim sweep``: run a sweep file locally, in process, or on a Dask cluster, with a progress bar and resume."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from sim.commands.common import SCHEDULER_FILE_HELP, SCHEDULER_HELP

SET_HELP = "Override a field of the base scenario: --set dotted.path=value (repeatable; value parsed as YAML)."


@click.command()
@click.argument("sweep_file", type=click.Path(dir_okay=False))
@click.option(
    "--workers", "-w", type=click.IntRange(min=1), help="Local worker processes [one per core]; 1 runs in this process."
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help=SCHEDULER_HELP,
)
@click.option("--scheduler-file", type=click.Path(dir_okay=False), help=SCHEDULER_FILE_HELP)
@click.option(
    "--resume",
    is_flag=True,
    help="Keep the finished parts of an interrupted sweep (the manifest must match) and run the rest.",
)
@click.option(
    "--independent",
    is_flag=True,
    help="Independent random numbers per point (default: common random numbers across points).",
)
@click.option("--replicates", "-n", type=click.IntRange(min=1), help="Replicates per point (sweep: replicates).")
@click.option("--out", "-o", type=click.Path(file_okay=False), help="Results directory [results/<sweep name>].")
@click.option("--force", "-f", is_flag=True, help="Replace an existing results directory (only one Leverage wrote).")
@click.option(
    "--quiet", "-q", is_flag=True, help="No progress bar and no summary (a dead worker is still reported on stderr)."
)
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
@click.option(
    "--max-points",
    type=click.IntRange(min=1),
    metavar="N",
    help="Refuse a design of more than N points before building it [100,000].",
)
@click.option(
    "--batch-points",
    type=click.IntRange(min=1),
    metavar="N",
    help="Points side by side in one model chunk (results do not depend on it) [automatic: chunks of "
    "10,000-50,000 replicates, at least 4 per worker when the sweep is large enough; 1: each point alone].",
)
def sweep(
    sweep_file: str,
    workers: int | None,
    scheduler: str | None,
    scheduler_file: str | None,
    resume: bool,
    independent: bool,
    replicates: int | None,
    out: str | None,
    force: bool,
    quiet: bool,
    sets: tuple[str, ...],
    max_points: int | None,
    batch_points: int | None,
) -> None:
    """Run the parameter sweep SWEEP_FILE: every point x chunk of replicates is written to parts/ (several
    points share one model chunk: --batch-points), then points.parquet (metrics with 95% intervals per point)
    and, for Sobol and Morris designs, sensitivity.json. Exit status 1 when some tasks failed (see
    failures.json); rerun with --resume."""
    from sim.errors import RunError, Terminated
    from sim.pool import default_workers, start_forkserver

    if workers is not None and (scheduler or scheduler_file):
        raise RunError("--workers and --scheduler exclude each other: a cluster has its own workers")
    if scheduler is None and scheduler_file is None and (workers or default_workers()) > 1:
        # Before anything heavy: the pool's forkserver imports the model on one core while this process
        # imports the sweep machinery and reads the files on the other (a second saved; see sim/pool.py).
        start_forkserver()

    from tqdm import tqdm

    from sim.executors import make_backend
    from sim.resultsdir import check_out_dir
    from sim.scenario import safe_name
    from sim.sweep import SweepIncomplete, load_sweep, run_sweep

    sw = load_sweep(sweep_file, sets, replicates=replicates, max_points=max_points)
    out_dir = Path(out) if out else Path("results") / safe_name(sw.name)
    if not resume:  # refuse before connecting or starting any worker
        check_out_dir(out_dir, force, hint="pass --resume to continue it or --force to replace it")
    backend = make_backend(workers, scheduler, scheduler_file=scheduler_file)
    failed = 0
    bar = tqdm(
        total=len(sw.design) * len(sw.chunks),
        disable=True if quiet else None,
        unit="task",
        leave=False,
        dynamic_ncols=True,
        desc=f"sweep {sw.name}",
        postfix="failed=0",
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} tasks [{elapsed}<{remaining}{postfix}]",
    )

    def on_task(ok: bool) -> None:
        nonlocal failed
        if not ok:
            failed += 1
            bar.set_postfix_str(f"failed={failed}", refresh=False)
        bar.update(1)

    def on_start(total: int, resumed: int) -> None:
        bar.total, bar.initial, bar.n = total, resumed, resumed
        bar.refresh()

    def on_event(message: str) -> None:
        bar.write(message, file=sys.stderr)

    try:
        report = run_sweep(
            sw,
            out_dir,
            backend=backend,
            resume=resume,
            force=force,
            independent=independent,
            on_start=on_start,
            on_task=on_task,
            on_event=on_event,
            batch_points=batch_points,
        )
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (sim.errors.Terminated)
        bar.close()
        terminated = isinstance(exc, Terminated)
        click.echo(
            f"{'terminated' if terminated else 'interrupted'}: finished parts are kept in {out_dir}/parts; "
            "continue with --resume",
            err=True,
        )
        sys.exit(143 if terminated else 130)
    finally:
        bar.close()
        backend.close()
    if not quiet:
        click.echo(format_report(sw, report))
    if report.failures:
        raise SweepIncomplete(
            f"sweep incomplete: {len(report.failures)} of {report.tasks} tasks failed (tracebacks "
            f"in {out_dir}/failures.json); fix the cause and rerun with --resume"
        )


def format_report(sw: Any, report: Any) -> str:
    spec = sw.spec
    lines = [
        f"Leverage sweep · {sw.name} · {spec.sampler} · {report.points:,} points × {sw.base.replicates:,} "
        f"replicates × {sw.base.horizon_weeks} weeks · seed {sw.seed}",
        f"tasks: {report.tasks:,} ({report.resumed:,} resumed, {report.done:,} run, {len(report.failures):,} "
        f"failed) on {report.executor} in {report.seconds:.1f} s",
    ]
    if report.restarts:
        lines.append(f"worker pool rebuilt {report.restarts} time(s) after a worker died; no finished task lost")
    table = report.points_table
    if table is not None and report.points:
        lines.append("")
        lines.append(f"{'metric':<30}{'min':>10}{'max':>10}   where highest")
        for m in sw.metrics:
            y = table.column(m.name).to_numpy(zero_copy_only=False).astype(float)
            finite = y[y == y]
            if not len(finite):
                lines.append(f"{m.name:<30}{'-':>10}{'-':>10}")
                continue
            j = int(y.tolist().index(finite.max()))
            point = sw.design.point(j)
            where = (
                f"point {j}"
                if len(point) > 3
                else ", ".join(f"{k.rsplit('.', 1)[-1]}={_fmt(v)}" for k, v in point.items())
            )
            lines.append(f"{m.name:<30}{_fmt(finite.min()):>10}{_fmt(finite.max()):>10}   {where}")
    sens = report.sensitivity
    if sens:
        key = "ST" if sens["method"] == "sobol" else "mu_star"
        lines.append("")
        lines.append(f"most influential parameters (by {key}):")
        for metric, block in sens["indices"].items():
            ranked = sorted(block[key].items(), key=lambda kv: -abs(kv[1]))[:3]
            lines.append(f"  {metric:<28}" + ", ".join(f"{p.rsplit('.', 1)[-1]} {v:.2f}" for p, v in ranked))
        for metric, why in sens["skipped"].items():
            lines.append(f"  {metric:<28}(not analysed: {why})")
    lines.append(f"results: {report.out}/")
    return "\n".join(lines)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


COMMANDS = (sweep,)
