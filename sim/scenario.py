"""Scenario files: schema, safe loading, ``extends:``, ``--set`` overrides and one-line errors.

A scenario is validated once, at the edge, into a frozen pydantic model; the model never sees raw YAML.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.errors import ScenarioError
from sim.params import Initial, Params

MAX_FILE_BYTES = 1_000_000
MAX_ALIASES = 100
MAX_NODES = 200_000  # nodes after alias expansion
MAX_EXTENDS_DEPTH = 8

# ---------------------------------------------------------------------------------------------------------
# Levers: (agent, lever) -> default, admissible range, unit, meaning. NaN-able levers use None in YAML.

LEVERS: dict[str, dict[str, tuple[float | None, float, float, str, str]]] = {
    "us": {
        "penalty_tariff": (
            25.0,
            0,
            100,
            "points",
            "Russia-oil penalty tariff on India on top of the 25% reciprocal rate (0 or 25 in 2025)",
        ),
        "tomahawks": (0.0, 0, 1, "0/1", "Tomahawk approval; deliveries start after refining.tomahawk_lag"),
        "sanctions": (0.2, 0, 1, "enforcement", "enforcement of sanctions on Russian oil (0 none, 1 full)"),
        "aid": (1.0, 0, 3, "x Oct 2025", "US military aid and intelligence (1 = Oct 2025 level)"),
        "air_defence": (0.0, 0, 0.15, "share", "added interception share from air-defence deliveries"),
        "assets": (0.0, 0, 1, "0/1", "frozen Russian assets mobilised for Ukraine (G7 reparations loan)"),
        "mediation": (1.0, 0, 10, "x", "multiplier on the weekly chance of talks"),
        "guarantees": (
            0.25,
            0,
            1,
            "strength",
            "security guarantees for Ukraine in a deal (0 none, 0.25 partial, 0.8 strong)",
        ),
        "relief": (1.0, 0, 1, "share", "share of negotiation.relief_worth on offer to Russia in a deal"),
    },
    "russia": {
        "strike_forcing": (255.0, 0, 1e5, "drone-eq/week", "forcing r of Russia's strikes on Ukraine's energy"),
        "offensive": (1.0, 0, 3, "x Oct 2025", "offensive intensity (scales attrition of both sides)"),
        "demand": (None, 0, 1, "share", "least territory share Russia accepts (null: its reservation value)"),
    },
    "ukraine": {
        "deep_strike_forcing": (45.0, 0, 1e5, "drone-eq/week", "forcing s of Ukraine's strikes on refineries"),
        "mobilisation": (1.0, 0, 3, "x Oct 2025", "mobilisation effort (funds replenishment)"),
        "demand": (None, 0, 1, "share", "most territory share Ukraine concedes (null: its reservation value)"),
    },
    "india": {
        "purchase_cap": (1.0, 0, 1, "share", "cap on the Russian share of India's crude imports (0: stop)"),
    },
}

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
    "assets": ("us", "assets"),
    "aid": ("us", "aid"),
    "guarantees": ("us", "guarantees"),
    "relief": ("us", "relief"),
    "mediation": ("us", "mediation"),
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(Strict):
    """``var op value``, e.g. ``{var: india_share, op: "<", value: 0.1}``."""

    var: str
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: float

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
    at: dict[int, float | None] = Field(min_length=1)
    label: str = ""


class RulePolicy(Strict):
    """Trigger rule: set ``lever`` to ``value`` in the weeks where every condition in ``when`` has held for
    ``for_weeks`` consecutive weeks (and, with ``once``, keep it from then on). Drawn per replicate to be in
    force with ``probability`` (an undecided government)."""

    kind: Literal["rule"]
    lever: str
    value: float | None
    when: list[Condition] = Field(min_length=1)
    for_weeks: int = Field(1, ge=1, le=10_000)
    once: bool = False
    probability: float = Field(1.0, ge=0, le=1)
    from_week: int = Field(0, ge=0)
    until_week: int | None = Field(None, ge=0)
    label: str = ""


class ResponsePolicy(Strict):
    """Response function: ``lever = clip(base + slope * (var - ref), min, max)`` every week from ``from_week``."""

    kind: Literal["response"]
    lever: str
    var: str
    base: float
    slope: float
    ref: float = 0.0
    min: float = -1e12
    max: float = 1e12
    from_week: int = Field(0, ge=0)
    label: str = ""

    @field_validator("var")
    @classmethod
    def _known(cls, v: str) -> str:
        return Condition._known(v)  # type: ignore[operator]


Policy = Annotated[SchedulePolicy | RulePolicy | ResponsePolicy, Field(discriminator="kind")]


class AgentSpec(Strict):
    levers: dict[str, float | None] = Field(default_factory=dict)
    policies: dict[str, Policy] = Field(default_factory=dict)


class Agents(Strict):
    us: AgentSpec = AgentSpec()
    russia: AgentSpec = AgentSpec()
    ukraine: AgentSpec = AgentSpec()
    india: AgentSpec = AgentSpec()

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
    default, lo, hi, _unit, _doc = table[name]
    if name_only:
        return
    if value is None:
        if default is not None:
            raise ValueError(f"{where}: expected a number in [{lo:g}, {hi:g}], got null (only demand levers take null)")
        return
    if not lo <= value <= hi:
        raise ValueError(f"{where}: expected a value in [{lo:g}, {hi:g}], got {value:g}")


class Event(Strict):
    """A scheduled event. ``summit``: a negotiation round that takes place with ``probability``. ``salvo``: a
    pulse of ``value`` drone-equivalents. ``lever`` (or the aliases tariff, sanctions, tomahawks, assets, aid,
    guarantees, relief, mediation): the lever takes ``value`` from that week, with ``probability``."""

    week: int = Field(ge=1)  # week 0 is the initial state: set a lever's starting value under agents.*.levers
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
    ]
    probability: float = Field(1.0, ge=0, le=1)
    value: float | None = None
    agent: Literal["us", "russia", "ukraine", "india"] | None = None
    lever: str | None = None
    label: str = ""

    @model_validator(mode="after")
    def _target(self) -> Event:
        if self.kind == "lever":
            if self.agent is None or self.lever is None:
                raise ValueError("an event of kind 'lever' needs agent and lever")
            _check_lever(self.agent, self.lever, self.value, "lever")
        elif self.kind in EVENT_ALIASES:
            agent, lever = EVENT_ALIASES[self.kind]
            if self.value is None:
                raise ValueError(f"an event of kind {self.kind!r} needs a value")
            _check_lever(agent, lever, self.value, "value")
        elif self.kind == "salvo" and self.value is not None and self.value < 0:
            raise ValueError("a salvo's value (drone-equivalents) must be >= 0")
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
    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    question: str = ""
    start_date: dt.date = dt.date(2025, 10, 16)
    horizon_weeks: int = Field(104, ge=1, le=5_000)
    replicates: int = Field(10_000, ge=1, le=100_000_000)
    seed: int = Field(20251016, ge=0, le=2**63 - 1)
    chunk_size: int = Field(10_000, ge=1, le=1_000_000)
    initial: Initial = Initial()
    params: Params = Params()
    agents: Agents = Agents()
    events: dict[str, Event] = Field(default_factory=dict)
    switches: Switches = Switches()
    trajectories: list[str] = Field(default_factory=list)

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
        return self.model_dump(mode="json", by_alias=True)

    def digest(self) -> str:
        blob = json.dumps(self.resolved_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# Loading


def safe_name(name: str) -> str:
    """A directory name from a scenario name: no separators, no leading dots, no '..'."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._-")
    cleaned = cleaned.replace("..", "_")
    return cleaned or "scenario"


