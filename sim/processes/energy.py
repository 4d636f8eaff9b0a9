"""Process 3: strikes (Richardson), Ukraine's grid and Russia's refining."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.processes.base import Model, Process

if TYPE_CHECKING:
    from sim.week import Week


def richardson_equilibrium(
    m: np.ndarray | float,
    n: np.ndarray | float,
    a: np.ndarray | float,
    b: np.ndarray | float,
    r: np.ndarray | float,
    s: np.ndarray | float,
) -> tuple[np.ndarray, np.ndarray]:
    """x* = (n r + a s)/(m n - a b), y* = (m s + b r)/(m n - a b) (Richardson 1960)."""
    det = np.asarray(m * n - a * b, dtype=float)
    return np.asarray(n * r + a * s) / det, np.asarray(m * s + b * r) / det


def richardson_stable(
    m: np.ndarray | float, n: np.ndarray | float, a: np.ndarray | float, b: np.ndarray | float
) -> np.ndarray:
    """Stable iff m n > a b."""
    return np.asarray(m * n > a * b)


def expm2(
    a11: np.ndarray, a12: np.ndarray, a21: np.ndarray, a22: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """exp(A) of 2x2 matrices given entrywise (vectorised), by the closed form
    exp(A) = e^{t/2} [cosh(d) I + sinh(d)/d (A - t/2 I)], t = trace, d^2 = (t/2)^2 - det."""
    a11, a12, a21, a22 = (np.asarray(v, dtype=float) for v in (a11, a12, a21, a22))
    half = 0.5 * (a11 + a22)
    det = a11 * a22 - a12 * a21
    d2 = half * half - det
    d = np.sqrt(np.abs(d2))
    small = d < 1e-8
    safe_d = np.where(small, 1.0, d)
    c = np.where(d2 >= 0, np.cosh(d), np.cos(d))
    s_over_d = np.where(small, 1.0 + d2 / 6.0, np.where(d2 >= 0, np.sinh(d), np.sin(d)) / safe_d)
    e = np.exp(half)
    return (
        e * (c + s_over_d * (a11 - half)),
        e * s_over_d * a12,
        e * s_over_d * a21,
        e * (c + s_over_d * (a22 - half)),
    )


def richardson_step(
    x: np.ndarray, y: np.ndarray, prop: tuple[np.ndarray, ...], x_star: np.ndarray, y_star: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One week exactly: z <- z* + e^{A}(z - z*), clipped at 0 (an Euler step explodes for stable but stiff
    coefficients). ``prop`` is expm2 of A = [[-m, a], [b, -n]]."""
    e11, e12, e21, e22 = prop
    dx, dy = x - x_star, y - y_star
    return (np.maximum(x_star + e11 * dx + e12 * dy, 0.0), np.maximum(y_star + e21 * dx + e22 * dy, 0.0))


def seasonal_demand(
    day_of_year: np.ndarray | float,
    mean: np.ndarray | float,
    amplitude: np.ndarray | float,
    peak_day: np.ndarray | float,
) -> np.ndarray:
    """Ukraine's demand (GW): a cosine over the year peaking on ``peak_day`` (mid-January)."""
    return mean + amplitude * np.cos(2.0 * np.pi * (np.asarray(day_of_year) - peak_day) / 365.25)


def grid_step(
    capacity: np.ndarray,
    hits: np.ndarray,
    damage_per_hit: np.ndarray | float,
    repair_rate: np.ndarray | float,
    target: np.ndarray | float,
) -> np.ndarray:
    """Available capacity (GW): repairs close a share of the gap to the repairable target; hits destroy."""
    return np.maximum(capacity + repair_rate * (target - capacity) - damage_per_hit * hits, 0.0)


def energy_deficit(capacity: np.ndarray, demand: np.ndarray | float) -> np.ndarray:
    """Share of demand unmet: max(0, D - G) / D."""
    return np.maximum(demand - capacity, 0.0) / demand


def refining_step(
    online: np.ndarray, hits: np.ndarray, damage_per_hit: np.ndarray | float, half_life: np.ndarray | float
) -> np.ndarray:
    """Refining online (share of normal): offline capacity is repaired with a half-life in weeks; each hit
    takes a share of what is online."""
    repaired = online + (1.0 - online) * (1.0 - np.exp2(-1.0 / half_life))
    return np.clip(repaired * (1.0 - damage_per_hit * hits), 0.0, 1.0)


class Salvos(Process):
    """Random massive salvos on Ukraine's grid, on top of the Richardson intensity."""

    name = "salvos"
    switches = ("strikes", "salvos")
    flows_out = ("salvo",)

    def step(self, m: Model, w: Week) -> None:
        w.salvo = w.noise["strikes"] < m.p.strikes.salvo_prob


class StrikesAndEnergy(Process):
    """Strike intensities react to each other (Richardson, exact propagator); Russian strikes and salvos
    destroy Ukrainian capacity against seasonal demand; Ukrainian deep strikes and Tomahawks take Russian
    refining offline."""

    name = "strikes"
    switches = ("strikes",)
    reads = ("strikes_ru", "strikes_ua", "grid_ua", "refining_ru")
    writes = ("strikes_ru", "strikes_ua", "grid_ua", "energy_deficit", "refining_ru")
    levers = ("russia.strike_forcing", "ukraine.deep_strike_forcing", "us.air_defence")
    flows_in = ("salvo", "salvo_extra", "tomahawks")
    flows_out = ("salvo_any", "hits_ua")
    projects = ("energy_deficit",)

    def step(self, m: Model, w: Week) -> None:
        s, e, r, c = m.p.strikes, m.p.energy, m.p.refining, m.const
        x_star, y_star = richardson_equilibrium(
            s.m, s.n, s.a, s.b, w.lever("russia", "strike_forcing"), w.lever("ukraine", "deep_strike_forcing")
        )
        strikes_ru, strikes_ua = richardson_step(
            w.read("strikes_ru"), w.read("strikes_ua"), c.richardson, x_star, y_star
        )
        pulse = w.salvo * s.salvo_size + w.salvo_extra
        interception = np.clip(s.interception + w.lever("us", "air_defence"), 0.0, 1.0)
        hits_ru = (strikes_ru + pulse) * (1.0 - interception)
        grid = grid_step(w.read("grid_ua"), hits_ru, e.damage_per_hit, e.repair_rate, e.capacity_target)
        deficit = energy_deficit(grid, c.demand_by_week[w.t])
        hits_ua = r.penetration * strikes_ua + r.tomahawk_hits * w.tomahawks
        refining = refining_step(w.read("refining_ru"), hits_ua, r.damage_per_hit, r.repair_half_life)
        w.salvo_any = pulse > 0
        w.hits_ua = hits_ua
        w.write("strikes_ru", strikes_ru)
        w.write("strikes_ua", strikes_ua)
        w.write("grid_ua", grid)
        w.write("energy_deficit", deficit)
        w.write("refining_ru", refining)

    def project(self, m: Model, w: Week, name: str) -> np.ndarray:
        """Mean energy deficit over the planning horizon at this week's capacity, by the midpoint rule on four
        nodes fixed at week 0 (the winter ahead counts before it arrives: MODEL.md expected cost)."""
        c = m.const
        grid, t = w.read("grid_ua"), w.t
        total = np.zeros(m.n)
        table = c.demand_by_week
        for offset in c.deficit_nodes:
            demand = table[t + offset, c.rows] if table.ndim == 2 else table[t + offset]
            total += energy_deficit(grid, demand)
        return total / 4.0
