"""The scenario schema: a frozen pydantic model of a scenario file, validated once at the edge.

The model never sees raw YAML: sim.scenario.yamlio reads files, merges ``extends:`` and applies ``--set``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.fields import Date, Finite, Integer, Label, Text
from sim.levers import LEVERS, MOVED, Lever
from sim.params import Initial, Params
from sim.scenario.messages import did_you_mean as _did_you_mean

# Levers are declared in sim.levers (re-exported here: sim.scenario.LEVERS).

# Observable variables that rules and responses may read (all end-of-last-week values).
OBSERVABLES = (
    "week",
    "front",
    "mil_ru",
    "mil_ua",
    "resolve_ru",
    "resolve_ua",
    "brent",
    "discount",
    "india_share",
    "revenue_ru",
    "buffer_ru",
    "strain_ru",
    "refining_ru",
    "grid_ua",
    "energy_deficit",
    "strikes_ru",
    "strikes_ua",
    "escalation",
    "tomahawks_delivered",
    "belief_ru",
    "belief_ua",
    "talks_held",
    "penalty_tariff",
)

EVENT_ALIASES: dict[str, tuple[str, str]] = {
    "tariff": ("us", "penalty_tariff"),
    "sanctions": ("us", "sanctions"),
    "tomahawks": ("us", "tomahawks"),
    "assets": ("europe", "assets"),
    "aid": ("us", "aid"),
    "guarantees": ("us", "guarantees"),
    "relief": ("us", "relief"),
    "mediation": ("us", "mediation"),
}


# Bounds on the size of a scenario (docs/scenarios.md): every event and policy is looked at every week.
MAX_EVENTS = 500
MAX_POLICIES = 100  # per agent
MAX_TRAJECTORIES = 64  # kept state variables (there are fewer; a longer list repeats names)
BIG = 1e12  # bound on a response function's coefficients, so that base + slope * (var - ref) stays finite
MAX_SALVO = 1e6  # drone-equivalents in one salvo event


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Condition(Strict):
    """``var op value``, e.g. ``{var: india_share, op: "<", value: 0.1}``."""

    var: str
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: Finite = Field(ge=-BIG, le=BIG)

    @field_validator("var")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in OBSERVABLES:
            raise ValueError(
                f"unknown variable {v!r}{_did_you_mean(v, OBSERVABLES)}; expected one of " + ", ".join(OBSERVABLES)
            )
        return v


class SchedulePolicy(Strict):
    """Fixed schedule: the lever takes ``at[week]`` from that week on."""

    kind: Literal["schedule"]
    lever: str
    at: dict[Integer, Finite | None] = Field(min_length=1, max_length=5_000)
    label: Label = ""


class RulePolicy(Strict):
    """Trigger rule: set ``lever`` to ``value`` in the weeks where every condition in ``when`` has held for
    ``for_weeks`` consecutive weeks (and, with ``once``, keep it from then on). Drawn per replicate to be in
    force with ``probability`` (an undecided government)."""

    kind: Literal["rule"]
    lever: str
    value: Finite | None
    when: list[Condition] = Field(min_length=1, max_length=20)
    for_weeks: Integer = Field(1, ge=1, le=10_000)
    once: bool = False
    probability: Finite = Field(1.0, ge=0, le=1)
    from_week: Integer = Field(0, ge=0)
    until_week: Integer | None = Field(None, ge=0, le=1_000_000)
    label: Label = ""


class ResponsePolicy(Strict):
    """Response function: ``lever = clip(base + slope * (var - ref), min, max)`` every week from ``from_week``."""

    kind: Literal["response"]
    lever: str
    var: str
    base: Finite = Field(ge=-BIG, le=BIG)
    slope: Finite = Field(ge=-BIG, le=BIG)
    ref: Finite = Field(0.0, ge=-BIG, le=BIG)
    min: Finite = Field(-BIG, ge=-BIG, le=BIG)
    max: Finite = Field(BIG, ge=-BIG, le=BIG)
    from_week: Integer = Field(0, ge=0)
    label: Label = ""

    @field_validator("var")
    @classmethod
    def _known(cls, v: str) -> str:
        return Condition._known(v)

    @model_validator(mode="after")
    def _clip(self) -> ResponsePolicy:
        if self.min > self.max:
            raise ValueError(f"max: expected a value >= min ({self.min:g}), got {self.max:g}")
        return self


Policy = Annotated[SchedulePolicy | RulePolicy | ResponsePolicy, Field(discriminator="kind")]


class AgentSpec(Strict):
    levers: dict[Label, Finite | None] = Field(default_factory=dict)
    policies: dict[Label, Policy] = Field(default_factory=dict, max_length=MAX_POLICIES)


def move_levers(data: Any) -> Any:
    """A lever that moved to another agent (``sim.levers.MOVED``) may still be named at its old path: its
    value and the policies that set it go to the new agent (both paths with different values: an error)."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for (old_agent, name), (new_agent, new_name) in MOVED.items():
        old = data.get(old_agent)
        if not isinstance(old, dict):
            continue
        old = dict(old)
        new = dict(data.get(new_agent) or {})
        levers = old.get("levers")
        if isinstance(levers, dict) and name in levers:
            levers = dict(levers)
            value = levers.pop(name)
            new_levers = dict(new.get("levers") or {})
            if new_name in new_levers and new_levers[new_name] != value:
                raise ValueError(
                    f"agents.{old_agent}.levers.{name}: moved to agents.{new_agent}.levers.{new_name}, which is "
                    f"also set ({new_levers[new_name]!r} against {value!r}); set one of them"
                )
            new_levers[new_name] = value
            old["levers"], new["levers"] = levers, new_levers
        policies = old.get("policies")
        if isinstance(policies, dict):
            moving = {k: p for k, p in policies.items() if isinstance(p, dict) and p.get("lever") == name}
            if moving:
                new_policies = dict(new.get("policies") or {})
                for k, p in moving.items():
                    if k in new_policies:
                        raise ValueError(
                            f"agents.{old_agent}.policies.{k}: its lever {name!r} moved to {new_agent}, which "
                            f"already has a policy {k!r}"
                        )
                    new_policies[k] = {**p, "lever": new_name}
                old["policies"] = {k: p for k, p in policies.items() if k not in moving}
                new["policies"] = new_policies
        data[old_agent], data[new_agent] = old, new
    return data


