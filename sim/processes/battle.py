"""Process 4: the week's battle (Tullock contest), the front (a gambler's-ruin walk) and attrition."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np

from sim.processes import europe
from sim.processes import front as front_process
from sim.processes.base import Model, Process

if TYPE_CHECKING:
    from sim.week import Week

ArrLike = np.ndarray | float


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
    return cast(np.ndarray, np.clip(steps + np.where(russia_won, 1, -1).astype(steps.dtype), 0, n_steps))


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


def funding_ua(
    m: Any,
    aid_us: ArrLike,
    aid_eu: ArrLike,
    substitution: ArrLike,
    mobilisation: ArrLike,
    assets: ArrLike,
    loan: ArrLike,
) -> np.ndarray:
    """Ukraine's replenishment funding from the levers (as Europe's decision and the attrition process build it):
    Europe's aid with what it replaces of a US cut, the financing bonus and mobilisation
    (``sim.processes.europe``). Used to value scheduled changes of these levers (issue 11)."""
    a, e = m.p.attrition, m.p.europe
    eu = europe.aid_with_substitution(aid_eu, substitution, aid_us, a.aid_weight, e.aid_weight)
    bonus = europe.financing_bonus(a.assets_bonus, assets, loan, e.loan_ratio)
    return europe.ukraine_funding(aid_us, eu, mobilisation, a.aid_weight, e.aid_weight, a.mobilisation_weight, bonus)


def funding_ru(a: Any, strain: ArrLike, mobilisation: ArrLike) -> np.ndarray:
    """Russia's replenishment funding: 1 at the Oct 2025 levers, moved by mobilisation beyond its 2025
    recruitment (mobilisation_weight) and cut by fiscal strain (strain_weight)."""
    return cast(np.ndarray, 1.0 + a.mobilisation_weight * (np.asarray(mobilisation) - 1.0) - a.strain_weight * strain)


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


class Battle(Process):
    """The week's contest and the front's move: a drift set by the contest, saturating at the fastest observed
    pace, plus weekly noise (``sim.processes.front``). Tomahawks add firepower to the week's contest, not to
    the strength stock (MODEL.md: pure firepower shifts p, hence the terms, not the odds of a deal)."""

    name = "battle"
    switches = ("battle",)
    reads = ("mil_ru", "mil_ua", "front_steps")
    writes = ("front_steps",)
    flows_in = ("tomahawks",)
    flows_out = ("russia_won", "front")

    def step(self, m: Model, w: Week) -> None:
        c = m.const
        firepower_ua = w.read("mil_ua") + m.p.attrition.tomahawk_strength * w.tomahawks
        p_win = tullock(w.read("mil_ru"), firepower_ua, c.gamma, m.p.front.tullock_k)
        w.russia_won = w.noise["battle"] < p_win
        fp = m.p.front
        front_steps = front_process.front_move(
            w.read("front_steps"),
            c.n_steps,
            front_process.drift_steps(p_win, fp.area_km2 / c.n_steps, fp.max_drift_km2),
            w.russia_won,
            fp.coin_weight,
            front_process.noise_in_steps(fp.weekly_sd_km2, fp.area_km2, c.n_steps),
            w.noise["front"],
        )
        w.front = front_steps / c.n_steps
        w.write("front_steps", front_steps)


class Attrition(Process):
    """Lanchester attrition at Russia's offensive intensity, the week's loser losing more, with a restoring
    replenishment funded by revenue and buffer and mobilisation (Russia) and US and European aid, Europe's
    financing (the reparations loan or the EUR 90bn loan) and mobilisation (Ukraine; ``sim.processes.europe``)."""

    name = "attrition"
    switches = ("battle", "attrition")
    reads = ("mil_ru", "mil_ua", "strain_ru")
    writes = ("mil_ru", "mil_ua")
    levers = (
        "russia.offensive",
        "russia.mobilisation",
        "us.aid",
        "ukraine.mobilisation",
        "europe.assets",
        "europe.loan",
    )
    flows_in = ("aid_eu", "russia_won")

    def step(self, m: Model, w: Week) -> None:
        a = m.p.attrition
        f_ru = funding_ru(a, w.read("strain_ru"), w.lever("russia", "mobilisation"))
        e = m.p.europe
        f_ua = europe.ukraine_funding(
            w.lever("us", "aid"),
            w.aid_eu,
            w.lever("ukraine", "mobilisation"),
            a.aid_weight,
            e.aid_weight,
            a.mobilisation_weight,
            europe.financing_bonus(
                a.assets_bonus, w.lever("europe", "assets"), w.lever("europe", "loan"), e.loan_ratio
            ),
        )
        mil_ru, mil_ua = attrition_step(
            w.read("mil_ru"),
            w.read("mil_ua"),
            w.russia_won,
            a.rate,
            w.lever("russia", "offensive"),
            a.loser_extra,
            a.base_replenishment,
            a.theta,
            f_ru,
            f_ua,
        )
        w.write("mil_ru", mil_ru)
        w.write("mil_ua", mil_ua)
