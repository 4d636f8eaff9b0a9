"""Running a scenario: chunks of fixed size, an executor, and order-independent aggregation.

A chunk's result depends only on (scenario, seed, chunk index, point), never on which worker ran it or when,
so outputs are byte-identical for any number of workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.model import PressureModel
from sim.outcomes import SUMMARY_COLUMNS, WeeklyAccumulator, outcome_table
from sim.pool import default_workers, make_pool  # noqa: F401  (default_workers re-exported)
from sim.scenario import Scenario, chunk_sizes  # noqa: F401  (chunk_sizes re-exported)
from sim.summary import as_dict, summarise


def run_chunk(
    scenario: Scenario,
    chunk: int,
    n: int,
    point: int | None = None,
    keep: tuple[str, ...] = (),
    on_week: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Run one chunk to the horizon; return its outcome table (Arrow IPC bytes) and weekly aggregates."""
    started = time.perf_counter()
    model = PressureModel(scenario, n, chunk, point=point, keep=keep)
    while model.week < model.horizon:
        model.step()
        if on_week is not None:
            on_week(n)
    offset = chunk * scenario.chunk_size
    table = outcome_table(model, offset)
    return {
        "chunk": chunk,
        "n": n,
        "outcomes": table,
        "hist": model.hist,
        "sums": model.sums,
        "n_active": model.n_active,
        "outcome_counts": model.outcome_counts,
        "trajectories": {k: v for k, v in model.trajectories.items()},
        "seconds": time.perf_counter() - started,
    }


@dataclass
class RunResult:
    """What a run produced: the outcomes (a row per replicate), the weekly table and the summary."""

    scenario: Scenario
    outcomes: pd.DataFrame
    weekly: pd.DataFrame
    summary: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    trajectories: dict[int, dict[str, Any]] = field(default_factory=dict)
    path: str | None = None
    # True when the full outcome table went to an outcome_sink: ``outcomes`` then holds SUMMARY_COLUMNS only
    outcomes_streamed: bool = False

    def probability(self, outcome: str) -> float:
        return float(self.summary["outcomes"][outcome]["p"])


def execute(
    scenario: Scenario,
    *,
    workers: int = 1,
    point: int | None = None,
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield every chunk's result (in completion order). ``progress`` receives replicate-weeks done."""
    sizes = chunk_sizes(scenario.replicates, scenario.chunk_size)
    keep = tuple(scenario.trajectories)
    if executor is None and (workers <= 1 or len(sizes) == 1):
        for c, n in enumerate(sizes):
            yield run_chunk(scenario, c, n, point, keep, on_week=progress)
        return
    own = executor is None
    n_workers = min(workers, len(sizes))
    pool = executor or make_pool(n_workers)
    # A bounded window of tasks in flight, each future dropped once consumed: a finished chunk's result
    # (histograms and tables, ~20 MB at 10,000 replicates) must not stay referenced until the run ends.
    todo = iter(enumerate(sizes))
    in_flight: set[Future[dict[str, Any]]] = set()
    try:
        while True:
            while len(in_flight) < 2 * n_workers and (task := next(todo, None)) is not None:
                in_flight.add(pool.submit(run_chunk, scenario, task[0], task[1], point, keep))
            if not in_flight:
                break
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for fut in done:
                part = fut.result()
                if progress is not None:
                    progress(part["n"] * scenario.horizon_weeks)
                yield part
            del done, fut, part
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


def run(
    scenario: Scenario,
    *,
    workers: int = 1,
    point: int | None = None,
    progress: Callable[[int], None] | None = None,
    trajectory_sink: Callable[[int, dict[str, Any]], None] | None = None,
    outcome_sink: Callable[[int, pa.Table], None] | None = None,
) -> RunResult:
    """Run a scenario in memory and return its tables and summary (see ``sim.results.write_results``).

    Kept trajectories (``scenario.trajectories``) go to ``trajectory_sink(chunk, arrays)`` as each chunk
    finishes when one is given (streamed to disk, memory bounded), else into ``RunResult.trajectories``.
    Likewise each chunk's outcome table goes to ``outcome_sink(chunk, table)`` when one is given, and the
    result keeps only the columns the summary needs (a million replicates' full table is ~0.4 GB)."""
    started = time.perf_counter()
    acc = WeeklyAccumulator(scenario.horizon_weeks)
    tables: dict[int, pa.Table] = {}
    trajectories: dict[int, dict[str, Any]] = {}
    compute = 0.0
    for part in execute(scenario, workers=workers, point=point, progress=progress):
        acc.add(part["chunk"], part)
        if outcome_sink is not None:
            outcome_sink(part["chunk"], part["outcomes"])
            tables[part["chunk"]] = part["outcomes"].select(list(SUMMARY_COLUMNS))
        else:
            tables[part["chunk"]] = part["outcomes"]
        if part["trajectories"]:
            if trajectory_sink is not None:
                trajectory_sink(part["chunk"], part["trajectories"])
            else:
                trajectories[part["chunk"]] = part["trajectories"]
        compute += part["seconds"]
    outcomes = pa.concat_tables([tables[c] for c in sorted(tables)]).to_pandas()
    weekly = acc.table(scenario.start_date)
    summary = as_dict(summarise(outcomes, scenario.start_date, scenario.horizon_weeks))
    summary["scenario"] = scenario.name
    summary["seed"] = scenario.seed
    wall = time.perf_counter() - started
    traj = {c: trajectories[c] for c in sorted(trajectories)}
    return RunResult(
        scenario,
        outcomes,
        weekly,
        summary,
        {"wall_seconds": wall, "compute_seconds": compute},
        traj,
        outcomes_streamed=outcome_sink is not None,
    )