class Agents(Strict):
    us: AgentSpec = AgentSpec()
    russia: AgentSpec = AgentSpec()
    ukraine: AgentSpec = AgentSpec()
    india: AgentSpec = AgentSpec()
    europe: AgentSpec = AgentSpec()

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: Any) -> Any:
        return move_levers(data)

    @model_validator(mode="after")
    def _levers(self) -> Agents:
        for agent in LEVERS:
            spec: AgentSpec = getattr(self, agent)
            for name, value in spec.levers.items():
                _check_lever(agent, name, value, f"agents.{agent}.levers.{name}")
            for pname, pol in spec.policies.items():
                where = f"agents.{agent}.policies.{pname}"
                _check_lever(agent, pol.lever, None, where + ".lever", name_only=True)
                values = (
                    list(pol.at.values())
                    if isinstance(pol, SchedulePolicy)
                    else ([pol.value] if isinstance(pol, RulePolicy) else [])
                )
                for v in values:
                    _check_lever(agent, pol.lever, v, where)
        return self


def _check_lever(agent: str, name: str, value: float | None, where: str, *, name_only: bool = False) -> None:
    table = LEVERS[agent]
    if name not in table:
        raise ValueError(f"{where}: unknown lever {name!r} of {agent}{_did_you_mean(name, table)}")
    lever: Lever = table[name]
    if name_only:
        return
    lo, hi = lever.lo, lever.hi
    if value is None:
        if lever.default is not None:
            raise ValueError(f"{where}: expected a number in [{lo:g}, {hi:g}], got null (only demand levers take null)")
        return
    if not lo <= value <= hi:
        raise ValueError(f"{where}: expected a value in [{lo:g}, {hi:g}], got {value:g}")


