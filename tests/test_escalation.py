"""Process 6: escalation pressure and the weekly hazard (sim/processes/escalation.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.processes import escalation
from tests import hypothesis_profile  # noqa: F401  (deterministic hypothesis profile)

# MODEL.md / params defaults
DECAY, W_TOMAHAWK, W_SALVO, W_DEEP = 0.9, 0.08, 0.05, 0.0002
H0, H1 = 2e-5, 6e-5


def _step(pressure, tomahawks=0.0, salvo=False, deep=0.0, decay=DECAY):
    n = np.size(pressure)
    return escalation.pressure_step(
        np.asarray(pressure, dtype=float),
        np.full(n, tomahawks),
        np.full(n, salvo),
        np.full(n, deep),
        decay,
        W_TOMAHAWK,
        W_SALVO,
        W_DEEP,
    )


def test_pressure_decays_geometrically_without_provocations():
    p0 = np.array([0.0, 1.0, 5.0])
    p = p0.copy()
    for week in range(1, 80):
        p = _step(p)
        np.testing.assert_allclose(p, p0 * DECAY**week, rtol=1e-12)


def test_pressure_accumulates_weighted_provocations():
    p = _step(np.array([1.0]), tomahawks=6.0, salvo=True, deep=37.5)
    assert p[0] == pytest.approx(0.9 + 0.08 * 6 + 0.05 + 0.0002 * 37.5)


def test_pressure_under_constant_provocation_converges_to_flow_over_decay():
    flow = W_TOMAHAWK * 6 + W_DEEP * 37.5
    p = np.array([0.0])
    for _ in range(400):
        p = _step(p, tomahawks=6.0, deep=37.5)
    assert p[0] == pytest.approx(flow / (1 - DECAY), rel=1e-9)


def test_hazard_formula():
    pressure = np.array([0.0, 0.5, 5.0, 100.0])
    np.testing.assert_allclose(escalation.hazard(pressure, H0, H1), 1.0 - np.exp(-(H0 + H1 * pressure)), rtol=1e-12)


def test_hazard_is_accurate_for_tiny_rates():
    """expm1 keeps the tiny baseline hazard (~0.1% a year) accurate where 1 - exp(-x) would round badly."""
    h = float(escalation.hazard(np.array(0.0), 1e-12, 0.0))
    assert h == pytest.approx(1e-12, rel=1e-9)


def test_baseline_hazard_is_about_a_tenth_of_a_percent_a_year():
    weekly = float(escalation.hazard(np.array(0.0), H0, H1))
    yearly = 1.0 - (1.0 - weekly) ** 52
    assert yearly == pytest.approx(0.001, rel=0.05)


def test_hazard_zero_without_base_or_pressure_and_one_in_the_limit():
    assert float(escalation.hazard(np.array(0.0), 0.0, 0.0)) == 0.0
    assert float(escalation.hazard(np.array(1e6), 0.0, 1.0)) == 1.0


@given(pressure=st.floats(0.0, 1e4), base=st.floats(0.0, 1.0), per=st.floats(0.0, 1.0))
def test_hazard_is_a_probability_matching_its_formula(pressure, base, per):
    h = float(escalation.hazard(np.array(pressure), base, per))
    assert 0.0 <= h <= 1.0
    assert h == pytest.approx(1.0 - math.exp(-(base + per * pressure)), abs=1e-12)


@given(p1=st.floats(0.0, 100.0), p2=st.floats(0.0, 100.0), base=st.floats(0.0, 1.0), per=st.floats(1e-6, 1.0))
def test_hazard_increases_with_pressure(p1, p2, base, per):
    lo, hi = sorted((p1, p2))
    h_lo = float(escalation.hazard(np.array(lo), base, per))
    assert float(escalation.hazard(np.array(hi), base, per)) >= h_lo


def test_hazard_strictly_increasing_on_a_grid():
    h = escalation.hazard(np.linspace(0.0, 50.0, 501), H0, H1)
    assert np.all(np.diff(h) > 0)


@given(
    p0=st.floats(0.0, 100.0),
    decay=st.floats(0.0, 1.0),
    tomahawks=st.floats(0.0, 20.0),
    salvo=st.booleans(),
    deep=st.floats(0.0, 1000.0),
)
def test_pressure_stays_non_negative_and_finite(p0, decay, tomahawks, salvo, deep):
    p = _step(np.array([p0]), tomahawks=tomahawks, salvo=salvo, deep=deep, decay=decay)
    assert np.isfinite(p).all()
    assert p[0] >= 0.0
