"""What a run produced (``RunResult``) and its results directory: written whole into a temporary directory and
renamed into place, read back by ``load_results``. Mesa-free: reading results never imports the model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim import resultsdir
from sim.files import atomic_dir, atomic_file, check_out_dir, json_bytes, write_atomic  # noqa: F401  (re-exported)
from sim.provenance import git_commit, manifest, read_manifest, versions  # noqa: F401  (re-exported)
from sim.scenario import Scenario, read_yaml, validate_scenario

OUTCOMES_FILE = "outcomes.parquet"
WEEKLY_FILE = "weekly.parquet"
SUMMARY_FILE = "summary.json"
MANIFEST_FILE = "manifest.json"
SCENARIO_FILE = "scenario.resolved.yaml"
TRAJECTORIES_FILE = "trajectories.parquet"


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
    # A restarted run (sim run --from --at, sim/restart.py): where from, when, how; written into the manifest
    restart: dict[str, Any] | None = None

    def probability(self, outcome: str) -> float:
        return float(self.summary["outcomes"][outcome]["p"])


def write_parquet(df: pd.DataFrame | pa.Table, path: Path) -> None:
    table = df if isinstance(df, pa.Table) else pa.Table.from_pandas(df, preserve_index=False)
    with atomic_file(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def write_json(obj: Any, path: Path) -> None:
    write_atomic(path, json_bytes(obj))


TRAJECTORY_SCHEMA = pa.schema(
    [
        ("replicate", pa.int64()),
        ("week", pa.int32()),
        ("variable", pa.dictionary(pa.int32(), pa.string())),
        ("value", pa.float32()),
    ]
)


def chunk_trajectories(chunk: int, chunk_size: int, arrays: dict[str, np.ndarray]) -> pa.Table:
    """One chunk's kept trajectories in long format: replicate, week, variable, value (float32)."""
    frames = []
    for var, arr in arrays.items():
        weeks, n = arr.shape
        frames.append(
            pa.table(
                {
                    "replicate": np.tile(np.arange(chunk * chunk_size, chunk * chunk_size + n, dtype=np.int64), weeks),
                    "week": np.repeat(np.arange(weeks, dtype=np.int32), n),
                    "variable": pa.DictionaryArray.from_arrays(np.zeros(weeks * n, dtype=np.int32), [var]),
                    "value": arr.ravel(),
                },
                schema=TRAJECTORY_SCHEMA,
            )
        )
    return pa.concat_tables(frames)


class ChunkWriter:
    """Streams chunks' tables to one Parquet file in chunk order (a chunk that finishes early waits in memory
    for its predecessors), so memory stays bounded by a few chunks whatever the run's size, and the bytes do
    not depend on the order in which workers finish."""

    def __init__(self, path: Path, schema: pa.Schema | None = None) -> None:
        self.path = path
        self._schema = schema
        self._writer: pq.ParquetWriter | None = None
        self._pending: dict[int, pa.Table] = {}
        self._next = 0

    def __call__(self, chunk: int, table: pa.Table) -> None:
        self._pending[chunk] = table
        while self._next in self._pending:
            ready = self._pending.pop(self._next)
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.path, self._schema or ready.schema, compression="zstd")
            self._writer.write_table(ready)
            self._next += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


class TrajectoryWriter(ChunkWriter):
    """Streams chunks' kept trajectories (long format) to trajectories.parquet."""

    def __init__(self, path: Path, chunk_size: int) -> None:
        super().__init__(path, TRAJECTORY_SCHEMA)
        self.chunk_size = chunk_size

    def __call__(self, chunk: int, arrays: dict[str, np.ndarray]) -> None:  # type: ignore[override]
        super().__call__(chunk, chunk_trajectories(chunk, self.chunk_size, arrays))


def trajectories_table(result: RunResult) -> pa.Table | None:
    """The trajectories a run kept in memory, in long format (None when none were kept)."""
    if not result.trajectories:
        return None
    size = result.scenario.chunk_size
    return pa.concat_tables([chunk_trajectories(c, size, arrays) for c, arrays in sorted(result.trajectories.items())])


def write_results(
    result: RunResult,
    out: Path,
    *,
    force: bool = False,
    command: str | None = None,
    source: str | None = None,
    extra_manifest: dict[str, Any] | None = None,
) -> Path:
    """Write the results directory of a run atomically."""
    with atomic_dir(out, force) as tmp:
        write_results_into(result, tmp, command=command, source=source, extra_manifest=extra_manifest)
    result.path = str(out)
    return out


def write_results_into(
    result: RunResult,
    tmp: Path,
    *,
    command: str | None = None,
    source: str | None = None,
    extra_manifest: dict[str, Any] | None = None,
) -> None:
    """Write a run's files into a directory (the temporary one of ``atomic_dir``)."""
    sc = result.scenario
    if not result.outcomes_streamed:
        write_parquet(result.outcomes, tmp / OUTCOMES_FILE)
    write_parquet(result.weekly, tmp / WEEKLY_FILE)
    traj = trajectories_table(result)
    if traj is not None:
        write_parquet(traj, tmp / TRAJECTORIES_FILE)
    from sim.uncertainty import enriched_summary

    outcomes = tmp / OUTCOMES_FILE if result.outcomes_streamed else result.outcomes
    result.summary = enriched_summary(result.summary, sc, outcomes)
    write_json(result.summary, tmp / SUMMARY_FILE)
    write_atomic(tmp / SCENARIO_FILE, yaml.safe_dump(sc.resolved_dict(), sort_keys=False).encode("utf-8"))
    fields = {
        "scenario": sc.name,
        "scenario_file": source,
        "scenario_sha256": sc.digest(),
        "seed": sc.seed,
        "replicates": sc.replicates,
        "chunk_size": sc.chunk_size,
        "horizon_weeks": sc.horizon_weeks,
    }
    record = manifest("run", fields, command=command)
    record.update(timings=result.timings, **(extra_manifest or {}))
    if result.restart is not None:
        record["restart"] = result.restart
    write_json(record, tmp / MANIFEST_FILE)


def load_results(path: str | Path, columns: list[str] | None = None) -> RunResult:
    """Read a results directory written by ``sim run`` back into a RunResult (``columns``: only these
    columns of outcomes.parquet, those that exist; a million replicates' full table is large)."""
    path = Path(path)
    # manifest, schema and row counts first: a damaged directory is one line naming the file (sim/resultsdir.py)
    manifest = resultsdir.check_results_dir(path, (OUTCOMES_FILE, WEEKLY_FILE, SUMMARY_FILE, SCENARIO_FILE))
    scenario_data = read_yaml(path / SCENARIO_FILE)  # hardened: a damaged file is a one-line error
    scenario = validate_scenario(scenario_data, str(path / SCENARIO_FILE))
    if columns is not None:
        present = set(pq.read_schema(path / OUTCOMES_FILE).names)
        columns = [c for c in columns if c in present]
    outcomes = resultsdir.read_frame(path / OUTCOMES_FILE, columns)
    weekly = resultsdir.read_frame(path / WEEKLY_FILE)
    summary = json.loads((path / SUMMARY_FILE).read_text(encoding="utf-8"))
    return RunResult(scenario, outcomes, weekly, summary, manifest.get("timings", {}), {}, str(path))
