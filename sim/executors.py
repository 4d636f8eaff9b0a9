"""The one execution path of runs and sweeps: the tasks workers run, anything with the
``concurrent.futures.Executor`` interface to run them on, and a loop that survives dead workers.

A task is one chunk of replicates of one scenario (a sweep: of one point). ``sim run`` runs ``run_chunks``,
whose results (outcome table, weekly histograms and sums, kept trajectories) the client aggregates in chunk
order; a sweep runs ``run_tasks``, which returns the task's rows as Parquet bytes, written by the one function
``part_bytes``. Either way workers get plain data (the validated scenario) and the client writes every file,
so a cluster needs no shared file system and outputs are byte-identical wherever the chunks ran.

Three backends: in process (``--workers 1``, no multiprocessing at all), a local ``ProcessPoolExecutor`` (one
worker per core by default) and a Dask distributed cluster (``--scheduler ADDRESS``, ``--scheduler-file
PATH`` as dask-mpi and dask-jobqueue write, or any ``distributed.Client`` in the Python API), through the
client's ``concurrent.futures`` adapter. ``run_batches`` keeps a bounded window of batches in flight, hands each
finished batch to a callback as soon as it is done, and resubmits the batches a dead worker took with it
(rebuilding a broken process pool). A batch that keeps killing workers is given up after ``max_attempts``.
"""

from __future__ import annotations

import io
import math
import os
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, CancelledError, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import RunError
from sim.files import write_atomic  # noqa: F401  (re-exported)
from sim.names import OUTCOMES
from sim.scenario import Scenario

COMPRESSION = "zstd"

# Target compute per batch: long enough that submission and transfer overhead (about a millisecond a task in
# Dask) stays under 1%, short enough that a dead worker loses little and the progress bar moves.
BATCH_SECONDS = 1.0
# Cost model of one task (ARCHITECTURE.md): a few hundred numpy calls a week at a few µs each, plus a few ns
# per replicate-week; measured 1.6 ms/week at R <= 1,000 and 0.12 µs per replicate-week above.
WEEK_OVERHEAD_SECONDS = 1.6e-3
REPLICATE_WEEK_SECONDS = 1.2e-7


# ---------------------------------------------------------------------------------------------------------
# Tasks: what a worker runs (plain data in, Parquet bytes out)


@dataclass(frozen=True)
class Task:
    """Chunk ``chunk`` (``n`` replicates) of sweep point ``point``, whose validated scenario it carries."""

    point: int
    chunk: int
    n: int
    scenario: Scenario
    independent: bool
    start: Any = None  # a restart's starting point (sim.restart.FromRun or FromSnapshot); None: week 0


@dataclass(frozen=True)
class TaskResult:
    """A task's part (Parquet bytes) or, if its model raised, the traceback; and its compute time."""

    point: int
    chunk: int
    part: bytes | None
    error: str | None
    seconds: float
    columns: dict[str, np.ndarray] | None = None  # the part's metric columns (BatchTask.columns), as read back


def run_tasks(tasks: list[Task]) -> list[TaskResult]:
    """Run a batch of tasks, one point each (a sweep before issue 17: ``run_sweep(..., unbatched=True)``, which the
    benchmark compares against ``run_batch_tasks``); a task whose model raises is returned with its traceback,
    the others go on."""
    from sim.runner import run_chunk  # the model: imported where tasks run (a warm worker has it already)

    out = []
    for t in tasks:
        started = time.perf_counter()
        try:
            chunk = run_chunk(t.scenario, t.chunk, t.n, point=t.point if t.independent else None)
            part, error = part_bytes(t.point, chunk["outcomes"]), None
        except Exception:  # recorded in failures.json; the sweep reports itself incomplete
            part, error = None, traceback.format_exc()
        out.append(TaskResult(t.point, t.chunk, part, error, time.perf_counter() - started))
    return out