# Parameters fixed at week 0 (they set the front's lattice, the contest's balance, the belief priors, the
# strike propagator, the demand table or the planning horizon's quadrature): a ``param`` event cannot move them.
FIXED_AT_WEEK_0 = frozenset(
    {
        "front.n_steps",
        "front.p0",
        "front.tullock_k",
        "beliefs.prior_mean_ru",
        "beliefs.prior_mean_ua",
        "beliefs.prior_strength_ru",
        "beliefs.prior_strength_ua",
        "strikes.m",
        "strikes.n",
        "strikes.a",
        "strikes.b",
        "energy.demand_mean",
        "energy.demand_amplitude",
        "energy.peak_day",
        "negotiation.horizon",
    }
)


def param_path(path: str) -> tuple[str, str]:
    """(group, name) of a parameter event's ``param`` (``oil.jump_rate`` or ``params.oil.jump_rate``)."""
    parts = path.removeprefix("params.").split(".")
    if len(parts) != 2:
        raise ValueError(f"param: expected a parameter as group.name (e.g. oil.jump_rate), got {path!r}")
    group, name = parts
    groups = Params.model_fields
    if group not in groups:
        raise ValueError(f"param: unknown parameter group {group!r}{_did_you_mean(group, groups)}")
    fields = typing.cast(type[BaseModel], groups[group].annotation).model_fields
    if name not in fields:
        raise ValueError(f"param: unknown parameter {group}.{name}{_did_you_mean(name, fields)}")
    if f"{group}.{name}" in FIXED_AT_WEEK_0:
        raise ValueError(f"param: {group}.{name} is fixed at week 0 and cannot change from a later week")
    return group, name


def _check_param(path: str, value: float | None) -> None:
    group, name = param_path(path)
    if value is None:
        raise ValueError("an event of kind 'param' needs a value")
    extra = typing.cast(type[BaseModel], Params.model_fields[group].annotation).model_fields[name].json_schema_extra
    lo, hi = float(extra["lo"]), float(extra["hi"])  # type: ignore[index, arg-type]
    if not lo <= value <= hi:
        raise ValueError(f"value: expected a value in [{lo:g}, {hi:g}] for {group}.{name}, got {value:g}")


class Event(Strict):
    """A scheduled event. ``summit``: a negotiation round that takes place with ``probability``. ``salvo``: a
    pulse of ``value`` drone-equivalents. ``lever`` (or the aliases tariff, sanctions, tomahawks, assets, aid,
    guarantees, relief, mediation): the lever takes ``value`` from that week, with ``probability``. ``param``:
    the model parameter ``param`` (``group.name``, e.g. ``oil.jump_rate``) takes ``value`` from that week on,
    with ``probability`` (an oil shock, a new enforcement level)."""

    week: Integer = Field(ge=1)  # week 0 is the initial state: set a lever's starting value under agents.*.levers
    kind: Literal[
        "summit",
        "salvo",
        "lever",
        "tariff",
        "sanctions",
        "tomahawks",
        "assets",
        "aid",
        "guarantees",
        "relief",
        "mediation",
        "param",
    ]
    probability: Finite = Field(1.0, ge=0, le=1)
    value: Finite | None = None
    agent: Literal["us", "russia", "ukraine", "india", "europe"] | None = None
    lever: Label | None = None
    param: Label | None = None
    label: Label = ""

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data: Any) -> Any:
        """An event of kind 'lever' may name a lever at its old agent (``sim.levers.MOVED``)."""
        if isinstance(data, dict) and data.get("kind") == "lever":
            moved = MOVED.get((str(data.get("agent")), str(data.get("lever"))))
            if moved is not None:
                data = {**data, "agent": moved[0], "lever": moved[1]}
        return data

    @model_validator(mode="after")
    def _target(self) -> Event:
        if self.param is not None and self.kind != "param":
            raise ValueError(f"param: only an event of kind 'param' names a parameter (this one is {self.kind!r})")
        if self.kind == "param":
            if self.param is None:
                raise ValueError("an event of kind 'param' needs param (group.name, e.g. oil.jump_rate)")
            _check_param(self.param, self.value)
        elif self.kind == "lever":
            if self.agent is None or self.lever is None:
                raise ValueError("an event of kind 'lever' needs agent and lever")
            _check_lever(self.agent, self.lever, self.value, "lever")
        elif self.kind in EVENT_ALIASES:
            agent, lever = EVENT_ALIASES[self.kind]
            if self.value is None:
                raise ValueError(f"an event of kind {self.kind!r} needs a value")
            _check_lever(agent, lever, self.value, "value")
        elif self.kind == "salvo" and self.value is not None and not 0 <= self.value <= MAX_SALVO:
            raise ValueError(f"value: expected a salvo of [0, {MAX_SALVO:g}] drone-equivalents, got {self.value:g}")
        return self

    def target(self) -> tuple[str, str] | None:
        if self.kind == "lever":
            assert self.agent is not None and self.lever is not None  # checked by _target
            return self.agent, self.lever
        return EVENT_ALIASES.get(self.kind)


