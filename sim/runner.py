"""Running a scenario: chunks of fixed size, run as tasks on any backend of ``sim.executors`` (the path sweeps
take too), and order-independent aggregation.

A chunk's result depends only on (scenario, seed, chunk index, point), never on which worker ran it or when,
so outputs are byte-identical for any executor and any number of workers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import pyarrow as pa

from sim.errors import RunError
from sim.executors import Backend, InProcess, Task, batched, make_backend, run_batches, run_chunks
from sim.model import PressureModel
from sim.outcomes import SUMMARY_COLUMNS, WeeklyAccumulator, outcome_table
from sim.pool import default_workers  # noqa: F401  (re-exported)
from sim.results import RunResult  # noqa: F401  (re-exported: what a run produced)
from sim.scenario import Scenario, chunk_sizes  # noqa: F401  (chunk_sizes re-exported)
from sim.summary import as_dict, summarise


def run_chunk(
    scenario: Scenario,
    chunk: int,
    n: int,
    point: int | None = None,
    keep: tuple[str, ...] = (),
    on_week: Callable[[int], None] | None = None,
    start: Any = None,
) -> dict[str, Any]:
    """Run one chunk to the horizon; return its outcome table (Arrow IPC bytes) and weekly aggregates.
    ``start``: a restart's starting point (``sim.restart``), which builds the model at a later week."""
    started = time.perf_counter()
    if start is None:
        model = PressureModel(scenario, n, chunk, point=point, keep=keep)
    else:
        model = start.model(scenario, chunk, n, keep)
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


def run(
    scenario: Scenario,
    *,
    workers: int = 1,
    point: int | None = None,
    progress: Callable[[int], None] | None = None,
    trajectory_sink: Callable[[int, dict[str, Any]], None] | None = None,
    outcome_sink: Callable[[int, pa.Table], None] | None = None,
    backend: Backend | None = None,
    on_event: Callable[[str], None] | None = None,
    start: Callable[[int], Any] | None = None,
) -> RunResult:
    """Run a scenario in memory and return its tables and summary (see ``sim.results.write_results``).

    The chunks run on ``backend`` (a ``sim.executors`` backend: in process, a local pool, a Dask cluster), or
    else in process with ``workers=1`` and on a local pool of ``workers`` processes otherwise; through the
    sweeps' ``run_batches``, so a chunk whose worker died is run again. ``progress`` receives replicate-weeks
    done. Kept trajectories (``scenario.trajectories``) go to ``trajectory_sink(chunk, arrays)`` as each
    chunk finishes when one is given (streamed to disk, memory bounded), else into
    ``RunResult.trajectories``. Likewise each chunk's outcome table goes to ``outcome_sink(chunk, table)``
    when one is given, and the result keeps only the columns the summary needs (a million replicates' full
    table is ~0.4 GB). ``start(chunk)``, for a restart (``sim.restart``), gives each chunk its starting point."""
    started = time.perf_counter()
    sizes = chunk_sizes(scenario.replicates, scenario.chunk_size)
    tasks = [
        Task(point or 0, c, n, scenario, point is not None, None if start is None else start(c))
        for c, n in enumerate(sizes)
    ]
    own = backend is None
    backend = backend or make_backend(workers, tasks=len(tasks))
    acc = WeeklyAccumulator(scenario.horizon_weeks)
    tables: dict[int, pa.Table] = {}
    trajectories: dict[int, dict[str, Any]] = {}
    compute = 0.0

    def on_result(_batch: list[Task], parts: list[dict[str, Any]]) -> None:
        nonlocal compute
        for part in parts:
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
            if progress is not None and not in_process:
                progress(part["n"] * scenario.horizon_weeks)

    def on_lost(batch: list[Task], reason: str) -> None:
        chunks = ", ".join(str(t.chunk) for t in batch)
        raise RunError(f"{scenario.name}: chunk {chunks} not run: {reason}")

    # In process the weekly progress comes from the model itself; elsewhere a chunk at a time. A chunk is a
    # task of its own (no batching): at ~0.1-1 s and ~20 MB of results it is already long enough that
    # submission costs nothing, and large enough that results waiting in memory must stay few.
    in_process = isinstance(backend, InProcess)
    task = partial(run_chunks, on_week=progress) if in_process and progress is not None else run_chunks
    try:
        run_batches(
            backend, task, batched(tasks, 1), on_result=on_result, on_lost=on_lost, on_event=on_event, reraise=True
        )
    finally:
        if own:
            backend.close()
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
