"""Running a sweep: tasks, parts on disk, resume, the manifest, and the aggregation into ``points.parquet``.

A task is one chunk of replicates of several points side by side in one model (``sim.batch``: the points'
differences become per-replicate arrays, so a few hundred replicates a point cost what one large run costs);
it writes one Parquet part per point and chunk (``parts/``), renamed into place, so a killed sweep loses
nothing finished and ``--resume`` picks up where it stopped (a batch half done is rebuilt from the parts still
missing). ``points.parquet`` is then aggregated point by point, reading only the columns the metrics need, so
memory does not grow with the number of points.

Determinism: a chunk's rows depend only on (point scenario, seed, chunk) and, with ``--independent``, the point
index (``sim.seeds``), never on the batch the point ran in; parts are written by one code path with fixed
compression and sorted rows, so every part and ``points.parquet`` are byte-identical for any batching,
executor, worker count or resume.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim import executors
from sim.batch import batchable_path, points_per_batch, signature
from sim.errors import RunError, SimError
from sim.executors import (
    COMPRESSION,
    BatchTask,
    Task,
    TaskResult,
    metric_columns,
    part_name,
    run_batch_tasks,
    run_tasks,
)
from sim.files import TMP_GLOB, json_bytes, write_atomic
from sim.provenance import manifest as build_manifest
from sim.provenance import now
from sim.resultsdir import read_json_object
from sim.sweep import integrity
from sim.sweep.analysis import sensitivity
from sim.sweep.spec import Sweep

PARTS_DIR = "parts"
POINTS_FILE = "points.parquet"
SENSITIVITY_FILE = "sensitivity.json"
FAILURES_FILE = "failures.json"
SUMMARY_FILE = "summary.json"
MANIFEST_FILE = "manifest.json"
SCENARIO_FILE = "scenario.resolved.yaml"
# Keys of the manifest that must match for --resume to reuse parts.
# Metric column values kept in memory for points.parquet (8 bytes each at most: 20 million are 160 MB).
KEPT_VALUES = 20_000_000
IDENTITY_KEYS = ("sweep_sha256", "overrides", "replicates", "seed", "independent", "base_sha256", "code")


class SweepIncomplete(SimError):
    """Some tasks failed (see failures.json); the results directory holds what finished."""


@dataclass
class SweepReport:
    out: Path
    points: int
    tasks: int
    resumed: int = 0
    done: int = 0
    failures: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    compute_seconds: float = 0.0
    restarts: int = 0
    executor: str = ""
    sensitivity: dict[str, Any] | None = None
    points_table: pa.Table | None = None

    @property
    def complete(self) -> bool:
        return not self.failures


def identity(sweep: Sweep, independent: bool) -> dict[str, Any]:
    """What must match for --resume to reuse parts: the sweep file, the resolved base scenario, the command
    line overrides, replicates, seed, common random numbers or not, and the code version."""
    from importlib import metadata

    try:
        version = metadata.version("leverage-sim")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "sweep_sha256": sweep.sha256,
        "base_sha256": sweep.base.digest(),
        "overrides": list(sweep.overrides),
        "replicates": sweep.base.replicates,
        "seed": sweep.seed,
        "independent": independent,
        "code": {"version": version, "source_sha256": source_digest()},
    }


def source_digest() -> str:
    """SHA-256 of the sim package's source. A git commit alone would miss uncommitted edits ("-dirty" before
    and after), and parts from two versions of the model must never be mixed in one sweep."""
    root = Path(__file__).resolve().parent.parent  # sim/, from sim/sweep/run.py
    digest = hashlib.sha256()
    for file in sorted(root.rglob("*.py")):
        digest.update(file.relative_to(root).as_posix().encode("utf-8") + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def prepare_out(out: Path, ident: dict[str, Any], *, resume: bool, force: bool) -> bool:
    """Create (or, with --resume, check and keep) the results directory; True when resuming parts."""
    if resume and force:
        raise RunError("--resume keeps the parts of an earlier run and --force discards them; pass one")
    from sim.resultsdir import check_out_dir

    if out.exists() and resume:
        manifest = out / MANIFEST_FILE
        if not manifest.exists():
            raise RunError(f"{out}: cannot resume: no {MANIFEST_FILE} (not a sweep results directory)")
        old = read_json_object(manifest)  # a damaged manifest: one line naming it
        check_out_dir(out, True)  # --resume continues only a directory Leverage wrote
        for key in IDENTITY_KEYS:
            if old.get(key) != ident[key]:
                raise RunError(
                    f"{out}: cannot resume: {_mismatch(key)} since its parts were written "
                    f"({key}: {_short(old.get(key))} then, {_short(ident[key])} now); pass --force "
                    "instead of --resume to start over"
                )
        parts = out / PARTS_DIR
        if parts.exists() and not parts.is_dir():
            raise RunError(f"{parts}: not a directory: the sweep's results are damaged; pass --force to start over")
        parts.mkdir(exist_ok=True)
        for stale in parts.glob(TMP_GLOB):  # half-written by a killed run
            stale.unlink()
        return True
    check_out_dir(out, force, hint="pass --resume to continue it or --force to replace it")
    if out.exists():
        trash = out.parent / f".{out.name}.old-{os.getpid()}"
        os.rename(out, trash)
        shutil.rmtree(trash)
    (out / PARTS_DIR).mkdir(parents=True)
    integrity.start_index(out)
    return False


def _mismatch(key: str) -> str:
    return {
        "sweep_sha256": "the sweep file changed",
        "base_sha256": "the base scenario changed",
        "overrides": "the --set overrides differ",
        "replicates": "the replicates differ",
        "seed": "the seed differs",
        "independent": "--independent differs",
        "code": "the code (sim package source) changed",
    }[key]


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    *,
    backend: Any = None,
    resume: bool = False,
    force: bool = False,
    independent: bool = False,
    command: str | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_task: Callable[[bool], None] | None = None,
    on_event: Callable[[str], None] | None = None,
    batch_points: int | None = None,
    unbatched: bool = False,
) -> SweepReport:
    """Run every task not already on disk, then aggregate points.parquet (and sensitivity.json for Sobol and
    Morris designs). ``backend`` is a ``sim.executors`` backend (default: in process). ``on_start(tasks,
    resumed)`` is called once the finished parts are counted and ``on_task(ok)`` as each point's chunk
    finishes. ``batch_points``: points side by side in one chunk (default: ``sim.batch.points_per_batch``);
    ``unbatched``: the path before batching (one model per point and chunk, its weekly record kept), which the
    benchmark times against. Returns a report; ``report.failures`` lists the tasks that failed."""
    started = time.perf_counter()
    out = Path(out)
    backend = backend or executors.InProcess()
    ident = identity(sweep, independent)
    resuming = prepare_out(out, ident, resume=resume, force=force)
    parts = out / PARTS_DIR
    manifest = _manifest(sweep, ident, backend, command, status="running")
    write_atomic(out / MANIFEST_FILE, _json(manifest))
    write_atomic(out / SCENARIO_FILE, yaml.safe_dump(sweep.base.resolved_dict(), sort_keys=False).encode("utf-8"))

    sizes = sweep.chunks
    n_points = len(sweep.design)
    existing: set[str] = set()
    if resuming:  # keep only parts whose bytes match the digest recorded under their name (sweep/integrity.py)
        expected = {part_name(j, c) for j in range(n_points) for c in range(len(sizes))}
        checked = integrity.check_parts(out, expected)
        existing = checked.good
        if checked.damaged and on_event is not None:
            name, why = checked.damaged[0]
            on_event(f"resume: {len(checked.damaged)} damaged part(s) computed again (e.g. {name}: {why})")
    report = SweepReport(out, n_points, n_points * len(sizes), executor=backend.description)
    report.resumed = sum(part_name(j, c) in existing for j in range(n_points) for c in range(len(sizes)))
    if on_start is not None:
        on_start(report.tasks, report.resumed)

    per = 1 if unbatched else points_per_batch(sizes[0], n_points, backend.slots(), override=batch_points)

    def pending() -> Iterator[Task]:
        for j in range(n_points):
            todo = [c for c in range(len(sizes)) if part_name(j, c) not in existing]
            if todo:
                scenario = sweep.scenario(j)
                for c in todo:
                    yield Task(j, c, sizes[c], scenario, independent)

    def batches() -> Iterator[BatchTask]:
        """The missing parts, ``per`` points of one chunk and one signature a task, in point order; a group is
        sent as soon as it is full (memory holds one open group per chunk and signature)."""
        open_: dict[tuple[str, int], list[tuple[int, Any]]] = {}
        # every point varies only batchable fields, by numbers: one signature, not computed point by point
        shared = all(batchable_path(name) for name in sweep.design.names) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for row in sweep.design.values for v in row
        )
        for t in pending():
            key = (signature(t.scenario) if per > 1 and not shared else "", t.chunk)
            group = open_.setdefault(key, [])
            group.append((t.point, t.scenario))
            if len(group) == per:
                del open_[key]
                yield _batch_task(group, t.chunk, t.n, independent, columns)
        for (_sig, c), group in open_.items():
            yield _batch_task(group, c, sizes[c], independent, columns)

    # The metric columns of the parts written by this run, kept for points.parquet (up to KEPT_VALUES values):
    # aggregating them needs no part read back from disk.
    columns = metric_columns_of(sweep)
    kept: dict[tuple[int, int], dict[str, np.ndarray]] = {}
    budget = KEPT_VALUES

    def on_result(_batch: list[Task] | list[BatchTask], results: list[TaskResult]) -> None:
        nonlocal budget
        for r in results:
            report.compute_seconds += r.seconds
            if r.part is not None:
                write_atomic(parts / part_name(r.point, r.chunk), r.part)
                integrity.record(out, part_name(r.point, r.chunk), r.part)
                report.done += 1
                if r.columns is not None and budget > 0:
                    kept[(r.point, r.chunk)] = r.columns
                    budget -= sum(v.size for v in r.columns.values())
            else:
                report.failures.append(_failure(sweep, r.point, r.chunk, r.error or "unknown error"))
            if on_task is not None:
                on_task(r.part is not None)

    def on_lost(batch: list[Task] | list[BatchTask], reason: str) -> None:
        for t in batch:
            for point in t.points if isinstance(t, BatchTask) else (t.point,):
                report.failures.append(_failure(sweep, point, t.chunk, f"task lost: {reason}"))
                if on_task is not None:
                    on_task(False)

    todo = -(-(report.tasks - report.resumed) // per)
    if isinstance(backend, executors.InProcess):
        size = 1
    else:
        size = executors.batch_size(
            todo,
            backend.slots(),
            executors.task_seconds(per * min(sizes[0], sweep.base.replicates), sweep.base.horizon_weeks),
        )
    if unbatched:
        stats = executors.run_batches(
            backend,
            run_tasks,
            executors.batched(pending(), size),
            on_result=on_result,
            on_lost=on_lost,
            on_event=on_event,
        )
    else:
        stats = executors.run_batches(
            backend,
            run_batch_tasks,
            executors.batched(batches(), size),
            on_result=on_result,
            on_lost=on_lost,
            on_event=on_event,
        )
    report.restarts = stats.restarts

    report.failures.sort(key=lambda f: (f["point"], f["chunk"]))
    table = aggregate(sweep, out, kept)
    kept.clear()
    write_atomic(out / POINTS_FILE, _parquet(table))
    report.points_table = table
    sens_file = out / SENSITIVITY_FILE
    if sweep.spec.sampler in ("sobol", "morris") and report.complete:
        report.sensitivity = sensitivity(sweep, table)
        write_atomic(sens_file, _json(report.sensitivity))
    elif sens_file.exists():
        sens_file.unlink()
    write_atomic(out / FAILURES_FILE, _json(report.failures))
    write_atomic(out / SUMMARY_FILE, _json(summary(sweep, table, report)))
    report.seconds = time.perf_counter() - started
    manifest.update(
        status="complete" if report.complete else "incomplete",
        finished=now(),
        tasks={"total": report.tasks, "resumed": report.resumed, "done": report.done, "failed": len(report.failures)},
        restarts=report.restarts,
        batch_size=size,
        points_per_batch=per,
        timings={"wall_seconds": round(report.seconds, 3), "compute_seconds": round(report.compute_seconds, 3)},
    )
    write_atomic(out / MANIFEST_FILE, _json(manifest))
    return report


def _batch_task(
    group: list[tuple[int, Any]], chunk: int, n: int, independent: bool, columns: tuple[str, ...]
) -> BatchTask:
    return BatchTask(tuple(j for j, _ in group), chunk, n, tuple(s for _, s in group), independent, columns)


def metric_columns_of(sweep: Sweep) -> tuple[str, ...]:
    """The outcome-table columns the sweep's metrics read (the outcome always: it counts the replicates)."""
    return tuple(sorted({"outcome", *(c for m in sweep.metrics for c in m.columns)}))


