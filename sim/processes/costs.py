"""Weekly costs of fighting (shares of the disputed territory) and resolve, the domestic capacity to bear
them. Coefficients are calibrated by revealed preference (docs/calibration.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

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
    """Each side's resolve recovers and erodes with its cost of this week's fighting (``weekly_cost`` of the
    belligerent agents)."""

    name = "resolve"
    switches = ("costs",)
    reads = ("resolve_ru", "resolve_ua", "mil_ru", "mil_ua", "refining_ru", "strain_ru", "energy_deficit")
    writes = ("resolve_ru", "resolve_ua")
    levers = ("russia.offensive",)

    def step(self, m: Model, w: Week) -> None:
        c = m.p.costs
        cost_ru = m.russia.weekly_cost(m, w, expected=False)
        cost_ua = m.ukraine.weekly_cost(m, w, expected=False)
        w.write("resolve_ru", resolve_step(w.read("resolve_ru"), cost_ru, c.resolve_recovery, c.resolve_erosion))
        w.write("resolve_ua", resolve_step(w.read("resolve_ua"), cost_ua, c.resolve_recovery, c.resolve_erosion))