class _LimitedLoader(yaml.SafeLoader):
    """A SafeLoader that refuses documents with many aliases (exponential 'billion laughs' expansion)."""

    aliases_seen = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > MAX_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_ALIASES} aliases (possible alias-expansion attack)")
        return super().compose_node(parent, index)


# YAML 1.1 (PyYAML) reads 1e-5 as a string: numbers in scientific notation without a dot are floats here.
_LimitedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def read_yaml(path: Path) -> dict[str, Any]:
    """Safe-load a YAML mapping with size and alias limits; ScenarioError naming the file on any problem."""
    src = str(path)
    if not path.exists():
        raise ScenarioError("no such file", source=src)
    if not path.is_file():
        raise ScenarioError("not a regular file", source=src)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(f"file is {size} bytes; the limit is {MAX_FILE_BYTES}", source=src)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text", source=src) from None
    try:
        data = _safe_load_limited(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"malformed YAML: {where}{problem}", source=src) from None
    if data is None:
        raise ScenarioError("empty file: expected a mapping", source=src)
    if not isinstance(data, dict):
        raise ScenarioError(f"expected a mapping at the top level, got {type(data).__name__}", source=src)
    return data


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Nodes the document would have once aliases are expanded (aliases share nodes, so memoise by id)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # guards recursive structures
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        size = 1
    memo[key] = size
    return size


