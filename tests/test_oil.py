"""Process 2: oil price, India's purchases, Russia's revenue and fiscal buffer (sim/processes/oil.py).

Baseline numbers from MODEL.md and the defaults in sim/params.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.processes import oil
from tests import hypothesis_profile  # noqa: F401  (deterministic hypothesis profile)

# India's defaults (sim/params.py OilParams)
INDIA = dict(
    delivered_discount=3.0,
    imports_mbd=4.8,
    max_share=0.5,
    scale_bn=1.7,
    contingency=0.1,
    exposed_bn=40.0,
    enforcement_risk_bn=2.0,
    cap=1.0,
)


def _target(tariff, sanctions, **over):
    kw = {**INDIA, **over}
    return np.asarray(
        oil.india_target_share(
            tariff,
            sanctions,
            kw["delivered_discount"],
            kw["imports_mbd"],
            kw["max_share"],
            kw["scale_bn"],
            kw["contingency"],
            kw["exposed_bn"],
            kw["enforcement_risk_bn"],
            kw["cap"],
        )
    )


# --- Brent and the discount -----------------------------------------------------------------------


def test_brent_step_is_log_ar1():
    b = oil.brent_step(np.array([62.0, 80.0]), 70.0, 0.05, 0.04, np.array([0.0, 1.0]))
    np.testing.assert_allclose(
        np.log(b),
        [
            math.log(62) + 0.05 * (math.log(70) - math.log(62)),
            math.log(80) + 0.05 * (math.log(70) - math.log(80)) + 0.04,
        ],
    )


def test_brent_step_without_noise_converges_to_mean_and_stays_positive():
    b = np.array([30.0, 62.0, 150.0])
    for _ in range(1000):
        b = oil.brent_step(b, 65.0, 0.05, 0.04, np.zeros(3))
    np.testing.assert_allclose(b, 65.0, rtol=1e-12)
    rng = np.random.default_rng(31)
    b = np.full(1000, 62.0)
    for _ in range(104):
        b = oil.brent_step(b, 65.0, 0.05, 0.04, rng.standard_normal(1000))
    assert np.all(b > 0) and np.all(np.isfinite(b))


def test_india_target_share_is_logistic_in_net_benefit():
    savings = 0.5 * 4.8 * 365 * 3.0 / 1000
    net = savings - 0.1 * 0.25 * 40.0 - 2.0 * 0.5
    assert float(_target(25.0, 0.5)) == pytest.approx(0.5 / (1 + math.exp(-net / 1.7)), rel=1e-12)


def test_india_target_share_at_baseline_is_near_observed_share():
    """Sep-Oct 2025: 34-37% of India's crude from Russia under the 50% tariff (params: calibrated)."""
    assert 0.30 <= float(_target(25.0, 0.0)) <= 0.40


def test_india_target_share_falls_with_tariff_and_sanctions():
    tariffs = np.linspace(0.0, 100.0, 41)
    by_tariff = _target(tariffs, 0.0)
    assert np.all(np.diff(by_tariff) < 0)
    sanctions = np.linspace(0.0, 1.0, 41)
    by_sanctions = _target(25.0, sanctions)
    assert np.all(np.diff(by_sanctions) < 0)


def test_india_target_share_is_capped():
    assert float(_target(0.0, 0.0, cap=0.1)) == pytest.approx(0.1)
    assert float(_target(0.0, 0.0, cap=0.0)) == 0.0
    uncapped = float(_target(0.0, 0.0))
    assert float(_target(0.0, 0.0, cap=0.9)) == pytest.approx(uncapped)


@given(
    t1=st.floats(0.0, 100.0),
    t2=st.floats(0.0, 100.0),
    s1=st.floats(0.0, 1.0),
    s2=st.floats(0.0, 1.0),
    discount=st.floats(0.0, 20.0),
    imports=st.floats(0.0, 10.0),
    max_share=st.floats(0.0, 1.0),
    scale=st.floats(0.5, 100.0),
    contingency=st.floats(0.0, 1.0),
    exposed=st.floats(0.0, 100.0),
    risk=st.floats(0.0, 20.0),
    cap=st.floats(0.0, 1.0),
)
def test_india_target_share_is_bounded_and_monotone(
    t1, t2, s1, s2, discount, imports, max_share, scale, contingency, exposed, risk, cap
):
    kw = dict(
        delivered_discount=discount,
        imports_mbd=imports,
        max_share=max_share,
        scale_bn=scale,
        contingency=contingency,
        exposed_bn=exposed,
        enforcement_risk_bn=risk,
        cap=cap,
    )
    lo_t, hi_t = sorted((t1, t2))
    lo_s, hi_s = sorted((s1, s2))
    low_pressure = float(_target(lo_t, lo_s, **kw))
    high_pressure = float(_target(hi_t, hi_s, **kw))
    for v in (low_pressure, high_pressure):
        assert not math.isnan(v)
        assert 0.0 <= v <= max_share
        assert v <= cap
    assert high_pressure <= low_pressure + 1e-15
    assert float(_target(hi_t, lo_s, **kw)) <= float(_target(lo_t, lo_s, **kw)) + 1e-15
    assert float(_target(lo_t, hi_s, **kw)) <= float(_target(lo_t, lo_s, **kw)) + 1e-15


