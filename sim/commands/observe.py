"""``sim score`` and ``sim condition``: hold a run against observations (library: sim/observe/)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from sim.errors import RunError
from sim.observe.defaults import DEFAULT_MIN_ESS, DEFAULT_TOLERANCE


@click.command()
@click.argument("results", type=click.Path(file_okay=False))
@click.argument("observations", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    help="Directory for score.json and charts/calibration.png [RESULTS].",
)
@click.option("--force", "-f", is_flag=True, help="Replace an existing score.json.")
@click.option("--quiet", "-q", is_flag=True, help="No table on the terminal.")
def score(results: str, observations: str, out: str | None, force: bool, quiet: bool) -> None:
    """Score the run in RESULTS against OBSERVATIONS.

    For each observed value: its percentile in the run's distribution that week (PIT), whether it lies in the
    50% and 90% bands, and the continuous ranked probability score (CRPS). For each event: the probability
    the run gave it, its Brier score and its log score. Then band coverage against nominal and mean scores.
    A conditioned RESULTS directory is scored with its weights.

    \b
    OBSERVATIONS: a CSV file of rows date,variable,value[,sd] and
    date,event,happened (docs/observations.md). Observed variables need
    the run's trajectories: sim run ... --trajectories VARS.

    Writes score.json and charts/calibration.png (PIT histogram, coverage against nominal) into RESULTS.
    """
    from sim.observe import load_ensemble, read_observations, write_score
    from sim.observe import score as score_run

    ens = load_ensemble(results)
    obs = read_observations(observations, ens.scenario.start_date, ens.scenario.horizon_weeks)
    target = Path(out) if out else Path(results)
    if (target / "score.json").exists() and not force:
        raise RunError(f"{target / 'score.json'}: exists; pass --force to replace it")
    report = score_run(ens, obs)
    path, chart = write_score(report, target, force=force)
    if not quiet:
        click.echo(format_score(report))
        click.echo(f"written: {path}" + (f", {chart}" if chart else ""))


@click.command()
@click.argument("results", type=click.Path(file_okay=False))
@click.argument("observations", type=click.Path(dir_okay=False))
@click.option(
    "--out", "-o", type=click.Path(file_okay=False), help="Conditioned results directory [RESULTS_conditioned]."
)
@click.option(
    "--kernel",
    type=click.Choice(["gaussian", "uniform"]),
    default="gaussian",
    show_default=True,
    help="Kernel on each observed value: gaussian exp(-z^2/2), or uniform (keep |z| <= 1: rejection).",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TOLERANCE,
    show_default=True,
    metavar="SHARE",
    help="Kernel width of a value without sd, as a share of its variable's range (sim/model.py).",
)
@click.option(
    "--event-error",
    type=click.FloatRange(min=0, max=0.5, max_open=True),
    default=0.0,
    show_default=True,
    metavar="P",
    help="Chance that a reported event is wrong: 0 makes events hard constraints, above 0 soft ones.",
)
@click.option(
    "--min-ess",
    type=click.FloatRange(min=0),
    default=DEFAULT_MIN_ESS,
    show_default=True,
    metavar="N",
    help="Warn and exit with status 3 (after writing) when the effective sample size is under this.",
)
@click.option("--force", "-f", is_flag=True, help="Replace an existing results directory (only one Leverage wrote).")
@click.option("--quiet", "-q", is_flag=True, help="No table on the terminal (the low-ESS warning still shows).")
def condition(
    results: str,
    observations: str,
    out: str | None,
    kernel: str,
    tolerance: float,
    event_error: float,
    min_ess: float,
    force: bool,
    quiet: bool,
) -> None:
    """Condition the run in RESULTS on OBSERVATIONS and write a conditioned results directory.

    Each replicate is weighted by how well its trajectory matches the observations (approximate Bayesian
    computation): a kernel on each observed value, of width its sd or the default tolerance, and events as
    hard (or, with --event-error, soft) constraints. The directory holds outcome probabilities with intervals
    from the weights, the effective sample size (ESS), the prior against the posterior of every sampled
    parameter, and outcomes.parquet with a weight column; sim plot and sim compare read it like any run.

    \b
    OBSERVATIONS: a CSV file of rows date,variable,value[,sd] and
    date,event,happened (docs/observations.md). Observed variables need
    the run's trajectories: sim run ... --trajectories VARS.

    \b
    Exit status: 0 done; 2 a bad observations file or results directory;
    3 the ESS is under --min-ess (directory written, with a warning) or
      zero (no replicate fits the observations: nothing written).
    """
    from sim.commands.run import format_summary
    from sim.observe import condition as condition_run
    from sim.observe import load_ensemble, read_observations, write_conditioned
    from sim.results import check_out_dir

    ens = load_ensemble(results)
    obs = read_observations(observations, ens.scenario.start_date, ens.scenario.horizon_weeks)
    prior_dir = Path(results).resolve() if not Path(results).name else Path(results)
    out_dir = Path(out) if out else prior_dir.with_name(prior_dir.name + "_conditioned")
    if out_dir.resolve() == Path(results).resolve():
        raise RunError(f"{out_dir}: the conditioned directory must differ from RESULTS")
    check_out_dir(out_dir, force)
    cond = condition_run(
        ens,
        obs,
        kernel=kernel,
        tolerance=tolerance,  # type: ignore[arg-type]
        event_error=event_error,
    )
    if cond.ess == 0:
        click.echo(
            f"error: no replicate of {results} is consistent with {observations} (effective sample "
            "size 0): nothing written; widen the tolerance, give sd, soften events with --event-error, "
            "or run more replicates",
            err=True,
        )
        sys.exit(3)
    summary = write_conditioned(ens, obs, cond, out_dir, force=force, min_ess=min_ess)
    if not quiet:
        click.echo(format_summary(summary, ens.scenario, None))
        click.echo(
            f"\nconditioned on {len(obs.values)} values and {len(obs.events)} events "
            f"({cond.kernel} kernel): effective sample size {cond.ess:,.1f} of {cond.prior_ess:,.0f}; "
            "intervals are Wilson's with n = ESS\n"
        )
        copied = summary["conditioning"]["weekly_unconditioned"]
        if copied:
            click.echo(f"weekly rows copied unconditioned from the prior (no trajectories kept): {', '.join(copied)}\n")
        click.echo(format_parameters(summary["parameters"]))
        click.echo(f"results: {out_dir}/")
    if cond.ess < min_ess:
        click.echo(
            f"warning: effective sample size {cond.ess:,.1f} is under --min-ess {min_ess:g}: the "
            f"conditioned figures rest on few replicates (written to {out_dir}/)",
            err=True,
        )
        sys.exit(3)


def format_score(report: dict[str, Any]) -> str:
    """The terminal table of ``sim score``: a row per observation, then the summary rows."""
    weighted = f", weighted (ESS {report['ess']:,.0f})" if report["weighted"] else ""
    lines = [
        f"Leverage · score · {report['scenario']} · {report['replicates']:,} replicates{weighted} · "
        f"{report['observations']}",
        "",
    ]
    if report["values"]:
        lines.append(
            f"{'date':<11} {'variable':<20}{'observed':>10}{'median':>10}{'90% band':>22}"
            f"{'PIT':>7}{'50%':>5}{'90%':>5}{'CRPS':>10}"
        )
        for r in report["values"]:
            band = f"[{r['q05']:.4g}, {r['q95']:.4g}]"
            lines.append(
                f"{r['date']:<11} {r['variable']:<20}{r['value']:>10.4g}{r['median']:>10.4g}{band:>22}"
                f"{r['pit']:>7.2f}{_yes(r['in_50']):>5}{_yes(r['in_90']):>5}{r['crps']:>10.4g}"
            )
        lines.append("")
    if report["events"]:
        lines.append(f"{'date':<11} {'event':<20}{'happened':>10}{'p(run)':>10}{'Brier':>8}{'log':>8}")
        for r in report["events"]:
            lines.append(
                f"{r['date']:<11} {r['event']:<20}{str(r['happened']).lower():>10}{r['p']:>10.1%}"
                f"{r['brier']:>8.3f}{r['log_score']:>8.3f}"
            )
        lines.append("")
    s = report["summary"]
    if report["values"]:
        lines.append(
            f"band coverage: 50% band {s['coverage_50']['observed']:.0%} (nominal 50%), 90% band "
            f"{s['coverage_90']['observed']:.0%} (nominal 90%) of {s['values']} values; mean PIT "
            f"{s['mean_pit']:.2f}"
        )
        crps = ", ".join(f"{v} {d['mean_crps']:.4g}" for v, d in s["by_variable"].items())
        lines.append(f"mean CRPS by variable (its units): {crps}")
    if report["events"]:
        lines.append(
            f"events: mean Brier {s['mean_brier']:.3f}, mean log score {s['mean_log_score']:.3f} "
            f"(nats; p clipped at {report['log_score_clip']:.2g}) over {s['events']} events"
        )
    return "\n".join(lines)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def format_parameters(params: dict[str, dict[str, Any]], top: int | None = None) -> str:
    """Prior against posterior of the sampled parameters, the most shifted first."""
    rows = sorted(params.items(), key=lambda kv: -abs(kv[1]["shift_sd"]))[:top]
    width = max((len(k) for k, _ in rows), default=10)
    lines = [
        f"{'parameter':<{width}}  {'prior mean ± sd':>22}  {'posterior mean ± sd':>22}  {'shift':>7}  {'sd ratio':>8}"
    ]
    for name, d in rows:
        a, b = d["prior"], d["posterior"]
        lines.append(
            f"{name:<{width}}  {a['mean']:>11.4g} ± {a['sd']:<8.3g}  {b['mean']:>11.4g} ± "
            f"{b['sd']:<8.3g}  {d['shift_sd']:>+7.2f}  {d['sd_ratio']:>8.2f}"
        )
    return "\n".join(lines)


COMMANDS = (score, condition)
