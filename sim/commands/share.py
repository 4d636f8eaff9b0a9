"""``sim show``, ``sim diff`` and ``sim export``: reading and sharing scenarios and results (what a scenario
changes from its parent, what differs between two scenarios, the outcome table, weekly fans and summary as CSV
or Excel)."""

from __future__ import annotations

import click

from sim.commands.common import SET_HELP


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--set", "sets", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
def show(scenario: str, sets: tuple[str, ...]) -> None:
    """Show what SCENARIO changes from its parent (extends:), or from the defaults when it has none.

    Lists its question and size, then every field, event and policy that differs, parent value -> value.

    Example: sim show scenarios/max_pressure.yaml
    """
    from sim.show import show_scenario

    click.echo(show_scenario(scenario, list(sets)))


@click.command()
@click.argument("a", type=click.Path(dir_okay=False))
@click.argument("b", type=click.Path(dir_okay=False))
def diff(a: str, b: str) -> None:
    """Show every field, event and policy that differs between scenarios A and B (after extends:).

    Example: sim diff scenarios/baseline.yaml scenarios/max_pressure.yaml
    """
    from sim.show import diff_text, differences, resolved

    ra, rb = resolved(a), resolved(b)
    click.echo(diff_text(ra["name"], rb["name"], differences(ra, rb)))


@click.command(name="export")
@click.argument("results", type=click.Path(file_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True, help="File format."
)
@click.option(
    "--out",
    "-o",
    type=click.Path(),
    help="csv: a directory [RESULTS/export]; xlsx: a .xlsx file [RESULTS/export/<name>.xlsx].",
)
def export(results: str, fmt: str, out: str | None) -> None:
    """Export the run in RESULTS for spreadsheets: the outcome table, the weekly fans and the summary.

    \b
    csv: outcomes.csv, fans.csv and summary.csv; xlsx: one workbook with a sheet each (needs openpyxl:
    pip install 'leverage-sim[excel]'). The outcome table has each outcome's probability, Monte Carlo
    interval, range across parameters and the parameters that decide it.

    Example: sim export results/baseline --format xlsx
    """
    from sim.export import export_results

    for path in export_results(results, fmt, out):
        click.echo(str(path))


COMMANDS = (show, diff, export)
