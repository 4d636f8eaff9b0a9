"""Running a scenario: chunks of fixed size, an executor, and order-independent aggregation.

A chunk's result depends only on (scenario, seed, chunk index, point), never on which worker ran it or when,
so outputs are byte-identical for any number of workers.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.model import PressureModel
from sim.outcomes import WeeklyAccumulator, outcome_table, summarise
from sim.scenario import Scenario


def chunk_sizes(replicates: int, chunk_size: int) -> list[int]:
    """Replicates per chunk: full chunks and a final partial one."""
    full, rest = divmod(replicates, chunk_size)
    return [chunk_size] * full + ([rest] if rest else [])


def run_chunk(scenario: Scenario, chunk: int, n: int, point: int | None = None,
              keep: tuple[str, ...] = (), on_week: Callable[[int], None] | None = None) -> dict[str, Any]:
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
        "chunk": chunk, "n": n, "outcomes": table, "hist": model.hist, "sums": model.sums,
        "n_active": model.n_active, "outcome_counts": model.outcome_counts,
        "trajectories": {k: v for k, v in model.trajectories.items()},
        "seconds": time.perf_counter() - started,
    }


def default_workers() -> int:
    return max(os.cpu_count() or 1, 1)


def make_pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: a forked child of a process with threads (Dask, tqdm's monitor) can deadlock.
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("forkserver"))


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

    def probability(self, outcome: str) -> float:
        return float(self.summary["outcomes"][outcome]["p"])


def execute(scenario: Scenario, *, workers: int = 1, point: int | None = None,
            progress: Callable[[int], None] | None = None, executor: Executor | None = None
            ) -> Iterator[dict[str, Any]]:
    """Yield every chunk's result (in completion order). ``progress`` receives replicate-weeks done."""
    sizes = chunk_sizes(scenario.replicates, scenario.chunk_size)
    keep = tuple(scenario.trajectories)
    if executor is None and (workers <= 1 or len(sizes) == 1):
        for c, n in enumerate(sizes):
            yield run_chunk(scenario, c, n, point, keep, on_week=progress)
        return
    own = executor is None
    pool = executor or make_pool(min(workers, len(sizes)))
    try:
        futures: dict[Future[dict[str, Any]], int] = {
            pool.submit(run_chunk, scenario, c, n, point, keep): c for c, n in enumerate(sizes)}
        for fut in as_completed(futures):
            part = fut.result()
            if progress is not None:
                progress(part["n"] * scenario.horizon_weeks)
            yield part
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


def run(scenario: Scenario, *, workers: int = 1, point: int | None = None,
        progress: Callable[[int], None] | None = None,
        trajectory_sink: Callable[[int, dict[str, Any]], None] | None = None) -> RunResult:
    """Run a scenario in memory and return its tables and summary (see ``sim.results.write_results``).

    Kept trajectories (``scenario.trajectories``) go to ``trajectory_sink(chunk, arrays)`` as each chunk
    finishes when one is given (streamed to disk, memory bounded), else into ``RunResult.trajectories``."""
    started = time.perf_counter()
    acc = WeeklyAccumulator(scenario.horizon_weeks)
    tables: dict[int, pa.Table] = {}
    trajectories: dict[int, dict[str, Any]] = {}
    compute = 0.0
    for part in execute(scenario, workers=workers, point=point, progress=progress):
        acc.add(part["chunk"], part)
        tables[part["chunk"]] = part["outcomes"]
        if part["trajectories"]:
            if trajectory_sink is not None:
                trajectory_sink(part["chunk"], part["trajectories"])
            else:
                trajectories[part["chunk"]] = part["trajectories"]
        compute += part["seconds"]
    outcomes = pa.concat_tables([tables[c] for c in sorted(tables)]).to_pandas()
    weekly = acc.table(scenario.start_date)
    summary = summarise(outcomes, scenario.start_date, scenario.horizon_weeks)
    summary["scenario"] = scenario.name
    summary["seed"] = scenario.seed
    wall = time.perf_counter() - started
    traj = {c: trajectories[c] for c in sorted(trajectories)}
    return RunResult(scenario, outcomes, weekly, summary,
                     {"wall_seconds": wall, "compute_seconds": compute}, traj)
