"""PressureModel: one Mesa model whose state is vectorised over the replicates of a chunk.

A week is a schedule (``step``): draw every random stream; the agents' policies set their levers and scheduled
events override them; the agents decide what reacts to this week's levers; the processes of ``SCHEDULE``
whose switches are on run in MODEL.md's order; termination; the generic commit; the weekly record.
Replicates that reached an outcome are frozen by masking, never removed, so array positions and random
streams stay aligned.

Who owns what: parameters are sampled in ``sim.sampling``, the state and week-0 constants live in
``sim.state``, a week in the making in ``sim.week``, processes in ``sim.processes`` (each declares what it
reads and writes), agents and their decisions in ``sim.agents``, the weekly histograms in ``sim.recorder``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import mesa
import numpy as np

from sim import seeds
from sim.agents import Europe, India, Rule, Russia, StateAgent, Ukraine, UnitedStates
from sim.batch import Batch, BlockedGenerator, sample_batch
from sim.levers import LEVERS
from sim.names import (
    ESCALATION,
    N_BINS,
    ONGOING,
    OUTCOMES,
    RU_COLLAPSE,
    RU_TAKES_ALL,
    SETTLEMENT,
    STATE_VARIABLES,
    UA_COLLAPSE,
    UA_RETAKES_ALL,
    VARIABLE_NAMES,
)
from sim.params import Initial, Params
from sim.processes.base import Process
from sim.processes.battle import Attrition, Battle
from sim.processes.beliefs import Learning
from sim.processes.costs import Resolve
from sim.processes.energy import Salvos, StrikesAndEnergy
from sim.processes.escalation import Escalation
from sim.processes.negotiation import Negotiation
from sim.processes.oil import OilMarket
from sim.recorder import WeeklyRecorder
from sim.sampling import sample_parameters
from sim.scenario import RulePolicy, Scenario, Switches
from sim.scenario.schema import param_path
from sim.state import Constants, State, initial_state
from sim.week import Week

__all__ = [
    "ALWAYS_SET",
    "ESCALATION",
    "N_BINS",
    "ONGOING",
    "OUTCOMES",
    "RU_COLLAPSE",
    "SCHEDULE",
    "SETTLEMENT",
    "STATE_VARIABLES",
    "UA_COLLAPSE",
    "VARIABLE_NAMES",
    "PressureModel",
]  # the model and its vocabulary (re-exported from sim.names, which readers of results import instead)

# Processes 2-7 of MODEL.md, in order (process 1, policies and events, and 8, termination, are the model's).
SCHEDULE: tuple[Process, ...] = (
    OilMarket(),  # 2. oil market, India's purchases, Russia's revenue and buffer
    Salvos(),  # 3. strikes and energy
    StrikesAndEnergy(),
    Battle(),  # 4. battle: contest and front, then attrition
    Attrition(),
    Learning(),  # 5. learning
    Escalation(),  # 6. escalation
    Resolve(),  #    costs of the week and resolve
    Negotiation(),  # 7. negotiation
)

# Flows set every week whatever the switches: by the events (summit, salvo_extra) and the agents' decisions.
ALWAYS_SET = ("summit", "salvo_extra", "tomahawks", "india_target", "aid_eu")

# Random streams drawn every week, full chunk shape, whatever the mask or the levers (MODEL.md).
WEEKLY_STREAMS = ("oil", "strikes", "battle", "escalation", "negotiation", "front", "market", "concession", "europe")


class PressureModel(mesa.Model):  # type: ignore[misc]  # Mesa ships no type information
    """The Leverage model for one chunk of replicates.

    ``n`` replicates (chunk ``chunk`` of the run) share the scenario; every random stream is derived from the
    scenario seed, the chunk and the stream name (and ``point`` when common random numbers are off).
    State variables are read as attributes (``model.front``), views of ``model.state``.
    """

    def __init__(
        self,
        scenario: Scenario,
        n: int,
        chunk: int = 0,
        *,
        point: int | None = None,
        trace: bool | int = False,
        keep: tuple[str, ...] = (),
        batch: Batch | None = None,
        record: bool = True,
    ) -> None:
        super().__init__(rng=seeds.generator(scenario.seed, chunk, "policies", point=point))
        self.spec = scenario
        self.n = int(n)
        self.chunk = chunk
        self.point = point
        # Several scenarios side by side (sim.batch): block k holds replicates [k * block_n, (k + 1) * block_n).
        self.batch = batch
        self.block_n = self.n if batch is None else batch.n
        if batch is not None and (batch.total != self.n or batch.chunk != chunk or trace is not False):
            raise ValueError("a batch runs as one chunk of all its blocks, untraced")
        self.week = 0
        self.horizon = scenario.horizon_weeks
        self.switches: Switches = scenario.switches
        # Tracing (sim trace): notes (week, kind, text) about one replicate of the chunk, the local index trace_index.
        self.tracing = trace is not False
        self.trace_index = 0 if trace is True or trace is False else int(trace)
        self.trace_log: list[tuple[int, str, str]] = []
        self.keep = keep
        self.streams = {name: self.generator(name) for name in WEEKLY_STREAMS}

        sample = sample_parameters(scenario, self.n, chunk, point) if batch is None else sample_batch(batch)
        self.p: Params = sample.params
        self.initial: Initial = sample.initial
        self.sampled = sample.drawn

        # Agents (Mesa): created in a fixed order, which is the order their policies apply and they decide.
        agents = scenario.agents
        self.us, self.russia = UnitedStates(self, agents.us), Russia(self, agents.russia)
        self.ukraine, self.india = Ukraine(self, agents.ukraine), India(self, agents.india)
        self.europe = Europe(self, agents.europe)
        all_agents = (self.us, self.russia, self.ukraine, self.india, self.europe)
        self.by_key: dict[str, StateAgent] = {a.key: a for a in all_agents}
        self.levers = {key: agent.levers for key, agent in self.by_key.items()}
        if batch is not None:  # each block's lever settings (a lever's default where its scenario sets none)
            for key, levers in self.levers.items():
                for name, arr in levers.items():
                    specs = [getattr(s.agents, key).levers for s in batch.scenarios]
                    value = batch.per_replicate([sp.get(name, LEVERS[key][name].default) for sp in specs])
                    if np.ndim(value):
                        arr[:] = value
            self.batch_rules(batch)

        # Events: whether each one happens in each replicate is drawn once, at week 0, from the events stream;
        # each event has its own stream (keyed by its name): adding or deleting one reshuffles no other.
        # In a batch, an event's week, probability and value may differ between blocks: arrays per replicate.
        self.events = list(scenario.events.items())
        self.event_happens: list[np.ndarray] = []
        self.event_week: list[Any] = []
        self.event_value: list[Any] = []
        for name, _ev in self.events:
            u = self.generator("events", seeds.path_key(name)).random(self.n)
            self.event_happens.append(u < self.event_field(name, "probability"))
            self.event_week.append(self.event_field(name, "week"))
            self.event_value.append(self.event_field(name, "value"))

        # The week's processes: those whose switches are all on, in MODEL.md's order.
        self.schedule = [p for p in SCHEDULE if all(getattr(self.switches, s) for s in p.switches)]
        self.projectors = {name: p for p in self.schedule for name in p.projects}

        self.state: State
        self.const: Constants
        self.state, self.const = initial_state(
            self.p,
            self.initial,
            self.n,
            start_date=scenario.start_date,
            horizon=self.horizon,
            us_levers=self.levers["us"],
            eu_levers=self.levers["europe"],
            grid_evolves=any("energy_deficit" in p.writes for p in self.schedule),
        )
        # Outcomes: the outcome code, its week and terms, whether several outcomes triggered at once.
        self.active = np.ones(self.n, dtype=bool)
        self.outcome = np.zeros(self.n, dtype=np.int8)
        self.end_week = np.full(self.n, self.horizon, dtype=np.int32)
        self.terms = np.full(self.n, np.nan)
        self.co_trigger = np.zeros(self.n, dtype=bool)

        # What a flow is when its producer is switched off: nothing happened, the offer is the last one, the
        # front is last week's.
        produced = set(ALWAYS_SET).union(*(p.flows_out for p in self.schedule))
        defaults: dict[str, np.ndarray] = {
            "salvo": np.zeros(self.n, dtype=bool),
            "salvo_any": np.zeros(self.n, dtype=bool),
            "hits_ua": np.zeros(self.n),
            "russia_won": np.zeros(self.n, dtype=bool),
            "escalate": np.zeros(self.n, dtype=bool),
            "talks": np.zeros(self.n, dtype=bool),
            "settle": np.zeros(self.n, dtype=bool),
        }
        for value in defaults.values():
            value.flags.writeable = False
        defaults |= {"front": self.state.front, "offer": self.state.last_offer}
        self.flow_defaults = {name: value for name, value in defaults.items() if name not in produced}

        # The weekly histograms and sums, unless ``record`` is off (a sweep reads only the outcome table).
        self.recording = record
        self.recorder = WeeklyRecorder(self.n, self.horizon, keep)
        if self.recording:
            self.recorder.record(0, self.state.S, self.active, self.outcome, self.state)

    # ----------------------------------------------------------------------------------------------------
    def step(self) -> None:
        """One week, in MODEL.md's order."""
        self.week += 1
        w = self.begin_week()  # every stream drawn, full chunk shape
        self.agents.do("step")  # 1. policies set the levers,
        self.apply_events(w)  #    scheduled events override them,
        self.agents.do("decide", self, w)  # and the agents decide what reacts to this week's levers
        for process in self.schedule:  # 2-7. the processes whose switches are on
            process.step(self, w)
        fired = self.terminate(w)  # 8. outcomes on the end-of-week state
        self.commit(w)  # what was written, where the replicate was active; tallies
        self.active = self.active & ~fired
        if self.recording:
            self.recorder.record(self.week, self.state.S, self.active, self.outcome, self.state)

    def run(self) -> None:
        """Run to the horizon (or until every replicate has ended: the rest of the weeks are then frozen)."""
        while self.week < self.horizon:
            self.step()

    # ----------------------------------------------------------------------------------------------------
    def begin_week(self) -> Week:
        """Every stream draws the full chunk shape every week, whatever the mask or the levers."""
        n, st = self.n, self.streams
        noise = {
            "oil": st["oil"].standard_normal(n),
            "strikes": st["strikes"].random(n),
            "battle": st["battle"].random(n),
            "escalation": st["escalation"].random(n),
        }
        noise["talks"], noise["accept_ru"], noise["accept_ua"] = st["negotiation"].random((3, n))
        noise["front"] = st["front"].standard_normal(n)
        noise["jump"] = st["market"].random(n)
        noise["jump_size"], noise["discount"], noise["india"] = st["market"].standard_normal((3, n))
        noise["concede_ru"], noise["concede_ua"] = st["concession"].random((2, n))
        noise["package"] = st["europe"].random(n)
        return Week(self.week, self.state, noise, self.levers, self.flow_defaults)

    def apply_events(self, w: Week) -> None:
        """Scheduled events of this week: summits, salvos, and lever settings (which override policies)."""
        t, i = self.week, self.trace_index
        w.summit = np.zeros(self.n, dtype=bool)
        w.salvo_extra = np.zeros(self.n)
        for k, (name, ev) in enumerate(self.events):
            happens, value = self.event_happens[k], self.event_value[k]
            if np.ndim(self.event_week[k]) == 0:
                if self.event_week[k] != t:
                    continue
            else:  # a batch whose blocks schedule it in different weeks
                due = self.event_week[k] == t
                if not due.any():
                    continue
                happens = happens & due
            traced = self.tracing and happens[i]
            if ev.kind == "summit":
                w.summit |= happens
                self.note("event", f"summit '{ev.label or name}' " + ("takes place" if happens[i] else "cancelled"))
            elif ev.kind == "salvo":
                size = self.p.strikes.salvo_size if value is None else value
                w.salvo_extra += happens * size
                if traced:
                    self.note("salvo", f"salvo '{ev.label or name}' of {size:g} drone-equivalents")
            elif ev.kind == "param":
                assert ev.param is not None and value is not None  # checked by the schema
                self.set_param(ev.param, value, happens)
                if traced:
                    self.note("event", f"{ev.param} = {value:g} from now on (event '{ev.label or name}')")
            else:
                target = ev.target()
                assert target is not None  # every other kind sets a lever (checked by the schema)
                agent, lever = target
                value = np.nan if value is None else value
                np.copyto(self.lever(agent, lever), value, where=happens)
                if traced:
                    self.note("event", f"{agent}.{lever} = {value:g} (event '{ev.label or name}')")

    def set_param(self, path: str, value: float | np.ndarray, where: np.ndarray) -> None:
        """Parameter ``path`` (``group.name``) takes ``value`` from this week on, in the replicates ``where``
        (a ``param`` event): the group is replaced by a copy, so week-0 constants are untouched (the schema
        refuses the parameters they depend on)."""
        group, name = param_path(path)
        old_group = getattr(self.p, group)
        old = np.broadcast_to(np.asarray(getattr(old_group, name), dtype=float), (self.n,))
        new_group = old_group.model_copy(update={name: np.where(where, value, old)})
        self.p = self.p.model_copy(update={group: new_group})

    def terminate(self, w: Week) -> np.ndarray:
        """Outcomes on the end-of-week state, with precedence escalation > ukraine_collapse > russia_collapse >
        russia_takes_all > ukraine_retakes_all > settlement; co-triggers are counted. A collapse is a state's
        army (strength) or resolve below its floor; one side holding the whole disputed territory (the front at
        1 or 0) is an outcome of its own. Returns the replicates that ended this week."""
        sw, c, act = self.switches, self.const, self.active
        a, k = self.p.attrition, self.p.costs
        front_steps = w.read("front_steps")
        ua_down = (sw.attrition & (w.read("mil_ua") < a.strength_floor)) | (
            sw.costs & (w.read("resolve_ua") < k.resolve_floor)
        )
        ru_down = (sw.attrition & (w.read("mil_ru") < a.strength_floor)) | (
            sw.costs & (w.read("resolve_ru") < k.resolve_floor)
        )
        ru_all, ua_all = front_steps >= c.n_steps, front_steps <= 0
        escalate, settle = w.escalate, w.settle
        conditions = [escalate, ua_down, ru_down, ru_all, ua_all, settle]
        triggers = np.stack(conditions)
        fired = triggers.any(axis=0) & act
        code = np.select(
            conditions, [ESCALATION, UA_COLLAPSE, RU_COLLAPSE, RU_TAKES_ALL, UA_RETAKES_ALL, SETTLEMENT], ONGOING
        ).astype(np.int8)
        self.outcome = np.where(fired, code, self.outcome)
        self.end_week = np.where(fired, w.t, self.end_week).astype(np.int32)
        # Terms: the offer of a settlement; Russia's demand (at least the front) on Ukraine's collapse.
        # The front on Russia's collapse or when one side took the whole territory.
        at_front = (code == RU_COLLAPSE) | (code == RU_TAKES_ALL) | (code == UA_RETAKES_ALL)
        terms = np.select(
            [code == SETTLEMENT, code == UA_COLLAPSE, at_front],
            [w.offer, np.fmax(w.front, w.lever("russia", "demand")), w.front],
            np.nan,
        )
        self.terms = np.where(fired, terms, self.terms)
        self.co_trigger |= fired & (triggers.sum(axis=0) > 1)
        i = self.trace_index
        if self.tracing and fired[i]:
            ended = f"ended: {OUTCOMES[self.outcome[i]]}"
            self.note("end", ended + (f" on terms {self.terms[i]:.3f}" if not math.isnan(self.terms[i]) else ""))
        return fired

    def commit(self, w: Week) -> None:
        """Copy what the processes wrote this week where the replicate was active at its start (ended ones are
        frozen), recompute the derived variables, and add the week to the tallies."""
        s, act = self.state, self.active
        for name, new in w.new.items():
            np.copyto(getattr(s, name), new, where=act)
        np.divide(s.front_steps, self.const.n_steps, out=s.front)
        np.divide(s.alpha_ru, s.alpha_ru + s.beta_ru, out=s.belief_ru)
        np.divide(s.alpha_ua, s.alpha_ua + s.beta_ua, out=s.belief_ua)
        s.tomahawks_delivered += w.tomahawks
        s.revenue_cum += w.read("revenue_ru") * act
        s.deficit_weeks += act & (w.read("energy_deficit") > 0)
        np.maximum(s.escalation_peak, s.escalation, out=s.escalation_peak)
        s.talks_held += act & w.talks
        np.copyto(s.penalty_tariff, w.lever("us", "penalty_tariff"), where=act)
        s.salvos += act & w.salvo_any
        np.copyto(s.last_offer, w.offer, where=act & w.talks)

    # ----------------------------------------------------------------------------------------------------
    def expect(self, name: str, w: Week) -> np.ndarray:
        """``name`` as expected over the planning horizon: its process's projection, else this week's value."""
        process = self.projectors.get(name)
        return w.read(name) if process is None else process.project(self, w, name)

    def policy_uniforms(self, key: str) -> np.ndarray:
        """One uniform per replicate for policy ``key`` (``agent.policy``), from a stream of its own."""
        return self.generator("policies", seeds.path_key(key)).random(self.n)

    def batch_rules(self, batch: Batch) -> None:
        """Each block's rule settings (the lever value a rule sets, its probability, its conditions' thresholds),
        per replicate where the blocks differ."""
        for key, agent in self.by_key.items():
            for policy in agent.policies:
                if not isinstance(policy, Rule):
                    continue
                specs = [getattr(s.agents, key).policies[policy.name] for s in batch.scenarios]
                assert all(isinstance(sp, RulePolicy) for sp in specs)  # by sim.batch.signature
                policy.value = batch.per_replicate([np.nan if sp.value is None else sp.value for sp in specs])
                policy.thresholds = [
                    batch.per_replicate([sp.when[c].value for sp in specs]) for c in range(len(policy.thresholds))
                ]
                probability = batch.per_replicate([sp.probability for sp in specs])
                if np.ndim(probability):
                    policy.in_force = self.policy_uniforms(f"{key}.{policy.name}") < probability

    def generator(self, stream: str, extra: int | None = None) -> np.random.Generator | BlockedGenerator:
        """The chunk's generator of ``stream`` (``sim.seeds``); in a batch, each block's, side by side."""
        if self.batch is not None:
            return self.batch.generator(stream, extra)
        return seeds.generator(self.spec.seed, self.chunk, stream, point=self.point, extra=extra)

    def event_field(self, name: str, attr: str) -> Any:
        """Event ``name``'s ``attr`` (week, probability, value): a number, or per replicate in a batch whose
        blocks set different ones."""
        if self.batch is None:
            return getattr(self.spec.events[name], attr)
        return self.batch.per_replicate([getattr(s.events[name], attr) for s in self.batch.scenarios])

    def note(self, kind: str, text: str) -> None:
        """A note (kind: lever, event, salvo, talks, refusal, signal, concession, end) for the traced replicate,
        while it is active."""
        if self.tracing and text and self.active[self.trace_index]:
            self.trace_log.append((self.week, kind, text))

    def lever(self, agent: str, name: str) -> np.ndarray:
        return self.levers[agent][name]

    def date(self, week: int) -> dt.date:
        return self.spec.start_date + dt.timedelta(weeks=week)

    def observe(self, var: str) -> Any:
        if var == "week":
            return float(self.week)
        return getattr(self.state, var)

    # The recorder's arrays, as the runner collects them.
    @property
    def hist(self) -> np.ndarray:
        return self.recorder.hist

    @property
    def sums(self) -> np.ndarray:
        return self.recorder.sums

    @property
    def n_active(self) -> np.ndarray:
        return self.recorder.n_active

    @property
    def outcome_counts(self) -> np.ndarray:
        return self.recorder.outcome_counts

    @property
    def trajectories(self) -> dict[str, np.ndarray]:
        return self.recorder.trajectories


def _state_property(name: str) -> property:
    return property(lambda self: getattr(self.state, name), doc=f"state.{name}")


# model.front, model.india_share, ...: the state's variables, read-only, for readers of a model (outcomes, trace).
for _name in State.__annotations__:
    setattr(PressureModel, _name, _state_property(_name))