@dataclass(frozen=True)
class BatchTask:
    """Chunk ``chunk`` (``n`` replicates each) of several sweep points side by side in one model (``sim.batch``);
    their validated scenarios share one ``sim.batch.signature``."""

    points: tuple[int, ...]
    chunk: int
    n: int
    scenarios: tuple[Scenario, ...]
    independent: bool
    columns: tuple[str, ...] = ()  # the metrics' columns, returned beside each part (points.parquet unread)


def run_batch_tasks(tasks: list[BatchTask]) -> list[TaskResult]:
    """Run batches of points: one part per point, byte-identical to the point's part run alone (``run_tasks``).
    A batch whose model raises is run again point by point, so only the failing points are reported failed."""
    from sim.batch import Batch, run_batch  # the model: imported where tasks run

    out: list[TaskResult] = []
    for t in tasks:
        started = time.perf_counter()
        keys = tuple(p if t.independent else None for p in t.points)
        try:
            tables = run_batch(Batch(t.scenarios, t.n, t.chunk, keys))
            parts = [part_bytes(p, table) for p, table in zip(t.points, tables, strict=True)]
            columns = [metric_columns(table, t.columns) if t.columns else None for table in tables]
        except Exception:  # recorded in failures.json; the sweep reports itself incomplete
            if len(t.points) > 1:
                out += run_batch_tasks(
                    [
                        BatchTask((p,), t.chunk, t.n, (s,), t.independent, t.columns)
                        for p, s in zip(t.points, t.scenarios, strict=True)
                    ]
                )
                continue
            out.append(TaskResult(t.points[0], t.chunk, None, traceback.format_exc(), time.perf_counter() - started))
            continue
        seconds = (time.perf_counter() - started) / len(t.points)
        out += [
            TaskResult(p, t.chunk, part, None, seconds, cols)
            for p, part, cols in zip(t.points, parts, columns, strict=True)
        ]
    return out


