"""Process 4: the week's battle (Tullock contest), the front (a gambler's-ruin walk) and attrition."""

from __future__ import annotations

import numpy as np


def balance_factor(p0: np.ndarray | float, k: np.ndarray | float) -> np.ndarray:
    """gamma = ((1 - p0)/p0)^(1/k), so that p = p0 at equal strengths."""
    return np.power((1.0 - np.asarray(p0)) / p0, 1.0 / np.asarray(k))


def tullock(
    m_ru: np.ndarray | float, m_ua: np.ndarray | float, gamma: np.ndarray | float, k: np.ndarray | float
) -> np.ndarray:
    """p = M_ru^k / (M_ru^k + (gamma M_ua)^k) (Tullock 1980; Hirshleifer 1989), as a ratio to stay finite."""
    ratio = np.power(gamma * np.asarray(m_ua) / np.maximum(m_ru, 1e-12), k)
    return 1.0 / (1.0 + ratio)


def front_step(steps: np.ndarray, russia_won: np.ndarray, n_steps: np.ndarray | int) -> np.ndarray:
    """One step of 1/n up when Russia won the week, down otherwise (integer steps: exact gambler's ruin);
    0 and n are absorbing."""
    return np.clip(steps + np.where(russia_won, 1, -1).astype(steps.dtype), 0, n_steps)


def attrition_step(
    m_ru: np.ndarray,
    m_ua: np.ndarray,
    russia_won: np.ndarray,
    rate: np.ndarray | float,
    intensity: np.ndarray | float,
    loser_extra: np.ndarray | float,
    base: np.ndarray | float,
    theta: np.ndarray | float,
    funding_ru: np.ndarray | float,
    funding_ua: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """Lanchester square-law attrition at the offensive intensity, the week's loser losing more, plus a
    restoring replenishment (base + theta (1 - M)) x funding: plain attrition with constant replenishment
    is a saddle and drifts into collapse at parity (MODEL.md precise rules)."""
    russia_won = np.asarray(russia_won, dtype=bool)
    loss_ru = rate * intensity * m_ua * (1.0 + loser_extra * np.logical_not(russia_won))
    loss_ua = rate * intensity * m_ru * (1.0 + loser_extra * russia_won)
    repl_ru = (base * intensity + theta * (1.0 - m_ru)) * funding_ru
    repl_ua = (base * intensity + theta * (1.0 - m_ua)) * funding_ua
    return (np.maximum(m_ru - loss_ru + repl_ru, 0.0), np.maximum(m_ua - loss_ua + repl_ua, 0.0))


def gamblers_ruin_probability(n: int, k: int, p: float) -> float:
    """P(reach n before 0 | start k), up-step probability p (Feller)."""
    if p == 0.5:
        return k / n
    r = (1.0 - p) / p
    return (1.0 - r**k) / (1.0 - r**n)


def gamblers_ruin_duration(n: int, k: int, p: float) -> float:
    """E[steps to absorption at 0 or n | start k] (Feller)."""
    if p == 0.5:
        return float(k * (n - k))
    q = 1.0 - p
    r = q / p
    return k / (q - p) - (n / (q - p)) * (1.0 - r**k) / (1.0 - r**n)
