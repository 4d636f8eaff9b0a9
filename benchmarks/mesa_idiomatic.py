"""The idiomatic Mesa way to run a Monte Carlo study, as the comparison point of `make bench` (part 2).

``mesa.batch_run`` builds one model object per run, steps it while ``model.running`` and up to ``max_steps``,
and collects the run's end-of-episode record before building the next model. Here each run is one
``PressureModel`` with a single replicate (R = 1: four ``mesa.Agent`` objects, length-1 state arrays), seeded
as chunk ``i`` of the scenario so that every run has its own random streams, with ``max_steps`` = the horizon.

``PressureModel`` never clears ``model.running`` (an ensemble ends when its horizon does), so batch_run's loop
steps every run to the horizon, as the ensemble model steps all its replicates. ``stop_when_ended=True`` is
the variant of a model written for one replicate, which would set ``running = False`` as soon as its world
reaches an outcome: fewer weeks per run, reported beside the literal figure.

``batch_run`` itself cannot drive ``PressureModel`` directly (it needs a ``datacollector`` attribute and keyword
parameters), so ``run_sequential`` reproduces its loop: build, step, collect, next. Steps are counted by the
model's own clock (``model.week``), not Mesa's ``model.steps``, which Mesa 4 removes.
"""

from __future__ import annotations

from typing import Any

from sim.model import PressureModel
from sim.outcomes import outcome_table


def run_one(scenario: Any, i: int, *, stop_when_ended: bool = False) -> dict[str, Any]:
    """One run the batch_run way: a fresh model (one replicate, seeded as chunk i), stepped while it is running
    and up to the horizon, then its end-of-episode record."""
    model = PressureModel(scenario, 1, chunk=i)
    max_steps = model.horizon
    while model.running and model.week < max_steps:
        model.step()
        if stop_when_ended and not model.active[0]:
            model.running = False
    record: dict[str, Any] = outcome_table(model, i).to_pylist()[0]
    record["steps"] = int(model.week)
    return record


def run_sequential(scenario: Any, runs: range | list[int], *, stop_when_ended: bool = False) -> list[dict[str, Any]]:
    """N runs in sequence, one model object each (``mesa.batch_run`` with ``number_processes=1``)."""
    return [run_one(scenario, i, stop_when_ended=stop_when_ended) for i in runs]


def run_ensemble(scenario: Any, n: int) -> Any:
    """The same N replicates as one ensemble model (R = N), to the horizon, with its outcome table."""
    model = PressureModel(scenario, n, chunk=0)
    model.run()
    return outcome_table(model, 0)
