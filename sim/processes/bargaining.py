"""Bargaining over packages under private information (issue 11).

A deal is a package: the territory share x that Russia keeps (judged against the line it holds, f), security
guarantees g for Ukraine, and sanctions relief r for Russia (in territory-share units). The guarantees on offer
combine two guarantors, the US backstop and Europe's coalition, as independent commitments (issue 12):
g = 1 − (1 − g_us)(1 − g_eu), the chance that at least one of them deters a renewed attack. Each side values the
package in shares of the disputed territory:

    u_ru(x) = x − ℓ_ru · max(f − x, 0)                  (possession value: giving back held land is a loss,
    u_ua(x) = (1 − x) − ℓ_ua · max(x − f, 0)              Kahneman and Tversky 1979; Levy 1996)
    U_ru(x, g, r) = u_ru(x) + r − h · g                   (guarantees cost Russia h per unit)
    U_ua(x, g)    = u_ua(x) − k · (1 − g)                 (commitment risk that guarantees lower, Powell 2006)

War values use the same reference-dependent valuation of the expected front and a cost θ_i · C_i whose
multiplier θ_i (costs and resolve) is private: the other side and the mediator know only that θ_i lies in
[a_i, b_i], uniformly (Fearon 1995). Side i accepts a package iff U_i ≥ u_i(E_i[f]) − θ_i C_i, i.e. iff
θ_i ≥ θ*_i(package) = (u_i(E_i[f]) − U_i(package)) / C_i. A refusal reveals θ_i < θ*_i and truncates the
belief (the ratchet of Fearon's "Fighting rather than bargaining" and Powell 2004; Filson and Werner 2002):
offers move over rounds.

The proposer (the mediator's plan, Russia or Ukraine, as the scenario says) picks the package maximising its
expected payoff given the belief about the responder's type. With uniform beliefs and piecewise-linear values
the objective is piecewise quadratic in x, and ``maximise_piecewise_quadratic`` finds its exact maximum.

Every function is a pure, vectorised function of arrays of shape (R,) (one entry per replicate).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, cast

import numpy as np

Arr = np.ndarray
ArrLike = np.ndarray | float

# Proposer codes (params.negotiation.proposer): numbers, so that a scenario may draw the proposer per replicate.
NASH = 0  # complete information: the generalised Nash split of the true range (the pre-issue-11 protocol)
MEDIATOR = 1  # the mediator's plan: maximise the probability that both accept, given public beliefs
RUSSIA = 2  # Russia proposes, knowing its own type, to maximise its expected payoff
UKRAINE = 3  # Ukraine proposes likewise


# --- guarantees ----------------------------------------------------------------------------------------------
def combined_guarantees(g_us: ArrLike, g_eu: ArrLike) -> Arr:
    """g = 1 − (1 − g_us)(1 − g_eu): two guarantors whose commitments hold independently (each g is the chance
    its commitment deters a renewed attack; Leeds 2003 on alliance reliability; docs/model.md §11.1)."""
    return np.asarray(1.0 - (1.0 - np.asarray(g_us, dtype=float)) * (1.0 - np.asarray(g_eu, dtype=float)))


def guarantees_on_offer(w: Any) -> Arr:
    """This week's guarantees in a package: the US lever combined with Europe's (``combined_guarantees``)."""
    return combined_guarantees(w.lever("us", "guarantees"), w.lever("europe", "guarantees"))


# --- values --------------------------------------------------------------------------------------------------
def value_ru(x: ArrLike, held: ArrLike, loss: ArrLike) -> Arr:
    """Russia's value of ending with share x when it holds f: x − ℓ·max(f − x, 0)."""
    return np.asarray(x - loss * np.maximum(np.asarray(held) - x, 0.0))


def value_ua(x: ArrLike, held: ArrLike, loss: ArrLike) -> Arr:
    """Ukraine's value of Russia ending with x when Russia holds f: (1 − x) − ℓ·max(x − f, 0)."""
    return np.asarray(1.0 - np.asarray(x) - loss * np.maximum(x - np.asarray(held), 0.0))


def inverse_value_ru(u: ArrLike, held: ArrLike, loss: ArrLike) -> Arr:
    """The least x with value_ru(x) ≥ u (value_ru is increasing): x = u above the line, else
    f − (f − u)/(1 + ℓ)."""
    u, held = np.asarray(u, dtype=float), np.asarray(held, dtype=float)
    return np.where(u >= held, u, held - (held - u) / (1.0 + loss))


def inverse_value_ua(u: ArrLike, held: ArrLike, loss: ArrLike) -> Arr:
    """The most x with value_ua(x) ≥ u (value_ua is decreasing): x = 1 − u at or below the line, else
    f + ((1 − f) − u)/(1 + ℓ)."""
    u, held = np.asarray(u, dtype=float), np.asarray(held, dtype=float)
    return np.where(u >= 1.0 - held, 1.0 - u, held + ((1.0 - held) - u) / (1.0 + loss))


def package_ru(x: ArrLike, g: ArrLike, relief: ArrLike, held: ArrLike, loss: ArrLike, guarantee_cost: ArrLike) -> Arr:
    """U_ru = u_ru(x) + r − h·g."""
    return value_ru(x, held, loss) + relief - guarantee_cost * np.asarray(g)


def package_ua(x: ArrLike, g: ArrLike, held: ArrLike, loss: ArrLike, commitment_k: ArrLike) -> Arr:
    """U_ua = u_ua(x) − k·(1 − g)."""
    return value_ua(x, held, loss) - commitment_k * (1.0 - np.asarray(g))


def reservation_ru(
    war_value: ArrLike, g: ArrLike, relief: ArrLike, held: ArrLike, loss: ArrLike, guarantee_cost: ArrLike
) -> Arr:
    """The least territory share Russia accepts with this package: u_ru(x) ≥ V_ru − r + h·g."""
    return inverse_value_ru(np.asarray(war_value) - relief + guarantee_cost * np.asarray(g), held, loss)


def reservation_ua(war_value: ArrLike, g: ArrLike, held: ArrLike, loss: ArrLike, commitment_k: ArrLike) -> Arr:
    """The most territory share Ukraine concedes with this package: u_ua(x) ≥ V_ua + k·(1 − g)."""
    return inverse_value_ua(np.asarray(war_value) + commitment_k * (1.0 - np.asarray(g)), held, loss)


# --- private types and beliefs ------------------------------------------------------------------------------
def type_threshold(gross_war_value: ArrLike, package_value: ArrLike, cost: ArrLike) -> Arr:
    """θ* = (u(E[f]) − U(package)) / C: a side of type θ (war value u(E[f]) − θC) accepts iff θ ≥ θ*.
    With C = 0 the threshold is −∞ if the package is at least the war value, else +∞."""
    gap = np.asarray(gross_war_value, dtype=float) - np.asarray(package_value, dtype=float)
    cost = np.asarray(cost, dtype=float)
    positive = cost > 0
    if positive.all():  # the usual case (every cost positive): the same quotients, without the fallbacks
        return np.asarray(gap / cost)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(positive, gap / np.where(positive, cost, 1.0), np.where(gap <= 0, -np.inf, np.inf))
    return np.asarray(out)


