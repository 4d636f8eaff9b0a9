"""Process 2: the oil market, India's purchases, Russia's oil revenue and its budget's financing."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
from scipy.special import expit

from sim.processes import europe, fiscal, market
from sim.processes.base import Model, Process
from sim.week import memoised

if TYPE_CHECKING:
    from sim.week import Week

DAYS_PER_WEEK = 7.0
DAYS_PER_YEAR = 365.0


def brent_step(
    brent: np.ndarray, mean: np.ndarray | float, reversion: np.ndarray | float, vol: np.ndarray | float, eps: np.ndarray
) -> np.ndarray:
    """Log-AR(1): log B' = log B + kappa (log mu - log B) + sigma eps."""
    log_b = np.log(brent)
    return np.exp(log_b + reversion * (np.log(mean) - log_b) + vol * eps)


def india_target_share(
    penalty_tariff: np.ndarray | float,
    sanctions: np.ndarray | float,
    delivered_discount: np.ndarray | float,
    imports_mbd: np.ndarray | float,
    max_share: np.ndarray | float,
    scale_bn: np.ndarray | float,
    contingency: np.ndarray | float,
    exposed_bn: np.ndarray | float,
    enforcement_risk_bn: np.ndarray | float,
    cap: np.ndarray | float,
) -> np.ndarray:
    """India's target Russian share: a logistic function of its net annual benefit ($bn/year).

    Savings are valued at the delivered discount on the barrels it would buy at its maximal share; the
    penalty tariff counts only by the share of it India believes stopping would avoid (``contingency``);
    sanctions enforcement adds a risk cost. A logistic, not a threshold (MODEL.md precise rules)."""
    savings = max_share * imports_mbd * DAYS_PER_YEAR * delivered_discount / 1000.0
    tariff_cost = contingency * (np.asarray(penalty_tariff) / 100.0) * exposed_bn
    net = savings - tariff_cost - enforcement_risk_bn * np.asarray(sanctions)
    target = max_share * expit(net / scale_bn)
    return cast(np.ndarray, np.minimum(target, cap))


def india_share_step(share: np.ndarray, target: np.ndarray, lag: np.ndarray | float) -> np.ndarray:
    """Partial adjustment toward the target with a contract lag in weeks."""
    return cast(np.ndarray, share + (target - share) / np.maximum(lag, 1.0))


def russia_revenue(
    brent: np.ndarray,
    discount: np.ndarray,
    india_share: np.ndarray,
    india_share0: np.ndarray | float,
    india_imports: np.ndarray | float,
    export_volume: np.ndarray | float,
    redirect_share: np.ndarray | float,
    redirect_discount: np.ndarray | float,
    tax_take: np.ndarray | float,
    product_share: np.ndarray | float,
    refining_online: np.ndarray,
    refining_online0: np.ndarray | float,
) -> np.ndarray:
    """Russia's weekly oil budget revenue ($bn): volume x (Brent - FOB discount) x tax take.

    Barrels India drops (against week 0) are partly redirected to other buyers at a wider discount and the
    rest shut in; refining outages beyond week 0's cost product exports."""
    dropped = np.maximum(india_share0 - india_share, 0.0) * india_imports
    price = brent - discount
    value = (export_volume - dropped) * price + redirect_share * dropped * (price - redirect_discount)
    outage = np.maximum(refining_online0 - refining_online, 0.0)
    return cast(np.ndarray, np.maximum(value, 0.0) * (1.0 - product_share * outage) * tax_take * DAYS_PER_WEEK / 1000.0)


class OilMarket(Process):
    """Brent with jumps, the Urals discount toward a target set by enforcement and designations (net of
    re-routing), India's share toward the target it chose this week (``India.decide``) with noise, Russia's oil
    revenue, and the budget's financing: borrowing, the National Wealth Fund, cuts, then strain
    (``sim.processes.market``, ``sim.processes.fiscal``)."""

    name = "oil"
    switches = ("oil",)
    reads = ("brent", "india_share", "buffer_ru", "refining_ru", "discount_share", "designation_adapted")
    writes = (
        "brent",
        "discount",
        "discount_share",
        "designation_adapted",
        "india_share",
        "revenue_ru",
        "buffer_ru",
        "strain_ru",
        "cut_ru",
    )
    levers = ("us.sanctions", "us.designations", "india.purchase_cap", "europe.sanctions", "europe.gas_ban")
    flows_in = ("india_target",)
    projects = ("strain_ru", "cut_ru")

    def step(self, m: Model, w: Week) -> None:
        o, c, f = m.p.oil, m.const, m.p.fiscal
        noise = w.noise
        brent = market.brent_jump_step(
            w.read("brent"),
            o.brent_mean,
            o.brent_reversion,
            o.brent_vol,
            noise["oil"],
            noise["jump"],
            noise["jump_size"],
            o.jump_rate,
            o.jump_mean,
            o.jump_sd,
        )
        # designation pressure not yet re-routed, on last week's adaptation: a new designation bites at once
        designated = w.lever("us", "designations")
        adapted = w.read("designation_adapted")
        target = market.discount_target(
            o.fob_discount_share,
            europe.enforcement(w.lever("us", "sanctions"), w.lever("europe", "sanctions")),
            o.enforcement_ref,
            o.enforcement_slope,
            market.effective_designation(designated, adapted),
            o.designation_slope,
        )
        share = market.discount_share_step(
            w.read("discount_share"), target, o.discount_half_life, o.discount_sd, noise["discount"]
        )
        india_share = market.india_share_noisy_step(
            w.read("india_share"),
            w.india_target,
            o.contract_lag,
            o.india_sd,
            noise["india"],
            w.lever("india", "purchase_cap"),
        )
        discount = share * brent
        revenue = russia_revenue(
            brent,
            discount,
            india_share,
            c.india_share0,
            o.india_imports,
            o.export_volume,
            o.redirect_share,
            o.redirect_discount,
            o.tax_take,
            o.product_share,
            w.read("refining_ru"),
            c.refining_ru0,
        )
        gap = (
            f.spending - f.other_revenue + europe.gas_revenue_lost(w.lever("europe", "gas_ban"), m.p.europe.gas_revenue)
        )
        gap = gap - revenue
        fund, _borrowed, cut, strain = fiscal.finance_gap(
            gap, w.read("buffer_ru"), f.borrow_cap, f.cut_cap, f.spending, f.war_share
        )
        w.write("brent", brent)
        w.write("discount_share", share)
        w.write("discount", discount)
        w.write("designation_adapted", market.designation_adaptation_step(adapted, designated, o.reroute_half_life))
        w.write("india_share", india_share)
        w.write("revenue_ru", revenue)
        w.write("buffer_ru", fund)
        w.write("cut_ru", cut)
        w.write("strain_ru", strain)

    def project(self, m: Model, w: Week, name: str) -> np.ndarray:
        """Russia's spending cut or fiscal strain averaged over its budget horizon (``fiscal.horizon``) if this
        week's gap (with the gas revenue a ban cuts off) persists."""
        cut, strain = memoised(w, "oil.projected_strain", lambda: self._projected(m, w))
        return cut if name == "cut_ru" else strain

    def _projected(self, m: Model, w: Week) -> tuple[np.ndarray, np.ndarray]:
        f = m.p.fiscal
        gap = (
            f.spending - f.other_revenue + europe.gas_revenue_lost(w.lever("europe", "gas_ban"), m.p.europe.gas_revenue)
        )
        gap = gap - w.read("revenue_ru")
        return fiscal.projected_strain(
            gap, w.read("buffer_ru"), f.borrow_cap, f.cut_cap, f.spending, f.war_share, f.horizon
        )