def run_chunks(tasks: list[Task], on_week: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Run a batch of a run's chunks: each one's outcome table, weekly aggregates and kept trajectories
    (``sim.runner.run_chunk``). A chunk whose model raises fails the batch: a run has no partial results.
    ``on_week`` (in process only) receives the replicates stepped each week, for the progress bar."""
    from sim.runner import run_chunk  # the model: imported where tasks run (a warm worker has it already)

    return [
        run_chunk(
            t.scenario,
            t.chunk,
            t.n,
            point=t.point if t.independent else None,
            keep=tuple(t.scenario.trajectories),
            on_week=on_week,
            start=t.start,
        )
        for t in tasks
    ]


def part_bytes(point: int, outcomes: pa.Table) -> bytes:
    """One task's rows (sorted by replicate, as the model emits them) as Parquet bytes, with a ``point``
    column and the outcome dictionary in the fixed order of OUTCOMES, so every part shares one schema."""
    codes = outcome_codes(outcomes.column("outcome"))
    table = outcomes.set_column(
        outcomes.schema.get_field_index("outcome"),
        "outcome",
        pa.DictionaryArray.from_arrays(pa.array(codes, pa.int8()), pa.array(OUTCOMES)),
    )
    table = table.add_column(0, "point", pa.array(np.full(table.num_rows, point, dtype=np.int64)))
    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(None), buf, compression=COMPRESSION)
    return buf.getvalue()


def metric_columns(table: pa.Table, columns: tuple[str, ...] | list[str]) -> dict[str, np.ndarray]:
    """The columns a sweep's metrics read, as numpy arrays (the outcome as indices into OUTCOMES): from a part
    read back from disk or from the table it was written from, the same arrays."""
    return {c: outcome_codes(table.column(c)) if c == "outcome" else table.column(c).to_numpy() for c in columns}


def outcome_codes(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Outcome indices into OUTCOMES, whatever the dictionary order of the column."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    out = []
    for arr in chunks:
        if pa.types.is_dictionary(arr.type):
            lookup = np.array([OUTCOMES.index(s) for s in arr.dictionary.to_pylist()], dtype=np.int8)
            # zero-copy where possible (no nulls): the copying path imports pandas
            indices = arr.indices.to_numpy(zero_copy_only=arr.indices.null_count == 0)
            out.append(lookup[np.asarray(indices, dtype=np.int64)])
        else:
            out.append(np.array([OUTCOMES.index(s) for s in arr.to_pylist()], dtype=np.int8))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int8)


def part_name(point: int, chunk: int) -> str:
    return f"point-{point:06d}.chunk-{chunk:04d}.parquet"


# ---------------------------------------------------------------------------------------------------------
# Executors


class InProcessExecutor(Executor):
    """Runs each call at submission, in this process and thread: ``--workers 1`` never starts a process."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # the caller reads it from the future, as from any executor
            future.set_exception(exc)
        return future


class Backend(Protocol):
    """Where batches run: starts (and restarts) an executor and tells a dead worker from a failed call."""

    description: str

    def start(self) -> Executor: ...

    def slots(self) -> int: ...

    def worker_died(self, exc: BaseException) -> bool: ...

    def stop(self, executor: Executor, *, wait: bool) -> None: ...

    def close(self) -> None: ...


class InProcess:
    description = "in process"

    def __init__(self) -> None:
        # The model is imported at set-up, as a pool's forkserver imports it before any worker starts, so a
        # sweep's clock (manifest timings) measures the sweep and not a one-time import.
        import sim.runner  # noqa: F401

    def start(self) -> Executor:
        return InProcessExecutor()

    def slots(self) -> int:
        return 1

    def worker_died(self, exc: BaseException) -> bool:
        return False

    def stop(self, executor: Executor, *, wait: bool) -> None:
        executor.shutdown(wait=wait)

    def close(self) -> None:
        pass


class LocalPool:
    """A forkserver process pool (``sim.pool.make_pool``); a pool broken by a dead worker is replaced."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.description = f"{workers} local worker processes"

    def start(self) -> Executor:
        from sim.pool import make_pool

        return make_pool(self.workers)

    def slots(self) -> int:
        return self.workers

    def worker_died(self, exc: BaseException) -> bool:
        return isinstance(exc, BrokenProcessPool)

    def stop(self, executor: Executor, *, wait: bool) -> None:
        executor.shutdown(wait=wait, cancel_futures=True)

    def close(self) -> None:
        pass


SCHEDULER_PROBE_SECONDS = 5.0


def probe_scheduler(address: str, seconds: float = SCHEDULER_PROBE_SECONDS) -> None:
    """Check a --scheduler address before Dask is involved: its form (``tcp://`` or ``tls://`` host:port, or
    host:port), that the host resolves and that something accepts a connection on the port within
    ``seconds``. Dask itself would retry a refused or unresolvable address for its whole timeout and then
    keep the process alive for its event loop; this fails at once with one line (exit 2)."""
    import socket
    from urllib.parse import urlsplit

    text = address if "://" in address else f"tcp://{address}"
    try:
        parts = urlsplit(text)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise RunError(f"--scheduler {address!r}: not an address ({exc}); expected tcp://HOST:PORT") from None
    if parts.scheme not in ("tcp", "tls") or not host or port is None or parts.path not in ("", "/"):
        raise RunError(f"--scheduler {address!r}: not an address; expected tcp://HOST:PORT (or tls://)")
    try:
        with socket.create_connection((host, port), timeout=seconds):
            pass
    except socket.gaierror as exc:
        raise RunError(
            f"cannot connect to the Dask scheduler at {address}: unknown host {host!r} ({exc.strerror})"
        ) from None
    except TimeoutError:
        raise RunError(f"cannot connect to the Dask scheduler at {address}: no answer within {seconds:g} s") from None
    except OSError as exc:
        raise RunError(f"cannot connect to the Dask scheduler at {address}: {exc.strerror or exc}") from None


class DaskCluster:
    """A Dask distributed cluster: a scheduler at ``address``, the one a ``scheduler_file`` describes (as
    dask-mpi and dask-jobqueue write it), or an existing ``client`` (the Python API; it is not closed here).
    The cluster itself reschedules the work of a lost worker, and ``KilledWorker`` (a task that took several
    workers down) is retried here like a broken pool."""

    def __init__(
        self,
        address: str | None = None,
        *,
        scheduler_file: str | None = None,
        client: Any = None,
        timeout: float = 30.0,
    ) -> None:
        from distributed import Client

        self.owned = client is None
        if client is not None:
            self.client = client
            self.address = str(client.scheduler.address)
        elif scheduler_file is not None:
            if not os.path.isfile(scheduler_file):
                raise RunError(f"{scheduler_file}: no such scheduler file (written by dask scheduler --scheduler-file)")
            try:
                self.client = Client(scheduler_file=scheduler_file, timeout=f"{timeout}s", set_as_default=False)
            except (OSError, TimeoutError, ValueError, KeyError) as exc:
                raise RunError(f"{scheduler_file}: cannot connect to the Dask scheduler it names: {exc}") from None
            self.address = str(self.client.scheduler.address)
        elif address is not None:
            self.address = address
            probe_scheduler(address)  # a bad address fails at once, before Dask retries it for ``timeout``
            try:
                self.client = Client(address, timeout=f"{timeout}s", set_as_default=False)
            except (OSError, TimeoutError, ValueError) as exc:
                raise RunError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
        else:
            raise RunError("a Dask cluster needs a scheduler address, a scheduler file or a client")
        self.description = f"Dask scheduler {self.address}"

    def wait_for_workers(self, n: int = 1, timeout: float = 60.0) -> None:
        try:
            self.client.wait_for_workers(n, timeout=timeout)
        except TimeoutError:
            raise RunError(
                f"the Dask scheduler at {self.address} has no workers after {timeout:g} s; start "
                f"some with: dask worker {self.address}"
            ) from None

    def start(self) -> Executor:
        # pure=False: a resubmitted batch is a new task, not the cached failure of the old one.
        return self.client.get_executor(pure=False)

    def slots(self) -> int:
        return max(sum(self.client.nthreads().values()), 1)

    def worker_died(self, exc: BaseException) -> bool:
        from distributed.scheduler import KilledWorker

        return isinstance(exc, KilledWorker | CancelledError)

    def stop(self, executor: Executor, *, wait: bool) -> None:
        executor.shutdown(wait=wait)  # the client's executor cancels what is pending itself

    def close(self) -> None:
        if self.owned:
            self.client.close()


def make_backend(
    workers: int | None = None,
    scheduler: str | None = None,
    *,
    scheduler_file: str | None = None,
    client: Any = None,
    tasks: int | None = None,
) -> Backend:
    """Where to run: a Dask cluster (``--scheduler``, ``--scheduler-file`` or a client) wins; ``--workers 1``
    is in process; otherwise a local pool (one worker per core), of at most ``tasks`` workers, and in
    process when there is only one task (a pool would only add its start-up)."""
    from sim.pool import default_workers

    if sum(x is not None for x in (scheduler, scheduler_file, client)) > 1:
        raise RunError("--scheduler and --scheduler-file exclude each other: pass one way to reach the cluster")
    if scheduler is not None or scheduler_file is not None or client is not None:
        if workers is not None:
            raise RunError("--workers and --scheduler exclude each other: a cluster has its own workers")
        cluster = DaskCluster(scheduler, scheduler_file=scheduler_file, client=client)
        cluster.wait_for_workers(1)
        return cluster
    n = workers or default_workers()
    if tasks is not None:
        n = min(n, tasks)
    return InProcess() if n <= 1 else LocalPool(n)


def task_seconds(replicates: int, weeks: int) -> float:
    """Rough compute time of one task (a chunk of ``replicates`` to ``weeks``), for batching only."""
    return weeks * (WEEK_OVERHEAD_SECONDS + replicates * REPLICATE_WEEK_SECONDS)


def batch_size(n_tasks: int, slots: int, seconds_per_task: float, target: float = BATCH_SECONDS) -> int:
    """Tasks per batch: about ``target`` seconds of work, but at least four batches per worker slot so that
    the last batches do not leave most workers idle."""
    by_time = max(1, math.floor(target / max(seconds_per_task, 1e-9)))
    by_balance = max(1, n_tasks // (4 * max(slots, 1)))
    return min(by_time, by_balance)


def batched[B](items: Iterable[B], size: int) -> Iterator[list[B]]:
    batch: list[B] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class RunStats:
    batches: int = 0
    resubmitted: int = 0
    restarts: int = 0
    lost: int = 0
    seconds: float = 0.0


def run_batches[B, R](
    backend: Backend,
    fn: Callable[[B], R],
    batches: Iterable[B],
    *,
    on_result: Callable[[B, R], None],
    on_lost: Callable[[B, str], None],
    on_event: Callable[[str], None] | None = None,
    max_attempts: int = 3,
    window: int | None = None,
    reraise: bool = False,
) -> RunStats:
    """Run ``fn(batch)`` for every batch on the backend, at most ``window`` batches in flight (batches are
    drawn lazily, so an iterator of millions costs no memory). ``on_result(batch, result)`` gets every
    result in completion order. A batch whose worker died is resubmitted (a broken local pool is rebuilt
    first); after ``max_attempts`` deaths, or if the call itself raised, ``on_lost(batch, reason)``; with
    ``reraise`` an exception of the call itself propagates instead (a run has no partial results)."""
    stats = RunStats()
    started = time.perf_counter()
    window = window or 2 * backend.slots()
    source = iter(batches)
    retry: deque[tuple[B, int]] = deque()
    inflight: dict[Future[R], tuple[B, int]] = {}
    executor = backend.start()
    exhausted = False
    try:
        while True:
            while len(inflight) < window and (retry or not exhausted):
                if retry:
                    batch, attempts = retry.popleft()
                else:
                    try:
                        batch, attempts = next(source), 0
                    except StopIteration:
                        exhausted = True
                        break
                stats.batches += attempts == 0
                inflight[executor.submit(fn, batch)] = (batch, attempts)
            if not inflight:
                break
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                batch, attempts = inflight.pop(future)
                broken |= _settle(
                    backend, future, batch, attempts, retry, stats, on_result, on_lost, max_attempts, reraise
                )
            if broken and isinstance(backend, LocalPool):
                # Every other future of a broken pool fails too; settle them, then start a fresh pool.
                wait(inflight)
                for future, (batch, attempts) in list(inflight.items()):
                    _settle(backend, future, batch, attempts, retry, stats, on_result, on_lost, max_attempts, reraise)
                inflight.clear()
                backend.stop(executor, wait=True)
                stats.restarts += 1
                if on_event is not None:
                    on_event(f"a worker died; rebuilding the pool and resubmitting {len(retry)} batch(es)")
                executor = backend.start()
            elif broken and on_event is not None:
                on_event(f"a worker died; resubmitting {len(retry)} batch(es)")
            del done, future  # a finished batch's results (a run's: ~20 MB a chunk) must not outlive their callback
    finally:
        backend.stop(executor, wait=not inflight)
        stats.seconds = time.perf_counter() - started
    return stats


def _settle[B, R](
    backend: Backend,
    future: Future[R],
    batch: B,
    attempts: int,
    retry: deque[tuple[B, int]],
    stats: RunStats,
    on_result: Callable[[B, R], None],
    on_lost: Callable[[B, str], None],
    max_attempts: int,
    reraise: bool = False,
) -> bool:
    """Hand a finished future to its callback or queue it again; True when its worker died."""
    try:
        result = future.result()
    except (Exception, CancelledError) as exc:
        if backend.worker_died(exc):
            if attempts + 1 < max_attempts:
                retry.append((batch, attempts + 1))
                stats.resubmitted += 1
            else:
                stats.lost += 1
                on_lost(batch, f"its worker died {max_attempts} times ({type(exc).__name__}: {exc})")
            return True
        stats.lost += 1
        if reraise:
            raise
        on_lost(batch, f"{type(exc).__name__}: {exc}")
        return False
    on_result(batch, result)
    del result
    return False
