"""Concession as a war of attrition (sim/processes/attrition_game.py): the exact discrete-time forms, a Monte
Carlo check, and the continuous-time limit of Hendricks, Weiss and Wilson (1988)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.processes import attrition_game as ag

Z99 = 2.5758293035489


def test_equilibrium_hazard_makes_the_other_side_indifferent() -> None:
    h1, h2 = ag.equilibrium_hazards(0.006, 0.3, 0.012, 0.3)
    assert (h1, h2) == pytest.approx((0.04, 0.02))
    # side 2's payoff from waiting one week: h1 * V2 - c2 = 0, the payoff of conceding now
    assert h1 * 0.3 - 0.012 == pytest.approx(0.0)
    assert ag.equilibrium_hazards(0.5, 0.1, 0.5, 0.0) == (pytest.approx(1.0), pytest.approx(1.0))


def test_discrete_forms_and_monte_carlo() -> None:
    h1, h2 = 0.04, 0.02
    q = 1 - 0.96 * 0.98
    assert ag.expected_duration(h1, h2) == pytest.approx(1 / q)
    p1, p2, both = ag.first_concession(h1, h2)
    assert p1 + p2 + both == pytest.approx(1.0)
    assert p1 == pytest.approx(0.04 * 0.98 / q)
    rng = np.random.default_rng(11)
    n = 50_000
    alive = np.ones(n, bool)
    week = np.zeros(n)
    who = np.zeros(n, int)
    t = 0
    while alive.any():
        t += 1
        c1, c2 = ag.concede(rng.random(n), rng.random(n), h1, h2)
        end = alive & (c1 | c2)
        week[end] = t
        who[end] = np.where(c1 & c2, 3, np.where(c1, 1, 2))[end]
        alive &= ~end
    assert abs(week.mean() - 1 / q) <= Z99 * week.std() / math.sqrt(n)
    est = (who == 1).mean()
    assert abs(est - p1) <= Z99 * math.sqrt(p1 * (1 - p1) / n)


def test_continuous_time_limit() -> None:
    # Weekly hazards h = lambda * dt with dt -> 0: the discrete forms (in weeks) tend to HWW's.
    c1, v1, c2, v2 = 0.006, 0.3, 0.012, 0.3
    e_t, p_first = ag.continuous_limit(c1, v1, c2, v2)
    assert e_t == pytest.approx(1 / (0.04 + 0.02)) and p_first == pytest.approx(0.04 / 0.06)
    dt = 1e-5
    h1, h2 = ag.equilibrium_hazards(c1 * dt, v1, c2 * dt, v2)
    p1, _p2, _both = ag.first_concession(h1, h2)
    assert float(ag.expected_duration(h1, h2)) * dt == pytest.approx(e_t, rel=1e-4)
    assert float(p1) == pytest.approx(p_first, rel=1e-4)


def test_the_marginal_type_is_indifferent_between_conceding_and_waiting_a_week() -> None:
    rng = np.random.default_rng(4)
    n = 200
    cb1, cb2 = rng.uniform(0.001, 0.01, n), rng.uniform(0.001, 0.01, n)
    v1, v2 = rng.uniform(0.05, 0.3, n), rng.uniform(0.05, 0.3, n)
    a1, a2 = rng.uniform(0.2, 0.8, n), rng.uniform(0.2, 0.8, n)
    b1, b2 = a1 + rng.uniform(0.1, 1.0, n), a2 + rng.uniform(0.1, 1.0, n)
    t1, t2, ok = ag.cutoffs(cb1, v1, a1, b1, cb2, v2, a2, b2)
    assert ok.mean() > 0.95
    # theta_i c_i = V_i P(j concedes) at the cutoff, inside the intervals
    assert np.allclose((t1 * cb1)[ok], (v1 * (b2 - t2) / (b2 - a2))[ok])
    assert np.allclose((t2 * cb2)[ok], (v2 * (b1 - t1) / (b1 - a1))[ok])
    assert ((a1 <= t1) & (t1 <= b1) & (a2 <= t2) & (t2 <= b2))[ok].all()


def test_known_types_have_no_cutoff_and_a_narrowing_belief_tends_to_the_mixed_hazards() -> None:
    _, _, ok = ag.cutoffs(0.006, 0.3, 1.0, 1.0, 0.012, 0.3, 0.5, 1.5)
    assert not ok  # a point belief: the complete-information mixed equilibrium applies
    h1, h2 = ag.cutoff_hazards(0.006, 0.3, 0.5, 1.5, 0.012, 0.3, 0.5, 1.5, 400)
    # Side 1 concedes first with the hazard of side 2's highest remaining type over its prize: it starts near
    # 1.5 * 0.012 / 0.3 and falls to the lowest type's 0.5 * 0.012 / 0.3 = 0.02 (the mixed hazard at 0.5).
    assert h1[0] == pytest.approx(1.5 * 0.012 / 0.3, rel=0.05) and h1[-1] == pytest.approx(0.02, rel=0.03)
    assert h2[-1] == pytest.approx(0.5 * 0.006 / 0.3, rel=0.03)
    assert (np.diff(h1) <= 1e-12).all() and (np.diff(h2) <= 1e-12).all()  # screening: hazards fall over time


def test_path_outcomes_reduce_to_the_stationary_formulas() -> None:
    h1, h2 = np.full(3000, 0.04), np.full(3000, 0.02)
    out = ag.path_outcomes(h1, h2)
    p1, p2, both = (float(v) for v in ag.first_concession(0.04, 0.02))
    assert out["first_1"] == pytest.approx(p1) and out["first_2"] == pytest.approx(p2)
    assert out["both"] == pytest.approx(both) and out["ongoing"] < 1e-12
    assert out["mean_week_if_ended"] == pytest.approx(float(ag.expected_duration(0.04, 0.02)))
