"""What several commands share: the ``--set`` help text, scenario loading with options as overrides, and the
progress bar."""

from __future__ import annotations

from typing import Any

SET_HELP = "Override any scenario field: --set dotted.path=value (repeatable; value parsed as YAML)."
SCHEDULER_HELP = "Run on a Dask distributed cluster, e.g. tcp://10.0.0.5:8786 (instead of local workers)."
SCHEDULER_FILE_HELP = "Run on the Dask cluster described by this scheduler file (as dask-mpi and dask-jobqueue write)."


def load(path: str, sets: tuple[str, ...], **fields: Any) -> Any:
    """Load a scenario file with ``--set`` overrides, then options given as fields (None: not given)."""
    from sim.scenario import load_scenario

    overrides = list(sets) + [f"{k}={v}" for k, v in fields.items() if v is not None]
    return load_scenario(path, overrides)


def progress(total: int, quiet: bool, unit: str = "rep-week") -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        disable=True if quiet else None,
        unit=unit,
        unit_scale=True,
        leave=False,
        dynamic_ncols=True,
        desc="simulating",
    )
