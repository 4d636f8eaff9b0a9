"""The model's state at the end of a week, and the per-replicate constants fixed at week 0.

Every state variable is an array over the chunk's replicates. The reported ones (``sim.names.VARIABLE_NAMES``)
are the rows of one matrix ``S``: freezing ended replicates is one ``copyto`` per variable and the weekly
histograms need no stacking; each attribute (``state.front``, ...) is a view of its row.

Who changes what: processes write the variables in ``COMMITTED`` through the week (``Week.write``) and the model
copies them where the replicate is still active; ``DERIVED`` ones are recomputed from those after the copy;
``TALLIES`` are cumulative figures the model adds to every week. ``test_processes_contract`` checks that every
state variable is in exactly one of the three.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from sim.names import VARIABLE_NAMES
from sim.params import Initial, Params
from sim.processes import battle, beliefs, energy, europe, market, oil

# Written by processes, frozen by the commit.
COMMITTED = (
    "front_steps",
    "alpha_ru",
    "beta_ru",
    "alpha_ua",
    "beta_ua",
    "mil_ru",
    "mil_ua",
    "resolve_ru",
    "resolve_ua",
    "brent",
    "discount",
    "india_share",
    "revenue_ru",
    "buffer_ru",
    "strain_ru",
    "cut_ru",
    "discount_share",
    "designation_adapted",
    "refining_ru",
    "grid_ua",
    "energy_deficit",
    "strikes_ru",
    "strikes_ua",
    "escalation",
    "punish_level_ua",
)
# Recomputed after the commit from committed variables.
DERIVED = ("front", "belief_ru", "belief_ua")
# Cumulative figures the model adds to every week (Model.tally).
TALLIES = (
    "tomahawks_delivered",
    "talks_held",
    "penalty_tariff",
    "revenue_cum",
    "deficit_weeks",
    "escalation_peak",
    "salvos",
    "last_offer",
)


class State:
    """The state of every replicate of a chunk at the end of the last committed week."""

    S: np.ndarray  # reported variables, one row each (VARIABLE_NAMES)
    front: np.ndarray
    front_steps: np.ndarray
    mil_ru: np.ndarray
    mil_ua: np.ndarray
    alpha_ru: np.ndarray
    beta_ru: np.ndarray
    alpha_ua: np.ndarray
    beta_ua: np.ndarray
    belief_ru: np.ndarray
    belief_ua: np.ndarray
    resolve_ru: np.ndarray
    resolve_ua: np.ndarray
    brent: np.ndarray
    discount: np.ndarray
    india_share: np.ndarray
    revenue_ru: np.ndarray
    buffer_ru: np.ndarray
    strain_ru: np.ndarray
    cut_ru: np.ndarray  # share of budget spending cut this week
    discount_share: np.ndarray  # Urals FOB discount as a share of Brent
    designation_adapted: np.ndarray  # share of designated exports the trade has re-routed
    refining_ru: np.ndarray
    grid_ua: np.ndarray
    energy_deficit: np.ndarray
    strikes_ru: np.ndarray
    strikes_ua: np.ndarray
    escalation: np.ndarray
    punish_level_ua: np.ndarray  # Ukraine's adaptation level to punishment (recent weekly punishment cost)
    tomahawks_delivered: np.ndarray
    talks_held: np.ndarray
    penalty_tariff: np.ndarray
    revenue_cum: np.ndarray
    deficit_weeks: np.ndarray
    escalation_peak: np.ndarray
    salvos: np.ndarray
    last_offer: np.ndarray


class Constants:
    """Per-replicate quantities fixed at week 0 (drawn parameters make them arrays)."""

    n_steps: np.ndarray  # steps of the front (integer; the front itself moves by real-valued steps)
    gamma: np.ndarray  # Tullock balance factor: p = p0 at equal strengths
    a0_ru: np.ndarray  # belief priors (Beta parameters)
    b0_ru: np.ndarray
    a0_ua: np.ndarray
    b0_ua: np.ndarray
    india_share0: np.ndarray  # week 0's India share and refining online (revenue lost is counted against them)
    refining_ru0: np.ndarray
    discount_share0: np.ndarray  # week 0's discount share (India's delivered discount moves with its change)
    richardson: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # exp(A) of the strike reaction matrix
    demand_by_week: np.ndarray  # Ukraine's demand (GW) by week: (weeks,) or (weeks, R) when drawn per replicate
    rows: np.ndarray  # 0..R-1, to index demand_by_week per replicate
    deficit_nodes: list[np.ndarray]  # week offsets of the expected-deficit quadrature over the planning horizon


def full(n: int, value: object, dtype: type = float) -> np.ndarray:
    """A fresh (n,) array of ``value`` (a number or a per-replicate array)."""
    return np.array(np.broadcast_to(np.asarray(value, dtype=dtype), (n,)))


def seasonal_demand(p: Params, start_date: dt.date, week: int | np.ndarray) -> np.ndarray:
    """Ukraine's demand (GW) in ``week`` weeks from the start date."""
    e = p.energy
    doy = start_date.timetuple().tm_yday + 7.0 * np.asarray(week)
    return energy.seasonal_demand(doy, e.demand_mean, e.demand_amplitude, e.peak_day)


