"""Coercion by channel (sim/processes/coercion.py): punishment's weak pass-through and rally, denial in full."""

from __future__ import annotations

import numpy as np
import pytest

from sim.processes import coercion, costs


def test_adaptation_weight_half_life():
    a = float(coercion.adaptation_weight(4.0))
    assert (1 - a) ** 4 == pytest.approx(0.5)


def test_without_rally_and_equal_erosion_resolve_step_is_the_plain_one():
    rng = np.random.default_rng(2)
    r, c, pun, lvl = rng.random(100), rng.random(100) * 0.01, rng.random(100) * 0.01, rng.random(100) * 0.01
    np.testing.assert_allclose(
        coercion.resolve_step(r, c, pun, lvl, 0.012, 5.0, 5.0, 0.0),
        costs.resolve_step(r, c + pun, 0.012, 5.0),
    )


def test_rally_only_above_the_adaptation_level():
    np.testing.assert_allclose(coercion.rally(np.array([0.002, 0.004]), np.array([0.003, 0.003]), 10.0), [0.0, 0.01])


def test_a_step_rise_in_punishment_first_raises_resolve_then_erodes_it():
    # steady punishment P0 = 0.002, adapted; it doubles at week 0. Rally gain 20 > erosion 2.
    weeks, p0, p1 = 1500, 0.002, 0.004
    r, lvl = 0.7, p0
    base_path, path = [], []
    rb = r
    for _ in range(weeks):
        rb = float(
            coercion.resolve_step(np.array(rb), np.array(0.0), np.array(p0), np.array(p0), 0.012, 5.0, 2.0, 20.0)
        )
        base_path.append(rb)
    for _ in range(weeks):
        r = float(coercion.resolve_step(np.array(r), np.array(0.0), np.array(p1), np.array(lvl), 0.012, 5.0, 2.0, 20.0))
        lvl = float(coercion.adaptation_step(np.array(lvl), np.array(p1), 8.0))
        path.append(r)
    assert path[0] > base_path[0]  # hardening first
    assert path[-1] < base_path[-1]  # erosion in the long run
    # long run: stationary resolve 1 - e_p P / rec
    assert path[-1] == pytest.approx(1 - 2.0 * p1 / 0.012, abs=1e-3)


def test_rally_total_matches_the_sum_of_weekly_rallies():
    lvl, total = 0.002, 0.0
    for _ in range(2000):
        total += float(coercion.rally(np.array(0.004), np.array(lvl), 20.0))
        lvl = float(coercion.adaptation_step(np.array(lvl), np.array(0.004), 8.0))
    assert total == pytest.approx(coercion.rally_total(0.002, 8.0, 20.0), rel=1e-9)


def test_decision_cost_weighs_punishment_by_its_passthrough():
    assert float(coercion.decision_cost(1e-3, 2e-4, 4e-3, 0.25)) == pytest.approx(1e-3 + 2e-4 + 1e-3)
    assert float(coercion.decision_cost(1e-3, 0.0, 4e-3, 0.0)) == pytest.approx(1e-3)
