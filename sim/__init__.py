"""Leverage: an ensemble agent-based simulator of negotiation pressure in the Russia-Ukraine war.

The public API, for notebooks::

    import sim
    scenario = sim.load_scenario("scenarios/baseline.yaml", overrides=["replicates=2000"])
    result = sim.run(scenario)                 # RunResult: .outcomes, .weekly (DataFrames), .summary (dict)
    result = sim.run(scenario, client=client)  # the same, on a Dask cluster (a distributed.Client)
    result.summary["outcomes"]["settlement"]   # {'count': ..., 'p': ..., 'lo': ..., 'hi': ...}
    sim.write_results(result, "results/mine")  # the same directory `sim run` writes
    again = sim.load_results("results/mine")

and what the other commands do (docs/charts.md)::

    sim.run_sweep("scenarios/sweeps/sobol_levers.yaml", "results/sobol")  # sim sweep
    table, text, files = sim.compare_runs(["results/baseline", "results/max_pressure"], out="results/cmp")
    sim.plot("results/baseline")                 # every chart (sim plot); returns the files
    sim.write_report("results/cmp")              # report.html of a run, sweep or comparison
    sim.model_uncertainty("results/baseline")    # each outcome's range across parameters, and what decides it
    sim.export_results("results/baseline", "xlsx")  # outcome table, weekly fans, summary
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import RunError, ScenarioError, SimError

if TYPE_CHECKING:
    import datetime as dt

    from sim.results import load_results
    from sim.runner import RunResult
    from sim.scenario import Scenario, load_scenario

__all__ = [
    "RunError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SimError",
    "compare_runs",
    "export_results",
    "load_results",
    "load_scenario",
    "model_uncertainty",
    "plot",
    "run",
    "run_from",
    "run_sweep",
    "write_report",
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


def run_from(
    scenario: Scenario | str | Path,
    results: str | Path,
    at: dt.date | str,
    *,
    workers: int = 1,
    overrides: list[str] | None = None,
) -> RunResult:
    """Continue the run in ``results`` (a run, a conditioned run or a calibration) from the date ``at`` under
    ``scenario``, as ``sim run SCENARIO --from RESULTS --at DATE`` (docs/observations.md, "Restart"). The
    result's ``restart`` records how; ``write_results`` puts it in the manifest."""
    import datetime as _dt

    from sim.restart import prepare, read_source, run_restart
    from sim.scenario import Scenario, load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides or [])
    elif overrides:
        raise ScenarioError("overrides apply to a scenario file; use load_scenario(path, overrides)")
    date = _dt.date.fromisoformat(at) if isinstance(at, str) else at
    source = read_source(results)
    sc, _week = prepare(source, scenario, date, scenario.name)
    return run_restart(sc, source, date, workers=workers)[0]


def write_results(result: RunResult, out: str | Path, *, force: bool = False, **kwargs: Any) -> Path:
    """Write a run's results directory atomically (refuses to replace one unless ``force``)."""
    from sim.results import write_results as _write_results

    return _write_results(result, Path(out), force=force, **kwargs)


def run_sweep(spec: str | Path, out: str | Path, *, overrides: list[str] | None = None, **options: Any) -> Any:
    """Run the sweep file ``spec`` into the results directory ``out`` (what ``sim sweep`` does); ``options``
    go to ``sim.sweep.run_sweep`` (backend, resume, force, ...). Returns its report."""
    from sim.sweep import load_sweep
    from sim.sweep import run_sweep as _run_sweep

    return _run_sweep(load_sweep(spec, overrides or []), Path(out), **options)


def compare_runs(
    paths: list[str | Path], *, out: str | Path | None = None, fmt: str = "png", report: bool = False
) -> Any:
    """Compare results directories, the first the baseline (what ``sim compare`` does): writes the table,
    its text, the charts and (``report``) the what-if report into ``out``; returns (table, text, files)."""
    from sim.compare import write_comparison

    table, text, files = write_comparison(list(paths), Path(out) if out is not None else None, fmt)
    if report:
        from sim.report import write_report as _write_report

        files.append(_write_report(files[0].parent))
    return table, text, files


def plot(results: str | Path, fmt: str = "png", out: str | Path | None = None, **options: Any) -> list[Path]:
    """Draw every chart of a run or sweep (what ``sim plot`` does); returns the files written."""
    from sim.plots import write_charts

    return write_charts(Path(results), fmt, Path(out) if out is not None else None, **options)


def write_report(results: str | Path, out: str | Path | None = None, *, traces: bool = True) -> Path:
    """Write report.html for a run, sweep or comparison directory (what ``sim report`` does)."""
    from sim.report import write_report as _write_report

    return _write_report(results, out, traces=traces)


def model_uncertainty(results: str | Path) -> dict[str, Any] | None:
    """Each outcome's model uncertainty in a run's results directory: its range across the sampled parameters
    and the parameters that decide it (docs/charts.md)."""
    from sim.uncertainty import load_uncertainty

    return load_uncertainty(results)


def export_results(results: str | Path, fmt: str = "csv", out: str | Path | None = None) -> list[Path]:
    """Export a run's outcome table, weekly fans and summary as CSV files or an Excel workbook."""
    from sim.export import export_results as _export

    return _export(results, fmt, out)