class Switches(Strict):
    """Turn processes off, for validation scenarios that reduce the model to a closed form."""

    oil: bool = True
    strikes: bool = True
    battle: bool = True
    attrition: bool = True
    learning: bool = True
    escalation: bool = True
    negotiation: bool = True
    costs: bool = True
    salvos: bool = True


class Scenario(Strict):
    name: Label = Field(min_length=1, max_length=100)
    description: Text = ""
    question: Text = ""
    start_date: Date = dt.date(2025, 10, 16)
    horizon_weeks: Integer = Field(104, ge=1, le=5_000)
    replicates: Integer = Field(10_000, ge=1, le=100_000_000)
    seed: Integer = Field(20251016, ge=0, le=2**63 - 1)
    chunk_size: Integer = Field(10_000, ge=1, le=1_000_000)
    initial: Initial = Initial()
    params: Params = Params()
    agents: Agents = Agents()
    events: dict[Label, Event] = Field(default_factory=dict, max_length=MAX_EVENTS)
    switches: Switches = Switches()
    trajectories: list[str] = Field(default_factory=list, max_length=MAX_TRAJECTORIES)
    # A variant (sim/variant.py): loaded with --set overrides that change the model. Empty for a file as written.
    derived_from: str = ""
    overrides: list[str] = Field(default_factory=list)

    @field_validator("trajectories")
    @classmethod
    def _traj(cls, v: list[str]) -> list[str]:
        from sim.names import STATE_VARIABLES

        for name in v:
            if name not in STATE_VARIABLES:
                raise ValueError(f"unknown state variable {name!r}{_did_you_mean(name, STATE_VARIABLES)}")
        return v

    @model_validator(mode="after")
    def _weeks(self) -> Scenario:
        h = self.horizon_weeks
        for name, ev in self.events.items():
            if ev.week > h:
                raise ValueError(f"events.{name}.week: expected a week in [0, {h}] (the horizon), got {ev.week}")
        for agent in LEVERS:
            for pname, pol in getattr(self.agents, agent).policies.items():
                where = f"agents.{agent}.policies.{pname}"
                if isinstance(pol, SchedulePolicy):
                    for w in pol.at:
                        if not 1 <= w <= h:
                            raise ValueError(
                                f"{where}.at: expected weeks in [1, {h}] (week 0 is the initial "
                                f"state, set by agents.{agent}.levers), got {w}"
                            )
                elif pol.from_week > h:
                    raise ValueError(
                        f"{where}.from_week: expected a week in [0, {h}] (the horizon), got {pol.from_week}"
                    )
                if isinstance(pol, RulePolicy) and pol.until_week is not None and pol.until_week < pol.from_week:
                    raise ValueError(
                        f"{where}.until_week: expected a week >= from_week ({pol.from_week}), got {pol.until_week}"
                    )
        return self

    @property
    def dir_name(self) -> str:
        return safe_name(self.name)

    def resolved_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json", by_alias=True)
        if not self.derived_from and not self.overrides:  # a file as written keeps its digest
            data.pop("derived_from", None)
            data.pop("overrides", None)
        return data

    def digest(self) -> str:
        blob = json.dumps(self.resolved_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


def safe_name(name: str) -> str:
    """A directory name from a scenario name: no separators, no leading dots, no '..'."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._-")
    cleaned = cleaned.replace("..", "_")
    return cleaned or "scenario"


def chunk_sizes(replicates: int, chunk_size: int) -> list[int]:
    """Replicates per chunk: full chunks and a final partial one."""
    full, rest = divmod(replicates, chunk_size)
    return [chunk_size] * full + ([rest] if rest else [])
