"""``sim calibrate``: infer the uncertain parameters from the calibration window (library: sim/calibrate/)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.argument("observations", type=click.Path(dir_okay=False))
@click.option("--out", "-o", type=click.Path(file_okay=False), help="Results directory [results/<name>_calibrated].")
@click.option(
    "--replicates",
    "-n",
    type=click.IntRange(min=10),
    default=4000,
    show_default=True,
    help="Replicates (particles) per generation.",
)
@click.option(
    "--generations",
    type=click.IntRange(min=1, max=50),
    default=6,
    show_default=True,
    help="At most this many generations (it stops earlier once the exact likelihood is reached).",
)
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Seed [the scenario's].")
@click.option(
    "--window-end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2026-02-15",
    show_default=True,
    help="Last date of the calibration window: a later row is a holdout row and is refused.",
)
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes per generation's run (results are byte-identical for any number).",
)
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a scenario field.")
@click.option("--force", "-f", is_flag=True, help="Replace an existing results directory.")
def calibrate(
    scenario: str,
    observations: str,
    out: str | None,
    replicates: int,
    generations: int,
    seed: int | None,
    window_end: dt.datetime,
    workers: int,
    overrides: tuple[str, ...],
    force: bool,
) -> None:
    """Infer the joint distribution of SCENARIO's uncertain parameters from OBSERVATIONS in the window.

    Tempered adaptive importance sampling in whole ensembles (docs/observations.md, "Calibration"): each
    generation runs the scenario with parameters drawn from a proposal, weights each replicate by prior /
    proposal times its tempered likelihood (Gaussian kernels of each value's sd; events as hard constraints),
    and moves the proposal to the weighted particles, until the likelihood is exact.

    \b
    OBSERVATIONS: an observations file (docs/observations.md) with an sd on
    every value and no row after --window-end (holdout rows are refused).

    \b
    Writes: particles.csv (the final generation's parameters and weights),
    calibration.json (ESS and acceptance per generation, prior against posterior
    of every parameter, PIT of each observation under prior and posterior) and
    posterior.yaml (a scenario using the posterior's marginals: sim run it) and
    scenario.resolved.yaml (the final generation's run, which sim run --from DIR
    --at DATE re-simulates to continue the particles, resampled by weight).

    \b
    Exit status: 0 done; 2 bad input (a holdout row, a value without sd, ...);
    3 no replicate is consistent with the observations (nothing written), or
      the likelihood is still tempered after --generations (written, warning).
    """

    from sim.calibrate.smc import calibrate as run_calibration
    from sim.calibrate.smc import write_calibration
    from sim.files import check_out_dir
    from sim.scenario import load_scenario

    sc = load_scenario(scenario, list(overrides))
    out_dir = Path(out) if out else Path("results") / f"{sc.dir_name}_calibrated"
    check_out_dir(out_dir, force)
    fit = run_calibration(
        scenario,
        observations,
        replicates=replicates,
        generations=generations,
        seed=seed,
        window_end=window_end.date(),
        workers=workers,
        overrides=list(overrides),
    )
    if fit["weights"].sum() == 0:
        click.echo(f"error: no replicate of {scenario} is consistent with {observations}: nothing written", err=True)
        sys.exit(3)
    summary = write_calibration(fit, out_dir, scenario, f"{sc.name}_posterior", force)
    for gen in summary["generations"]:
        click.echo(
            f"generation {gen['generation']}: beta {gen['beta']:.3g}, ESS {gen['ess']:,.0f} of {replicates:,}, "
            f"consistent with the events {gen['acceptance']:.0%}"
        )
    click.echo(f"results: {out_dir}/")
    if summary["final_beta"] < 1:
        click.echo(
            f"warning: the likelihood is still tempered (beta {summary['final_beta']:.3g} < 1) after "
            f"{generations} generations: the result is not yet the posterior (more generations or replicates)",
            err=True,
        )
        sys.exit(3)


COMMANDS = (calibrate,)
