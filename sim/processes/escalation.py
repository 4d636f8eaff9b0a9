"""Process 6: escalation pressure and the weekly hazard of direct NATO-Russia confrontation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.processes.base import Model, Process

if TYPE_CHECKING:
    from sim.week import Week


def pressure_step(
    pressure: np.ndarray,
    tomahawks: np.ndarray,
    salvo: np.ndarray,
    deep_hits: np.ndarray,
    decay: np.ndarray | float,
    tomahawk_weight: np.ndarray | float,
    salvo_weight: np.ndarray | float,
    deep_strike_weight: np.ndarray | float,
) -> np.ndarray:
    """Pressure decays geometrically and accumulates provocations: Tomahawk strikes deep in Russia, massive
    salvos, and deep drone hits."""
    return decay * pressure + tomahawk_weight * tomahawks + salvo_weight * salvo + deep_strike_weight * deep_hits


def hazard(pressure: np.ndarray, base: np.ndarray | float, per_pressure: np.ndarray | float) -> np.ndarray:
    """Weekly probability of the terminal escalation: 1 - exp(-(h0 + h1 pressure))."""
    return -np.expm1(-(base + per_pressure * pressure))


class Escalation(Process):
    """Escalation pressure from provocations, and the weekly hazard of direct NATO-Russia confrontation."""

    name = "escalation"
    switches = ("escalation",)
    reads = writes = ("escalation",)
    flows_in = ("tomahawks", "salvo_any", "hits_ua")
    flows_out = ("escalate",)

    def step(self, m: Model, w: Week) -> None:
        x = m.p.escalation
        pressure = pressure_step(
            w.read("escalation"),
            w.tomahawks,
            w.salvo_any,
            w.hits_ua,
            x.decay,
            x.tomahawk_weight,
            x.salvo_weight,
            x.deep_strike_weight,
        )
        w.escalate = w.noise["escalation"] < hazard(pressure, x.base_hazard, x.hazard_per_pressure)
        w.write("escalation", pressure)