def _safe_load_limited(text: str) -> Any:
    """Safe-load one document, refusing exponential alias expansion before anything is constructed."""
    loader = _LimitedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_NODES:
            raise yaml.YAMLError(
                f"the document expands to more than {MAX_NODES} nodes through its aliases (alias-expansion attack?)"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in ``over`` replaces; ``null`` for a mapping entry deletes it
    (so a child scenario can drop an inherited policy or event)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        elif value is None and isinstance(out.get(key), dict):
            out.pop(key)
        else:
            out[key] = value
    return out


def _read_with_extends(path: Path, depth: int = 0, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    path = path.resolve() if path.exists() else path
    if path in seen:
        raise ScenarioError("extends: cycle through " + " -> ".join(str(p) for p in (*seen, path)), source=str(path))
    if depth > MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"extends: deeper than {MAX_EXTENDS_DEPTH} levels", source=str(path))
    data = read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError("extends: expected a path to a scenario file", source=str(path), field="extends")
    base = _read_with_extends(path.parent / parent, depth + 1, (*seen, path))
    # a child names itself: without a name of its own it must not write into its parent's results directory
    data.setdefault("name", Path(path).stem)
    return deep_merge(base, data)


def read_scenario_data(path: str | Path) -> dict[str, Any]:
    """The raw mapping of a scenario file with ``extends:`` merged, before validation (for sweeps)."""
    return _read_with_extends(Path(path))


def apply_override(data: dict[str, Any], assignment: str, source: str) -> dict[str, Any]:
    """Apply one ``dotted.path=value`` (value parsed as YAML) to a raw scenario mapping. As in a child file,
    ``null`` deletes a mapping entry (an inherited policy or event) and sets anything else to null."""
    if "=" not in assignment:
        raise ScenarioError(f"--set {assignment!r}: expected dotted.path=value", source=source)
    path, raw = assignment.split("=", 1)
    keys = path.strip().split(".")
    if not all(keys):
        raise ScenarioError(f"--set {assignment!r}: empty path component", source=source)
    try:
        value = _safe_load_limited(raw) if raw.strip() else None
    except yaml.YAMLError:
        raise ScenarioError(f"--set {path}: cannot parse value {raw!r}", source=source) from None
    out = dict(data)
    cursor = out
    for i, key in enumerate(keys[:-1]):
        nxt = cursor.get(key)
        if nxt is None:
            nxt = {}
        elif not isinstance(nxt, dict):
            raise ScenarioError(f"--set {path}: {'.'.join(keys[: i + 1])} is not a mapping", source=source)
        cursor[key] = dict(nxt)
        cursor = cursor[key]
    if value is None and isinstance(cursor.get(keys[-1]), dict):
        del cursor[keys[-1]]  # null deletes a mapping entry, as in a child file (deep_merge)
    else:
        cursor[keys[-1]] = value
    return out


def load_scenario(path: str | Path, overrides: typing.Sequence[str] = ()) -> Scenario:
    """Load, merge ``extends:``, apply ``--set`` overrides and validate a scenario file."""
    path = Path(path)
    data = _read_with_extends(path)
    for assignment in overrides:
        data = apply_override(data, assignment, str(path))
    return validate_scenario(data, str(path))


def validate_scenario(data: dict[str, Any], source: str) -> Scenario:
    if "name" not in data:
        data = {**data, "name": Path(source).stem}
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, Scenario), source=source) from None


