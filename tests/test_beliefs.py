"""Process 5: Beta beliefs with forgetting and the two-type Bayes fixture (sim/processes/beliefs.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.processes import beliefs
from tests import hypothesis_profile  # noqa: F401  (deterministic hypothesis profile)


def _run(alpha0: float, beta0: float, outcomes: np.ndarray, forgetting: float) -> tuple[float, float]:
    a, b = np.array([alpha0]), np.array([beta0])
    for won in outcomes:
        a, b = beliefs.beta_update(a, b, np.array([won]), alpha0, beta0, forgetting)
    return float(a[0]), float(b[0])


def test_prior_has_requested_mean_and_strength():
    a, b = beliefs.prior(np.array([0.7, 0.45]), np.array([20.0, 10.0]))
    np.testing.assert_allclose(a, [14.0, 4.5])
    np.testing.assert_allclose(b, [6.0, 5.5])
    np.testing.assert_allclose(beliefs.belief_mean(a, b), [0.7, 0.45])
    np.testing.assert_allclose(a + b, [20.0, 10.0])


def test_beta_update_without_forgetting_is_conjugate():
    rng = np.random.default_rng(3)
    outcomes = rng.random(60) < 0.55
    a, b = _run(2.5, 4.0, outcomes, forgetting=1.0)
    wins = int(outcomes.sum())
    assert a == pytest.approx(2.5 + wins, rel=1e-14)
    assert b == pytest.approx(4.0 + (outcomes.size - wins), rel=1e-14)


def test_beta_update_single_step_adds_win_or_loss():
    a, b = beliefs.beta_update(np.array([3.0, 3.0]), np.array([2.0, 2.0]), np.array([True, False]), 3.0, 2.0, 1.0)
    np.testing.assert_array_equal(a, [4.0, 3.0])
    np.testing.assert_array_equal(b, [2.0, 3.0])


def _grid_posterior_mean(alpha0: float, beta0: float, wins: int, losses: int, points: int = 20_001) -> float:
    """Posterior mean of p by brute-force Bayes on a grid: prior density x likelihood, normalised."""
    p = (np.arange(points) + 0.5) / points
    log_post = (alpha0 - 1 + wins) * np.log(p) + (beta0 - 1 + losses) * np.log1p(-p)
    w = np.exp(log_post - log_post.max())
    return float((p * w).sum() / w.sum())


@pytest.mark.parametrize(
    ("alpha0", "beta0", "p_true", "weeks", "seed"),
    [(1.0, 1.0, 0.55, 40, 1), (14.0, 6.0, 0.54, 52, 2), (2.0, 8.0, 0.7, 25, 3)],
)
def test_beta_update_matches_grid_bayes_posterior_mean(alpha0, beta0, p_true, weeks, seed):
    outcomes = np.random.default_rng(seed).random(weeks) < p_true
    a = np.array([alpha0])
    b = np.array([beta0])
    wins = losses = 0
    for won in outcomes:
        a, b = beliefs.beta_update(a, b, np.array([won]), alpha0, beta0, 1.0)
        wins += int(won)
        losses += int(not won)
        # check after every observation, not only at the end
        assert beliefs.belief_mean(a, b)[0] == pytest.approx(
            _grid_posterior_mean(alpha0, beta0, wins, losses), abs=1e-6
        )


def test_forgetting_strength_converges_to_prior_strength_plus_effective_memory():
    """alpha + beta <- lam (alpha + beta) + (1 - lam)(alpha0 + beta0) + 1 has fixed point S0 + 1/(1 - lam)."""
    lam = np.array([0.97, 0.98, 0.99])
    a0, b0 = beliefs.prior(np.array([0.7, 0.45, 0.6]), np.array([10.0, 25.0, 40.0]))
    a, b = a0.copy(), b0.copy()
    rng = np.random.default_rng(4)
    for _ in range(3000):
        a, b = beliefs.beta_update(a, b, rng.random(3) < 0.55, a0, b0, lam)
    np.testing.assert_allclose(a + b, a0 + b0 + 1.0 / (1.0 - lam), rtol=1e-9)


def test_forgetting_strength_follows_geometric_path_whatever_the_outcomes():
    lam, s0 = 0.98, 20.0
    a0, b0 = 12.0, 8.0
    target = s0 + 1.0 / (1.0 - lam)
    rng = np.random.default_rng(5)
    a, b = np.array([a0, a0]), np.array([b0, b0])
    for t in range(1, 101):
        won = np.array([rng.random() < 0.5, True])
        a, b = beliefs.beta_update(a, b, won, a0, b0, lam)
        np.testing.assert_allclose(a + b, target + lam**t * (s0 - target), rtol=1e-12)


def test_forgetting_mean_tracks_a_drifting_p():
    """With forgetting the mean follows a change in p; without it the old data keep it far behind."""
    rng = np.random.default_rng(6)
    outcomes = np.concatenate([rng.random(300) < 0.8, rng.random(300) < 0.3])
    a_f, b_f = _run(5.0, 5.0, outcomes, forgetting=0.97)
    a_n, b_n = _run(5.0, 5.0, outcomes, forgetting=1.0)
    mean_forget = a_f / (a_f + b_f)
    mean_plain = a_n / (a_n + b_n)
    assert abs(mean_forget - 0.3) < 0.12
    assert mean_plain > 0.5


def test_forgetting_without_data_relaxes_to_prior():
    """Forgetting pulls the belief back toward the prior: from a lopsided start, under a run of wins alpha
    tends to alpha0 + 1/(1 - lam) and beta to beta0, and the strength never falls below the prior's."""
    a0, b0, lam = 7.0, 3.0, 0.9
    a, b = np.array([30.0]), np.array([1.0])
    for _ in range(500):
        a, b = beliefs.beta_update(a, b, np.array([True]), a0, b0, lam)
        assert a[0] + b[0] >= min(31.0, a0 + b0)
    # all wins: alpha -> alpha0 + 1/(1-lam), beta -> beta0
    assert a[0] == pytest.approx(a0 + 1.0 / (1.0 - lam), rel=1e-9)
    assert b[0] == pytest.approx(b0, rel=1e-9)