def _failure(sweep: Sweep, point: int, chunk: int, error: str) -> dict[str, Any]:
    return {"point": point, "chunk": chunk, "parameters": sweep.design.point(point), "error": error}


def _manifest(sweep: Sweep, ident: dict[str, Any], backend: Any, command: str | None, status: str) -> dict[str, Any]:
    spec = sweep.spec
    fields = {
        "sweep": sweep.name,
        "status": status,
        "sweep_file": sweep.source,
        "base_file": sweep.base_file,
        "sampler": spec.sampler,
        "samples": spec.samples,
        "parameters": list(sweep.design.names),
        "metrics": [m.name for m in sweep.metrics],
        "points": len(sweep.design),
        "chunk_size": sweep.base.chunk_size,
        "horizon_weeks": sweep.base.horizon_weeks,
        **ident,
        "executor": getattr(backend, "description", str(backend)),
    }
    return build_manifest("sweep", fields, command=command, packages=("SALib", "dask", "distributed"))


def _json(obj: Any) -> bytes:
    return json_bytes(obj, strict=True)


def _parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, compression=COMPRESSION)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------------------
# Aggregation and summary


def aggregate(sweep: Sweep, out: Path, kept: dict[tuple[int, int], dict[str, np.ndarray]] | None = None) -> pa.Table:
    """points.parquet: a row per point with its parameters, its replicates and every metric with its 95%
    interval. Parts are read point by point and only the columns the metrics need; ``kept``: the columns of
    parts this run wrote, as the worker sent them (the same arrays), which are not read back."""
    parts = out / PARTS_DIR
    kept = kept or {}
    columns = list(metric_columns_of(sweep))
    n_chunks = len(sweep.chunks)
    replicates = np.zeros(len(sweep.design), dtype=np.int64)
    results = {m.name: np.full((len(sweep.design), 3), np.nan) for m in sweep.metrics}
    for j in range(len(sweep.design)):
        chunks = [
            kept[(j, c)] if (j, c) in kept else metric_columns(_read_part(f, columns), columns)
            for c in range(n_chunks)
            if (f := parts / part_name(j, c)).exists()
        ]
        if not chunks:
            continue
        cols = {c: np.concatenate([chunk[c] for chunk in chunks]) for c in columns}
        replicates[j] = len(cols["outcome"])
        for m in sweep.metrics:
            results[m.name][j] = m.compute(cols)
    table: dict[str, Any] = {"point": pa.array(np.arange(len(sweep.design), dtype=np.int64))}
    for k, name in enumerate(sweep.design.names):
        table[name] = _column([row[k] for row in sweep.design.values])
    table["replicates"] = pa.array(replicates)
    for m in sweep.metrics:
        for i, suffix in enumerate(("", "_lo", "_hi")):
            table[m.name + suffix] = pa.array(results[m.name][:, i])
    return pa.table(table)


