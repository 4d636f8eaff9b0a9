"""Process 7: bargaining rounds. War values from each side's own belief and expected costs (Fearon 1995),
a commitment discount that guarantees lower (Powell 2006), the generalised Nash split (Nash 1950; Rubinstein
1982 in the limit), and logistic acceptance that tends to Fearon's deterministic rule as tau -> 0."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from sim.processes import bargaining
from sim.processes.base import Model, Process

if TYPE_CHECKING:
    from sim.week import Week


def expected_front(
    front: np.ndarray, horizon: np.ndarray | float, n_steps: np.ndarray | float, mean_p: np.ndarray
) -> np.ndarray:
    """E_i[f_{t+L}] = clip(f + (L/n)(2 mean_i - 1), 0, 1)."""
    return np.clip(front + (horizon / n_steps) * (2.0 * mean_p - 1.0), 0.0, 1.0)


def expected_cost(weekly_cost: np.ndarray, horizon: np.ndarray | float, resolve: np.ndarray) -> np.ndarray:
    """C_i = L c_bar_i / resolve_i."""
    return cast(np.ndarray, horizon * weekly_cost / np.maximum(resolve, 1e-6))


def war_values(
    ef_ru: np.ndarray, ef_ua: np.ndarray, cost_ru: np.ndarray, cost_ua: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """V_ru = E_ru[f] - C_ru; V_ua = 1 - E_ua[f] - C_ua."""
    return ef_ru - cost_ru, 1.0 - ef_ua - cost_ua


def bargaining_range(
    v_ru: np.ndarray,
    v_ua: np.ndarray,
    commitment_k: np.ndarray | float,
    guarantees: np.ndarray | float,
    relief: np.ndarray | float,
    demand_ru: np.ndarray | float,
    demand_ua: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi] of terms x (Russia's share) both accept. Ukraine values a deal at (1 - x) - k (1 - g), Russia
    at x + s; demands (NaN: none) only narrow the range."""
    return russia_reservation(v_ru, relief, demand_ru), ukraine_reservation(v_ua, commitment_k, guarantees, demand_ua)


def russia_reservation(v_ru: np.ndarray, relief: np.ndarray | float, demand_ru: np.ndarray | float) -> np.ndarray:
    """The least share Russia accepts: its war value less the sanctions relief a deal brings, raised to its
    demand (NaN: none)."""
    lo = v_ru - relief
    return np.where(np.isnan(demand_ru), lo, np.maximum(lo, demand_ru))


def ukraine_reservation(
    v_ua: np.ndarray,
    commitment_k: np.ndarray | float,
    guarantees: np.ndarray | float,
    demand_ua: np.ndarray | float,
) -> np.ndarray:
    """The most Ukraine concedes: 1 - V_ua less the commitment discount k (1 - g) that guarantees lower
    (Powell 2006), lowered to its demand (NaN: none)."""
    hi = 1.0 - v_ua - commitment_k * (1.0 - np.asarray(guarantees))
    return np.where(np.isnan(demand_ua), hi, np.minimum(hi, demand_ua))


def nash_offer(lo: np.ndarray, hi: np.ndarray, beta: np.ndarray | float) -> np.ndarray:
    """x = lo + beta (hi - lo), clipped to [0, 1] (the generalised Nash split of the range)."""
    return cast(np.ndarray, np.clip(lo + beta * (hi - lo), 0.0, 1.0))


def accept(surplus: np.ndarray, tau: np.ndarray | float, u: np.ndarray) -> np.ndarray:
    """Accept with probability sigma(surplus / tau); at tau = 0 exactly when surplus >= 0 (Fearon's rule)."""
    tau = np.asarray(tau)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        prob = 1.0 / (1.0 + np.exp(-surplus / np.where(tau > 0, tau, 1.0)))
    return np.where(tau > 0, u < prob, surplus >= 0)


def rubinstein_share(delta1: float, delta2: float) -> float:
    """Player 1's share when proposing first: (1 - d2)/(1 - d1 d2) (Rubinstein 1982)."""
    return (1.0 - delta2) / (1.0 - delta1 * delta2)


def nash_beta_from_rates(r1: float, r2: float) -> float:
    """The Nash weight of player 1 in the continuous-time limit of Rubinstein: r2/(r1 + r2)."""
    return r2 / (r1 + r2)


class Negotiation(Process):
    """Talks happen with a weekly chance (times mediation) and at summits; in a round each side values war
    from its own belief, costs and resolve, the mediator offers the generalised Nash split of the range, and
    each side accepts or not (the belligerent agents' ``war_value``, ``reservation`` and ``accepts``)."""

    name = "negotiation"
    switches = ("negotiation",)
    reads = (
        "alpha_ru",
        "beta_ru",
        "alpha_ua",
        "beta_ua",
        "resolve_ru",
        "resolve_ua",
        "mil_ru",
        "mil_ua",
        "refining_ru",
        "strain_ru",
        "cut_ru",
        "energy_deficit",
        "grid_ua",
        "buffer_ru",
        "revenue_ru",
        "last_offer",
    )
    levers = (
        "us.mediation",
        "us.relief",
        "us.guarantees",
        "europe.guarantees",
        "us.aid",
        "russia.offensive",
        "russia.mobilisation",
        "russia.demand",
        "ukraine.mobilisation",
        "ukraine.demand",
        "europe.gas_ban",  # through Russia's projected fiscal gap (the oil process's projection)
        "europe.aid",  # these five and the mobilisations: scheduled changes are anticipated (issue 11)
        "europe.substitution",
        "europe.assets",
        "europe.loan",
    )
    flows_in = ("summit", "front")
    flows_out = ("talks", "offer", "settle")

    def step(self, m: Model, w: Week) -> None:
        g = m.p.negotiation
        talk_prob = np.clip(g.talks_rate * w.lever("us", "mediation"), 0.0, 1.0)
        w.talks = (w.noise["talks"] < talk_prob) | w.summit
        # Packages, private types, the proposer, the sides' answers and concessions (issue 11).
        bargaining.round_of_talks(m, w)
