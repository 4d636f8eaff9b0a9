"""Whole-model reductions to closed forms (scenarios/validation/): the Monte Carlo estimate must fall inside
its 99% interval around the closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.processes.attrition_game import (
    cutoff_hazards,
    equilibrium_hazards,
    expected_duration,
    first_concession,
    path_outcomes,
)
from sim.processes.bargaining import fearon_tioli_war_probability
from sim.processes.battle import gamblers_ruin_duration, gamblers_ruin_probability
from tests.conftest import SCENARIOS

Z99 = 2.5758293035489


def _within(estimate: float, truth: float, se: float) -> bool:
    return abs(estimate - truth) <= Z99 * se


def test_front_reduces_to_gamblers_ruin() -> None:
    result = sim.run(SCENARIOS / "validation" / "gamblers_ruin.yaml")
    sc = result.scenario
    n = int(sc.params.front.n_steps)
    k = round(sc.initial.front * n)
    p = sc.params.front.p0
    truth = gamblers_ruin_probability(n, k, p)
    assert truth == pytest.approx(0.731717, abs=1e-6)
    reps = len(result.outcomes)
    est = result.probability("russia_takes_all")
    assert _within(est, truth, math.sqrt(truth * (1 - truth) / reps))
    assert result.probability("ongoing") == 0.0  # every walk is absorbed well before the horizon
    weeks = result.outcomes["week"].to_numpy(dtype=float)
    t_truth = gamblers_ruin_duration(n, k, p)
    assert t_truth == pytest.approx(23.1717, abs=1e-4)
    assert _within(weeks.mean(), t_truth, weeks.std(ddof=1) / math.sqrt(reps))


def test_settles_exactly_when_offer_inside_fearon_range() -> None:
    inside = sim.run(SCENARIOS / "validation" / "fearon_inside.yaml")
    sc = inside.scenario
    q, horizon = sc.params.negotiation.talks_rate, sc.horizon_weeks
    truth = 1 - (1 - q) ** horizon
    reps = len(inside.outcomes)
    assert truth == pytest.approx(0.878423, abs=1e-6)
    assert _within(inside.probability("settlement"), truth, math.sqrt(truth * (1 - truth) / reps))
    settled = inside.outcomes[inside.outcomes["outcome"] == "settlement"]
    assert np.allclose(settled["terms"], 0.70)
    # Time to the first round of talks is geometric: E[week | settled by H] has a closed form too.
    weeks = np.arange(1, horizon + 1)
    pmf = q * (1 - q) ** (weeks - 1)
    mean_truth = float((weeks * pmf).sum() / pmf.sum())
    w = settled["week"].to_numpy(dtype=float)
    assert _within(w.mean(), mean_truth, w.std(ddof=1) / math.sqrt(len(w)))


def test_no_settlement_when_offer_outside_fearon_range() -> None:
    outside = sim.run(SCENARIOS / "validation" / "fearon_outside.yaml")
    assert outside.probability("settlement") == 0.0
    assert outside.probability("ongoing") == 1.0


def test_nash_split_is_middle_of_fearon_range() -> None:
    nash = sim.run(SCENARIOS / "validation" / "fearon_nash.yaml", overrides=None)
    terms = nash.outcomes.loc[nash.outcomes["outcome"] == "settlement", "terms"]
    assert len(terms) > 0
    assert np.allclose(terms, 0.5 + 0.5 * (0.75 - 0.5))


@pytest.mark.parametrize("p", [0.5, 0.6, 0.7])
def test_take_it_or_leave_it_war_probability_does_not_depend_on_p(p: float) -> None:
    # Fearon (1995), B's cost ~ U(0, c_bar) private: P(war) = (c_bar - c_A)/(2 c_bar), offer p + (c_bar - c_A)/2.
    sets = [f"params.front.p0={p}", f"params.beliefs.prior_mean_ru={p}", f"params.beliefs.prior_mean_ua={p}"]
    result = sim.run(SCENARIOS / "validation" / "fearon_tioli.yaml", overrides=sets)
    sc = result.scenario
    c_a = sc.params.negotiation.horizon * sc.params.costs.base_ru
    c_bar = sc.params.negotiation.horizon * sc.params.costs.base_ua * sc.params.negotiation.private_type_ua.high
    war = fearon_tioli_war_probability(c_a, c_bar)
    assert war == pytest.approx(0.375)
    reps = len(result.outcomes)
    assert _within(result.probability("ongoing"), war, math.sqrt(war * (1 - war) / reps))
    terms = result.outcomes.loc[result.outcomes["outcome"] == "settlement", "terms"]
    assert np.allclose(terms, p + (c_bar - c_a) / 2)


@pytest.mark.parametrize(("base_ru", "fights"), [(0.005, True), (0.009, False)])
def test_declining_side_fights_exactly_when_powells_condition_holds(base_ru: float, fights: bool) -> None:
    result = sim.run(SCENARIOS / "validation" / "powell_commitment.yaml", overrides=[f"params.costs.base_ru={base_ru}"])
    sc = result.scenario
    g, r = sc.params.negotiation, sc.params.refining
    p0, k, n = sc.params.front.p0, sc.params.front.tullock_k, sc.params.front.n_steps
    firepower = 1 + sc.params.attrition.tomahawk_strength * r.tomahawks_per_week
    p_ru_after = 1 / (1 + (((1 - p0) / p0) ** (1 / k) * firepower) ** k)
    f0, horizon = sc.initial.front, g.horizon
    p_now = 1 - (f0 + horizon / n * (2 * p0 - 1))  # Ukraine's (the rising side's) expected share in war
    p_next = 1 - (f0 + horizon / n * (2 * p_ru_after - 1))
    delta = g.discount ** (sc.events["tomahawks"].week + r.tomahawk_lag - 1)  # talks in week 1
    cost_b = horizon * base_ru
    lhs, rhs = delta * p_next - p_now, (1 - delta) * cost_b
    assert (lhs > rhs) == fights and abs(lhs - rhs) > 0.01  # clearly on one side of the inequality
    assert result.probability("settlement") == (0.0 if fights else 1.0)


def test_no_anticipated_shift_no_commitment_problem() -> None:
    result = sim.run(SCENARIOS / "validation" / "powell_commitment.yaml", overrides=["events.tomahawks.value=0"])
    assert result.probability("settlement") == 1.0


def test_concession_times_match_the_war_of_attrition() -> None:
    result = sim.run(SCENARIOS / "validation" / "war_of_attrition.yaml")
    sc = result.scenario
    d_ru, d_ua = float(sc.agents.russia.levers["demand"] or 0), float(sc.agents.ukraine.levers["demand"] or 0)
    c_ru, c_ua = sc.params.costs.base_ru, sc.params.costs.base_ua
    h_ru, h_ua = equilibrium_hazards(c_ru, d_ru - d_ua, c_ua, d_ru - d_ua)
    assert (h_ru, h_ua) == pytest.approx((0.04, 0.02))
    o = result.outcomes
    assert result.probability("settlement") == 1.0
    weeks = o["week"].to_numpy(dtype=float)
    truth = float(expected_duration(h_ru, h_ua))
    assert truth == pytest.approx(16.891892, abs=1e-6)
    assert _within(weeks.mean(), truth, weeks.std(ddof=1) / math.sqrt(len(o)))
    p_ru_first, p_ua_first, p_both = (float(v) for v in first_concession(h_ru, h_ua))
    for share, prob in (
        ((o["terms"] == d_ua).mean(), p_ru_first),  # Russia concedes: Ukraine's demand
        ((o["terms"] == d_ru).mean(), p_ua_first),
        (np.isclose(o["terms"], (d_ru + d_ua) / 2).mean(), p_both),
    ):
        assert _within(share, prob, math.sqrt(prob * (1 - prob) / len(o)))


def test_concession_with_private_costs_matches_the_cutoff_equilibrium() -> None:
    # Private types uniform on [0.5, 1.5]: the cutoff path is deterministic, its outcome probabilities exact.
    result = sim.run(SCENARIOS / "validation" / "war_of_attrition_private.yaml")
    sc = result.scenario
    d_ru, d_ua = float(sc.agents.russia.levers["demand"] or 0), float(sc.agents.ukraine.levers["demand"] or 0)
    c_ru, c_ua = sc.params.costs.base_ru, sc.params.costs.base_ua
    spec = sc.params.negotiation
    lo_ru, hi_ru = spec.private_type_ru.support()
    lo_ua, hi_ua = spec.private_type_ua.support()
    h_ru, h_ua = cutoff_hazards(c_ru, d_ru - d_ua, lo_ru, hi_ru, c_ua, d_ru - d_ua, lo_ua, hi_ua, sc.horizon_weeks)
    exact = path_outcomes(h_ru, h_ua)
    assert exact["first_1"] == pytest.approx(0.701454, abs=1e-6) and exact["ongoing"] < 1e-9
    assert exact["mean_week_if_ended"] == pytest.approx(14.560993, abs=1e-6)
    o = result.outcomes
    assert result.probability("settlement") == 1.0
    weeks = o["week"].to_numpy(dtype=float)
    assert _within(weeks.mean(), exact["mean_week_if_ended"], weeks.std(ddof=1) / math.sqrt(len(o)))
    for share, prob in (
        ((o["terms"] == d_ua).mean(), exact["first_1"]),  # Russia concedes: Ukraine's demand
        ((o["terms"] == d_ru).mean(), exact["first_2"]),
        (np.isclose(o["terms"], (d_ru + d_ua) / 2).mean(), exact["both"]),
    ):
        assert _within(share, prob, math.sqrt(prob * (1 - prob) / len(o)))
    # The costly types concede first: Russia's concessions come from its types above the median.
    russia_conceded = o["terms"] == d_ua
    types = o["params.negotiation.private_type_ru"]
    assert types[russia_conceded].mean() > types[~russia_conceded].mean()
