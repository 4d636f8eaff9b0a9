"""``sim plot``, ``sim compare``, ``sim report`` and ``sim trace``: charts, comparisons, the HTML report and
sample paths from results directories. Heavy imports (matplotlib) happen inside the commands, so ``sim --help``
stays fast."""

from __future__ import annotations

import json
from pathlib import Path

import click

from sim.names import OUTCOMES

FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "svg", "pdf"]),
    default="png",
    show_default=True,
    help="Chart file format.",
)


@click.command()
@click.argument("results", type=click.Path(file_okay=False))
@FORMAT_OPTION
@click.option("--out", "-o", type=click.Path(file_okay=False), help="Directory for the charts [RESULTS/charts].")
@click.option(
    "--metric",
    help="Sweeps: the metric of the heatmap, sensitivity chart and scenario discovery "
    "[all metrics; discovery: p_settlement_by_26 if present].",
)
@click.option(
    "--condition",
    help="Sweeps: scenario discovery (PRIM) for this condition on points.parquet, e.g. "
    "'p_settlement_by_26 >= 0.3' (clauses joined by 'and') [the metric at or above its median; LHS only].",
)
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Sweeps: PRIM picks the densest box covering at least this share of the cases of interest.",
)
def plot(
    results: str, fmt: str, out: str | None, metric: str | None, condition: str | None, min_coverage: float
) -> None:
    """Draw the charts of a run or a sweep in RESULTS (a results directory).

    \b
    A run: outcome probabilities with 95% intervals, cumulative incidence of each outcome, fan charts of the
    front, India's Russian share, Russia's oil revenue and fiscal buffer, refining, Ukraine's energy deficit
    and escalation pressure (events marked), and the terms and timing of settlements.
    A sweep: curves against a 1-D parameter, heatmaps of a 2-D grid, Sobol or Morris indices, or scenario
    discovery (PRIM) for an LHS.

    Example: sim plot results/baseline --format svg
    """
    from sim.plots import is_sweep, write_charts

    options = (
        {"metric": metric, "condition": condition, "min_coverage": min_coverage} if is_sweep(Path(results)) else {}
    )
    paths = write_charts(Path(results), fmt, Path(out) if out else None, **options)
    for p in paths:
        click.echo(str(p))


@click.command()
@click.argument("baseline", type=click.Path(file_okay=False))
@click.argument("others", nargs=-1, required=True, type=click.Path(file_okay=False))
@FORMAT_OPTION
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False),
    help="Directory for the table and charts [next to BASELINE: compare_<a>_vs_<b>...].",
)
@click.option(
    "--report", "with_report", is_flag=True, help="Also write the what-if report, report.html, into the directory."
)
def compare(baseline: str, others: tuple[str, ...], fmt: str, out: str | None, with_report: bool) -> None:
    """Compare runs: each outcome's probability and its difference from BASELINE.

    \b
    Runs with the same seed, replicate count and chunk size share their random numbers replicate by replicate
    (common random numbers): their differences are paired and the interval is Newcombe's for paired
    proportions. Otherwise the runs are independent samples, the table says so, and the interval is Newcombe's
    hybrid score interval. A conditioned run (sim condition) counts with its weights: probabilities from the
    weights, intervals with n = its effective sample size, and against its own prior a paired MOVER interval.
    Writes comparison.csv, comparison.txt, an outcome chart, overlaid cumulative incidence and fan charts, and
    for paired runs prints the replicates that gain or lose each outcome. `sim report` of the directory (or
    --report) writes the what-if report: the baseline beside each alternative, paired differences, transitions.

    Example: sim compare results/baseline results/max_pressure results/us_steps_back
    """
    from sim.compare import write_comparison

    _table, text, files = write_comparison([baseline, *others], Path(out) if out else None, fmt)
    click.echo(text)
    click.echo(f"\nwritten: {files[0].parent}/ ({len(files)} files)")
    if with_report:
        from sim.report import write_report

        click.echo(f"report: {write_report(files[0].parent)}")


@click.command()
@click.argument("results", type=click.Path(file_okay=False))
@click.option("--out", "-o", type=click.Path(dir_okay=False), help="The HTML file [RESULTS/report.html].")
@click.option("--no-traces", is_flag=True, help="Leave out the sample paths (one replay per outcome).")
def report(results: str, out: str | None, no_traces: bool) -> None:
    """Write one self-contained report.html for the run, sweep or comparison (sim compare) in RESULTS.

    It opens with the scenario's question and the headline numbers, then the charts (embedded), the outcome
    table, one sample path per outcome that occurred, the scenario's events, policies and levers, every
    parameter that differs from the defaults with its source, and the manifest.

    Example: sim report results/baseline
    """
    from sim.report import write_report

    click.echo(str(write_report(results, out, traces=not no_traces)))


@click.command()
@click.argument("results", type=click.Path(file_okay=False))
@click.option("--replicate", "-r", type=click.IntRange(min=0), help="The replicate number to replay.")
@click.option(
    "--outcome",
    type=click.Choice(list(OUTCOMES)),
    help="Replay a representative replicate of this outcome: the one whose end week is closest to the "
    "outcome's median week (ties: terms, or for 'ongoing' the final front, closest to the median; then "
    "the lowest number).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the timeline, weekly path and parameters as JSON.")
def trace(results: str, replicate: int | None, outcome: str | None, as_json: bool) -> None:
    """Tell the story of one replicate of the run in RESULTS.

    Replays the replicate's chunk with tracing on and prints its timeline with dates: lever changes, events,
    salvos, talks with both sides' war values and the offer, India's purchase changes, Ukraine's power shortfall
    and the week it ended and why. Checks that the replay ends as outcomes.parquet recorded (determinism).

    Example: sim trace results/baseline --outcome settlement
    """
    from sim.trace import trace_run

    tr = trace_run(results, replicate, outcome)
    if as_json:
        click.echo(json.dumps(tr.to_dict(), indent=1, default=str))
    else:
        click.echo(tr.format())


COMMANDS = (plot, compare, report, trace)
