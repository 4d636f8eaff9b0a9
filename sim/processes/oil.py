"""Process 2: the oil market, India's purchases, Russia's oil revenue and fiscal buffer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

from sim.processes.base import Model, Process

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


def fob_discount(
    brent: np.ndarray,
    share: np.ndarray | float,
    sanctions: np.ndarray | float,
    threshold: np.ndarray | float,
    premium: np.ndarray | float,
) -> np.ndarray:
    """Urals FOB discount ($/bbl): a share of Brent (Bank of Russia), plus a fixed widening once sanctions
    enforcement passes its threshold (buyers' risk priced in)."""
    return share * brent + premium * (np.asarray(sanctions) > threshold)


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
    return np.minimum(target, cap)


def india_share_step(share: np.ndarray, target: np.ndarray, lag: np.ndarray | float) -> np.ndarray:
    """Partial adjustment toward the target with a contract lag in weeks."""
    return share + (target - share) / np.maximum(lag, 1.0)


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
    return np.maximum(value, 0.0) * (1.0 - product_share * outage) * tax_take * DAYS_PER_WEEK / 1000.0


def fiscal_step(buffer: np.ndarray, revenue: np.ndarray, spending: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """The buffer absorbs the gap between war spending and oil revenue; once it is exhausted the unfunded
    share of spending is fiscal strain in [0, 1]."""
    gap = spending - revenue
    new_buffer = buffer - gap
    unfunded = np.maximum(-new_buffer, 0.0)
    strain = np.clip(unfunded / np.maximum(spending, 1e-12), 0.0, 1.0)
    return np.maximum(new_buffer, 0.0), strain


def projected_strain(
    buffer: np.ndarray, revenue: np.ndarray, spending: np.ndarray | float, horizon: np.ndarray | float
) -> np.ndarray:
    """Average strain over the next ``horizon`` weeks if the present gap persists: zero until the buffer
    runs out, then the unfunded share (projected fiscal exhaustion, MODEL.md expected cost)."""
    gap = np.asarray(spending - revenue, dtype=float)
    share = np.clip(gap / np.maximum(spending, 1e-12), 0.0, 1.0)
    weeks_left = np.where(gap > 0, buffer / np.maximum(gap, 1e-12), np.inf)
    strained = np.clip(horizon - weeks_left, 0.0, None) / horizon
    return share * strained


class OilMarket(Process):
    """Brent follows its log-AR(1), the Urals discount widens with sanctions, India's share moves toward the
    target it chose this week (``India.decide``), and Russia's revenue and buffer follow."""

    name = "oil"
    switches = ("oil",)
    reads = ("brent", "india_share", "buffer_ru", "refining_ru")
    writes = ("brent", "discount", "india_share", "revenue_ru", "buffer_ru", "strain_ru")
    levers = ("us.sanctions",)
    flows_in = ("india_target",)
    projects = ("strain_ru",)

    def step(self, m: Model, w: Week) -> None:
        o, c = m.p.oil, m.const
        brent = brent_step(w.read("brent"), o.brent_mean, o.brent_reversion, o.brent_vol, w.noise["oil"])
        discount = fob_discount(
            brent, o.fob_discount_share, w.lever("us", "sanctions"), o.sanctions_threshold, o.sanctions_discount
        )
        india_share = india_share_step(w.read("india_share"), w.india_target, o.contract_lag)
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
        buffer, strain = fiscal_step(w.read("buffer_ru"), revenue, c.spending)
        w.write("brent", brent)
        w.write("discount", discount)
        w.write("india_share", india_share)
        w.write("revenue_ru", revenue)
        w.write("buffer_ru", buffer)
        w.write("strain_ru", strain)

    def project(self, m: Model, w: Week, name: str) -> np.ndarray:
        """Russia's fiscal strain averaged over the planning horizon if this week's gap persists."""
        return projected_strain(w.read("buffer_ru"), w.read("revenue_ru"), m.const.spending, m.p.negotiation.horizon)
