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
