"""Every shipped scenario validates and runs, and the levers move outcomes in defensible directions
(paired by common random numbers)."""

from __future__ import annotations

import pytest

import sim
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

SHIPPED = sorted(p for p in SCENARIOS.rglob("*.yaml") if "sweeps" not in p.parts)


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(SCENARIOS)) for p in SHIPPED])
def test_shipped_scenario_runs(path) -> None:
    sc = load_scenario(path, ["replicates=300", f"horizon_weeks={min(60, load_scenario(path).horizon_weeks)}"])
    assert sc.description or sc.question
    result = sim.run(sc)
    assert len(result.outcomes) == 300
    assert sum(o["count"] for o in result.summary["outcomes"].values()) == 300


@pytest.fixture(scope="module")
def outcomes() -> dict[str, sim.RunResult]:
    names = ("baseline", "tomahawks_approved", "india_stops", "max_pressure", "us_steps_back", "winter_energy_war")
    return {n: sim.run(load_scenario(SCENARIOS / f"{n}.yaml", ["replicates=3000"])) for n in names}


def test_alternatives_ask_a_question_and_extend_baseline() -> None:
    for path in SCENARIOS.glob("*.yaml"):
        if path.name != "baseline.yaml":
            assert path.read_text().startswith("extends: baseline.yaml"), path
            assert load_scenario(path).question, path


def test_us_stepping_back_raises_ukraines_collapse_unless_europe_replaces_part_of_it(outcomes) -> None:
    alone = sim.run(
        load_scenario(SCENARIOS / "us_steps_back.yaml", ["replicates=3000", "agents.europe.levers.substitution=0"])
    )
    assert alone.probability("ukraine_collapse") > outcomes["baseline"].probability("ukraine_collapse") + 0.02
    # Europe replacing half of the cut (its decision rule, issue 12 §6) makes collapse rarer, not more likely
    assert outcomes["us_steps_back"].probability("ukraine_collapse") < alone.probability("ukraine_collapse")
    # the front moves faster, but no faster than its saturated pace: taking all five regions stays rare
    assert outcomes["us_steps_back"].probability("russia_takes_all") < 0.05
    assert (
        outcomes["us_steps_back"].summary["settlement_terms"]["median"]
        > outcomes["baseline"].summary["settlement_terms"]["median"]
    )


def test_pressure_on_russia_raises_settlement_and_lowers_terms(outcomes) -> None:
    base = outcomes["baseline"]
    for name in ("tomahawks_approved",):
        assert outcomes[name].probability("settlement") > base.probability("settlement"), name
    # India stopping costs Russia revenue its fiscal margins absorb: the odds do not fall (issue 12)
    assert outcomes["india_stops"].probability("settlement") >= base.probability("settlement")
    assert outcomes["max_pressure"].summary["settlement_terms"]["median"] < base.summary["settlement_terms"]["median"]


def test_support_for_ukraine_lowers_its_need_to_settle(outcomes) -> None:
    # max_pressure also gives Ukraine air defence (lower energy costs) and the reparations loan (strength): with
    # the deal at or beyond the line, Ukraine is the side that must accept the line, and its lower costs of
    # fighting on outweigh Russia's higher ones (issue 11; docs/calibration.md §16).
    assert outcomes["max_pressure"].probability("settlement") < outcomes["baseline"].probability("settlement")


def test_tomahawks_raise_escalation_risk(outcomes) -> None:
    assert outcomes["tomahawks_approved"].probability("escalation") > outcomes["baseline"].probability("escalation")


def test_india_stopping_cuts_russian_revenue(outcomes) -> None:
    base = outcomes["baseline"].outcomes["cum.revenue_ru_per_week"].median()
    stop = outcomes["india_stops"].outcomes["cum.revenue_ru_per_week"].median()
    assert stop < base
    late = outcomes["india_stops"].outcomes
    assert late.loc[late["week"] >= 40, "end.india_share"].max() == 0.0  # the cap binds whatever the noise
    # the revenue lost drains the National Wealth Fund (where borrowing does not cover it)
    assert (
        outcomes["india_stops"].outcomes["end.buffer_ru"].mean() < outcomes["baseline"].outcomes["end.buffer_ru"].mean()
    )


def test_punishment_hardens_more_than_it_coerces(outcomes) -> None:
    # issue 12: doubling the energy war moves settlement by at most 10 points (20,000 replicates: docs/calibration.md)
    # and does not lower Ukraine's collapse
    base, winter = outcomes["baseline"], outcomes["winter_energy_war"]
    assert abs(winter.probability("settlement") - base.probability("settlement")) < 0.12
    assert winter.probability("ukraine_collapse") >= base.probability("ukraine_collapse")


STRESS = [
    "initial.brent=35",
    "params.oil.brent_mean=35",
    "agents.us.levers.designations=0.45",
    "agents.india.levers.purchase_cap=0",
    "initial.buffer_ru=5",
    "params.fiscal.other_revenue=6.5",
]


def _run(overrides: list[str]) -> sim.RunResult:
    return sim.run(load_scenario(SCENARIOS / "baseline.yaml", ["replicates=2000", *overrides]))


def test_russias_collapse_is_reachable_through_fiscal_exhaustion_and_rare_otherwise(outcomes) -> None:
    # issue 12: Russia's collapse has causes (fiscal exhaustion, resolve); without talks to pre-empt it, a fund
    # nearly empty, oil at $35 with half its exports designated, India out and non-oil revenue 20% lower
    # collapse Russia in most worlds; the baseline never does
    assert outcomes["baseline"].probability("russia_collapse") < 0.005
    stressed = _run([*STRESS, "switches.negotiation=false"])
    assert stressed.probability("russia_collapse") > 0.3
    # with talks, the same pressure makes a deal much more likely instead: a Russia whose budget is projected
    # into strain is publicly losing, and the mediator's plans may then hand land back down to what its
    # believed-mean type accepts (issue 11: deals return land only when Russia is losing). Most of these deals
    # are below the line; the baseline's almost never are.
    stressed_talks = _run(STRESS)
    # "much more likely": the share of worlds with no deal falls by more than half (with the baseline at 30%
    # settlement this was written as +30 points; with commitment_k calibrated to Ukraine's position, §4.1, the
    # baseline settles in three worlds of four, and +30 points would exceed 100%)
    p_stressed, p_base = stressed_talks.probability("settlement"), outcomes["baseline"].probability("settlement")
    assert 1 - p_stressed < 0.5 * (1 - p_base)
    settled = stressed_talks.outcomes[stressed_talks.outcomes["outcome"] == "settlement"]
    assert (settled["terms"] < settled["end.front"]).mean() > 0.5


def test_cheaper_oil_does_not_lower_the_odds_of_a_deal(outcomes) -> None:
    # issue 12: with spending from the budget (not pegged to week-0 revenue) Brent at $45 drains the fund and
    # raises Russia's expected fiscal cost: the odds of a deal do not fall (paired by common random numbers)
    cheap = _run(["initial.brent=45", "params.oil.brent_mean=45", "replicates=3000"])
    base = outcomes["baseline"]
    assert cheap.probability("settlement") >= base.probability("settlement")
    assert cheap.outcomes["end.buffer_ru"].mean() < base.outcomes["end.buffer_ru"].mean()
