"""Concession as a war of attrition (Hendricks, Weiss and Wilson 1988), in weekly steps.

Two sides hold incompatible demands. Each week a side either concedes (accepts the other's demand) or fights
on, paying its weekly flow cost c_i; the prize V_i is the value to i of its own demand over the other's. In the
stationary mixed equilibrium side i concedes each week with probability h_i such that side j is indifferent
between conceding now (0) and waiting one more week (win V_j if i concedes this week, pay c_j, and be
indifferent again next week): 0 = h_i·V_j − c_j, so

    h_i = c_j / V_j                                  (exact in discrete time; needs c_j ≤ V_j)

A simultaneous concession splits the difference. The war ends in week T with P(T = t) = (1 − q)^{t−1} q,
q = 1 − (1 − h_1)(1 − h_2): E[T] = 1/q weeks; P(only side 1 concedes first) = h_1(1 − h_2)/q, P(only side 2)
= h_2(1 − h_1)/q, P(both in the same week) = h_1·h_2/q. As the step Δ → 0 (h_i = λ_i·Δ) these tend to the
continuous-time forms E[T] = 1/(λ_1 + λ_2), P(1 first) = λ_1/(λ_1 + λ_2) with λ_i = c_j/V_j.
"""

from __future__ import annotations

import numpy as np

Arr = np.ndarray
ArrLike = np.ndarray | float


def equilibrium_hazards(cost_1: ArrLike, prize_1: ArrLike, cost_2: ArrLike, prize_2: ArrLike) -> tuple[Arr, Arr]:
    """(h_1, h_2) = (c_2/V_2, c_1/V_1), clipped to [0, 1]; a side with no prize at stake (V ≤ 0) makes the
    other concede at once (h = 1), since it would never wait."""

    def rate(c: ArrLike, v: ArrLike) -> Arr:
        c, v = np.asarray(c, dtype=float), np.asarray(v, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.clip(np.where(v > 0, c / np.where(v > 0, v, 1.0), 1.0), 0.0, 1.0))

    return rate(cost_2, prize_2), rate(cost_1, prize_1)


def concede(u_1: Arr, u_2: Arr, h_1: ArrLike, h_2: ArrLike) -> tuple[Arr, Arr]:
    """This week's concessions: side i concedes iff u_i < h_i (independent uniforms)."""
    return u_1 < h_1, u_2 < h_2


def expected_duration(h_1: ArrLike, h_2: ArrLike) -> Arr:
    """E[T] = 1/q weeks, q = 1 − (1 − h_1)(1 − h_2)."""
    return np.asarray(1.0 / (1.0 - (1.0 - np.asarray(h_1)) * (1.0 - np.asarray(h_2))))


def first_concession(h_1: ArrLike, h_2: ArrLike) -> tuple[Arr, Arr, Arr]:
    """(P(side 1 alone concedes first), P(side 2 alone), P(both in the same week))."""
    h_1, h_2 = np.asarray(h_1, dtype=float), np.asarray(h_2, dtype=float)
    q = 1.0 - (1.0 - h_1) * (1.0 - h_2)
    return h_1 * (1.0 - h_2) / q, h_2 * (1.0 - h_1) / q, h_1 * h_2 / q


def continuous_limit(cost_1: float, prize_1: float, cost_2: float, prize_2: float) -> tuple[float, float]:
    """Hendricks, Weiss and Wilson (1988) in continuous time: (E[T], P(side 1 concedes first)) with
    λ_1 = c_2/V_2, λ_2 = c_1/V_1."""
    lam_1, lam_2 = cost_2 / prize_2, cost_1 / prize_1
    return 1.0 / (lam_1 + lam_2), lam_1 / (lam_1 + lam_2)
