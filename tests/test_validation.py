"""Whole-model reductions to closed forms (scenarios/validation/): the Monte Carlo estimate must fall inside
its 99% interval around the closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
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
