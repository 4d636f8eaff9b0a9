"""Process 5: learning. Each side holds a Beta(alpha, beta) belief about p, Russia's weekly chance of winning,
and updates it on the week's result with forgetting toward its prior (Slantchev 2003; Powell 2004)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from sim.processes.base import Model, Process

if TYPE_CHECKING:
    from sim.week import Week


def prior(mean: np.ndarray | float, strength: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Beta parameters of a prior with the given mean and strength (pseudo-weeks)."""
    return np.asarray(mean * strength, dtype=float), np.asarray((1.0 - mean) * strength, dtype=float)


def beta_update(
    alpha: np.ndarray,
    beta: np.ndarray,
    russia_won: np.ndarray,
    alpha0: np.ndarray | float,
    beta0: np.ndarray | float,
    forgetting: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """alpha <- lam alpha + (1 - lam) alpha0 + win; beta likewise with losses. With lam = 1 this is the
    conjugate update Beta(alpha + w, beta + l); with lam < 1 beliefs track a drifting p and relax toward the
    prior, never to zero strength."""
    won = russia_won.astype(float)
    keep = 1.0 - np.asarray(forgetting)
    return (forgetting * alpha + keep * alpha0 + won, forgetting * beta + keep * beta0 + (1.0 - won))


def belief_mean(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    return cast(np.ndarray, alpha / (alpha + beta))


def two_type_posterior(mu: np.ndarray | float, p_weak: float, p_strong: float, won: bool) -> np.ndarray:
    """Posterior probability of the 'weak' type after one observed win or loss (Bayes' rule)."""
    like_w, like_s = (p_weak, p_strong) if won else (1.0 - p_weak, 1.0 - p_strong)
    return np.asarray(mu * like_w / (mu * like_w + (1.0 - np.asarray(mu)) * like_s))


class Learning(Process):
    """Both sides see the week's result and update their Beta beliefs, with forgetting toward the prior."""

    name = "learning"
    switches = ("battle", "learning")
    reads = ("alpha_ru", "beta_ru", "alpha_ua", "beta_ua")
    writes = ("alpha_ru", "beta_ru", "alpha_ua", "beta_ua")
    flows_in = ("russia_won",)

    def step(self, m: Model, w: Week) -> None:
        c, lam = m.const, m.p.beliefs.forgetting
        alpha_ru, beta_ru = beta_update(w.read("alpha_ru"), w.read("beta_ru"), w.russia_won, c.a0_ru, c.b0_ru, lam)
        alpha_ua, beta_ua = beta_update(w.read("alpha_ua"), w.read("beta_ua"), w.russia_won, c.a0_ua, c.b0_ua, lam)
        w.write("alpha_ru", alpha_ru)
        w.write("beta_ru", beta_ru)
        w.write("alpha_ua", alpha_ua)
        w.write("beta_ua", beta_ua)
