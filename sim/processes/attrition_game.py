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

With private costs (the cost multiplier θ_i known to i only, believed uniform on an interval) the week is
played in cutoff strategies instead (``cutoffs``; Fudenberg and Tirole 1986, Kennan and Wilson 1993): the
costly types concede first and a week without a concession truncates both beliefs (docs/model.md §11.5).
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


# --- private costs (Fudenberg and Tirole 1986; Kennan and Wilson 1989, 1993) ----------------------------------
def cutoffs(
    cbar_1: ArrLike,
    prize_1: ArrLike,
    lo_1: ArrLike,
    hi_1: ArrLike,
    cbar_2: ArrLike,
    prize_2: ArrLike,
    lo_2: ArrLike,
    hi_2: ArrLike,
) -> tuple[Arr, Arr, Arr]:
    """This week's equilibrium in cutoff strategies when side i's flow cost is θ_i·c̄_i with θ_i private and
    believed uniform on [lo_i, hi_i]: the types above θ̂_i concede, the marginal type is indifferent between
    conceding now (0) and waiting one week (win V_i if j concedes, pay θ̂_i·c̄_i, then concede: its type is above
    next week's cutoff):

        θ̂_i·c̄_i = V_i·P(θ_j > θ̂_j) = V_i·(hi_j − θ̂_j)/(hi_j − lo_j)

    a linear system: θ̂_i = A_i(hi_j − θ̂_j), A_i = V_i/(c̄_i (hi_j − lo_j)), so
    θ̂_1 = A_1(hi_2 − A_2·hi_1)/(1 − A_1·A_2) and symmetrically. Returns (θ̂_1, θ̂_2, ok); ok is False where a
    belief is a point (known types: the mixed equilibrium applies) or the solution leaves an interval."""
    cb1, v1, a1, b1, cb2, v2, a2, b2 = (
        np.asarray(x, dtype=float) for x in (cbar_1, prize_1, lo_1, hi_1, cbar_2, prize_2, lo_2, hi_2)
    )
    w1, w2 = b1 - a1, b2 - a2
    good = (w1 > 1e-12) & (w2 > 1e-12) & (cb1 > 0) & (cb2 > 0) & (v1 > 0) & (v2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        big_a1 = v1 / (np.where(good, cb1, 1.0) * np.where(good, w2, 1.0))
        big_a2 = v2 / (np.where(good, cb2, 1.0) * np.where(good, w1, 1.0))
        det = 1.0 - big_a1 * big_a2
        t1 = big_a1 * (b2 - big_a2 * b1) / det
        t2 = big_a2 * (b1 - big_a1 * b2) / det
    ok = good & (np.abs(det) > 1e-12) & (t1 >= a1) & (t1 <= b1) & (t2 >= a2) & (t2 <= b2)
    return np.where(ok, t1, b1), np.where(ok, t2, b2), ok


def cutoff_hazards(
    cbar_1: float, prize_1: float, lo_1: float, hi_1: float, cbar_2: float, prize_2: float, lo_2: float, hi_2: float,
    weeks: int,
) -> tuple[Arr, Arr]:  # fmt: skip
    """The weekly hazards (h_1(t), h_2(t)), t = 1..weeks, of the cutoff equilibrium with constant costs and
    prizes and types uniform on [lo_i, hi_i] at the start: while no one has conceded, both beliefs are truncated
    at the week's cutoffs (hi_i ← θ̂_i), so the path is deterministic and h_i(t) = (hi_i(t) − θ̂_i(t))/(hi_i(t) −
    lo_i). Where the cutoffs are not defined the complete-information hazards at the beliefs' tops apply."""
    h_1, h_2 = np.zeros(weeks), np.zeros(weeks)
    b1, b2 = hi_1, hi_2
    for t in range(weeks):
        t1, t2, ok = cutoffs(cbar_1, prize_1, lo_1, b1, cbar_2, prize_2, lo_2, b2)
        if bool(ok):
            h_1[t], h_2[t] = (b1 - float(t1)) / (b1 - lo_1), (b2 - float(t2)) / (b2 - lo_2)
            b1, b2 = float(t1), float(t2)
        else:
            m1, m2 = equilibrium_hazards(b1 * cbar_1, prize_1, b2 * cbar_2, prize_2)
            h_1[t], h_2[t] = float(m1), float(m2)
    return h_1, h_2


def path_outcomes(h_1: Arr, h_2: Arr) -> dict[str, float]:
    """Exact probabilities of a concession path with weekly hazards h_i(t) (independent given the path):
    P(T = t) = Π_{s<t}(1 − h_1(s))(1 − h_2(s))·q(t), q(t) = 1 − (1 − h_1(t))(1 − h_2(t)); who concedes first; E[T]
    over the paths that end within len(h) weeks, and P(no concession by then)."""
    alive = np.concatenate([[1.0], np.cumprod((1.0 - h_1) * (1.0 - h_2))])
    before = alive[:-1]
    q = 1.0 - (1.0 - h_1) * (1.0 - h_2)
    p_t = before * q
    t = np.arange(1, len(h_1) + 1)
    ended = float(p_t.sum())
    return {
        "first_1": float((before * h_1 * (1.0 - h_2)).sum()),
        "first_2": float((before * h_2 * (1.0 - h_1)).sum()),
        "both": float((before * h_1 * h_2).sum()),
        "ongoing": float(alive[-1]),
        "mean_week_if_ended": float((p_t * t).sum() / ended) if ended > 0 else float("nan"),
        "mean_sq_week_if_ended": float((p_t * t * t).sum() / ended) if ended > 0 else float("nan"),
    }
