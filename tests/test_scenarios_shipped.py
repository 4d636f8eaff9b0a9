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
    names = ("baseline", "tomahawks_approved", "india_stops", "max_pressure", "us_steps_back")
    return {n: sim.run(load_scenario(SCENARIOS / f"{n}.yaml", ["replicates=3000"])) for n in names}


def test_alternatives_ask_a_question_and_extend_baseline() -> None:
    for path in SCENARIOS.glob("*.yaml"):
        if path.name != "baseline.yaml":
            assert path.read_text().startswith("extends: baseline.yaml"), path
            assert load_scenario(path).question, path


def test_us_stepping_back_raises_ukraines_collapse(outcomes) -> None:
    assert (
        outcomes["us_steps_back"].probability("ukraine_collapse")
        > outcomes["baseline"].probability("ukraine_collapse") + 0.2
    )
    assert (
        outcomes["us_steps_back"].summary["settlement_terms"]["median"]
        > outcomes["baseline"].summary["settlement_terms"]["median"]
    )


def test_pressure_on_russia_raises_settlement_and_lowers_terms(outcomes) -> None:
    base = outcomes["baseline"]
    for name in ("tomahawks_approved", "india_stops", "max_pressure"):
        assert outcomes[name].probability("settlement") > base.probability("settlement"), name
    assert outcomes["max_pressure"].summary["settlement_terms"]["median"] < base.summary["settlement_terms"]["median"]


def test_tomahawks_raise_escalation_risk(outcomes) -> None:
    assert outcomes["tomahawks_approved"].probability("escalation") > outcomes["baseline"].probability("escalation")


def test_india_stopping_cuts_russian_revenue(outcomes) -> None:
    base = outcomes["baseline"].outcomes["cum.revenue_ru_per_week"].median()
    stop = outcomes["india_stops"].outcomes["cum.revenue_ru_per_week"].median()
    assert stop < base
    late = outcomes["india_stops"].outcomes
    assert late.loc[late["week"] >= 40, "end.india_share"].max() < 0.05  # frozen earlier endings excepted
