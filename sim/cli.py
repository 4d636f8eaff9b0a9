"""The ``sim`` command line: a thin layer over the library. User errors exit with status 2 and one line."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click

from sim.errors import RunError, ScenarioError, SimError

SET_HELP = "Override any scenario field: --set dotted.path=value (repeatable; value parsed as YAML)."


def _progress(total: int, quiet: bool, unit: str = "rep-week") -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        disable=True if quiet else None,
        unit=unit,
        unit_scale=True,
        leave=False,
        dynamic_ncols=True,
        desc="simulating",
    )


def _load(path: str, sets: tuple[str, ...], **fields: Any) -> Any:
    from sim.scenario import load_scenario

    overrides = list(sets) + [f"{k}={v}" for k, v in fields.items() if v is not None]
    return load_scenario(path, overrides)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="leverage-sim", prog_name="sim")
def cli() -> None:
    """Leverage: a scenario simulator of negotiation pressure in the Russia-Ukraine war (16 Oct 2025).

    Run a scenario file, sweep parameters, and read outcome distributions: how likely a settlement is, when,
    on what terms, and how likely collapse, escalation or a war still going at the horizon.
    """


@cli.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--replicates", "-n", type=click.IntRange(min=1), help="Monte Carlo replicates (scenario: replicates).")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed (scenario: seed).")
@click.option("--horizon", type=click.IntRange(min=1), help="Horizon in weeks (scenario: horizon_weeks).")
@click.option("--out", "-o", type=click.Path(file_okay=False), help="Results directory [results/<name>].")
@click.option("--workers", "-w", type=click.IntRange(min=1), help="Worker processes [one per core].")
@click.option("--force", "-f", is_flag=True, help="Replace an existing results directory.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no table.")
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
@click.option(
    "--trajectories",
    metavar="VARS",
    help="Keep these state variables' weekly values for every replicate (comma-separated), in trajectories.parquet.",
)
@click.option("--no-charts", is_flag=True, help="Skip the charts (<out>/charts/); `sim plot` makes them later.")
def run(
    scenario: str,
    replicates: int | None,
    seed: int | None,
    horizon: int | None,
    out: str | None,
    workers: int | None,
    force: bool,
    quiet: bool,
    sets: tuple[str, ...],
    trajectories: str | None,
    no_charts: bool,
) -> None:
    """Run SCENARIO and write its results directory (outcomes, weekly, summary, manifest, charts).

    \b
    Examples:
      sim run scenarios/baseline.yaml
      sim run scenarios/max_pressure.yaml -n 50000 --workers 2 --out results/mp50k
      sim run scenarios/baseline.yaml --set params.costs.scale=1.5 --set agents.us.levers.aid=0.5
    """
    from sim.pool import default_workers, start_forkserver
    from sim.scenario import chunk_sizes

    extra = {"replicates": replicates, "seed": seed, "horizon_weeks": horizon}
    if trajectories:
        extra["trajectories"] = "[" + trajectories + "]"  # type: ignore[assignment]
    sc = _load(scenario, sets, **extra)
    n_workers = workers or default_workers()
    if n_workers > 1 and len(chunk_sizes(sc.replicates, sc.chunk_size)) > 1:
        start_forkserver()  # the pool's server imports the model while this process does (sim/pool.py)

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
    check_out_dir(out_dir, force)
    # Everything is written into a temporary directory renamed into place at the end: an interrupted run
    # leaves nothing behind. Kept trajectories stream into it chunk by chunk.
    with atomic_dir(out_dir, force) as tmp:
        sink = TrajectoryWriter(tmp / TRAJECTORIES_FILE, sc.chunk_size) if sc.trajectories else None
        outcome_sink = ChunkWriter(tmp / OUTCOMES_FILE)
        with _progress(sc.replicates * sc.horizon_weeks, quiet) as bar:
            result = run_scenario(
                sc, workers=n_workers, progress=bar.update, trajectory_sink=sink, outcome_sink=outcome_sink
            )
        outcome_sink.close()
        if sink is not None:
            sink.close()
        write_results_into(result, tmp, source=scenario, extra_manifest={"workers": n_workers})
        if not no_charts:
            from sim.plots import write_run_charts

            write_run_charts(tmp)
    if not quiet:
        click.echo(format_summary(result.summary, sc, out_dir))


def format_summary(summary: dict[str, Any], sc: Any, out_dir: Path | None = None) -> str:
    lines = [
        f"Leverage · {sc.name} · {summary['replicates']:,} replicates × {summary['horizon_weeks']} weeks "
        f"from {summary['start_date']} · seed {sc.seed}",
        "",
        f"{'outcome':<18}{'probability':>12}   95% interval",
    ]
    for name, o in summary["outcomes"].items():
        lines.append(f"{name:<18}{o['p']:>11.1%}   [{o['lo']:.1%}, {o['hi']:.1%}]")
    sw, st = summary["settlement_week"], summary["settlement_terms"]
    lines.append("")
    if sw["median"] is not None:
        d = summary["settlement_date"]
        lines.append(
            f"settlement week:  median {sw['median']:g} ({d['median']}), quartiles {sw['q25']:g}-"
            f"{sw['q75']:g} ({d['q25']} to {d['q75']})"
        )
        lines.append(
            f"settlement terms: Russia keeps a median {st['median']:.3f} of the disputed territory, "
            f"quartiles {st['q25']:.3f}-{st['q75']:.3f}"
        )
    else:
        lines.append("settlement: none in any replicate")
    by = ", ".join(f"week {w}: {v['p']:.1%}" for w, v in summary["settlement_by_week"].items())
    lines.append(f"settled by {by}")
    if summary.get("co_triggered"):
        lines.append(f"co-triggered outcomes (counted under the first by precedence): {summary['co_triggered']}")
    if out_dir is not None:
        lines.append(f"results: {out_dir}/")
    return "\n".join(lines)


@cli.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
def validate(scenario: str, sets: tuple[str, ...]) -> None:
    """Check SCENARIO (schema, ranges, weeks within the horizon) without running it."""
    sc = _load(scenario, sets)
    n_pol = sum(len(getattr(sc.agents, a).policies) for a in ("us", "russia", "ukraine", "india"))
    click.echo(
        f"ok: {scenario}: '{sc.name}', {sc.replicates:,} replicates x {sc.horizon_weeks} weeks from "
        f"{sc.start_date}, {len(sc.events)} events, {n_pol} policies"
    )


@cli.command()
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
    from sim.params import Initial, Params, iter_params
    from sim.scenario import LEVERS

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
        for lever, (default, _lo, _hi, unit, doc) in table.items():
            rows.append(
                {
                    "path": f"agents.{agent}.levers.{lever}",
                    "value": "null" if default is None else f"{default:g}",
                    "unit": unit,
                    "source": doc,
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


# Commands defined in sim/commands/*.py: (module, command names).
COMMAND_MODULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sim.commands.sweep", ("sweep",)),
    ("sim.commands.charts", ("plot", "compare", "report", "trace")),
    ("sim.commands.observe", ("score", "condition")),
)


def _register() -> None:
    import importlib

    for module, names in COMMAND_MODULES:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:  # not written yet; any other missing import is a real error
                continue
            raise
        for name in names:
            if hasattr(mod, name):
                cli.add_command(getattr(mod, name))


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors print one line and exit 2; no traceback."""
    try:
        # without standalone mode click returns (does not raise) the code of ctx.exit()
        code = cli.main(args=argv, prog_name="sim", standalone_mode=False)
        if isinstance(code, int) and code != 0:
            sys.exit(code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("interrupted: nothing was written", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted: nothing was written", err=True)
        sys.exit(130)
    except (ScenarioError, RunError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except SimError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