def test_india_target_share_saturates_quietly_at_the_smallest_allowed_scale():
    """india_scale may be as small as 1e-6 $bn/year (sim/params.py): the logistic must saturate to 0 or
    max_share without numpy overflow warnings (which the test suite, and any strict run, treats as errors)."""
    stop = float(_target(100.0, 1.0, scale_bn=1e-6, contingency=1.0))
    buy = float(_target(0.0, 0.0, scale_bn=1e-6))
    assert stop == 0.0
    assert buy == pytest.approx(0.5)


def test_india_share_step_moves_toward_target_with_lag():
    share = np.array([0.36, 0.36, 0.1])
    target = np.array([0.1, 0.36, 0.4])
    out = oil.india_share_step(share, target, 6.0)
    np.testing.assert_allclose(out, share + (target - share) / 6.0)
    np.testing.assert_allclose(oil.india_share_step(share, target, 0.5), target)  # lags below a week: jump


def test_india_share_converges_geometrically_to_target():
    share = np.array([0.36])
    for week in range(1, 60):
        share = oil.india_share_step(share, np.array([0.05]), 6.0)
        assert share[0] - 0.05 == pytest.approx(0.31 * (5.0 / 6.0) ** week, rel=1e-9)


@given(share=st.floats(0.0, 1.0), target=st.floats(0.0, 1.0), lag=st.floats(0.0, 104.0))
def test_india_share_step_never_overshoots_and_stays_in_unit_interval(share, target, lag):
    out = float(oil.india_share_step(np.array(share), np.array(target), lag))
    assert abs(out - target) <= abs(share - target) + 1e-15
    assert min(share, target) - 1e-15 <= out <= max(share, target) + 1e-15
    assert 0.0 <= out <= 1.0


# --- Russia's revenue -----------------------------------------------------------------------------

REV = dict(
    india_share0=0.36,
    india_imports=4.8,
    export_volume=7.3,
    redirect_share=0.6,
    redirect_discount=5.0,
    tax_take=0.55,
    product_share=0.3,
    refining_online0=0.76,
)


def _revenue(brent=62.0, discount=0.17 * 62.0, india_share=0.36, refining=0.76, **over):
    kw = {**REV, **over}
    return float(
        oil.russia_revenue(
            np.array(brent),
            np.array(discount),
            np.array(india_share),
            kw["india_share0"],
            kw["india_imports"],
            kw["export_volume"],
            kw["redirect_share"],
            kw["redirect_discount"],
            kw["tax_take"],
            kw["product_share"],
            np.array(refining),
            kw["refining_online0"],
        )
    )


def test_russia_revenue_at_baseline_is_about_1_45_bn_a_week():
    rev = _revenue()
    assert rev == pytest.approx(1.45, rel=0.02)
    assert rev == pytest.approx(7.3 * (62 - 0.17 * 62) * 0.55 * 7 / 1000, rel=1e-12)


def test_russia_revenue_loses_shut_in_and_discounted_barrels_when_india_stops():
    base = _revenue()
    stopped = _revenue(india_share=0.0)
    dropped = 0.36 * 4.8
    price = 62 - 0.17 * 62
    expected_loss = (dropped * price - 0.6 * dropped * (price - 5.0)) * 0.55 * 7 / 1000
    assert base - stopped == pytest.approx(expected_loss, rel=1e-12)
    assert stopped < base
    # India buying more than at week 0 adds nothing (export volume is fixed)
    assert _revenue(india_share=0.45) == pytest.approx(base)
    # full redirection at no extra discount loses nothing
    assert _revenue(india_share=0.0, redirect_share=1.0, redirect_discount=0.0) == pytest.approx(base)


def test_russia_revenue_falls_with_refining_outages_beyond_week_zero():
    base = _revenue()
    assert _revenue(refining=0.56) == pytest.approx(base * (1 - 0.3 * 0.2), rel=1e-12)
    assert _revenue(refining=0.9) == pytest.approx(base)


def test_russia_revenue_falls_with_discount_and_rises_with_brent():
    assert _revenue(discount=0.17 * 62 + 6.0) < _revenue()
    assert _revenue(brent=75.0, discount=0.17 * 75) > _revenue()


@given(
    brent=st.floats(1.0, 300.0),
    discount_share=st.floats(0.0, 1.5),
    india_share=st.floats(0.0, 1.0),
    refining=st.floats(0.0, 1.0),
    redirect=st.floats(0.0, 1.0),
    redirect_discount=st.floats(0.0, 100.0),
)
def test_russia_revenue_is_finite_and_non_negative(
    brent, discount_share, india_share, refining, redirect, redirect_discount
):
    rev = _revenue(
        brent=brent,
        discount=discount_share * brent,
        india_share=india_share,
        refining=refining,
        redirect_share=redirect,
        redirect_discount=redirect_discount,
    )
    assert math.isfinite(rev)
    assert rev >= 0.0