@pytest.mark.parametrize(("won", "expected"), [(True, 0.636364), (False, 0.333333)])
def test_two_type_posterior_matches_fixture(won, expected):
    assert float(beliefs.two_type_posterior(0.5, 0.7, 0.4, won)) == pytest.approx(expected, abs=5e-7)


def test_two_type_posterior_is_bayes_rule_vectorised():
    mu = np.linspace(0.01, 0.99, 50)
    pw, ps = 0.65, 0.45
    np.testing.assert_allclose(beliefs.two_type_posterior(mu, pw, ps, True), mu * pw / (mu * pw + (1 - mu) * ps))
    np.testing.assert_allclose(
        beliefs.two_type_posterior(mu, pw, ps, False), mu * (1 - pw) / (mu * (1 - pw) + (1 - mu) * (1 - ps))
    )


@given(mu=st.floats(0.001, 0.999), pw=st.floats(0.01, 0.99), ps=st.floats(0.01, 0.99))
def test_two_type_posterior_is_a_martingale(mu, pw, ps):
    """The predictive average of the posterior equals the prior (law of total probability)."""
    p_win = mu * pw + (1 - mu) * ps
    after_win = float(beliefs.two_type_posterior(mu, pw, ps, True))
    after_loss = float(beliefs.two_type_posterior(mu, pw, ps, False))
    assert p_win * after_win + (1 - p_win) * after_loss == pytest.approx(mu, abs=1e-12)
    assert 0.0 <= after_win <= 1.0
    assert 0.0 <= after_loss <= 1.0
    if pw > ps:  # a win is evidence for the type that wins more often
        assert after_win >= mu - 1e-12
        assert after_loss <= mu + 1e-12


@given(
    mean=st.floats(0.001, 0.999),
    strength=st.floats(0.5, 100.0),
    lam=st.floats(0.5, 1.0),
    outcomes=st.lists(st.booleans(), min_size=1, max_size=60),
)
def test_belief_mean_stays_a_probability_and_strength_positive(mean, strength, lam, outcomes):
    a0, b0 = beliefs.prior(mean, strength)
    a, b = np.atleast_1d(a0).copy(), np.atleast_1d(b0).copy()
    for won in outcomes:
        a, b = beliefs.beta_update(a, b, np.array([won]), a0, b0, lam)
    m = beliefs.belief_mean(a, b)
    assert np.all(np.isfinite(m))
    assert np.all((m > 0.0) & (m < 1.0))
    assert np.all(a > 0.0) and np.all(b > 0.0)


def test_beta_update_does_not_mutate_inputs():
    a, b, won = np.array([3.0, 4.0]), np.array([2.0, 1.0]), np.array([True, False])
    beliefs.beta_update(a, b, won, 3.0, 2.0, 0.98)
    np.testing.assert_array_equal(a, [3.0, 4.0])
    np.testing.assert_array_equal(b, [2.0, 1.0])
