"""Leverage: an ensemble agent-based simulator of negotiation pressure in the Russia-Ukraine war.

The public API, for notebooks::

    import sim
    scenario = sim.load_scenario("scenarios/baseline.yaml", overrides=["replicates=2000"])
    result = sim.run(scenario)                 # RunResult: .outcomes, .weekly (DataFrames), .summary (dict)
    result = sim.run(scenario, client=client)  # the same, on a Dask cluster (a distributed.Client)
    result.summary["outcomes"]["settlement"]   # {'count': ..., 'p': ..., 'lo': ..., 'hi': ...}
    sim.write_results(result, "results/mine")  # the same directory `sim run` writes
    again = sim.load_results("results/mine")
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import RunError, ScenarioError, SimError

if TYPE_CHECKING:
    from sim.results import load_results
    from sim.runner import RunResult
    from sim.scenario import Scenario, load_scenario

__all__ = [
    "RunError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SimError",
    "load_results",
    "load_scenario",
    "run",
    "write_results",
]
__version__ = "0.1.0"

# The model, pandas and pyarrow load on first use, not on ``import sim``: the command line imports this package
# for every command, and a sweep's own process never needs the model (its workers do).
_LAZY = {
    "load_results": "sim.results",
    "RunResult": "sim.runner",
    "Scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def run(
    scenario: Scenario | str | Path,
    *,
    workers: int = 1,
    overrides: list[str] | None = None,
    client: Any = None,
    scheduler: str | None = None,
    scheduler_file: str | None = None,
) -> RunResult:
    """Run a scenario (an object or a file path) in memory; returns outcomes, weekly table and summary.

    The chunks of replicates run in this process (``workers=1``), on a local pool of ``workers`` processes, or
    on a Dask cluster: an existing ``distributed.Client`` (``client=``, left open), a scheduler ``address`` or
    a ``scheduler_file``. The results are byte-identical whichever runs them."""
    from sim.executors import make_backend
    from sim.runner import run as _run
    from sim.scenario import Scenario, load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides or [])
    elif overrides:
        raise ScenarioError("overrides apply to a scenario file; use load_scenario(path, overrides)")
    if client is None and scheduler is None and scheduler_file is None:
        return _run(scenario, workers=workers)
    backend = make_backend(None, scheduler, scheduler_file=scheduler_file, client=client)
    try:
        return _run(scenario, backend=backend)
    finally:
        backend.close()


def write_results(result: RunResult, out: str | Path, *, force: bool = False, **kwargs: Any) -> Path:
    """Write a run's results directory atomically (refuses to replace one unless ``force``)."""
    from sim.results import write_results as _write_results

    return _write_results(result, Path(out), force=force, **kwargs)