def initial_state(
    p: Params,
    init: Initial,
    n: int,
    *,
    start_date: dt.date,
    horizon: int,
    us_levers: dict[str, np.ndarray],
    grid_evolves: bool,
    eu_levers: dict[str, np.ndarray] | None = None,
) -> tuple[State, Constants]:
    """The state at week 0 and the constants, from the (sampled) parameters and initial values (the discount
    at the enforcement of the US and, when given, European levers at week 0)."""
    s, c = State(), Constants()
    c.n_steps = np.maximum(np.rint(full(n, p.front.n_steps)).astype(np.int64), 2)
    # real-valued steps, integer at week 0 (so the gambler's-ruin reduction stays exact)
    s.front_steps = np.clip(np.rint(full(n, init.front) * c.n_steps), 0, c.n_steps).astype(float)
    s.front = s.front_steps / c.n_steps
    c.gamma = battle.balance_factor(p.front.p0, p.front.tullock_k)
    s.mil_ru, s.mil_ua = full(n, init.mil_ru), full(n, init.mil_ua)
    c.a0_ru, c.b0_ru = beliefs.prior(full(n, p.beliefs.prior_mean_ru), p.beliefs.prior_strength_ru)
    c.a0_ua, c.b0_ua = beliefs.prior(full(n, p.beliefs.prior_mean_ua), p.beliefs.prior_strength_ua)
    s.alpha_ru, s.beta_ru = c.a0_ru.copy(), full(n, c.b0_ru)
    s.alpha_ua, s.beta_ua = c.a0_ua.copy(), full(n, c.b0_ua)
    s.resolve_ru, s.resolve_ua = full(n, init.resolve_ru), full(n, init.resolve_ua)
    s.brent = full(n, init.brent)
    o = p.oil
    s.designation_adapted = np.zeros(n)
    s.discount_share = full(
        n,
        market.discount_target(
            o.fob_discount_share,
            europe.enforcement(us_levers["sanctions"], 0.0 if eu_levers is None else eu_levers["sanctions"]),
            o.enforcement_ref,
            o.enforcement_slope,
            market.effective_designation(us_levers["designations"], s.designation_adapted),
            o.designation_slope,
        ),
    )
    c.discount_share0 = s.discount_share.copy()
    s.discount = s.discount_share * s.brent
    s.india_share = full(n, init.india_share)
    c.india_share0 = s.india_share.copy()
    s.refining_ru = full(n, init.refining_ru)
    c.refining_ru0 = s.refining_ru.copy()
    s.revenue_ru = oil.russia_revenue(
        s.brent,
        s.discount,
        s.india_share,
        c.india_share0,
        o.india_imports,
        o.export_volume,
        o.redirect_share,
        o.redirect_discount,
        o.tax_take,
        o.product_share,
        s.refining_ru,
        c.refining_ru0,
    )
    # Spending and non-oil revenue come from the stated budget (params.fiscal), not from week-0 oil revenue.
    s.buffer_ru = full(n, init.buffer_ru)
    s.strain_ru = np.zeros(n)
    s.cut_ru = np.zeros(n)
    s.grid_ua = full(n, init.grid_ua)
    s.strikes_ru, s.strikes_ua = full(n, init.strikes_ru), full(n, init.strikes_ua)
    k = p.strikes
    c.richardson = energy.expm2(full(n, -k.m), full(n, k.a), full(n, k.b), full(n, -k.n))
    # Without the strikes process the grid never changes: Ukraine then has no deficit at all.
    s.energy_deficit = (
        energy.energy_deficit(s.grid_ua, seasonal_demand(p, start_date, 0)) if grid_evolves else np.zeros(n)
    )
    # Ukraine is adapted to the punishment of week 0 (the strikes of autumn 2025 are not news)
    s.punish_level_ua = full(n, p.costs.scale * p.costs.energy * s.energy_deficit)
    s.escalation = full(n, init.escalation)
    s.tomahawks_delivered = np.zeros(n)
    s.belief_ru = beliefs.belief_mean(s.alpha_ru, s.beta_ru)
    s.belief_ua = beliefs.belief_mean(s.alpha_ua, s.beta_ua)
    # Seasonal demand by week, far enough ahead for the planning horizon; the four midpoint nodes of the
    # expected winter deficit are fixed week offsets per replicate (the horizon is drawn once).
    horizon_weeks = full(n, p.negotiation.horizon)
    weeks_ahead = np.arange(horizon + int(np.ceil(horizon_weeks.max())) + 2)
    e = p.energy
    sampled = any(np.ndim(v) > 0 for v in (e.demand_mean, e.demand_amplitude, e.peak_day))
    # (weeks,) when demand's parameters are numbers, (weeks, R) when any is drawn per replicate
    c.demand_by_week = seasonal_demand(p, start_date, weeks_ahead[:, None] if sampled else weeks_ahead)
    c.rows = np.arange(n)
    c.deficit_nodes = [np.rint(frac * horizon_weeks).astype(np.int64) for frac in (0.125, 0.375, 0.625, 0.875)]

    s.revenue_cum = np.zeros(n)
    s.deficit_weeks = np.zeros(n, dtype=np.int32)
    s.escalation_peak = s.escalation.copy()
    s.talks_held = np.zeros(n)
    s.penalty_tariff = us_levers["penalty_tariff"].copy()
    s.salvos = np.zeros(n, dtype=np.int32)
    s.last_offer = np.full(n, np.nan)

    # The reported variables become rows of S (attributes are views of them).
    s.S = np.empty((len(VARIABLE_NAMES), n))
    for i, name in enumerate(VARIABLE_NAMES):
        s.S[i] = getattr(s, name)
        setattr(s, name, s.S[i])
    return s, c