def _read_part(path: Path, columns: list[str]) -> pa.Table:
    # ParquetFile, not pq.read_table: read_table goes through pyarrow.dataset, which imports pandas (0.3 s of
    # a sweep's parent process that otherwise never needs it).
    with pq.ParquetFile(path) as f:
        return f.read(columns=columns)


def _column(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def summary(sweep: Sweep, points: pa.Table, report: SweepReport) -> dict[str, Any]:
    """Counts, and each metric's range across the points with the points where it is lowest and highest."""
    metrics: dict[str, dict[str, Any]] = {}
    for m in sweep.metrics:
        y = points.column(m.name).to_numpy(zero_copy_only=False).astype(float)
        if not np.isfinite(y).any():
            metrics[m.name] = {"min": None, "max": None}
            continue
        lo, hi = int(np.nanargmin(y)), int(np.nanargmax(y))
        metrics[m.name] = {
            "min": float(y[lo]),
            "max": float(y[hi]),
            "mean": float(np.nanmean(y)),
            "at_min": {"point": lo, **sweep.design.point(lo)},
            "at_max": {"point": hi, **sweep.design.point(hi)},
        }
    return {
        "sweep": sweep.name,
        "sampler": sweep.spec.sampler,
        "points": len(sweep.design),
        "replicates_per_point": sweep.base.replicates,
        "tasks": report.tasks,
        "failed": len(report.failures),
        "complete": report.complete,
        "metrics": metrics,
    }
