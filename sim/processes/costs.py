"""Weekly costs of fighting (shares of the disputed territory) and resolve, the domestic capacity to bear
them. Coefficients are calibrated by revealed preference (docs/calibration.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.processes import coercion
from sim.processes.base import Model, Process

if TYPE_CHECKING:
    from sim.week import Week


def weekly_cost_ru(
    base: np.ndarray | float,
    m_ua: np.ndarray,
    intensity: np.ndarray | float,
    fuel: np.ndarray | float,
    refining_offline: np.ndarray,
    fiscal: np.ndarray | float,
    strain: np.ndarray,
    scale: np.ndarray | float,
) -> np.ndarray:
    """Casualties (base x Ukraine's strength x intensity), fuel shortages, fiscal strain."""
    return scale * (base * m_ua * intensity + fuel * refining_offline + fiscal * strain)


def weekly_cost_ua(
    base: np.ndarray | float,
    m_ru: np.ndarray,
    intensity: np.ndarray | float,
    energy: np.ndarray | float,
    deficit: np.ndarray,
    scale: np.ndarray | float,
) -> np.ndarray:
    """Casualties (base x Russia's strength x intensity) and the energy deficit."""
    return scale * (base * m_ru * intensity + energy * deficit)


def resolve_step(
    resolve: np.ndarray, cost: np.ndarray, recovery: np.ndarray | float, erosion: np.ndarray | float
) -> np.ndarray:
    """Resolve recovers toward 1 at a rate and erodes with the week's cost."""
    return np.clip(resolve + recovery * (1.0 - resolve) - erosion * cost, 0.0, 1.0)


class Resolve(Process):
    """Each side's resolve recovers and erodes with its costs of this week's fighting. Russia's erode it
    through ``Russia.weekly_cost`` (denial and, after the fiscal adjustment, economic pressure); Ukraine's by
    channel (``sim.processes.coercion``): denial erodes it, punishment erodes it less and first rallies it
    above its adaptation level, which then moves toward this week's punishment."""

    name = "resolve"
    switches = ("costs",)
    reads = (
        "resolve_ru",
        "resolve_ua",
        "mil_ru",
        "mil_ua",
        "refining_ru",
        "strain_ru",
        "cut_ru",
        "energy_deficit",
        "punish_level_ua",
    )
    writes = ("resolve_ru", "resolve_ua", "punish_level_ua")
    levers = ("russia.offensive",)

    def step(self, m: Model, w: Week) -> None:
        c, k = m.p.costs, m.p.coercion
        cost_ru = m.russia.weekly_cost(m, w, expected=False)
        w.write("resolve_ru", resolve_step(w.read("resolve_ru"), cost_ru, c.resolve_recovery, c.resolve_erosion))
        punishment = m.ukraine.punishment_cost(m, w, expected=False)
        level = w.read("punish_level_ua")
        resolve_ua = coercion.resolve_step(
            w.read("resolve_ua"),
            m.ukraine.denial_cost(m, w),
            punishment,
            level,
            c.resolve_recovery,
            c.resolve_erosion,
            k.punishment_erosion,
            k.rally_gain,
        )
        w.write("resolve_ua", resolve_ua)
        w.write("punish_level_ua", coercion.adaptation_step(level, punishment, k.adaptation_half_life))
