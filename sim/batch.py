"""Many scenarios in one chunk: the batching of sweeps (issue 17), and of any caller that evaluates many scenarios
(an explorer's fast pass, a calibration generation, an optimiser).

Every week of a ``PressureModel`` costs ~500 numpy calls whatever its size, so a chunk of a few hundred replicates
pays mostly that fixed cost. A *batch* puts several scenarios (sweep points) side by side in one chunk: block
``k`` holds the ``n`` replicates of scenario ``k``; what differs between the scenarios (parameters, initial
values, levers, the week, probability and value of scheduled events, the value, probability and thresholds of
rules) becomes per-replicate arrays, and the outcome table is split back per block.

Results are unchanged by batching: block ``k``'s replicate ``r`` draws exactly the random numbers it draws when
scenario ``k`` runs alone. Every generator of a chunk is keyed by (seed, [point,] chunk, stream[, extra])
(``sim.seeds``); a ``BlockedGenerator`` holds one generator per distinct key of the batch, draws each block's
shape from its block's generator and concatenates along the replicate axis. With common random numbers every
block has the same key: one generator draws one block and the draw is tiled. ``tests/test_batch.py`` checks
parts and ``points.parquet`` byte for byte against the unbatched path for every shipped sweep.

What may differ between the scenarios of one batch is decided field by field (``signature``): scenarios whose
signatures differ run in different batches. A field is batchable when the model reads it only elementwise per
replicate: parameters and initial values given as numbers, levers, an event's week, probability and value, a
rule's value, probability and thresholds. The rest (switches, the horizon, the seed, schedules and responses,
a rule's weeks, distributions, and the few parameters the model reads as one number for the whole chunk:
``NOT_BATCHABLE``) must be equal.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import seeds
from sim.distributions import DIST_TYPES

if TYPE_CHECKING:
    import pyarrow as pa

    from sim.scenario import Scenario

# Parameters the model reads as one number for a whole chunk (a decision or a public belief about their support):
# they may vary between batches, not within one.
NOT_BATCHABLE = frozenset({"negotiation.fixed_offer", "negotiation.private_type_ru", "negotiation.private_type_ua"})

# Target replicates per batched chunk (issue 17: chunks of 10,000-50,000 replicates): large enough that the
# fixed cost of a week's numpy calls is a few per cent of the work, small enough for the cache and for two
# workers to share a sweep evenly.
MIN_BATCH_REPLICATES = 10_000
MAX_BATCH_REPLICATES = 50_000
TASKS_PER_SLOT = 4  # when a sweep is large enough, at least this many batches per worker (load balance)

_MARK = "#batched"


def signature(scenario: Scenario) -> str:
    """What must be equal for two scenarios to share a chunk: the scenario with every batchable value replaced
    by a mark (parameters and initial values given as numbers, lever settings, events' week, probability and
    numeric value, rules' value, probability and thresholds). Names, descriptions and labels do not count."""
    data = scenario.model_dump(mode="json", by_alias=True)
    for key in ("name", "description", "question", "derived_from", "overrides"):
        data.pop(key, None)
    for group, fields in data["params"].items():
        for name, value in fields.items():
            if _number(value) and f"{group}.{name}" not in NOT_BATCHABLE:
                fields[name] = _MARK
    for name, value in data["initial"].items():
        if _number(value):
            data["initial"][name] = _MARK
    for agent in data["agents"].values():
        agent["levers"] = dict.fromkeys(sorted(agent["levers"]), _MARK)
        for policy in agent["policies"].values():
            if policy["kind"] == "rule":
                policy["probability"] = _MARK
                policy["value"] = _MARK if policy["value"] is not None else None
                for cond in policy["when"]:
                    cond["value"] = _MARK
            policy.pop("label", None)
    for event in data["events"].values():
        event["week"] = event["probability"] = _MARK
        if event["value"] is not None:
            event["value"] = _MARK
        event.pop("label", None)
    return json.dumps(data, sort_keys=True, default=str)


def batchable_path(path: str) -> bool:
    """Whether a dotted scenario path (a sweep's parameter) names a field ``signature`` marks, so that points
    setting it to different numbers can share a batch."""
    keys = path.split(".")
    match keys:
        case ["params", group, name]:
            return f"{group}.{name}" not in NOT_BATCHABLE
        case ["initial", _] | ["agents", _, "levers", _]:
            return True
        case ["events", _, "week" | "probability" | "value"]:
            return True
        case ["agents", _, "policies", _, "value" | "probability"]:
            return True  # a rule's (a schedule or response has no such field: validation refuses it)
    return False


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def points_per_batch(replicates: int, points: int, slots: int = 1, *, override: int | None = None) -> int:
    """How many points share a chunk: chunks of MIN_BATCH_REPLICATES to MAX_BATCH_REPLICATES replicates, the
    largest that still leaves TASKS_PER_SLOT batches per worker; ``override`` (``--batch-points``) wins. One
    point when a point's chunk alone reaches the minimum."""
    if override is not None:
        return max(1, int(override))
    if replicates >= MIN_BATCH_REPLICATES or points <= 1:
        return 1
    total = replicates * points
    target = min(MAX_BATCH_REPLICATES, max(MIN_BATCH_REPLICATES, total // (TASKS_PER_SLOT * max(slots, 1))))
    return max(1, min(points, target // replicates))


def group_batches[T](items: Sequence[T], key: Callable[[T], str], size: int) -> list[list[T]]:
    """Items in batches of at most ``size`` with equal keys, in the order of their first item (a key's items keep
    their order)."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    out: list[list[T]] = []
    for members in groups.values():
        out += [members[i : i + size] for i in range(0, len(members), size)]
    return out


@dataclass(frozen=True)
class Batch:
    """Scenarios side by side in one chunk (``chunk``, ``n`` replicates each); ``points[k]`` is block ``k``'s
    point in the random streams' key (None: common random numbers). Scenarios must share one ``signature``."""

    scenarios: tuple[Scenario, ...]
    n: int
    chunk: int
    points: tuple[int | None, ...]

    def __post_init__(self) -> None:
        if len(self.points) != len(self.scenarios) or not self.scenarios:
            raise ValueError("a batch needs one point key per scenario, and at least one scenario")

    @property
    def blocks(self) -> int:
        return len(self.scenarios)

    @property
    def total(self) -> int:
        return self.n * self.blocks

    @property
    def spec(self) -> Scenario:
        """The first scenario: what every block shares (switches, horizon, seed, policies, ...)."""
        return self.scenarios[0]

    def generator(self, stream: str, extra: int | None = None) -> BlockedGenerator:
        """The chunk's generator of ``stream`` (and ``extra``) for every block at once."""
        seed = self.spec.seed
        gens: dict[int | None, np.random.Generator] = {}
        for p in self.points:
            if p not in gens:
                gens[p] = seeds.generator(seed, self.chunk, stream, point=p, extra=extra)
        return BlockedGenerator([gens[p] for p in self.points], self.n)

    def per_replicate(self, values: Sequence[Any]) -> Any:
        """One value per block as the model holds it: the value itself when every block has the same (so an
        unbatched quantity stays a number), else an array of each block's value repeated ``n`` times."""
        first = values[0]
        if all(_same(v, first) for v in values[1:]):
            return first
        return np.repeat(np.asarray([np.nan if v is None else v for v in values], dtype=float), self.n)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b) and type(a) is type(b)


class BlockedGenerator:
    """One ``numpy.random.Generator`` per block (the same object for blocks that share a key): a draw of shape
    ``(..., blocks * n)`` is each block's draw of shape ``(..., n)`` from its own generator, concatenated along
    the last axis, so block k sees what its scenario sees alone. Blocks sharing one generator (common random
    numbers) draw once and the draw is tiled."""

    def __init__(self, generators: list[np.random.Generator], n: int) -> None:
        self.generators = generators
        self.n = n
        self.shared = all(g is generators[0] for g in generators)

    def _draw(self, method: str, size: int | tuple[int, ...]) -> np.ndarray:
        shape = (size,) if isinstance(size, int) else tuple(size)
        if shape[-1] != self.n * len(self.generators):
            raise ValueError(f"a blocked draw spans every block: last axis {shape[-1]}, expected {self.n} per block")
        block = (*shape[:-1], self.n)
        if self.shared:
            one = getattr(self.generators[0], method)(block)
            return np.tile(one, (1,) * (len(shape) - 1) + (len(self.generators),))
        return np.concatenate([getattr(g, method)(block) for g in self.generators], axis=-1)

    def random(self, size: int | tuple[int, ...]) -> np.ndarray:
        return self._draw("random", size)

    def standard_normal(self, size: int | tuple[int, ...]) -> np.ndarray:
        return self._draw("standard_normal", size)


def sample_batch(batch: Batch) -> Any:
    """``sim.sampling.sample_parameters`` for every block of a batch: a parameter drawn from a distribution is
    drawn per block from its block's stream (the distribution is the same in every block, by ``signature``);
    one given as a number is that number when equal in every block, else per replicate."""
    from sim.params import Initial, Params, iter_params
    from sim.sampling import Sample

    rows = [iter_params(s.params, "params") + iter_params(s.initial, "initial") for s in batch.scenarios]
    drawn: dict[str, np.ndarray] = {}
    groups: dict[str, dict[str, Any]] = {}
    for i, (path, value, _extra, _doc) in enumerate(rows[0]):
        if isinstance(value, DIST_TYPES):
            u = batch.generator("params", seeds.path_key(path)).random(batch.total)
            value = drawn[path] = np.asarray(value.ppf(u), dtype=float)
        else:
            value = batch.per_replicate([r[i][1] for r in rows])
        *_, group, name = path.split(".")
        groups.setdefault("initial" if path.startswith("initial.") else group, {})[name] = value
    spec = batch.spec
    params = Params.model_construct(
        **{
            group: type(getattr(spec.params, group)).model_construct(**fields)
            for group, fields in groups.items()
            if group != "initial"
        }
    )
    return Sample(params, Initial.model_construct(**groups["initial"]), drawn)


def run_batch(batch: Batch, *, record: bool = False) -> list[pa.Table]:
    """Run a batch to the horizon; each block's outcome table (``sim.outcomes.outcome_table``: replicates
    numbered from ``chunk * chunk_size`` as when its scenario runs alone). ``record``: keep the weekly
    histograms (a sweep does not read them)."""
    from sim.model import PressureModel
    from sim.outcomes import outcome_table

    if batch.blocks == 1:  # one scenario: the model as ``sim run`` builds it
        model = PressureModel(batch.spec, batch.n, batch.chunk, point=batch.points[0], record=record)
    else:
        model = PressureModel(batch.spec, batch.total, batch.chunk, batch=batch, record=record)
    model.run()
    table = outcome_table(model, batch.chunk * batch.spec.chunk_size)
    return [table.slice(k * batch.n, batch.n) for k in range(batch.blocks)]


def run_scenarios(
    scenarios: Sequence[Scenario],
    *,
    points: Sequence[int | None] | None = None,
    batch_points: int | None = None,
    record: bool = False,
) -> list[pa.Table]:
    """Each scenario's whole outcome table (every chunk, as ``sim run`` numbers its replicates), the scenarios run
    in batches in this process: what an explorer's fast pass, a calibration generation or an optimiser calls to
    evaluate many candidates at the cost of one large run. ``points``: each scenario's key in the random streams
    (default None: common random numbers, so differences between candidates are paired); ``batch_points``: as
    ``sim sweep --batch-points`` (default automatic). Scenarios that cannot share a chunk (``signature``) run in
    separate batches; the tables do not depend on the batching."""
    import pyarrow as pa

    from sim.scenario import chunk_sizes

    keys = list(points) if points is not None else [None] * len(scenarios)
    if len(keys) != len(scenarios):
        raise ValueError("one point key per scenario")
    parts: list[list[pa.Table]] = [[] for _ in scenarios]
    for group in group_batches(range(len(scenarios)), lambda i: signature(scenarios[i]), len(scenarios)):
        spec = scenarios[group[0]]
        sizes = chunk_sizes(spec.replicates, spec.chunk_size)
        per = points_per_batch(sizes[0], len(group), override=batch_points)
        for c, n in enumerate(sizes):
            for members in (group[i : i + per] for i in range(0, len(group), per)):
                batch = Batch(tuple(scenarios[i] for i in members), n, c, tuple(keys[i] for i in members))
                for i, table in zip(members, run_batch(batch, record=record), strict=True):
                    parts[i].append(table)
    return [pa.concat_tables(p) for p in parts]