def format_validation_error(exc: ValidationError, root: type[BaseModel]) -> str:
    """One line: ``field.path: what was expected`` (with 'did you mean' for an unknown key)."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"] if not _is_tag(p)]
    field = ".".join(loc)
    msg = err["msg"].removeprefix("Value error, ")
    kind = err["type"]
    if kind == "extra_forbidden":
        known = _fields_at(root, loc[:-1])
        msg = f"unknown key {loc[-1]!r}{_did_you_mean(loc[-1], known)}"
        if known:
            msg += "; expected one of " + ", ".join(sorted(known))
    elif kind == "missing":
        msg = "required field missing"
    elif kind in ("int_parsing", "int_type", "int_from_float"):
        msg = f"expected an integer, got {err.get('input')!r}"
    elif kind in ("float_parsing", "float_type"):
        msg = f"expected a number, got {err.get('input')!r}"
    elif kind in ("bool_parsing", "bool_type"):
        msg = f"expected true or false, got {err.get('input')!r}"
    elif kind in ("date_parsing", "date_type", "date_from_datetime_parsing"):
        msg = f"expected a date YYYY-MM-DD, got {err.get('input')!r}"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        msg = f"expected a value {msg.removeprefix('Input should be ')}, got {err.get('input')!r}"
    elif kind == "literal_error":
        msg = f"{msg.replace('Input should be', 'expected')}, got {err.get('input')!r}"
    elif kind == "union_tag_invalid":
        msg = msg.replace("Input tag", "kind").replace("does not match any of the expected tags", "is not one of")
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        msg = f"expected a mapping, got {type(err.get('input')).__name__}"
    if ": " in msg and msg.split(": ", 1)[0].count(".") >= 1 and " " not in msg.split(": ", 1)[0]:
        # a nested validator already named a deeper field path (e.g. agents.us.levers.aid)
        sub, msg = msg.split(": ", 1)
        field = sub if sub.startswith(field) or not field else f"{field}.{sub}"
    return f"{field}: {msg}" if field else msg


_TAGS = {"schedule", "rule", "response", "uniform", "normal", "triangular", "beta", "choice"}


def _is_tag(p: Any) -> bool:
    return isinstance(p, str) and (p in _TAGS or p.startswith(("function-", "tagged-union")))


def _fields_at(root: type[BaseModel], loc: list[str]) -> list[str]:
    """The field names of the model found by following ``loc`` from ``root`` (empty when unknown)."""
    tp: Any = root
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if part not in tp.model_fields:
                return []
            tp = tp.model_fields[part].annotation
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        elif typing.get_origin(tp) is list:
            tp = typing.get_args(tp)[0]
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def _did_you_mean(word: str, options: typing.Iterable[str]) -> str:
    options = list(options)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close and len(word) >= 4:  # a fragment of a longer name: 'tarif' -> 'penalty_tariff'
        close = [o for o in options if word in o or o in word][:1]
        if not close:
            close = difflib.get_close_matches(word, [part for o in options for part in o.split("_")], 1, 0.75)
            close = [o for o in options if close and close[0] in o.split("_")][:1]
    return f" (did you mean {close[0]!r}?)" if close else ""


def chunk_sizes(replicates: int, chunk_size: int) -> list[int]:
    """Replicates per chunk: full chunks and a final partial one."""
    full, rest = divmod(replicates, chunk_size)
    return [chunk_size] * full + ([rest] if rest else [])
