"""The four state agents. Each is a ``mesa.Agent`` whose ``step()`` sets its levers for the week from its
policies: fixed schedules, trigger rules and response functions of observed state.

Lever values are arrays over the chunk's replicates, so one agent step sets the levers of every replicate at
once; a rule's trigger, streak and once-fired memory are per replicate too.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.scenario import LEVERS, AgentSpec, Condition, ResponsePolicy, RulePolicy, SchedulePolicy

if TYPE_CHECKING:
    from sim.model import PressureModel

OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def _value(v: float | None) -> float:
    return np.nan if v is None else float(v)


class CompiledPolicy:
    """A policy bound to one agent's lever arrays."""

    def __init__(self, name: str, lever: str) -> None:
        self.name = name
        self.lever = lever

    def apply(self, agent: StateAgent, week: int) -> None:
        raise NotImplementedError


class Schedule(CompiledPolicy):
    def __init__(self, name: str, spec: SchedulePolicy) -> None:
        super().__init__(name, spec.lever)
        self.at = {int(w): _value(v) for w, v in spec.at.items()}

    def apply(self, agent: StateAgent, week: int) -> None:
        if week in self.at:
            agent.levers[self.lever][:] = self.at[week]
            agent.model.note(f"{agent.key}.{self.lever} = {self.at[week]:g} ({self.name}: schedule)")


class Rule(CompiledPolicy):
    def __init__(self, name: str, spec: RulePolicy, in_force: np.ndarray) -> None:
        super().__init__(name, spec.lever)
        self.spec = spec
        self.value = _value(spec.value)
        self.in_force = in_force
        self.streak = np.zeros(in_force.shape, dtype=np.int32)
        self.fired = np.zeros(in_force.shape, dtype=bool)

    def holds(self, model: PressureModel, cond: Condition) -> np.ndarray:
        return np.asarray(OPS[cond.op](model.observe(cond.var), cond.value))

    def apply(self, agent: StateAgent, week: int) -> None:
        s = self.spec
        if week < s.from_week or (s.until_week is not None and week > s.until_week):
            self.streak[:] = 0
            trigger = self.fired if s.once else None
        else:
            cond = np.ones(self.streak.shape, dtype=bool)
            for c in s.when:
                cond &= self.holds(agent.model, c)
            self.streak = np.where(cond, self.streak + 1, 0).astype(np.int32)
            trigger = self.in_force & (self.streak >= s.for_weeks)
            if s.once:
                trigger |= self.fired
        if trigger is None:
            return
        lever = agent.levers[self.lever]
        i = agent.model.trace_index
        if agent.model.tracing and trigger[i] and lever[i] != self.value:
            agent.model.note(f"{agent.key}.{self.lever} = {self.value:g} ({self.name}: rule fired)")
        self.fired |= trigger
        np.copyto(lever, self.value, where=trigger)


class Response(CompiledPolicy):
    def __init__(self, name: str, spec: ResponsePolicy) -> None:
        super().__init__(name, spec.lever)
        self.spec = spec

    def apply(self, agent: StateAgent, week: int) -> None:
        s = self.spec
        if week < s.from_week:
            return
        x = agent.model.observe(s.var)
        _default, lo, hi, *_ = LEVERS[agent.key][self.lever]
        agent.levers[self.lever][:] = np.clip(s.base + s.slope * (x - s.ref), max(s.min, lo), min(s.max, hi))


class StateAgent(mesa.Agent):
    """A state: its levers (arrays over replicates) and its policies, applied in the order written."""

    key: str = ""

    def __init__(self, model: PressureModel, spec: AgentSpec) -> None:
        super().__init__(model)
        n = model.n
        self.levers: dict[str, np.ndarray] = {}
        for lever, (default, *_rest) in LEVERS[self.key].items():
            value = spec.levers.get(lever, default)
            self.levers[lever] = np.full(n, _value(value), dtype=float)
        self.policies: list[CompiledPolicy] = []
        for pname, pol in spec.policies.items():
            if isinstance(pol, SchedulePolicy):
                self.policies.append(Schedule(pname, pol))
            elif isinstance(pol, RulePolicy):
                u = model.policy_uniforms(f"{self.key}.{pname}")
                self.policies.append(Rule(pname, pol, u < pol.probability))
            else:
                self.policies.append(Response(pname, pol))

    def step(self) -> None:
        week = self.model.week
        for policy in self.policies:
            policy.apply(self, week)


class UnitedStates(StateAgent):
    """Penalty tariff on India, Tomahawks, oil sanctions, aid and air defence, frozen assets, mediation, and
    the carrots of a deal: security guarantees for Ukraine and sanctions relief for Russia."""

    key = "us"


class Russia(StateAgent):
    """Strikes on Ukraine's energy, offensive intensity, negotiating demand."""

    key = "russia"


class Ukraine(StateAgent):
    """Deep strikes on refineries, mobilisation, negotiating demand."""

    key = "ukraine"


class India(StateAgent):
    """The cap on its Russian share of crude imports (the share itself follows the oil market)."""

    key = "india"


AGENT_CLASSES: tuple[type[StateAgent], ...] = (UnitedStates, Russia, Ukraine, India)