def accept_probability(threshold: ArrLike, lo: ArrLike, hi: ArrLike) -> Arr:
    """P(θ ≥ θ*) for θ ~ U[lo, hi] (a point mass when lo = hi)."""
    threshold, lo, hi = (np.asarray(v, dtype=float) for v in (threshold, lo, hi))
    width = hi - lo
    wide = width > 0
    if wide.all():  # no point belief: the same quotients, without the fallback
        p = (hi - threshold) / width
        return np.asarray(np.clip(p, 0.0, 1.0, out=p) if isinstance(p, np.ndarray) and p.ndim else np.clip(p, 0.0, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(wide, (hi - threshold) / np.where(wide, width, 1.0), (lo >= threshold) * 1.0)
    return np.asarray(np.clip(p, 0.0, 1.0))


def truncate(lo: Arr, hi: Arr, threshold: Arr, accepted: Arr, informative: Arr) -> tuple[Arr, Arr]:
    """Bayes with a uniform prior on [lo, hi]: acceptance reveals θ ≥ θ*, refusal θ < θ*. The posterior is
    uniform on the truncated interval; an observation outside the support (only possible with acceptance
    noise) collapses it to the threshold rather than leaving an empty interval."""
    t = np.clip(threshold, lo, hi)
    new_lo = np.where(informative & accepted, np.maximum(lo, t), lo)
    new_hi = np.where(informative & ~accepted, np.minimum(hi, t), hi)
    return new_lo, new_hi


# --- the proposer's problem ---------------------------------------------------------------------------------
def maximise_piecewise_quadratic(
    objective: Callable[[Arr], Arr], breakpoints: Arr, lo: ArrLike = 0.0, hi: ArrLike = 1.0
) -> tuple[Arr, Arr]:
    """Exact maximiser over [lo, hi] of a function that is quadratic between consecutive breakpoints.

    ``objective`` maps an (R, m) array of points to their values (row r uses replicate r's parameters; it
    must act element by element, so that it may be handed several sets of points side by side);
    ``breakpoints`` is (R, b); ``lo`` and ``hi`` may differ by row. On each piece the quadratic through its
    ends and midpoint is exact, so its vertex (when concave and inside) and the piece ends are the only
    candidates. Returns (x*, J(x*)); ties go to the smallest candidate."""
    r = breakpoints.shape[0]
    low, high = _col(lo, r), _col(hi, r)
    pts = np.sort(np.clip(np.concatenate([low, breakpoints, high], axis=1), low, high), axis=1)
    a, b = pts[:, :-1], pts[:, 1:]
    half = (b - a) / 2.0
    mid = a + half
    # One call of the objective for the piece ends (each shared by two pieces) and midpoints; it acts element
    # by element, so these are the values it gives at a, mid and b one by one.
    n = pts.shape[1]
    j2 = objective(np.concatenate([pts, mid], axis=1))
    ja, jb, jm = j2[:, : n - 1], j2[:, 1:n], j2[:, n:]
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = (jb - ja) / (2.0 * half)
        c2 = (ja - 2.0 * jm + jb) / (2.0 * half * half)
        s = np.where((half > 0) & (c2 < 0), -d1 / (2.0 * c2), 0.0)
    vertex = mid + np.clip(np.nan_to_num(s), -half, half)
    # The piece ends' values are those already computed (the objective acts element by element): only the
    # vertices are evaluated. The best candidate is the smallest of those with the greatest value (a NaN value
    # counts as the greatest, as in argmax over the candidates in increasing order, the rule for such rows).
    cand = np.concatenate([pts, vertex], axis=1)
    val = np.concatenate([j2[:, :n], objective(vertex)], axis=1)
    best_val = np.max(val, axis=1)
    best_x = np.min(np.where(val == best_val[:, None], cand, np.inf), axis=1)
    odd = np.flatnonzero(np.isnan(best_val))
    if odd.size:
        order = np.argsort(cand[odd], axis=1, kind="stable")
        c, v = np.take_along_axis(cand[odd], order, axis=1), np.take_along_axis(val[odd], order, axis=1)
        first = np.argmax(v, axis=1)
        rows = np.arange(odd.size)
        best_x[odd], best_val[odd] = c[rows, first], v[rows, first]
    return best_x, best_val


def _col(v: ArrLike, r: int) -> Arr:
    return np.broadcast_to(np.asarray(v, dtype=float), (r,))[:, None]


def ua_accept_breakpoints(
    gross_ua: Arr, cost_ua: Arr, lo_ua: Arr, hi_ua: Arr, g: Arr, held: Arr, loss_ua: Arr, k: Arr
) -> Arr:
    """The territory shares where P(Ukraine accepts) changes slope: its reservations at the two ends of the
    belief, and the line."""
    ends = [reservation_ua(gross_ua - t * cost_ua, g, held, loss_ua, k) for t in (lo_ua, hi_ua)]
    return np.stack([*ends, held], axis=1)


def ru_accept_breakpoints(
    gross_ru: Arr, cost_ru: Arr, lo_ru: Arr, hi_ru: Arr, g: Arr, relief: Arr, held: Arr, loss_ru: Arr, h: Arr
) -> Arr:
    ends = [reservation_ru(gross_ru - t * cost_ru, g, relief, held, loss_ru, h) for t in (lo_ru, hi_ru)]
    return np.stack([*ends, held], axis=1)


def fearon_tioli_war_probability(cost_a: float, cost_b_max: float) -> float:
    """Take-it-or-leave-it with B's cost ~ U[0, c̄] and A's cost c_A ≤ c̄ known to A: A's optimal offer leaves B
    p + (c̄ − c_A)/2 short of everything it could demand, so P(war) = (c̄ − c_A)/(2 c̄), whatever p (Fearon
    1995, with the interior solution: p + (c̄ − c_A)/2 ≤ 1)."""
    return (cost_b_max - cost_a) / (2.0 * cost_b_max)


def powell_declining_side_fights(p_now: ArrLike, p_next: ArrLike, delta: ArrLike, cost_b: ArrLike) -> Arr:
    """Powell (2006), one anticipated shift: the rising side's war share goes from p_t to p_{t+1}; the most the
    declining side B can get by settling is the whole flow now and, after the shift, its war value then, so B
    fights now exactly when δ·p_{t+1} − p_t > (1 − δ)·c_B (war payoff (1 − p − c_B)/(1 − δ), flow cost c_B)."""
    return np.asarray(delta * np.asarray(p_next) - p_now > (1.0 - np.asarray(delta)) * cost_b)


def expected_front_with_shift(
    front: ArrLike, horizon: ArrLike, n_steps: ArrLike, mean_p: ArrLike, shift: ArrLike, weeks_to_shift: ArrLike
) -> Arr:
    """E_i[f_{t+L}] with an anticipated change Δp of Russia's weekly chance from week t + w on (Powell 2006):
    clip(f + (1/n)[(2μ − 1)L + 2Δp·max(L − w, 0)], 0, 1). With Δp = 0 it is the expected front of §11."""
    return expected_front_with_shifts(front, horizon, n_steps, mean_p, [(shift, weeks_to_shift)])


def expected_front_with_shifts(
    front: ArrLike, horizon: ArrLike, n_steps: ArrLike, mean_p: ArrLike, shifts: Sequence[tuple[ArrLike, ArrLike]]
) -> Arr:
    """E_i[f_{t+L}] with several anticipated changes Δp_j from week t + w_j on:
    clip(f + (1/n)[(2μ − 1)L + Σ_j 2Δp_j·max(L − w_j, 0)], 0, 1)."""
    drift = (2.0 * np.asarray(mean_p) - 1.0) * horizon
    for shift, weeks in shifts:
        drift = drift + 2.0 * np.asarray(shift) * np.maximum(np.asarray(horizon, dtype=float) - weeks, 0.0)
    return np.asarray(np.clip(front + drift / n_steps, 0.0, 1.0))


def ramp_mean(rate: ArrLike, restoring: ArrLike, weeks: ArrLike) -> Arr:
    """Mean over s = 1..S of the strength gained s weeks after a change of funding that adds δ = ``rate`` a week
    against the restoring force ρ = ``restoring`` of replenishment (D_{s+1} = (1 − ρ)D_s + δ, D_0 = 0):
    (δ/ρ)·(1 − (1 − ρ)(1 − (1 − ρ)^S)/(ρS)); δ(S + 1)/2 as ρ → 0; 0 for S ≤ 0."""
    rate, rho = np.asarray(rate, dtype=float), np.asarray(restoring, dtype=float)
    s = np.maximum(np.asarray(weeks, dtype=float), 0.0)
    small = rho < 1e-9
    r = np.where(small, 1.0, rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = (rate / r) * (1.0 - (1.0 - r) * (1.0 - np.power(1.0 - r, s)) / (r * np.where(s > 0, s, 1.0)))
    return np.asarray(np.where(s > 0, np.where(small, rate * (s + 1.0) / 2.0, exact), 0.0))


def propose(
    proposer: Arr,
    held: Arr,
    gross_ru: Arr,
    gross_ua: Arr,
    cost_ru: Arr,
    cost_ua: Arr,
    type_ru: Arr,
    type_ua: Arr,
    belief_ru: tuple[Arr, Arr],
    belief_ua: tuple[Arr, Arr],
    options: list[tuple[Arr, Arr]],
    loss_ru: ArrLike,
    loss_ua: ArrLike,
    guarantee_cost: ArrLike,
    commitment_k: ArrLike,
    beta: ArrLike,
    x_min: ArrLike = 0.0,
    x_max: ArrLike = 1.0,
    losing: Arr | None = None,
) -> tuple[Arr, Arr, Arr]:
    """The package (x, g, r) proposed in each replicate. A side proposing keeps x in [x_min, x_max] (the
    public demands); the mediator's plan does not pre-empt them (the US plans of 2025 asked Kyiv to leave
    Donetsk after Kyiv had refused to), so a demand acts when its side answers.

    ``gross_i`` is side i's war value before costs, u_i(E_i[f]); its war value is gross_i − θ_i·cost_i with
    θ_i = ``type_i`` private and believed uniform on ``belief_i`` = (lo, hi) by everyone else. ``options`` are
    the (g, r) pairs the proposer may put in the package (guarantees and relief are discrete issues; x is
    continuous). Protocols by ``proposer`` code:

    - NASH: complete information, the first option, x = lo + β(hi − lo) of the true range (clipped to [0, 1]);
    - MEDIATOR: maximise P(Russia accepts)·P(Ukraine accepts) under the public beliefs over x ≥ f (its plans
      ask Russia to hand back land it holds only where it is publicly ``losing``: then over x at least the
      reservation of Russia's believed-mean type, if that is below f); ties, e.g. a range certain under the
      beliefs, go to the point nearest the middle of the reservations at the belief means;
    - RUSSIA / UKRAINE: maximise the proposer's expected payoff U_P(x)·S(x) + V_P·(1 − S(x)), S the
      responder's acceptance probability under the belief, V_P the proposer's own (true) war value.

    Each protocol is solved only on the rows whose proposer uses it, for all options at once (the options
    stacked as extra rows); every step acts row by row, so the figures are those of solving every row.
    """
    r = held.shape[0]
    v_ru = gross_ru - type_ru * cost_ru
    v_ua = gross_ua - type_ua * cost_ua
    high = np.broadcast_to(np.asarray(x_max, dtype=float), (r,))
    low = np.minimum(np.broadcast_to(np.asarray(x_min, dtype=float), (r,)), high)
    best_x = np.full(r, np.nan)
    best_g = np.zeros(r)
    best_r = np.zeros(r)
    g_opts = [np.broadcast_to(np.asarray(g_opt, dtype=float), (r,)) for g_opt, _ in options]
    r_opts = [np.broadcast_to(np.asarray(r_opt, dtype=float), (r,)) for _, r_opt in options]
    side = (proposer == RUSSIA) | (proposer == UKRAINE)
    for code, rows in (
        (MEDIATOR, np.flatnonzero(~side & (proposer != NASH))),
        (RUSSIA, np.flatnonzero(proposer == RUSSIA)),
        (UKRAINE, np.flatnonzero(proposer == UKRAINE)),
    ):
        if rows.size:
            x, j = _solve_protocol(
                code, rows, held, gross_ru, gross_ua, cost_ru, cost_ua, v_ru, v_ua, belief_ru, belief_ua,
                g_opts, r_opts, loss_ru, loss_ua, guarantee_cost, commitment_k, low, high,
                np.zeros(r, dtype=bool) if losing is None else losing,
            )  # fmt: skip
            # The first option that beats the best so far by more than 1e-12 (in the order given).
            bx, bg, br = np.full(rows.size, np.nan), np.zeros(rows.size), np.zeros(rows.size)
            bj = np.full(rows.size, -np.inf)
            for i, (g_opt, r_opt) in enumerate(zip(g_opts, r_opts, strict=True)):
                better = j[i] > bj + 1e-12
                bx = np.where(better, x[i], bx)
                bg = np.where(better, g_opt[rows], bg)
                br = np.where(better, r_opt[rows], br)
                bj = np.where(better, j[i], bj)
            best_x[rows], best_g[rows], best_r[rows] = bx, bg, br
    # Complete information: the Nash split of the true range with the first option (the whole package).
    g0, r0 = g_opts[0], r_opts[0]
    lo = reservation_ru(v_ru, g0, r0, held, loss_ru, guarantee_cost)
    hi = reservation_ua(v_ua, g0, held, loss_ua, commitment_k)
    nash = np.clip(lo + beta * (hi - lo), 0.0, 1.0)
    is_nash = proposer == NASH
    return np.where(is_nash, nash, best_x), np.where(is_nash, g0, best_g), np.where(is_nash, r0, best_r)


def _solve_protocol(
    code: int,
    rows: Arr,
    held: Arr,
    gross_ru: Arr,
    gross_ua: Arr,
    cost_ru: Arr,
    cost_ua: Arr,
    v_ru: Arr,
    v_ua: Arr,
    belief_ru: tuple[Arr, Arr],
    belief_ua: tuple[Arr, Arr],
    g_opts: list[Arr],
    r_opts: list[Arr],
    loss_ru: ArrLike,
    loss_ua: ArrLike,
    guarantee_cost: ArrLike,
    commitment_k: ArrLike,
    low: Arr,
    high: Arr,
    losing: Arr,
) -> tuple[Arr, Arr]:
    """(x*, J(x*)) of one protocol (``propose``) on ``rows``, each of shape (options, rows): the options are
    stacked as extra rows (option-major), so one call of the maximiser serves them all."""
    r, n_opt = held.shape[0], len(g_opts)
    stacked = np.tile(rows, n_opt)

    def tile(v: ArrLike) -> Arr:
        return np.asarray(np.broadcast_to(np.asarray(v, dtype=float), (r,))[stacked])

    # The thirteen per-row inputs side by side, then taken at the stacked rows in one indexing.
    inputs = (held, gross_ru, gross_ua, cost_ru, cost_ua, loss_ru, loss_ua, guarantee_cost, commitment_k)
    table = np.empty((len(inputs) + 4, r))
    for i, v in enumerate((*inputs, *belief_ru, *belief_ua)):
        table[i] = v
    f, gru, gua, cru, cua, lru, lua, h, k, aru, bru, aua, bua = table[:, stacked]
    g = np.concatenate([v[rows] for v in g_opts])
    rel = np.concatenate([v[rows] for v in r_opts])
    fc, gc, relc, lruc, luac, hc, kc = (v[:, None] for v in (f, g, rel, lru, lua, h, k))
    gruc, guac, cruc, cuac = (v[:, None] for v in (gru, gua, cru, cua))
    aruc, bruc, auac, buac = (v[:, None] for v in (aru, bru, aua, bua))

    # The objective's terms, evaluated in place (``_package_ru_into``...): the same operations in the same order
    # as package_ru, package_ua, type_threshold and accept_probability, on one new array each.
    hg, kg = hc * gc, kc * (1.0 - gc)
    acc_ru, acc_ua = _Acceptance(gruc, cruc, aruc, bruc), _Acceptance(guac, cuac, auac, buac)

    def s_ru(x: Arr) -> Arr:
        return acc_ru.probability_into(_package_ru_into(x, fc, lruc, relc, hg))

    def s_ua(x: Arr) -> Arr:
        return acc_ua.probability_into(_package_ua_into(x, fc, luac, kg))

    if code == RUSSIA:
        vr = tile(v_ru)[:, None]
        bp_ua = ua_accept_breakpoints(gua, cua, aua, bua, g, f, lua, k)

        def j_russia(x: Arr) -> Arr:  # U_ru(x)·S + V_ru·(1 − S)
            s = s_ua(x)
            j = _package_ru_into(x, fc, lruc, relc, hg)
            j *= s
            np.subtract(1.0, s, out=s)
            s *= vr
            j += s
            return j

        x, j = maximise_piecewise_quadratic(j_russia, bp_ua, lo=tile(low), hi=tile(high))
    elif code == UKRAINE:
        vu = tile(v_ua)[:, None]
        bp_ru = ru_accept_breakpoints(gru, cru, aru, bru, g, rel, f, lru, h)

        def j_ukraine(x: Arr) -> Arr:  # U_ua(x)·S + V_ua·(1 − S)
            s = s_ru(x)
            j = _package_ua_into(x, fc, luac, kg)
            j *= s
            np.subtract(1.0, s, out=s)
            s *= vu
            j += s
            return j

        x, j = maximise_piecewise_quadratic(j_ukraine, bp_ru, lo=tile(low), hi=tile(high))
    else:
        bp_ru = ru_accept_breakpoints(gru, cru, aru, bru, g, rel, f, lru, h)
        bp_ua = ua_accept_breakpoints(gua, cua, aua, bua, g, f, lua, k)
        # The middle of the reservations at the belief means, a tie-break worth 1e-9 per unit of x.
        mean_ru, mean_ua = (aru + bru) / 2, (aua + bua) / 2
        res_ru = reservation_ru(gru - mean_ru * cru, g, rel, f, lru, h)
        centre = (res_ru + reservation_ua(gua - mean_ua * cua, g, f, lua, k)) / 2.0
        cc = centre[:, None]

        def j_mediator(x: Arr) -> Arr:  # S_ru(x)·S_ua(x) − 1e-9·|x − centre|
            j = s_ru(x)
            j *= s_ua(x)
            tie = x - cc
            np.abs(tie, out=tie)
            tie *= 1e-9
            j -= tie
            return j

        # The mediator's plans keep the line of contact as the floor of the territorial term (every US plan of
        # 2025 did; the line is the focal point of a ceasefire: Schelling 1960), unless Russia is publicly losing
        # (``losing``): then down to the least share Russia's believed-mean type accepts. The line, a breakpoint
        # of both acceptance probabilities, is then the lower end itself where Russia is not losing: left out of
        # the breakpoints unless some row is, it would only add pieces of zero width.
        lose = np.asarray(losing)[stacked]
        floor = np.where(lose, np.clip(res_ru, 0.0, f), f)
        bps = np.concatenate([bp_ru[:, :2], bp_ua[:, :2], cc], axis=1)
        if lose.any():
            bps = np.concatenate([bps, f[:, None]], axis=1)
        x, j = maximise_piecewise_quadratic(j_mediator, bps, lo=floor)
    return x.reshape(n_opt, rows.size), j.reshape(n_opt, rows.size)


def _package_ru_into(x: Arr, held: Arr, loss: Arr, relief: Arr, h_g: Arr) -> Arr:
    """``package_ru(x, g, relief, held, loss, h)`` with h_g = h·g, in one new array: the same operations in the
    same order (x − ℓ·max(f − x, 0), + r, − h·g), so the same figures."""
    u: Arr = np.subtract(held, x)
    np.maximum(u, 0.0, out=u)
    np.multiply(loss, u, out=u)
    np.subtract(x, u, out=u)
    u += relief
    u -= h_g
    return u


def _package_ua_into(x: Arr, held: Arr, loss: Arr, k_g: Arr) -> Arr:
    """``package_ua(x, g, held, loss, k)`` with k_g = k·(1 − g), in one new array besides a temporary: (1 − x)
    − ℓ·max(x − f, 0), − k·(1 − g), in that order."""
    t = x - held
    np.maximum(t, 0.0, out=t)
    np.multiply(loss, t, out=t)
    u = 1.0 - x
    np.subtract(u, t, out=u)
    u -= k_g
    return u


class _Acceptance:
    """A responder's acceptance probability of packages, ``accept_probability(type_threshold(gross, U, cost), lo,
    hi)``, for columns (R, 1) of gross war value, cost and belief, evaluated in place on an (R, m) array of package
    values: the same operations in the same order, the fallbacks of a zero cost (θ* = ±∞) and a point belief
    (P = 1{lo ≥ θ*}) applied to their rows only."""

    def __init__(self, gross: Arr, cost: Arr, lo: Arr, hi: Arr) -> None:
        self.gross, self.lo, self.hi = gross, lo, hi
        positive, width = cost > 0, hi - lo
        wide = width > 0
        self.cost = np.where(positive, cost, 1.0)
        self.width = np.where(wide, width, 1.0)
        self.zero_cost = np.flatnonzero(~positive[:, 0])
        self.point = np.flatnonzero(~wide[:, 0])

    def probability_into(self, package: Arr) -> Arr:
        """P(accept) of the packages worth ``package`` (overwritten with the result)."""
        th = package
        np.subtract(self.gross, th, out=th)  # θ* = (gross − U) / C
        th /= self.cost
        if self.zero_cost.size:
            th[self.zero_cost] = np.where(th[self.zero_cost] <= 0, -np.inf, np.inf)
        at_point = (self.lo[self.point] >= th[self.point]) * 1.0 if self.point.size else None
        np.subtract(self.hi, th, out=th)  # P = (hi − θ*) / (hi − lo), clipped to [0, 1]
        th /= self.width
        if at_point is not None:
            th[self.point] = at_point
        return np.clip(th, 0.0, 1.0, out=th)


def signalled_type(
    offered: Arr, offered_by: Callable[[Arr], Arr], lo: Arr, hi: Arr, points: int = 9
) -> tuple[Arr, Arr]:
    """The belief about a proposer's private type after its offer (a separating or partly pooling inference).
    The responder accepts according to the value u the package gives it, so the proposer in effect chooses u,
    at the least cost to itself, to maximise W(u)·S(u) + V_P(θ)·(1 − S(u)); with V_P(θ) = gross − θ·C_P the
    cross derivative is C_P·S'(u) ≥ 0, so by Topkis's theorem the value offered is non-decreasing in the
    proposer's cost type: a costlier proposer offers more. The others recompute the value each type of the
    belief [lo, hi] would have offered (``offered_by`` on a grid of ``points`` types) and keep the types
    between the last one that would have offered less and the first that would have offered more: where the
    optimum is strictly monotone the offer reveals the type to within a grid step, where it is flat (a corner:
    a demand, the line) the types pool and the belief narrows less."""
    step = (hi - lo) / (points - 1)
    new_lo, new_hi = lo.copy(), hi.copy()
    for k in range(points):
        t = lo + k * step
        u_k = offered_by(t)
        new_lo = np.where(u_k < offered - 1e-9, np.maximum(new_lo, t), new_lo)  # t offers less: θ is above t
        new_hi = np.where(u_k > offered + 1e-9, np.minimum(new_hi, t), new_hi)
    return new_lo, np.maximum(new_hi, new_lo)


# --- the round of talks in the model (called by sim.processes.negotiation.Negotiation) -----------------------
def private_type(model: Any, side: str) -> tuple[Arr, list[Arr]]:
    """Side's private cost multiplier θ (drawn per replicate: ``negotiation.private_type_<side>``) and the
    public belief about it, [a, b] = the support of its distribution (a number: a known type)."""
    n = model.n
    theta = np.array(np.broadcast_to(np.asarray(getattr(model.p.negotiation, f"private_type_{side}"), float), (n,)))
    spec = getattr(model.spec.params.negotiation, f"private_type_{side}")
    lo, hi = spec.support() if hasattr(spec, "support") else (float(spec), float(spec))
    return theta, [np.full(n, float(lo)), np.full(n, float(hi))]


def anticipated_shift(m: Any, w: Any) -> tuple[Arr, Arr]:
    """(Δp, weeks until it arrives): the change in Russia's weekly chance once Tomahawks that are approved, or
    scheduled to be by an event, start arriving (both sides see the schedule). Δp = 0 where nothing is coming."""
    from sim.processes.battle import tullock

    p = m.p
    lag = p.refining.tomahawk_lag
    since = m.us.approved_since
    start = np.where(np.isfinite(since), since + lag, np.inf)
    for k, ((_name, ev), happens) in enumerate(zip(m.events, m.event_happens, strict=True)):
        week, value = m.event_week[k], m.event_value[k]  # per replicate in a batch of scenarios (sim.batch)
        if ev.target() != ("us", "tomahawks") or value is None:
            continue
        if np.ndim(week) == 0 and np.ndim(value) == 0:
            if week > w.t and value > 0.5:
                start = np.where(happens, np.minimum(start, week + lag), start)
        else:
            start = np.where(happens & (week > w.t) & (value > 0.5), np.minimum(start, week + lag), start)
    coming = np.isfinite(start) & (start > w.t)
    mil_ru, mil_ua = w.read("mil_ru"), w.read("mil_ua")
    now = tullock(mil_ru, mil_ua, m.const.gamma, p.front.tullock_k)
    boosted = mil_ua + p.attrition.tomahawk_strength * p.refining.tomahawks_per_week
    shift = np.where(coming, tullock(mil_ru, boosted, m.const.gamma, p.front.tullock_k) - now, 0.0)
    return shift, np.where(coming, start - w.t, 0.0)


# Levers whose scheduled changes both sides see coming (issue 11 §3), and the side whose replenishment funding
# each moves: US and European aid, Europe's substitution of a US cut, the reparations loan and the EUR 90bn loan
# (sim.processes.europe), and either side's mobilisation.
FUNDING_LEVERS: dict[tuple[str, str], str] = {
    ("us", "aid"): "ua",
    ("europe", "aid"): "ua",
    ("europe", "substitution"): "ua",
    ("europe", "assets"): "ua",
    ("europe", "loan"): "ua",
    ("ukraine", "mobilisation"): "ua",
    ("russia", "mobilisation"): "ru",
}


def side_funding(m: Any, w: Any, side: str, agent: str = "", lever: str = "", value: ArrLike = 0.0) -> Arr:
    """A side's replenishment funding at this week's levers, with ``agent.lever`` set to ``value`` if given
    (sim.processes.battle.funding_ru, funding_ua: the same functions the attrition process and Europe's decision
    use)."""
    from sim.processes.battle import funding_ru, funding_ua

    def lv(a: str, name: str) -> Arr:
        return np.asarray(value if (a, name) == (agent, lever) else w.lever(a, name), dtype=float)

    if side == "ru":
        return np.asarray(funding_ru(m.p.attrition, w.read("strain_ru"), lv("russia", "mobilisation")))
    return np.asarray(
        funding_ua(
            m,
            lv("us", "aid"),
            lv("europe", "aid"),
            lv("europe", "substitution"),
            lv("ukraine", "mobilisation"),
            lv("europe", "assets"),
            lv("europe", "loan"),
        )
    )


def scheduled_changes(m: Any, w: Any) -> list[tuple[str, Arr, Arr]]:
    """(side, Δfunding, weeks until) of every change of a funding lever that is scheduled after this week: the
    events that happen in the replicate (drawn at week 0, public like the Tomahawk schedule; week and value per
    replicate in a batch, sim.batch) and the schedule policies. Each change is taken against the value the
    previous scheduled change of that lever leaves (the lever as it is now if none comes before it; at the same
    week a schedule applies before the events and events in their order, as in the week), the other levers at
    this week's values: Δfunding = F(lever = new) − F(lever = previous)."""
    out = []
    n, t = m.n, w.t
    for (agent, lever), side in FUNDING_LEVERS.items():
        dated: list[tuple[Arr, Arr, Arr]] = []  # (week, value, happens), each of shape (n,)
        for policy in m.by_key[agent].policies:
            if getattr(policy, "lever", None) == lever and hasattr(policy, "at"):
                for wk, v in policy.at.items():
                    if wk > t and np.isfinite(v):
                        dated.append((np.full(n, float(wk)), np.full(n, float(v)), np.ones(n, dtype=bool)))
        for k, ((_name, ev), happens) in enumerate(zip(m.events, m.event_happens, strict=True)):
            value = m.event_value[k]
            if ev.target() != (agent, lever) or value is None:
                continue
            week = np.broadcast_to(np.asarray(m.event_week[k], dtype=float), (n,))
            value = np.broadcast_to(np.asarray(value, dtype=float), (n,))
            if (week > t).any():
                dated.append((week, value, happens & (week > t) & np.isfinite(value)))
        if not dated:
            continue
        now = np.array(w.lever(agent, lever), dtype=float)
        for i, (week, value, happens) in enumerate(dated):
            prev_week, prev = np.full(n, -np.inf), now
            for j, (week_j, value_j, happens_j) in enumerate(dated):
                before = (week_j < week) | ((week_j == week) & (j < i))
                cond = happens_j & before & (week_j >= prev_week)
                prev = np.where(cond, value_j, prev)
                prev_week = np.where(cond, week_j, prev_week)
            new = np.where(happens, value, prev)
            change = side_funding(m, w, side, agent, lever, new) - side_funding(m, w, side, agent, lever, prev)
            out.append((side, np.asarray(change), np.where(happens, week - t, 0.0)))
    return out


def funding_shifts(m: Any, w: Any) -> list[tuple[Arr, Arr]]:
    """(Δp, weeks until) of each scheduled change of a side's replenishment funding, linearised at this week's
    strengths: the side's strength grows by D_s with δ = (b·I + θ(1 − M))·ΔF and ρ = θ·F (sim.processes.battle
    .attrition_step), and Δp is the change of Tullock's p at the mean strength gain over the weeks of the
    horizon after the change (``ramp_mean``), so that 2·Δp·(L − w) is the change of the expected front."""
    from sim.processes.battle import tullock

    changes = scheduled_changes(m, w)
    if not changes:
        return []
    a, horizon = m.p.attrition, m.p.negotiation.horizon
    mil_ru, mil_ua = w.read("mil_ru"), w.read("mil_ua")
    intensity = w.lever("russia", "offensive")
    now = tullock(mil_ru, mil_ua, m.const.gamma, m.p.front.tullock_k)
    level = {"ru": side_funding(m, w, "ru"), "ua": side_funding(m, w, "ua")}
    out = []
    for side, d_funding, weeks in changes:
        mil = mil_ru if side == "ru" else mil_ua
        rate = (a.base_replenishment * intensity + a.theta * (1.0 - mil)) * d_funding
        gain = ramp_mean(rate, a.theta * level[side], np.asarray(horizon, dtype=float) - weeks)
        if side == "ru":
            p = tullock(np.maximum(mil_ru + gain, 0.0), mil_ua, m.const.gamma, m.p.front.tullock_k)
        else:
            p = tullock(mil_ru, np.maximum(mil_ua + gain, 0.0), m.const.gamma, m.p.front.tullock_k)
        out.append((np.asarray(p - now), weeks))
    return out


def anticipated_shifts(m: Any, w: Any) -> list[tuple[Arr, Arr]]:
    """Every shift in p both sides see coming this week: Tomahawks (``anticipated_shift``) and the scheduled
    changes of US and European aid, Europe's substitution, the reparations loan, the EU loan and either side's
    mobilisation (``funding_shifts``). Computed once a week."""
    cached = getattr(w, "anticipated", None)
    if cached is not None and cached[0] is m:
        return cast(list[tuple[Arr, Arr]], cached[1])
    shifts = [anticipated_shift(m, w), *funding_shifts(m, w)]
    w.anticipated = (m, shifts)
    return shifts


def commitment_problem(m: Any, w: Any, cost_ru: Arr, cost_ua: Arr, rows: Arr | None = None) -> tuple[Arr, Arr]:
    """(Russia fights, Ukraine fights): the declining side of an anticipated shift refuses every deal where
    δ·p_{t+1} − p_t > (1 − δ)·c_B, p the rising side's expected share of the territory in war by the declining
    side's belief, without and with the shift in force, δ = discount^(weeks to the shift), c_B = θ_B C_B.
    Several coming shifts act as one: their net Δp = Σ_j Δp_j, from the first of them. With ``rows`` (the
    replicates in talks), on those rows only: ``cost_ru`` and ``cost_ua`` are then theirs, and so are the
    answers."""
    g = m.p.negotiation

    def at(v: Any) -> Any:
        return v if rows is None or np.ndim(v) == 0 else np.asarray(v)[rows]

    shifts = anticipated_shifts(m, w)
    shift = at(np.sum([s for s, _ in shifts], axis=0))  # summed over every row: the order of the sum is numpy's
    weeks = np.min([np.where(at(s) != 0, at(k), np.inf) for s, k in shifts], axis=0)
    weeks = np.where(np.isfinite(weeks), weeks, 0.0)  # (no shift coming: Δp = 0, no one fights)
    delta = np.power(at(g.discount), weeks)
    ru_declines = shift < 0
    a = np.where(ru_declines, at(w.read("alpha_ru")), at(w.read("alpha_ua")))
    b = np.where(ru_declines, at(w.read("beta_ru")), at(w.read("beta_ua")))
    mean = a / (a + b)
    front, horizon, n_steps = at(w.front), at(g.horizon), at(m.const.n_steps)
    ef_now = expected_front_with_shift(front, horizon, n_steps, mean, 0.0, 0.0)
    ef_next = expected_front_with_shift(front, horizon, n_steps, mean, shift, 0.0)
    p_now = np.where(ru_declines, 1.0 - ef_now, ef_now)
    p_next = np.where(ru_declines, 1.0 - ef_next, ef_next)
    cost_b = np.where(ru_declines, at(m.russia.cost_type) * cost_ru, at(m.ukraine.cost_type) * cost_ua)
    fights = (shift != 0) & powell_declining_side_fights(p_now, p_next, delta, cost_b)
    return fights & ru_declines, fights & ~ru_declines


def round_of_talks(m: Any, w: Any) -> None:
    """This week's round where talks are held (``w.talks``): the proposer's package, each side's answer, the
    public truncation of the beliefs about the answering sides' types; then concessions between incompatible
    demands. Sets ``w.offer`` and ``w.settle``. Nothing the sides' expected fronts and the projected fiscal strain
    depend on changes during the round (it writes no state, flow or lever until its end), so they are computed once
    in it (``sim.week.memoised``)."""
    w.memo = {}
    try:
        _round_of_talks(m, w)
    finally:
        w.memo = None


def _round_of_talks(m: Any, w: Any) -> None:
    n, g, ru, ua = m.n, m.p.negotiation, m.russia, m.ukraine
    cost_ru, cost_ua = ru.war_cost(m, w), ua.war_cost(m, w)
    offer, settle = np.array(w.read("last_offer"), dtype=float), np.zeros(n, dtype=bool)
    d_ru = w.lever("russia", "demand")
    holds = np.asarray(g.ukraine_holds_line) > 0.5
    d_ua = np.where(holds, np.fmin(w.lever("ukraine", "demand"), w.front), w.lever("ukraine", "demand"))
    idx = np.flatnonzero(w.talks & m.active)
    if idx.size:

        def sub(v: Any) -> Any:
            return v[idx] if np.ndim(v) > 0 else v

        f, k, h = w.front[idx], sub(g.commitment_k), sub(g.guarantee_cost_ru)
        l_ru, l_ua = sub(g.loss_aversion_ru), sub(g.loss_aversion_ua)
        gr, gu = ru.gross_war_value(m, w, idx), ua.gross_war_value(m, w, idx)
        cr, cu = cost_ru[idx], cost_ua[idx]
        th_ru, th_ua = ru.cost_type[idx], ua.cost_type[idx]
        b_ru = (ru.type_belief[0][idx], ru.type_belief[1][idx])
        b_ua = (ua.type_belief[0][idx], ua.type_belief[1][idx])
        g_on = guarantees_on_offer(w)[idx]
        r_on = (w.lever("us", "relief") * np.broadcast_to(np.asarray(g.relief_worth, float), (n,)))[idx]
        zero = np.zeros(idx.size)
        options = [(g_on, r_on), (g_on, zero), (zero, r_on), (zero, zero)]
        proposer = np.rint(np.broadcast_to(np.asarray(g.proposer, float), (n,))[idx]).astype(np.int64)
        dr, du = d_ru[idx], d_ua[idx]
        x_min, x_max = np.nan_to_num(dr, nan=0.0), np.nan_to_num(du, nan=1.0)
        # Russia is publicly losing when its budget is projected into strain (its fund exhausted and the gap
        # unfunded: budget data are public) or its own belief expects the front to move against it; only then
        # may the mediator's plan hand land back (issue 11: deals return land only when Russia is losing).
        losing = (m.expect("strain_ru", w) > 0)[idx] | (ru.expected_front(m, w, idx) < f)
        x, gg, rr = propose(
            proposer, f, gr, gu, cr, cu, th_ru, th_ua, b_ru, b_ua, options, l_ru, l_ua, h, k, sub(g.beta), x_min, x_max,
            losing,
        )  # fmt: skip
        if np.all(np.asarray(g.fixed_offer) >= 0):
            x, gg, rr = np.full(idx.size, float(np.max(g.fixed_offer))), g_on, r_on
        # Demands bound a side's offer and the Nash split; the mediator's plan does not pre-empt them.
        x = np.where(proposer == MEDIATOR, x, np.clip(x, np.minimum(x_min, x_max), x_max))
        if not np.all(np.asarray(g.fixed_offer) >= 0):
            # A side's offer reveals something of its type: the others read it through the proposer's optimum.
            args = (f, gr, gu, cr, cu, th_ru, th_ua, b_ru, b_ua, options, l_ru, l_ua, h, k, sub(g.beta), x_min, x_max)
            for code, side in ((RUSSIA, ru), (UKRAINE, ua)):
                rows = (proposer == code) & (side.type_belief[1][idx] > side.type_belief[0][idx])
                if rows.any():
                    lo, hi = side.type_belief
                    lo[idx[rows]], hi[idx[rows]] = _read_offer(code, rows, (x, gg, rr), args, lo[idx], hi[idx])
                    i = m.trace_index
                    if m.tracing and i in idx[rows]:
                        name = "Russia" if code == RUSSIA else "Ukraine"
                        m.note("signal", f"signal: {name}'s offer puts its cost type in [{lo[i]:.2f}, {hi[i]:.2f}]")
        v_ru, v_ua = gr - th_ru * cr, gu - th_ua * cu
        pkg_ru = package_ru(x, gg, rr, f, l_ru, h)
        pkg_ua = package_ua(x, gg, f, l_ua, k)
        meets_ru = np.isnan(dr) | (x >= dr - 1e-12)
        meets_ua = np.isnan(du) | (x <= du + 1e-12)
        fight_ru, fight_ua = commitment_problem(m, w, cr, cu, idx)
        # Each side decides (sim/agents.py): its package surplus over its war value, its demand, and the
        # commitment problem of a shift it sees coming (Powell 2006).
        sub_w = _Sub(w, idx)
        yes_ru = ru.accepts(m, sub_w, pkg_ru, v_ru) & meets_ru & ~fight_ru
        yes_ua = ua.accepts(m, sub_w, pkg_ua, v_ua) & meets_ua & ~fight_ua
        # Answers are public: the answering side's type interval is truncated at its threshold (refusals
        # forced by a commitment problem or an unmet demand teach nothing about costs).
        for side, yes, gross, pkg, cost, answers in (
            (ru, yes_ru, gr, pkg_ru, cr, proposer != RUSSIA),
            (ua, yes_ua, gu, pkg_ua, cu, proposer != UKRAINE),
        ):
            informative = answers & ~fight_ru & ~fight_ua & meets_ru & meets_ua
            lo, hi = side.type_belief
            lo[idx], hi[idx] = truncate(lo[idx], hi[idx], type_threshold(gross, pkg, cost), yes, informative)
        offer[idx] = x
        settle[idx] = yes_ru & yes_ua
        i = m.trace_index
        if m.tracing and w.talks[i] and m.active[i]:
            j = int(np.flatnonzero(idx == i)[0])
            _note_round(m, j, x, gg, rr, f, v_ru, v_ua, yes_ru, yes_ua, proposer, (fight_ru, fight_ua),
                        (meets_ru, meets_ua), l_ru, l_ua, h, k)  # fmt: skip
    conceded, terms = concessions(m, w, d_ru, d_ua)
    w.offer = np.where(conceded & ~settle, terms, offer)
    w.settle = settle | conceded


class _Sub:
    """The week's noise restricted to the replicates holding talks (the agents' ``accepts`` read it)."""

    def __init__(self, w: Any, idx: Arr) -> None:
        self.noise = _Rows(w.noise, idx)


class _Rows(Mapping[str, Arr]):
    """A mapping of arrays seen at rows ``idx``, each indexed when it is read (``accepts`` reads one stream)."""

    def __init__(self, arrays: Mapping[str, Arr], idx: Arr) -> None:
        self.arrays, self.idx = arrays, idx

    def __getitem__(self, key: str) -> Arr:
        return np.asarray(self.arrays[key][self.idx])

    def __iter__(self) -> Iterator[str]:
        return iter(self.arrays)

    def __len__(self) -> int:
        return len(self.arrays)


def _read_offer(
    code: int, rows: Arr, pkg: tuple[Arr, Arr, Arr], args: tuple[Any, ...], lo: Arr, hi: Arr
) -> tuple[Arr, Arr]:
    """``signalled_type`` for the rows where side ``code`` proposed the package ``pkg`` = (x, g, r): the value to
    the responder of the package it would have proposed with each type (the same ``propose`` and demand
    clipping as the round), everything else as it is."""

    def sub(v: Any) -> Any:
        if isinstance(v, list):
            return [sub(o) for o in v]
        if isinstance(v, tuple):
            return tuple(sub(o) for o in v)
        return v[rows] if np.ndim(v) > 0 else v

    (f, gr, gu, cr, cu, th_ru, th_ua, b_ru, b_ua, options, l_ru, l_ua, h, k, beta, x_min, x_max) = sub(args)
    who = np.full(int(rows.sum()), code)

    def to_responder(x: Arr, g: Arr, r: Arr) -> Arr:
        return package_ua(x, g, f, l_ua, k) if code == RUSSIA else package_ru(x, g, r, f, l_ru, h)

    def offered_by(t: Arr) -> Arr:
        t_ru, t_ua = (t, th_ua) if code == RUSSIA else (th_ru, t)
        x, g, r = propose(who, f, gr, gu, cr, cu, t_ru, t_ua, b_ru, b_ua, options, l_ru, l_ua, h, k, beta, x_min, x_max)
        return to_responder(np.clip(x, np.minimum(x_min, x_max), x_max), g, r)

    return signalled_type(to_responder(*sub(pkg)), offered_by, lo[rows], hi[rows])


AREA_KM2 = 136_000.0  # the five claimed regions (docs/calibration.md §1): km² = share × AREA_KM2


def _note_round(
    m: Any,
    j: int,
    x: Arr,
    gg: Arr,
    rr: Arr,
    f: Arr,
    v_ru: Arr,
    v_ua: Arr,
    yes_ru: Arr,
    yes_ua: Arr,
    proposer: Arr,
    fights: tuple[Arr, Arr],
    meets: tuple[Arr, Arr],
    l_ru: Any,
    l_ua: Any,
    h: Any,
    k: Any,
) -> None:
    """Trace notes of one round for the traced replicate: the package, each side's surplus, the true range for
    that package (empty or not), who refused and why."""

    def at(v: Any) -> float:
        return float(v[j]) if np.ndim(v) > 0 else float(v)

    who = {NASH: "the mediator (Nash split)", MEDIATOR: "the mediator's plan", RUSSIA: "Russia", UKRAINE: "Ukraine"}
    lo = float(reservation_ru(at(v_ru), at(gg), at(rr), at(f), at(l_ru), at(h)))
    hi = float(reservation_ua(at(v_ua), at(gg), at(f), at(l_ua), at(k)))
    xj, fj = at(x), at(f)
    km2 = (xj - fj) * AREA_KM2
    side = "beyond" if km2 >= 0 else "short of"
    surplus_ru = float(package_ru(xj, at(gg), at(rr), fj, at(l_ru), at(h))) - at(v_ru)
    surplus_ua = float(package_ua(xj, at(gg), fj, at(l_ua), at(k))) - at(v_ua)
    deal = bool(yes_ru[j] and yes_ua[j])
    m.note(
        "talks",
        f"talks: {who.get(int(proposer[j]), 'the mediator')} proposes offer={xj:.3f} ({abs(km2):,.0f} km2 {side} "
        f"the line {fj:.3f}), guarantees {at(gg):.2f}, relief {at(rr):.3f}; V_ru={at(v_ru):.3f} V_ua={at(v_ua):.3f}; "
        f"surplus Russia {surplus_ru:+.3f}, Ukraine {surplus_ua:+.3f}; range=[{lo:.3f}, {hi:.3f}]"
        + (" (empty)" if lo > hi else "")
        + " -> "
        + ("deal" if deal else "no deal"),
    )
    i = m.trace_index
    for name, agent, yes, fight, meet, surplus in (
        ("Russia", m.russia, yes_ru[j], fights[0][j], meets[0][j], surplus_ru),
        ("Ukraine", m.ukraine, yes_ua[j], fights[1][j], meets[1][j], surplus_ua),
    ):
        if yes:
            continue
        if fight:
            why = "a shift in power it sees coming makes any deal now worse than fighting (Powell 2006)"
        elif not meet:
            why = "its demand is not met"
        elif surplus < 0:
            why = f"fighting on is worth {-surplus:.3f} more to it than the package"
        else:
            why = f"a surplus of {surplus:+.3f} is within the acceptance noise (tau)"
        lo_b, hi_b = agent.type_belief
        m.note(
            "refusal",
            f"refusal: {name} refuses: {why}; its cost type is now believed in [{lo_b[i]:.2f}, {hi_b[i]:.2f}]",
        )


def concessions(m: Any, w: Any, d_ru: Arr, d_ua: Arr) -> tuple[Arr, Arr]:
    """War of attrition between incompatible demands d_ru > d_ua (``negotiation.concession``). The prize is the
    value of one's own demand over the other's, V_i; side i's weekly flow cost is θ_i·c̄_i, with c̄_i its
    expected weekly cost over its resolve (public) and θ_i its private type, believed uniform on the public
    interval ``type_belief`` (the one the talks truncate).

    With private types (a belief of positive width for both) the week is played in cutoff strategies
    (Fudenberg and Tirole 1986; Kennan and Wilson 1993): the types above θ̂_i concede (``attrition_game.cutoffs``),
    so the more costly types concede first, and a week without a concession truncates each belief at its
    cutoff (screening by delay). With a known type (a point belief) the complete-information mixed equilibrium
    applies: Russia concedes with weekly probability c_ua/V_ua, Ukraine with c_ru/V_ru. A simultaneous
    concession splits the difference. Returns (conceded, terms)."""
    from sim.processes import attrition_game

    g, n = m.p.negotiation, m.n
    on = m.active & ~np.isnan(d_ru) & ~np.isnan(d_ua) & (d_ru > d_ua) & (np.asarray(g.concession) > 0.5)
    if not on.any():
        return np.zeros(n, dtype=bool), np.full(n, np.nan)
    ru, ua = m.russia, m.ukraine
    prize_ru = value_ru(d_ru, w.front, g.loss_aversion_ru) - value_ru(d_ua, w.front, g.loss_aversion_ru)
    prize_ua = value_ua(d_ua, w.front, g.loss_aversion_ua) - value_ua(d_ru, w.front, g.loss_aversion_ua)
    cbar_ru = ru.weekly_cost(m, w, expected=True) / np.maximum(w.read("resolve_ru"), 1e-6)
    cbar_ua = ua.weekly_cost(m, w, expected=True) / np.maximum(w.read("resolve_ua"), 1e-6)
    (lo_ru, hi_ru), (lo_ua, hi_ua) = ru.type_belief, ua.type_belief
    cut_ru, cut_ua, private = attrition_game.cutoffs(cbar_ru, prize_ru, lo_ru, hi_ru, cbar_ua, prize_ua, lo_ua, hi_ua)
    # Known types: the mixed equilibrium of complete information (the noise draws whether a side concedes).
    h_ru, h_ua = attrition_game.equilibrium_hazards(ru.cost_type * cbar_ru, prize_ru, ua.cost_type * cbar_ua, prize_ua)
    mixed_ru, mixed_ua = attrition_game.concede(w.noise["concede_ru"], w.noise["concede_ua"], h_ru, h_ua)
    c_ru = np.where(private, ru.cost_type > cut_ru, mixed_ru) & on
    c_ua = np.where(private, ua.cost_type > cut_ua, mixed_ua) & on
    # A week without a concession is public: the types above the cutoffs are ruled out.
    waited = on & private & ~c_ru & ~c_ua
    hi_ru[:] = np.where(waited, cut_ru, hi_ru)
    hi_ua[:] = np.where(waited, cut_ua, hi_ua)
    terms = np.select([c_ru & c_ua, c_ru, c_ua], [(d_ru + d_ua) / 2.0, d_ua, d_ru], np.nan)
    i = m.trace_index
    if m.tracing and on[i]:
        if private[i]:
            how = (
                f"cutoff types: Russia {cut_ru[i]:.3f} (its type {ru.cost_type[i]:.3f}), "
                f"Ukraine {cut_ua[i]:.3f} (its type {ua.cost_type[i]:.3f})"
            )
        else:
            how = f"weekly hazards Russia {h_ru[i]:.4f}, Ukraine {h_ua[i]:.4f}"
        if c_ru[i] or c_ua[i]:
            who = "both sides concede" if c_ru[i] and c_ua[i] else ("Russia" if c_ru[i] else "Ukraine") + " concedes"
            m.note("concession", f"concession: {who} ({how}): terms {terms[i]:.3f}")
    return c_ru | c_ua, terms
