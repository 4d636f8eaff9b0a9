"""``sim run``, ``sim validate`` and ``sim params``: run a scenario file, check one, list every parameter."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click

from sim.commands.common import SCHEDULER_FILE_HELP, SCHEDULER_HELP, SET_HELP
from sim.commands.common import load as _load
from sim.commands.common import progress as _progress


def _run_fields(replicates: int | None, seed: int | None, horizon: int | None, trajectories: str | None) -> Any:
    """The scenario fields that run's (and validate's) options override, as YAML text for --set."""
    extra: dict[str, Any] = {"replicates": replicates, "seed": seed, "horizon_weeks": horizon}
    if trajectories is not None:
        # JSON is YAML: each name stays a string whatever characters it holds
        extra["trajectories"] = json.dumps([t.strip() for t in trajectories.split(",")])
    return extra


def run_options(f: Any) -> Any:
    """The options of ``sim run`` that change the scenario (shared with ``sim validate``)."""
    for option in reversed(
        [
            click.option(
                "--replicates", "-n", type=click.IntRange(min=1), help="Monte Carlo replicates (scenario: replicates)."
            ),
            click.option("--seed", type=click.IntRange(min=0), help="Root seed (scenario: seed)."),
            click.option("--horizon", type=click.IntRange(min=1), help="Horizon in weeks (scenario: horizon_weeks)."),
            click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help=SET_HELP),
            click.option(
                "--trajectories",
                metavar="VARS",
                help="Keep these state variables' weekly values for every replicate (comma-separated), in "
                "trajectories.parquet.",
            ),
        ]
    ):
        f = option(f)
    return f


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@run_options
@click.option("--out", "-o", type=click.Path(file_okay=False), help="Results directory [results/<name>].")
@click.option(
    "--workers", "-w", type=click.IntRange(min=1), help="Local worker processes [one per core]; 1 runs in this process."
)
@click.option("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
@click.option("--scheduler-file", type=click.Path(dir_okay=False), help=SCHEDULER_FILE_HELP)
@click.option("--force", "-f", is_flag=True, help="Replace an existing results directory (only one Leverage wrote).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no table.")
@click.option(
    "--no-charts",
    is_flag=True,
    help="Skip the charts (<out>/charts/: outcomes, incidence, the front's fan, settlement timing); "
    "`sim plot` draws every chart.",
)
@click.option(
    "--from",
    "from_",
    metavar="RESULTS",
    type=click.Path(file_okay=False),
    help="Restart from this run's state at --at: a results directory of sim run (each replicate goes on as "
    "itself), sim condition or sim calibrate (replicates resampled by weight).",
)
@click.option(
    "--at",
    "at",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="DATE",
    help="The restart date (YYYY-MM-DD, with --from): SCENARIO governs from the week after the last week "
    "ending on or before it.",
)
def run(
    scenario: str,
    replicates: int | None,
    seed: int | None,
    horizon: int | None,
    out: str | None,
    workers: int | None,
    scheduler: str | None,
    scheduler_file: str | None,
    force: bool,
    quiet: bool,
    sets: tuple[str, ...],
    trajectories: str | None,
    no_charts: bool,
    from_: str | None,
    at: Any,
) -> None:
    """Run SCENARIO and write its results directory (outcomes, weekly, summary, manifest, charts).

    With --from RESULTS --at DATE the run continues RESULTS from DATE (docs/observations.md, "Restart"):
    the state of every replicate at DATE is rebuilt by re-simulating RESULTS' run with its seeds, and SCENARIO
    governs the weeks after (its later events, its policies, changed lever values; not its parameters or
    earlier events). A run's replicates go on one to one: with the scenario it was run with the result is
    that run, byte for byte. A conditioned run's or a calibration's are resampled by weight to SCENARIO's
    replicates and go on with fresh random streams from the seed and DATE. The results directory covers the
    whole run from the start date; its manifest records the restart.

    \b
    Examples:
      sim run scenarios/baseline.yaml
      sim run scenarios/max_pressure.yaml -n 50000 --workers 2 --out results/mp50k
      sim run scenarios/baseline.yaml -n 1000000 --scheduler tcp://10.0.0.5:8786
      sim run scenarios/baseline.yaml --set params.costs.scale=1.5 --set agents.us.levers.aid=0.5
      sim run scenarios/realised_2025-26.yaml --from results/realised_2025-26_calibrated --at 2026-02-15
    """
    from sim.errors import RunError, ScenarioError
    from sim.pool import default_workers, start_forkserver
    from sim.scenario import chunk_sizes

    if workers is not None and (scheduler or scheduler_file):
        raise RunError("--workers and --scheduler exclude each other: a cluster has its own workers")
    if (from_ is None) != (at is None):
        raise ScenarioError("--from and --at go together: a restart needs the results directory and the date")
    sc = _load(scenario, sets, **_run_fields(replicates, seed, horizon, trajectories))
    restart_from = None
    if from_ is not None:
        from sim.restart import prepare, read_source

        restart_from = read_source(from_)
        given = sc.replicates
        sc, week = prepare(restart_from, sc, at.date(), scenario)
        if restart_from.weights is None and replicates is not None and given != sc.replicates:
            raise ScenarioError(
                f"--replicates {given:,}: a restart from a run without weights continues its "
                f"{sc.replicates:,} replicates one to one (resampling needs a conditioned run or a calibration)"
            )
    chunks = len(chunk_sizes(sc.replicates, sc.chunk_size))
    local = scheduler is None and scheduler_file is None
    pooled = local and min(workers or default_workers(), chunks) > 1
    if pooled:
        start_forkserver()  # the pool's server imports the model while this process does (sim/pool.py)

    from sim.executors import make_backend
    from sim.results import (
        OUTCOMES_FILE,
        TRAJECTORIES_FILE,
        ChunkWriter,
        TrajectoryWriter,
        atomic_dir,
        check_out_dir,
        write_results_into,
    )
    from sim.runner import run as run_scenario

    out_dir = Path(out) if out else Path("results") / sc.dir_name
    if restart_from is not None and not out:
        out_dir = Path("results") / f"{sc.dir_name}_from_{at.date().isoformat()}"
    check_out_dir(out_dir, force)  # before connecting to a cluster or starting any worker
    backend = make_backend(workers, scheduler, scheduler_file=scheduler_file, tasks=chunks)
    charts = None
    if not no_charts:
        from sim.plots.background import ChartDrawer, worth_it
        from sim.plots.run import RUN_CHARTS

        # processes that import matplotlib while the model runs, and draw while the results are written
        charts = ChartDrawer(RUN_CHARTS) if worth_it(pooled) else None
    # Everything is written into a temporary directory renamed into place at the end: an interrupted run
    # leaves nothing behind. Kept trajectories stream into it chunk by chunk.
    try:
        with atomic_dir(out_dir, force) as tmp:
            sink = TrajectoryWriter(tmp / TRAJECTORIES_FILE, sc.chunk_size) if sc.trajectories else None
            outcome_sink = ChunkWriter(tmp / OUTCOMES_FILE)
            extra_manifest: dict[str, Any] = {"workers": backend.slots(), "executor": backend.description}
            with _progress(sc.replicates * sc.horizon_weeks, quiet) as bar:
                kwargs: dict[str, Any] = {
                    "backend": backend,
                    "progress": bar.update,
                    "trajectory_sink": sink,
                    "outcome_sink": outcome_sink,
                    "on_event": lambda message: bar.write(message, file=sys.stderr),
                }
                if restart_from is None:
                    result = run_scenario(sc, **kwargs)
                else:
                    from sim.executors import InProcess
                    from sim.restart import run_restart

                    if isinstance(backend, InProcess):  # in process, progress counts the weeks after DATE
                        bar.total = sc.replicates * (sc.horizon_weeks - week)
                    result, record = run_restart(sc, restart_from, at.date(), **kwargs)
            outcome_sink.close()
            if sink is not None:
                sink.close()
            if charts is not None:
                charts.draw(result, tmp)  # drawn while the results are written, collected before the rename
            write_results_into(result, tmp, source=scenario, extra_manifest=extra_manifest)
            if charts is not None:
                charts.wait()
            elif not no_charts:  # a busy machine: in this process
                from sim.plots.run import write_run_charts

                write_run_charts(tmp, charts=RUN_CHARTS)
    finally:
        backend.close()
        if charts is not None:
            charts.close()
    if not quiet:
        if restart_from is not None:
            r = record
            how = "one to one" if r["mode"] == "one to one" else f"resampled by weight (ESS {r['ess']:,.0f})"
            click.echo(f"restarted from {from_} at {r['at']} (week {r['week']}), replicates {how}")
        click.echo(format_summary(result.summary, sc, out_dir))


def format_summary(summary: dict[str, Any], sc: Any, out_dir: Path | None = None) -> str:
    from sim.summary_text import format_summary as _format

    return _format(summary, sc, out_dir)


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@run_options
def validate(
    scenario: str,
    replicates: int | None,
    seed: int | None,
    horizon: int | None,
    sets: tuple[str, ...],
    trajectories: str | None,
) -> None:
    """Check SCENARIO (schema, ranges, weeks within the horizon) without running it: the file as written,
    then with the options, which are those of `sim run` (so the exact command line can be checked first).

    \b
    Examples:
      sim validate scenarios/baseline.yaml
      sim validate scenarios/baseline.yaml -n 50000 --horizon 156 --trajectories front,brent
    """
    sc = _load(scenario, sets, **_run_fields(replicates, seed, horizon, trajectories))
    n_pol = sum(len(getattr(sc.agents, a).policies) for a in type(sc.agents).model_fields)
    click.echo(
        f"ok: {scenario}: '{sc.name}', {sc.replicates:,} replicates x {sc.horizon_weeks} weeks from "
        f"{sc.start_date}, {len(sc.events)} events, {n_pol} policies"
    )


@click.command()
@click.option(
    "--scenario",
    "scenario",
    type=click.Path(dir_okay=False),
    help="Show this scenario's values instead of the defaults.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "markdown", "json"]), default="table", show_default=True
)
def params(scenario: str | None, fmt: str) -> None:
    """List every parameter: dotted path, value (or distribution), unit, source."""
    from sim.distributions import describe
    from sim.levers import LEVERS
    from sim.params import Initial, Params, iter_params

    if scenario:
        sc = _load(scenario, ())
        rows_src = iter_params(sc.params, "params") + iter_params(sc.initial, "initial")
    else:
        rows_src = iter_params(Params(), "params") + iter_params(Initial(), "initial")
    rows = [
        {"path": path, "value": describe(value), "unit": extra.get("unit", ""), "source": extra.get("source", "")}
        for path, value, extra, _doc in rows_src
    ]
    for agent, table in LEVERS.items():
        for name, lever in table.items():
            value = getattr(sc.agents, agent).levers.get(name, lever.default) if scenario else lever.default
            rows.append(
                {
                    "path": lever.path,
                    "value": "null" if value is None else f"{value:g}",
                    "unit": lever.unit,
                    "source": lever.source,
                }
            )
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    elif fmt == "csv":
        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    elif fmt == "markdown":
        click.echo("| path | value | unit | source |\n|---|---|---|---|")
        for r in rows:
            click.echo(f"| `{r['path']}` | {r['value']} | {r['unit']} | {r['source']} |")
    else:
        wp = max(len(r["path"]) for r in rows)
        wv = max(len(r["value"]) for r in rows)
        wu = max(len(r["unit"]) for r in rows)
        for r in rows:
            click.echo(f"{r['path']:<{wp}}  {r['value']:<{wv}}  {r['unit']:<{wu}}  {r['source']}")


COMMANDS = (run, validate, params)
