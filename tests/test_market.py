"""The stochastic oil market (sim/processes/market.py): Brent with jumps (Merton 1976), the discount as a
noisy function of enforcement and designations, India's noisy purchases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.processes import market, oil

Z99 = 2.5758293035489004


def _brent(n, rng, **kw):
    args = dict(mean=62.0, reversion=0.0, vol=0.04, jump_rate=0.0, jump_mean=0.0, jump_sd=0.35) | kw
    return market.brent_jump_step(
        np.full(n, 62.0),
        args["mean"],
        args["reversion"],
        args["vol"],
        rng.standard_normal(n),
        rng.random(n),
        rng.standard_normal(n),
        args["jump_rate"],
        args["jump_mean"],
        args["jump_sd"],
    )


def test_without_jumps_it_is_the_log_ar1():
    rng = np.random.default_rng(1)
    eps, u, z = rng.standard_normal(50), rng.random(50), rng.standard_normal(50)
    b = rng.uniform(30, 120, 50)
    np.testing.assert_allclose(
        market.brent_jump_step(b, 70.0, 0.05, 0.04, eps, u, z, 0.0, 0.1, 0.3), oil.brent_step(b, 70.0, 0.05, 0.04, eps)
    )


def test_a_jump_adds_its_size_to_the_log_price():
    b = market.brent_jump_step(
        np.array([62.0]), 62.0, 0.05, 0.0, np.zeros(1), np.array([0.001]), np.array([1.0]), 0.01, 0.1, 0.3
    )
    assert math.log(b[0] / 62.0) == pytest.approx(0.4)


@pytest.mark.parametrize("rate", [0.0, 0.005, 0.05])
def test_weekly_log_return_moments_match_merton(rate):
    rng = np.random.default_rng(7)
    n = 400_000
    r = np.log(_brent(n, rng, jump_rate=rate) / 62.0)
    mean, var, kurt = market.log_return_moments(0.04, rate, 0.0, 0.35)
    assert abs(r.mean() - mean) < Z99 * math.sqrt(var / n)
    assert r.var() == pytest.approx(var, rel=0.03)
    excess = float(((r - r.mean()) ** 4).mean() / r.var() ** 2 - 3.0)
    assert excess == pytest.approx(kurt, abs=max(0.15, 0.2 * kurt))


def test_jumps_make_a_spike_past_100_in_six_months_possible():
    # The log-AR(1) alone gives Brent > $100 within 26 weeks a ~0.1% chance; one shock per ~4 years with
    # log sizes N(0, 0.35) gives it ~1% (1990 and 2022 were such shocks).
    def share_past_100(rate):
        rng = np.random.default_rng(9)
        n = 100_000
        b, hit = np.full(n, 62.0), np.zeros(n, dtype=bool)
        for _ in range(26):
            b = market.brent_jump_step(
                b, 65.0, 0.05, 0.04, rng.standard_normal(n), rng.random(n), rng.standard_normal(n), rate, 0.0, 0.35
            )
            hit |= b > 100
        return hit.mean()

    assert share_past_100(0.0) < 0.003
    assert 0.004 < share_past_100(0.0045) < 0.03


def test_designation_adaptation_converges_and_never_overshoots():
    a = np.zeros(1)
    for week in range(200):
        a = market.designation_adaptation_step(a, 0.45, 26.0)
        assert a[0] <= 0.45
        if week == 25:
            assert a[0] == pytest.approx(0.45 / 2, rel=1e-9)  # half-life 26 weeks
    assert a[0] == pytest.approx(0.45, rel=1e-2)
    # lifting designations: the adapted share falls with them at once (nothing left to re-route)
    assert market.designation_adaptation_step(np.array([0.3]), 0.0, 26.0)[0] == pytest.approx(0.3 * 2 ** (-1 / 26))
    assert float(market.effective_designation(0.0, np.array([0.3]))[0]) == 0.0


def test_discount_target_responds_to_enforcement_and_designations():
    t = market.discount_target(0.17, np.array([0.2, 0.6, 0.2]), 0.2, 0.1, np.array([0.0, 0.0, 0.45]), 0.45)
    np.testing.assert_allclose(t, [0.17, 0.21, 0.17 + 0.45 * 0.45])


def test_discount_share_tracks_its_target_with_its_half_life():
    d = np.array([0.17])
    for _ in range(4):
        d = market.discount_share_step(d, np.array([0.40]), 4.0, 0.0, np.zeros(1))
    # half way in logit space after one half-life
    mid = 1 / (1 + math.exp(-0.5 * (math.log(0.17 / 0.83) + math.log(0.4 / 0.6))))
    assert d[0] == pytest.approx(mid, rel=1e-9)


def test_discount_noise_gives_a_non_degenerate_band():
    rng = np.random.default_rng(4)
    d = np.full(10_000, 0.17)
    for _ in range(12):
        d = market.discount_share_step(d, np.full(10_000, 0.17), 4.0, 0.08, rng.standard_normal(10_000))
    q05, q95 = np.quantile(d, [0.05, 0.95])
    assert q95 - q05 > 0.02 and d.min() > 0 and d.max() < 1


def test_designation_cap_and_waiver():
    np.testing.assert_allclose(
        market.designation_cap(np.array([0.45, 0.45, 0.0]), 0.8, np.array([0.0, 1.0, 0.0])), [1 - 0.36, 1.0, 1.0]
    )


def test_delivered_discount_passes_part_of_the_widening():
    assert float(market.delivered_discount(3.0, 0.25, np.array(0.37), 0.17, np.array(60.0))) == pytest.approx(6.0)
    assert float(market.delivered_discount(3.0, 0.25, np.array(0.0), 0.17, np.array(100.0))) == 0.0


def test_india_share_noise_has_the_ar1_stationary_spread():
    rng = np.random.default_rng(8)
    n = 50_000
    s = np.full(n, 0.3)
    for _ in range(200):
        s = market.india_share_noisy_step(s, np.full(n, 0.3), 6.0, 0.01, rng.standard_normal(n))
    assert s.std() == pytest.approx(market.stationary_sd(6.0, 0.01), rel=0.03)
    assert s.mean() == pytest.approx(0.3, abs=1e-3)


def test_a_purchase_cap_binds_whatever_the_noise():
    rng = np.random.default_rng(3)
    s = market.india_share_noisy_step(np.full(1000, 0.05), np.zeros(1000), 6.0, 0.05, rng.standard_normal(1000), 0.0)
    assert s.max() == 0.0
    s = market.india_share_noisy_step(
        np.full(1000, 0.2), np.full(1000, 0.3), 6.0, 0.05, rng.standard_normal(1000), 0.25
    )
    assert s.max() == 0.25


def test_india_share_without_noise_is_the_lagged_adjustment():
    s = np.array([0.36, 0.1])
    np.testing.assert_allclose(
        market.india_share_noisy_step(s, np.array([0.2, 0.3]), 6.0, 0.0, np.ones(2)),
        oil.india_share_step(s, np.array([0.2, 0.3]), 6.0),
    )
