"""The performance benchmark of Leverage (GitHub issue #6): ``make bench`` (6-10 minutes on 2 cores) or
``make bench-smoke`` (seconds: tiny sizes, one repeat, nothing timed against a target).

Parts (each figure is the median of several runs, with min and max):
  1. ensemble   the baseline scenario, 104 weeks, at R = 1 ... 100,000 in one process: wall time, µs per
                replicate-week with all the weekly reporting ``sim run`` does (``sim.runner.run``), the bare
                model steps for information, and peak resident memory. Every measurement runs in a fresh
                subprocess so peaks do not accumulate.
  2. idiomatic  one Mesa model per replicate, run N times in sequence the way ``mesa.batch_run`` does
                (benchmarks/mesa_idiomatic.py), against one ensemble model of R = N, in the same process.
  3. million    ``sim run scenarios/baseline.yaml -n 1000000`` with the default workers: wall time and peak
                memory summed over the whole process tree (sampled from /proc every 0.1 s), then a check that
                the results are byte-identical to a ``--workers 1`` run.
  4. sweep      ``sim sweep`` of 100 points x 1,000 replicates with --workers 1 and 2: wall time, speed-up and
                the overhead of the sweep machinery (its wall time against the sum of the tasks' compute).
  5. profile    one week at R = 10,000: cProfile by function, and numpy calls per week counted by
                instrumenting the model's arrays (benchmarks/profile_week.txt beside the results).

Writes benchmarks/results.json (``--out``) and prints a table with every figure and target.
Internal: ``bench.py --one KIND ...`` is one measurement in a fresh process; it prints one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gc
import hashlib
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
DEFAULT_OUT = HERE / "results.json"
PROFILE_FILE = "profile_week.txt"
HORIZON = 104
MIB = 1024.0 * 1024.0

# Targets of issue #6 on a 2-core machine.
TARGET_US_PER_RW = 0.4
TARGET_IDIOMATIC_RATIO = 500.0
TARGET_MILLION_SECONDS = 60.0
TARGET_MILLION_BYTES = 2 * 1024**3
TARGET_SWEEP_OVERHEAD = 0.05
TARGET_SWEEP_SPEEDUP = 1.6
NOISE = 0.05  # "no more than" comparisons between two medians tolerate this much run-to-run noise

# Sizes: full (make bench) and smoke (make bench-smoke, the test).
FULL: dict[str, Any] = {
    "ensemble_sizes": [1, 100, 1_000, 10_000, 100_000],
    "ensemble_repeats": {100_000: 3},
    "repeats": 5,
    "malloc_variant_sizes": [10_000],
    "idiomatic_n": 1_000,
    "idiomatic_blocks": 5,
    "million_n": 1_000_000,
    "million_repeats": 3,
    "million_horizon": HORIZON,
    "million_chunk": None,
    "sweep_points": 100,
    "sweep_replicates": 1_000,
    "sweep_repeats": 3,
    "sweep_horizon": HORIZON,
    "profile_replicates": 10_000,
    "profile_weeks": 10,
    "warmup_weeks": 5,
}
SMOKE: dict[str, Any] = {
    "ensemble_sizes": [1, 100],
    "ensemble_repeats": {},
    "repeats": 1,
    "malloc_variant_sizes": [],
    "idiomatic_n": 8,
    "idiomatic_blocks": 2,
    "million_n": 4_000,
    "million_repeats": 1,
    "million_horizon": 12,
    "million_chunk": 2_000,
    "sweep_points": 4,
    "sweep_replicates": 100,
    "sweep_repeats": 1,
    "sweep_horizon": 12,
    "profile_replicates": 500,
    "profile_weeks": 2,
    "warmup_weeks": 2,
}


# ---------------------------------------------------------------------------------------------------------
# Helpers


def stats(values: list[float]) -> dict[str, Any]:
    vals = [float(v) for v in values]
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals), "values": vals}


def others(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Cores used by other processes during the runs (median, min, max), when measured."""
    vals = [r["contention"]["other_cores"] for r in runs if r.get("contention")]
    return stats(vals) if vals else None


def rss_now() -> int:
    """This process's resident set size now, bytes."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def peak_rss_self() -> int:
    """This process's peak resident set size so far, bytes (Linux reports kB)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def load(replicates: int, horizon: int = HORIZON, extra: tuple[str, ...] = ()) -> Any:
    from sim.scenario import load_scenario

    return load_scenario(str(BASELINE), [f"replicates={replicates}", f"horizon_weeks={horizon}", *extra])


def sim_command() -> list[str]:
    script = Path(sys.executable).parent / "sim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim.cli"]


IN_PROCESS = [False]  # smoke mode: measurements run in this process (saves an interpreter start each)


def one(kind: str, *args: str, timeout: float = 1800, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its last stdout line is a JSON object."""
    if IN_PROCESS[0] and env is None:
        return measure(kind, parse_args(["--one", kind, *args]))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", kind, *args]
    quiet()
    with CpuWatch() as watch:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            check=False,
            env={**os.environ, **env} if env else None,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    res: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    res["contention"] = watch.result
    return res


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def _cpu_times() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    steal = fields[7] if len(fields) > 7 else 0
    return (user + nice + system + irq + softirq) / tick, steal / tick


def _own_cpu() -> float:
    """CPU seconds of this process and of every descendant it has waited for."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class CpuWatch:
    """How busy the machine was with other work during a measurement: the machine's busy CPU time minus this
    process tree's own (a shared machine makes every figure slower and parallel ones much slower)."""

    def __enter__(self) -> CpuWatch:
        self.t0, (self.busy0, self.steal0), self.own0 = time.perf_counter(), _cpu_times(), _own_cpu()
        # CPU of descendants this process never waits for (pool workers are children of a forkserver), from
        # TreeMemory's samples of /proc/<pid>/stat
        self.extra_own = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self.t0
        busy, steal = _cpu_times()
        own = _own_cpu() - self.own0 + self.extra_own
        self.result = {
            "own_cpu_seconds": own,
            "other_cpu_seconds": max(busy - self.busy0 - own, 0.0),
            "steal_seconds": steal - self.steal0,
            "other_cores": max(busy - self.busy0 - own, 0.0) / wall if wall > 0 else 0.0,
        }


def wait_quiet(max_wait: float, threshold: float = 0.3) -> float:
    """Wait (up to max_wait seconds) until other processes use less than `threshold` cores over a second;
    returns the seconds waited. The benchmark shares the machine with whatever else runs on it."""
    started = time.perf_counter()
    while True:
        b0, o0 = _cpu_times()[0], _own_cpu()
        time.sleep(1.0)
        others = (_cpu_times()[0] - b0) - (_own_cpu() - o0)
        waited = time.perf_counter() - started
        if others < threshold or waited >= max_wait:
            return waited


QUIET = {"max_wait": 0.0, "waited": 0.0}


def quiet() -> None:
    if QUIET["max_wait"] > 0:
        QUIET["waited"] += wait_quiet(QUIET["max_wait"])


def machine() -> dict[str, Any]:
    import numpy as np

    cpu = "unknown"
    info: dict[str, str] = {}
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                break  # the first processor is enough
            key, _, value = line.partition(":")
            info[key.strip()] = value.strip()
    cpu = info.get("model name", cpu)
    flags = set(info.get("flags", "").split())
    detail = {
        "family": info.get("cpu family"),
        "model": info.get("model"),
        "cache": info.get("cache size"),
        "mhz": info.get("cpu MHz"),
        "hypervisor": "hypervisor" in flags,
        "simd": [f for f in ("avx2", "avx512f") if f in flags],
    }
    mem = None
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    versions: dict[str, str] = {"python": platform.python_version(), "numpy": np.__version__}
    from importlib import metadata

    for pkg in ("mesa", "pandas", "pyarrow", "leverage-sim"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[pkg] = metadata.version(pkg)
    affinity: int | None
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return {
        "cores": os.cpu_count(),
        "usable_cores": affinity,
        "cpu_model": cpu,
        "cpu": detail,
        "memory_gib": round(mem / 1024**3, 1) if mem else None,
        "platform": platform.platform(),
        "versions": versions,
        "git_commit": git_commit(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average_at_start": loadavg(),
    }


def git_commit() -> str | None:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
        )
        if head.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("-dirty" if dirty else "")


class TreeMemory(threading.Thread):
    """Samples the resident memory of a process and all its descendants every ``period`` seconds from /proc:
    the peak of the tree's summed RSS (shared pages counted in every process: an upper bound) and of its
    summed PSS (shared pages split between the processes sharing them: what the tree really occupies).

    With ``memory=False`` it only follows the descendants' CPU time (for the ``others`` figure). Reading
    ``smaps_rollup`` makes the kernel walk each process's page tables: ten times a second over five processes
    that costs enough CPU to slow a run that keeps both cores busy by a tenth (measured on the 2-worker sweep:
    5.7 s sampled, 5.1 s not), so timings that are not memory figures are taken without it."""

    def __init__(self, pid: int, period: float = 0.1, *, memory: bool = True) -> None:
        super().__init__(daemon=True)
        self.pid, self.period, self.memory = pid, period, memory
        self.peak_rss = self.peak_pss = 0
        self.peak_processes = 0
        self.samples = 0
        self.at_peak: list[tuple[str, int, int]] = []
        self.cpu: dict[int, float] = {}  # last seen utime + stime of each descendant, seconds
        self._tick = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()

    def _children(self) -> dict[int, list[int]]:
        kids: dict[int, list[int]] = {}
        self._times: dict[int, float] = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat", "rb") as f:
                    s = f.read()
            except OSError:
                continue
            rest = s[s.rfind(b")") + 2 :].split()
            kids.setdefault(int(rest[1]), []).append(int(d))
            self._times[int(d)] = (int(rest[11]) + int(rest[12])) / self._tick
        return kids

    def tree(self) -> list[int]:
        kids, out, todo = self._children(), [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo.extend(kids.get(p, []))
        return out

    @staticmethod
    def _memory(pid: int) -> tuple[int, int]:
        rss = pss = 0
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss = int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss = int(line.split()[1]) * 1024
        except (OSError, ValueError):
            with contextlib.suppress(OSError, ValueError), open(f"/proc/{pid}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = pss = int(line.split()[1]) * 1024
        return rss, pss

    def role(self, pid: int) -> str:
        if pid == self.pid:
            return "main"
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            return "gone"
        for key in ("forkserver", "resource_tracker"):
            if key in cmd:
                return key
        return "worker"

    def sample(self) -> None:
        pids = self.tree()
        for p in pids:
            if p != self.pid and p in self._times:
                self.cpu[p] = self._times[p]
        self.peak_processes = max(self.peak_processes, len(pids))
        self.samples += 1
        if not self.memory:
            return
        rss = pss = 0
        mem = {}
        for p in pids:
            r, s = self._memory(p)
            mem[p] = (r, s)
            rss, pss = rss + r, pss + s
        if pss > self.peak_pss:
            # who holds what at the peak: (role, RSS, PSS) per process
            self.at_peak = sorted(((self.role(p), r, s) for p, (r, s) in mem.items()), key=lambda x: -x[2])
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)

    def run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.period)

    def stop(self) -> None:
        self._stop.set()
        self.join()


def timed_command(cmd: list[str], timeout: float = 1800, *, memory: bool = True) -> dict[str, Any]:
    """Run a command, sampling its process tree's memory (unless ``memory`` is False: see TreeMemory); wall
    time from start to exit."""
    quiet()
    with CpuWatch() as watch:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        mon = TreeMemory(proc.pid, 0.1 if memory else 0.25, memory=memory)
        mon.start()
        try:
            out, err = proc.communicate(timeout=timeout)
        finally:
            mon.stop()
        wall = time.perf_counter() - started
        watch.extra_own = sum(mon.cpu.values())
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    return {
        "wall_seconds": wall,
        "peak_rss_tree_bytes": mon.peak_rss if memory else None,
        "peak_pss_tree_bytes": mon.peak_pss if memory else None,
        "peak_processes": mon.peak_processes,
        "samples": mon.samples,
        "stdout": out,
        "contention": watch.result,
        "at_peak_pss": [
            {"process": r, "rss_mib": round(a / MIB), "pss_mib": round(b / MIB)} for r, a, b in mon.at_peak
        ],
    }


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------------------
# One measurement in a fresh process (bench.py --one KIND ...)


# glibc's allocator: arrays above the mmap threshold (128 KiB until a larger mmapped block is freed) are mapped
# and unmapped at every allocation, and every first touch of their pages is a page fault. These environment
# variables (read at process start) keep such blocks on the heap: the "allocator tuned" variant of part 1.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(128 << 20)}


def tune_malloc() -> bool:
    """The same as MALLOC_ENV, from inside a running process (glibc's mallopt); False where unavailable."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 32 << 20)) and bool(libc.mallopt(m_trim_threshold, 128 << 20))
    except (OSError, AttributeError):
        return False


def minor_faults() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_minflt)


def one_ensemble(replicates: int, horizon: int) -> dict[str, Any]:
    """Part 1: ``sim.runner.run`` (model, weekly reporting, outcome and weekly tables, summary) at R in a fresh
    process, as ``sim run --workers 1`` runs it (cold); then writing the results directory, the same run again
    in the same process (warm: first-call costs paid, the allocator adapted), and the bare model steps."""
    from sim.model import PressureModel
    from sim.results import write_results
    from sim.runner import chunk_sizes, run

    sc = load(replicates, horizon)
    gc.collect()
    rss_before = rss_now()
    f0 = minor_faults()
    t0, c0 = time.perf_counter(), time.process_time()
    result = run(sc, workers=1)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    faults = minor_faults() - f0
    peak = peak_rss_self()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_results(result, Path(tmp) / "out", force=True, source=str(BASELINE))
        write = time.perf_counter() - t0
    del result
    gc.collect()
    t0 = time.perf_counter()
    run(sc, workers=1)
    warm = time.perf_counter() - t0
    gc.collect()
    bare = 0.0
    build = 0.0
    chunks = chunk_sizes(sc.replicates, sc.chunk_size)
    for c, n in enumerate(chunks):
        t0 = time.perf_counter()
        model = PressureModel(sc, n, c)
        t1 = time.perf_counter()
        model.run()
        bare += time.perf_counter() - t1
        build += t1 - t0
        del model
    rw = replicates * horizon
    return {
        "replicates": replicates,
        "horizon": horizon,
        "chunk_size": sc.chunk_size,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "us_per_replicate_week": wall / rw * 1e6,
        "write_seconds": write,
        "warm_wall_seconds": warm,
        "warm_us_per_replicate_week": warm / rw * 1e6,
        "page_faults_per_chunk_week": faults / (horizon * len(chunks)),
        "bare_step_seconds": bare,
        "bare_build_seconds": build,
        "bare_us_per_replicate_week": bare / rw * 1e6,
        "peak_rss_bytes": peak,
        "rss_before_bytes": rss_before,
    }


def one_idiomatic(n: int, blocks: int, horizon: int) -> dict[str, Any]:
    """Part 2: N one-replicate Mesa models in sequence (in blocks) against one ensemble model of R = N,
    interleaved in the same process so that both see the same machine. Each block runs batch_run's literal
    loop (to the horizon), the early-stopping variant, then the ensemble."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import mesa_idiomatic as mi

    sc = load(n, horizon)
    mi.run_sequential(load(1, horizon), range(3))  # warm-up both paths
    mi.run_ensemble(load(16, horizon), 16)
    edges = [round(b * n / blocks) for b in range(blocks + 1)]
    idiom: list[float] = []
    early: list[float] = []
    ens: list[float] = []
    steps: list[int] = []
    for b in range(blocks):
        runs = range(edges[b], edges[b + 1])
        gc.collect()
        t0 = time.perf_counter()
        records = mi.run_sequential(sc, runs)
        idiom.append((time.perf_counter() - t0) / len(runs))
        assert all(r["steps"] == horizon for r in records)
        gc.collect()
        t0 = time.perf_counter()
        records = mi.run_sequential(sc, runs, stop_when_ended=True)
        early.append((time.perf_counter() - t0) / len(runs))
        steps.extend(r["steps"] for r in records)
        gc.collect()
        t0 = time.perf_counter()
        table = mi.run_ensemble(sc, n)
        ens.append((time.perf_counter() - t0) / n)
        assert table.num_rows == n
    return {
        "n": n,
        "blocks": blocks,
        "idiomatic_seconds_per_replicate": idiom,
        "early_stop_seconds_per_replicate": early,
        "ensemble_seconds_per_replicate": ens,
        "early_stop_mean_weeks": sum(steps) / len(steps),
        "idiomatic_total_seconds": sum(t * (edges[b + 1] - edges[b]) for b, t in enumerate(idiom)),
    }


def one_profile(replicates: int, weeks: int, warmup: int, out: str, passes: int = 5) -> dict[str, Any]:
    """Part 5: cProfile of ``weeks`` weeks at R (after ``warmup``), numpy calls counted per week, and the
    cost of a week at R = 1 (its fixed overhead) against R."""
    from sim.model import PressureModel

    sc = load(replicates)

    # (a) cProfile of `weeks` weeks (model.step, reporting included).
    model = PressureModel(sc, replicates, 0)
    for _ in range(warmup):
        model.step()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(weeks):
        model.step()
    prof.disable()
    profiled = (time.perf_counter() - t0) / weeks

    # (b) the same weeks without the profiler, several times (the minimum is the least disturbed by other
    # processes), with the reporting's share (model.recorder.record) and page faults; first as a fresh process runs
    # them (every sim run, every pool worker's first chunk), then with glibc's allocator tuned (tune_malloc).
    def time_weeks() -> tuple[list[float], list[float], list[float]]:
        weeks_t, reporting_t, faults_t = [], [], []
        for _ in range(passes):
            model = PressureModel(sc, replicates, 0)
            for _ in range(warmup):
                model.step()
            record = model.recorder.record
            spent = [0.0]

            def timed_record(*args: Any, record: Any = record, spent: list[float] = spent) -> None:
                t = time.perf_counter()
                record(*args)
                spent[0] += time.perf_counter() - t

            model.recorder.record = timed_record  # type: ignore[method-assign]
            f0 = minor_faults()
            t0 = time.perf_counter()
            for _ in range(weeks):
                model.step()
            weeks_t.append((time.perf_counter() - t0) / weeks)
            faults_t.append((minor_faults() - f0) / weeks)
            reporting_t.append(spent[0] / weeks)
        return weeks_t, reporting_t, faults_t

    weeks_t, reporting_t, faults_t = time_weeks()
    i_best = min(range(passes), key=lambda i: weeks_t[i])
    week, reporting, faults = weeks_t[i_best], reporting_t[i_best], faults_t[i_best]
    tuned = tune_malloc()
    tweeks_t, treporting_t, tfaults_t = time_weeks() if tuned else ([], [], [])
    j_best = min(range(len(tweeks_t)), key=lambda i: tweeks_t[i]) if tweeks_t else None

    # (c) a week at R = 1: nothing but per-call overhead.
    r1 = []
    for _ in range(passes):
        small = PressureModel(load(1), 1, 0)
        for _ in range(warmup):
            small.step()
        t0 = time.perf_counter()
        for _ in range(weeks * 4):
            small.step()
        r1.append((time.perf_counter() - t0) / (weeks * 4))
    week_r1 = min(r1)

    # (d) numpy calls per week, by kind and by calling function.
    model = PressureModel(sc, replicates, 0)
    for _ in range(warmup):
        model.step()
    by_kind, by_caller = count_numpy_calls(model, weeks)
    calls = sum(by_kind.values()) / weeks

    # (e) a whole sim.runner.run at R under cProfile: what a run costs outside its weekly steps.
    from sim.runner import run

    run(load(64), workers=1)
    whole = cProfile.Profile()
    t0 = time.perf_counter()
    whole.enable()
    run(sc, workers=1)
    whole.disable()
    run_wall = time.perf_counter() - t0
    run_parts: dict[str, float] = {}
    wanted = {
        ("runner.py", "run"): "sim.runner.run (all)",
        ("runner.py", "run_chunk"): "run_chunk (build + steps + outcome table)",
        ("model.py", "step"): "PressureModel.step x horizon",
        ("recorder.py", "record"): "  of which weekly reporting (WeeklyRecorder.record)",
        ("outcomes.py", "outcome_table"): "outcome_table",
        ("outcomes.py", "table"): "weekly table (WeeklyAccumulator.table: quantiles from histograms)",
        ("outcomes.py", "summarise"): "summarise",
    }
    for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in pstats.Stats(whole).stats.items():  # type: ignore[attr-defined]
        key = (Path(file).name, name)
        if key in wanted and file.startswith(str(ROOT / "sim")):
            run_parts[wanted[key]] = run_parts.get(wanted[key], 0.0) + ct

    st = pstats.Stats(prof)
    sim_dir = str(ROOT / "sim")
    functions = []
    for (file, line, name), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        functions.append(
            {
                "function": _fn_label(file, line, name, sim_dir),
                "calls_per_week": nc / weeks,
                "tottime_ms_per_week": tt / weeks * 1e3,
                "cumtime_ms_per_week": ct / weeks * 1e3,
            }
        )
    functions.sort(key=lambda f: -f["tottime_ms_per_week"])

    best_week = tweeks_t[j_best] if j_best is not None else week
    tuned_lines = (
        []
        if j_best is None
        else [
            f"same weeks, glibc allocator tuned (mmap threshold 32 MiB, trim threshold 128 MiB), best of {passes}: "
            f"{tweeks_t[j_best] * 1e3:.3f} ms = {tweeks_t[j_best] / replicates * 1e6:.3f} µs per replicate-week "
            f"(passes: " + ", ".join(f"{w * 1e3:.2f}" for w in tweeks_t) + " ms)",
            f"  of which weekly reporting:        {treporting_t[j_best] * 1e3:8.3f} ms",
            f"  of which the model's processes:   {(tweeks_t[j_best] - treporting_t[j_best]) * 1e3:8.3f} ms",
            f"  minor page faults per week:       {tfaults_t[j_best]:8.0f} (untuned: {faults:.0f})",
        ]
    )
    text = profile_report(
        replicates,
        weeks,
        warmup,
        profiled,
        weeks_t,
        week,
        reporting,
        week_r1,
        calls,
        by_kind,
        by_caller,
        prof,
        best_week,
        tuned_lines,
    )
    parts_text = "\n".join(f"  {v:8.3f}  {k}" for k, v in sorted(run_parts.items(), key=lambda kv: -kv[1]))
    text += (
        f"\nOne whole sim.runner.run at R = {replicates:,} x {HORIZON} weeks under cProfile "
        f"({run_wall:.3f} s wall; cumulative seconds):\n{parts_text}\n"
    )
    Path(out).write_text(text, encoding="utf-8")
    per_call_us = week_r1 / calls * 1e6 if calls else None
    return {
        "replicates": replicates,
        "weeks_profiled": weeks,
        "warmup_weeks": warmup,
        "week_ms": week * 1e3,
        "reporting_ms": reporting * 1e3,
        "model_ms": (week - reporting) * 1e3,
        "week_ms_passes": stats([w * 1e3 for w in weeks_t]),
        "week_ms_at_r1_passes": stats([w * 1e3 for w in r1]),
        "page_faults_per_week": faults,
        "allocator_tuned": None
        if j_best is None
        else {
            "week_ms": tweeks_t[j_best] * 1e3,
            "reporting_ms": treporting_t[j_best] * 1e3,
            "model_ms": (tweeks_t[j_best] - treporting_t[j_best]) * 1e3,
            "us_per_replicate_week": tweeks_t[j_best] / replicates * 1e6,
            "page_faults_per_week": tfaults_t[j_best],
            "week_ms_passes": stats([w * 1e3 for w in tweeks_t]),
        },
        "week_ms_under_profiler": profiled * 1e3,
        "us_per_replicate_week": week / replicates * 1e6,
        "week_ms_at_r1": week_r1 * 1e3,
        "numpy_calls_per_week": calls,
        "us_per_call_at_r1": per_call_us,
        "ns_per_replicate_per_call": ((best_week - week_r1) / replicates / calls * 1e9) if calls else None,
        "numpy_calls_by_kind": {k: v / weeks for k, v in by_kind.most_common()},
        "numpy_calls_by_function": {k: v / weeks for k, v in by_caller.most_common()},
        "top_functions": functions[:25],
        "whole_run_under_profiler_seconds": run_parts,
        "report": str(out),
    }


def _fn_label(file: str, line: int, name: str, sim_dir: str) -> str:
    if file == "~":
        return name
    if file.startswith(sim_dir):
        return f"sim/{os.path.relpath(file, sim_dir)}:{line}({name})"
    return f"{Path(file).name}:{line}({name})"


def count_numpy_calls(model: Any, weeks: int) -> tuple[Counter[str], Counter[str]]:
    """Step ``weeks`` weeks with every array the model holds viewed as a counting subclass, every random
    generator behind a counting proxy, and numpy's array-creation functions and ufuncs wrapped: each entry
    into numpy from the model's code (a ufunc, including operators and reductions; an array function such
    as where, clip, select, copyto, bincount; an array creation; indexing; astype/copy/reshape; a random
    draw) counts once, nested calls inside numpy do not. Returns counts by kind and by calling function."""
    import numpy as np

    sim_dir = str(ROOT / "sim")
    by_kind: Counter[str] = Counter()
    by_caller: Counter[str] = Counter()
    depth = [0]

    def caller() -> str:
        f = sys._getframe(2)
        while f is not None:
            code = f.f_code
            if code.co_filename.startswith(sim_dir):
                return f"sim/{os.path.relpath(code.co_filename, sim_dir)}:{code.co_qualname}"
            f = f.f_back  # type: ignore[assignment]
        return "(outside sim)"

    def count(kind: str) -> None:
        by_kind[kind] += 1
        by_caller[caller()] += 1

    def unwrap(x: Any) -> Any:
        if isinstance(x, Counted):
            return x.view(np.ndarray)
        if isinstance(x, tuple):
            return tuple(unwrap(i) for i in x)
        if isinstance(x, list):
            return [unwrap(i) for i in x]
        return x

    def wrap(x: Any) -> Any:
        if type(x) is np.ndarray:
            return x.view(Counted)
        if isinstance(x, tuple):
            return tuple(wrap(i) for i in x)
        return x

    class Counted(np.ndarray):
        def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
            if depth[0] == 0:
                count(f"ufunc {ufunc.__name__}" + ("" if method == "__call__" else f".{method}"))
            out = kwargs.get("out")
            if out is not None:
                kwargs["out"] = unwrap(out)
            depth[0] += 1
            try:
                result = getattr(ufunc, method)(*unwrap(inputs), **kwargs)
            finally:
                depth[0] -= 1
            if out is not None:
                return out[0] if len(out) == 1 else out
            return wrap(result)

        def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
            if depth[0] == 0:
                count(f"function {func.__name__}")
            depth[0] += 1
            try:
                return wrap(super().__array_function__(func, types, args, kwargs))
            finally:
                depth[0] -= 1

        def _method(name: str) -> Any:  # type: ignore[misc]
            base = getattr(np.ndarray, name)

            def method(self: Any, *a: Any, **k: Any) -> Any:
                if depth[0] == 0:
                    count(f"method {name}")
                depth[0] += 1
                try:
                    return wrap(base(self, *a, **k))
                finally:
                    depth[0] -= 1

            return method

        __getitem__ = _method("__getitem__")
        __setitem__ = _method("__setitem__")
        astype = _method("astype")
        copy = _method("copy")
        ravel = _method("ravel")
        reshape = _method("reshape")
        tolist = _method("tolist")
        item = _method("item")

    class CountedGenerator:
        def __init__(self, gen: Any) -> None:
            self._gen = gen

        def __getattr__(self, name: str) -> Any:
            attr = getattr(self._gen, name)
            if not callable(attr):
                return attr

            def draw(*a: Any, **k: Any) -> Any:
                count(f"random {name}")
                depth[0] += 1
                try:
                    return wrap(attr(*a, **k))
                finally:
                    depth[0] -= 1

            return draw

    class UfuncProxy:
        """A ufunc called on plain numbers or plain arrays only (with a counted array, __array_ufunc__
        counts it)."""

        def __init__(self, uf: Any) -> None:
            self._uf = uf
            self.__name__ = uf.__name__

        def __call__(self, *a: Any, **k: Any) -> Any:
            if depth[0] == 0 and not any(isinstance(x, Counted) for x in (*a, *k.values())):
                count(f"ufunc {self._uf.__name__}")
                depth[0] += 1
                try:
                    return wrap(self._uf(*a, **k))
                finally:
                    depth[0] -= 1
            return self._uf(*a, **k)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._uf, name)

    def creator(name: str, fn: Any) -> Any:
        def create(*a: Any, **k: Any) -> Any:
            if depth[0] > 0:
                return fn(*a, **k)
            count(f"create {name}")
            depth[0] += 1
            try:
                return wrap(fn(*a, **k))
            finally:
                depth[0] -= 1

        return create

    seen: set[int] = set()

    def instrument(obj: Any, level: int = 0) -> Any:
        """Replace arrays by counting views (same memory) in the model, its agents, policies and parameters."""
        if isinstance(obj, np.ndarray):
            return obj.view(Counted) if type(obj) is np.ndarray else obj
        if isinstance(obj, np.random.Generator):
            return CountedGenerator(obj)
        if level > 4 or id(obj) in seen:
            return obj
        if isinstance(obj, list):
            seen.add(id(obj))
            obj[:] = [instrument(x, level + 1) for x in obj]
        elif isinstance(obj, dict):
            seen.add(id(obj))
            for k in list(obj):
                obj[k] = instrument(obj[k], level + 1)
        elif isinstance(obj, tuple):
            return tuple(instrument(x, level + 1) for x in obj)
        elif hasattr(obj, "__dict__") and (
            type(obj).__module__.startswith("sim") or type(obj).__name__ == "SimpleNamespace"
        ):
            seen.add(id(obj))
            for k, v in list(vars(obj).items()):
                if k in ("spec", "switches", "model"):
                    continue
                new = instrument(v, level + 1)
                if new is not v:
                    object.__setattr__(obj, k, new)
        return obj

    instrument(model)
    for agent in model.agents:
        instrument(agent)
    creators = (
        "zeros",
        "ones",
        "empty",
        "full",
        "zeros_like",
        "ones_like",
        "empty_like",
        "full_like",
        "array",
        "asarray",
        "asanyarray",
        "arange",
        "broadcast_to",
        "stack",
        "concatenate",
        "linspace",
    )
    saved = {name: getattr(np, name) for name in creators}
    ufuncs = {name: getattr(np, name) for name in dir(np) if isinstance(getattr(np, name, None), np.ufunc)}
    try:
        for name, fn in saved.items():
            setattr(np, name, creator(name, fn))
        for name, uf in ufuncs.items():
            setattr(np, name, UfuncProxy(uf))
        for _ in range(weeks):
            model.step()
    finally:
        for name, fn in saved.items():
            setattr(np, name, fn)
        for name, uf in ufuncs.items():
            setattr(np, name, uf)
    return by_kind, by_caller


def profile_report(
    replicates: int,
    weeks: int,
    warmup: int,
    profiled: float,
    weeks_t: list[float],
    week: float,
    reporting: float,
    week_r1: float,
    calls: float,
    by_kind: Counter[str],
    by_caller: Counter[str],
    prof: cProfile.Profile,
    best_week: float,
    tuned_lines: list[str],
) -> str:
    lines = [
        f"Leverage: profile of one week of the baseline at R = {replicates:,} (model.step with its weekly reporting)",
        f"generated {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} at commit {git_commit()}",
        f"weeks {warmup + 1}-{warmup + weeks} after {warmup} warm-up weeks; every figure is per week (totals "
        f"over {weeks} weeks / {weeks})",
        "",
    ]
    lines.append(
        f"time per week in a fresh process (no profiler, best of {len(weeks_t)} passes): "
        f"{week * 1e3:.3f} ms = {week / replicates * 1e6:.3f} µs per replicate-week (passes: "
        + ", ".join(f"{w * 1e3:.2f}" for w in weeks_t)
        + " ms)"
    )
    lines.append(
        f"  of which weekly reporting:        {reporting * 1e3:8.3f} ms (model.recorder.record: histograms, sums)"
    )
    lines.append(f"  of which the model's processes:   {(week - reporting) * 1e3:8.3f} ms")
    lines += tuned_lines
    lines.append(f"time per week at R = 1:             {week_r1 * 1e3:8.3f} ms (fixed per-call overhead)")
    lines.append(f"numpy calls per week:               {calls:8.1f}")
    if calls:
        lines.append(f"  overhead per call (R = 1):        {week_r1 / calls * 1e6:8.2f} µs")
        lines.append(
            f"  element cost per call at R:       {(best_week - week_r1) / calls / replicates * 1e9:8.2f} ns "
            "per replicate (≈ one pass over one float64 array; from the fastest week above)"
        )
    lines.append(f"time per week under cProfile:       {profiled * 1e3:8.3f} ms")
    lines += ["", "numpy calls per week, by calling function (sim/):"]
    for k, v in by_caller.most_common():
        lines.append(f"  {v / weeks:8.1f}  {k}")
    lines += ["", "numpy calls per week, by kind:"]
    for k, v in by_kind.most_common():
        lines.append(f"  {v / weeks:8.1f}  {k}")
    st = pstats.Stats(prof)
    sim_dir = str(ROOT / "sim")
    rows: list[tuple[str, float, float, float]] = [
        (_fn_label(file, line, name, sim_dir), nc / weeks, tt / weeks * 1e3, ct / weeks * 1e3)
        for (file, line, name), (_cc, nc, tt, ct, _callers) in st.stats.items()
    ]  # type: ignore[attr-defined]
    total = sum(r[2] for r in rows)
    for col, title in ((2, "own time"), (3, "cumulative time")):
        lines += [
            "",
            f"cProfile, by {title}, per week (the profiler slows small calls: {profiled * 1e3:.2f} ms a "
            f"week under it, {total:.2f} ms of own time in all):",
            f"  {'calls':>8} {'own ms':>8} {'cum ms':>8}  function",
        ]
        for label, nc, tt, ct in sorted(rows, key=lambda r: -float(r[col]))[:40]:
            lines.append(f"  {nc:8.1f} {tt:8.3f} {ct:8.3f}  {label}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------
# The parts


ENSEMBLE_KEYS = (
    "wall_seconds",
    "cpu_seconds",
    "us_per_replicate_week",
    "warm_us_per_replicate_week",
    "bare_us_per_replicate_week",
    "page_faults_per_chunk_week",
    "write_seconds",
    "peak_rss_bytes",
    "rss_before_bytes",
)


def part_ensemble(cfg: dict[str, Any], log: Any) -> dict[str, Any]:
    rows = []
    variants = [(r, False) for r in cfg["ensemble_sizes"]] + [(r, True) for r in cfg["malloc_variant_sizes"]]
    for r, tuned in variants:
        reps = cfg["ensemble_repeats"].get(r, cfg["repeats"])
        runs = [
            one("ensemble", "--replicates", str(r), "--horizon", str(HORIZON), env=MALLOC_ENV if tuned else None)
            for _ in range(reps)
        ]
        row: dict[str, Any] = {
            "replicates": r,
            "allocator_tuned": tuned,
            "repeats": reps,
            "chunk_size": runs[0]["chunk_size"],
            "other_cores": others(runs),
        }
        for key in ENSEMBLE_KEYS:
            row[key] = stats([x[key] for x in runs])
        rows.append(row)
        log(
            f"  R = {r:>7,}{' (allocator tuned)' if tuned else ''}: {row['wall_seconds']['median']:8.3f} s, "
            f"{row['us_per_replicate_week']['median']:9.3f} µs/replicate-week (warm "
            f"{row['warm_us_per_replicate_week']['median']:.3f}, bare model "
            f"{row['bare_us_per_replicate_week']['median']:.3f}), peak RSS "
            f"{row['peak_rss_bytes']['median'] / MIB:,.0f} MiB, "
            f"{row['page_faults_per_chunk_week']['median']:,.0f} page faults a week"
        )
    return {
        "horizon_weeks": HORIZON,
        "what": "sim.runner.run(scenario, workers=1) in a fresh process (cold, as sim run --workers 1 runs it; "
        "the target figure): build, 104 steps with weekly reporting, outcome table, weekly table, "
        "summary. warm = the same run again in that process (first-call costs paid, glibc's mmap "
        "threshold raised by earlier frees); bare = PressureModel.run() alone, warm; write = "
        "write_results (parquet, json), not in the wall time; allocator tuned = the cold run with "
        f"{' '.join(f'{k}={v}' for k, v in MALLOC_ENV.items())}",
        "rows": rows,
    }


def part_idiomatic(cfg: dict[str, Any], log: Any) -> dict[str, Any]:
    n, blocks = cfg["idiomatic_n"], cfg["idiomatic_blocks"]
    res = one("idiomatic", "--n", str(n), "--blocks", str(blocks), "--horizon", str(HORIZON), timeout=3600)
    idiom, ens = res["idiomatic_seconds_per_replicate"], res["ensemble_seconds_per_replicate"]
    early = res["early_stop_seconds_per_replicate"]
    out = {
        "n": n,
        "blocks": blocks,
        "horizon_weeks": HORIZON,
        "what": f"{n:,} PressureModel(scenario, 1, chunk=i) built and stepped in sequence with mesa.batch_run's "
        f"loop (while model.running and model.steps < {HORIZON}), in {blocks} blocks; each block also "
        f"run stopping each model once its replicate has ended, then one PressureModel(scenario, {n:,}) "
        "to the horizon; all collect the outcome record; one process",
        "idiomatic_seconds_per_replicate": stats(idiom),
        "ensemble_seconds_per_replicate": stats(ens),
        "idiomatic_total_seconds": res["idiomatic_total_seconds"],
        "ratio_per_block": stats([i / e for i, e in zip(idiom, ens, strict=True)]),
        "ratio_of_medians": statistics.median(idiom) / statistics.median(ens),
        "early_stop_seconds_per_replicate": stats(early),
        "early_stop_mean_weeks": res["early_stop_mean_weeks"],
        "early_stop_ratio_per_block": stats([i / e for i, e in zip(early, ens, strict=True)]),
        "early_stop_ratio_of_medians": statistics.median(early) / statistics.median(ens),
        "contention": res.get("contention"),
    }
    log(
        f"  idiomatic {out['idiomatic_seconds_per_replicate']['median'] * 1e3:.2f} ms/replicate (stopping at the "
        f"outcome {out['early_stop_seconds_per_replicate']['median'] * 1e3:.2f}), ensemble "
        f"{out['ensemble_seconds_per_replicate']['median'] * 1e6:.1f} µs/replicate: ratio "
        f"{out['ratio_of_medians']:,.0f}x ({out['early_stop_ratio_of_medians']:,.0f}x)"
    )
    return out


def part_million(cfg: dict[str, Any], log: Any, verify: bool) -> dict[str, Any]:
    from sim.runner import default_workers

    n, horizon = cfg["million_n"], cfg["million_horizon"]
    base = [*sim_command(), "run", str(BASELINE), "-n", str(n), "--horizon", str(horizon), "--force", "-q"]
    if cfg["million_chunk"]:
        base += ["--set", f"chunk_size={cfg['million_chunk']}"]
    runs = []
    tmp = Path(tempfile.mkdtemp(prefix="leverage-bench-"))
    try:
        for i in range(cfg["million_repeats"]):
            r = timed_command([*base, "--out", str(tmp / "parallel")])
            runs.append(r)
            log(
                f"  run {i + 1}: {r['wall_seconds']:.1f} s, peak tree RSS {r['peak_rss_tree_bytes'] / MIB:,.0f} MiB "
                f"(PSS {r['peak_pss_tree_bytes'] / MIB:,.0f} MiB, {r['peak_processes']} processes)"
            )
        out: dict[str, Any] = {
            "replicates": n,
            "horizon_weeks": horizon,
            "workers": default_workers(),
            "command": " ".join(["sim", *base[len(sim_command()) :], "--out", "DIR"]),
            "wall_seconds": stats([r["wall_seconds"] for r in runs]),
            "peak_rss_tree_bytes": stats([r["peak_rss_tree_bytes"] for r in runs]),
            "peak_pss_tree_bytes": stats([r["peak_pss_tree_bytes"] for r in runs]),
            "peak_processes": max(r["peak_processes"] for r in runs),
            "other_cores": others(runs),
            "processes_at_peak": sorted(runs, key=lambda r: r["peak_pss_tree_bytes"])[len(runs) // 2]["at_peak_pss"],
            "us_per_replicate_week": stats([r["wall_seconds"] / (n * horizon) * 1e6 for r in runs]),
            "memory_note": "sampled every 0.1 s over the process tree from /proc: RSS summed (shared pages "
            "counted in each process, an upper bound) and PSS summed (shared pages split)",
        }
        with contextlib.suppress(OSError, ValueError, KeyError):
            man = json.loads((tmp / "parallel" / "manifest.json").read_text(encoding="utf-8"))
            out["manifest_timings"] = man.get("timings")
        if verify:
            r = timed_command([*base, "--workers", "1", "--out", str(tmp / "single")])
            files = {}
            for name in ("outcomes.parquet", "weekly.parquet", "summary.json"):
                a, b = tmp / "parallel" / name, tmp / "single" / name
                files[name] = a.exists() and b.exists() and sha256(a) == sha256(b)
            out["single_process"] = {
                "wall_seconds": r["wall_seconds"],
                "other_cores": others([r]),
                "peak_rss_tree_bytes": r["peak_rss_tree_bytes"],
                "peak_pss_tree_bytes": r["peak_pss_tree_bytes"],
            }
            out["identical_to_single_process"] = all(files.values())
            out["identical_files"] = files
            log(f"  --workers 1: {r['wall_seconds']:.1f} s; files identical: {files}")
        else:
            out["identical_to_single_process"] = None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


SWEEP_TEMPLATE = """\
# Written by benchmarks/bench.py: {points} points x {replicates} replicates of the baseline (one task each).
name: bench_sweep
base: {base}
sampler: lhs
samples: {points}
parameters:
  params.negotiation.talks_rate: {{low: 0.025, high: 0.1}}
  params.costs.scale: {{low: 0.5, high: 1.5}}
replicates: {replicates}
seed: 20251016
metrics: [p_settlement, p_escalation, p_ukraine_collapse, median_settlement_week, mean_terms]
"""


def sweep_available() -> bool:
    try:
        from sim.cli import cli
    except ImportError:
        return False
    return "sweep" in cli.commands


def part_sweep(cfg: dict[str, Any], log: Any) -> dict[str, Any]:
    points, reps, horizon = cfg["sweep_points"], cfg["sweep_replicates"], cfg["sweep_horizon"]
    if not sweep_available():
        log("  `sim sweep` is not available yet: part 4 skipped")
        return {"available": False, "points": points, "replicates": reps}
    tmp = Path(tempfile.mkdtemp(prefix="leverage-bench-sweep-"))
    try:
        sweep_file = tmp / "bench_sweep.yaml"
        sweep_file.write_text(SWEEP_TEMPLATE.format(points=points, replicates=reps, base=BASELINE), encoding="utf-8")
        by_workers: dict[int, dict[str, Any]] = {}
        runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
        for i in range(cfg["sweep_repeats"]):
            for w in (1, 2):  # interleaved, so that both see the same machine
                cmd = [
                    *sim_command(),
                    "sweep",
                    str(sweep_file),
                    "--workers",
                    str(w),
                    "--out",
                    str(tmp / f"w{w}"),
                    "--force",
                    "-q",
                    "--set",
                    f"horizon_weeks={horizon}",
                ]
                r = timed_command(cmd, memory=False)  # a timing: sampling memory would slow it (TreeMemory)
                man = json.loads((tmp / f"w{w}" / "manifest.json").read_text(encoding="utf-8"))
                t = man.get("timings", {})
                r["internal_wall_seconds"] = t.get("wall_seconds")
                r["compute_seconds"] = t.get("compute_seconds")
                r["tasks"] = (man.get("tasks") or {}).get("total")
                r["batch_size"] = man.get("batch_size")
                runs[w].append(r)
                log(
                    f"  run {i + 1}, --workers {w}: {r['wall_seconds']:.2f} s (sweep {r['internal_wall_seconds']} s, "
                    f"tasks' compute {r['compute_seconds']} s)"
                )
        for w, rs in runs.items():
            internal = [r["internal_wall_seconds"] for r in rs]
            compute = [r["compute_seconds"] for r in rs]
            by_workers[w] = {
                "wall_seconds": stats([r["wall_seconds"] for r in rs]),
                "sweep_wall_seconds": stats(internal),
                "compute_seconds": stats(compute),
                "startup_seconds": stats([r["wall_seconds"] - r["internal_wall_seconds"] for r in rs]),
                # machinery overhead: the sweep's wall x workers against the tasks' own compute
                "overhead": stats([iw * w / c - 1.0 for iw, c in zip(internal, compute, strict=True)]),
                "overhead_with_startup": stats([r["wall_seconds"] * w / r["compute_seconds"] - 1.0 for r in rs]),
                "tasks": rs[0]["tasks"],
                "batch_size": rs[0]["batch_size"],
                "other_cores": others(rs),
            }
        s1 = [r["wall_seconds"] for r in runs[1]]
        s2 = [r["wall_seconds"] for r in runs[2]]
        speedups = [a / b for a, b in zip(s1, s2, strict=True)]
        i1 = [r["internal_wall_seconds"] for r in runs[1]]
        i2 = [r["internal_wall_seconds"] for r in runs[2]]
        return {
            "available": True,
            "points": points,
            "replicates": reps,
            "horizon_weeks": horizon,
            "sampler": "lhs over params.negotiation.talks_rate and params.costs.scale",
            "what": "sim sweep FILE --workers W -q, wall time of the command; 'sweep' figures are the "
            "manifest's timings (run_sweep: design, tasks, parts, points.parquet, summary) and "
            "compute is the sum of the tasks' own time (run_chunk + the part's Parquet bytes)",
            "workers": {str(w): v for w, v in by_workers.items()},
            "speedup_2_over_1": stats(speedups),
            "speedup_2_over_1_sweep_only": stats([a / b for a, b in zip(i1, i2, strict=True)]),
            # the throughput of the tasks themselves: 1 worker's compute against 2 workers' compute / 2
            "compute_speedup_2_over_1": stats(
                [r1["compute_seconds"] / (r2["compute_seconds"] / 2) for r1, r2 in zip(runs[1], runs[2], strict=True)]
            ),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def part_profile(cfg: dict[str, Any], out_dir: Path, log: Any) -> dict[str, Any]:
    report = out_dir / PROFILE_FILE
    res = one(
        "profile",
        "--replicates",
        str(cfg["profile_replicates"]),
        "--weeks",
        str(cfg["profile_weeks"]),
        "--warmup",
        str(cfg["warmup_weeks"]),
        "--report",
        str(report),
    )
    res["report"] = os.path.relpath(report, ROOT) if report.is_relative_to(ROOT) else str(report)
    log(
        f"  {res['week_ms']:.2f} ms a week ({res['reporting_ms']:.2f} ms reporting), "
        f"{res['numpy_calls_per_week']:.0f} numpy calls a week, {res['week_ms_at_r1']:.2f} ms a week at R = 1; "
        f"report in {res['report']}"
    )
    return res


# ---------------------------------------------------------------------------------------------------------
# Targets and the table


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(name: str, target: str, measured: str, ok: bool | None, note: str = "") -> None:
        status = "n/a" if ok is None else ("met" if ok else "missed")
        out.append({"target": name, "goal": target, "measured": measured, "status": status, "note": note})

    rows = res.get("ensemble", {}).get("rows", [])
    ens = {row["replicates"]: row for row in rows if not row["allocator_tuned"]}
    if 10_000 in ens:
        v = ens[10_000]["warm_us_per_replicate_week"]["median"]
        add(
            "ensemble µs/replicate-week at R = 10,000 with reporting (sim.runner.run, steady state)",
            f"≤ {TARGET_US_PER_RW} µs",
            f"{v:.3f} µs",
            v <= TARGET_US_PER_RW,
            "second run in the process: per-process one-time costs excluded",
        )
        c = ens[10_000]["us_per_replicate_week"]["median"]
        tuned = [row for row in rows if row["allocator_tuned"] and row["replicates"] == 10_000]
        add(
            "  the same, first run in a fresh process (one sim run -n 10000 --workers 1)",
            f"≤ {TARGET_US_PER_RW} µs",
            f"{c:.3f} µs",
            c <= TARGET_US_PER_RW,
            "includes first calls into pandas and glibc page faults (benchmarks/README.md)"
            + (f"; {tuned[0]['us_per_replicate_week']['median']:.3f} µs with the allocator tuned" if tuned else ""),
        )
    if 10_000 in ens and 100_000 in ens:
        a = ens[10_000]["warm_us_per_replicate_week"]["median"]
        b = ens[100_000]["warm_us_per_replicate_week"]["median"]
        ok = b <= a * (1 + NOISE)
        a_c = ens[10_000]["us_per_replicate_week"]["median"]
        b_c = ens[100_000]["us_per_replicate_week"]["median"]
        add(
            "cost per replicate-week at R = 100,000 vs R = 10,000 (steady state)",
            "no more",
            f"{b:.3f} vs {a:.3f} µs ({b / a:.2f}x)",
            ok,
            ("" if b <= a else f"within the {NOISE:.0%} run-to-run noise allowed; " if ok else "")
            + f"first run in a fresh process: {b_c:.3f} vs {a_c:.3f} µs ({b_c / a_c:.2f}x)",
        )
    idi = res.get("idiomatic")
    if idi and idi["n"] >= 1_000:
        r = idi["ratio_of_medians"]
        add(
            f"speed-up over one Mesa model per replicate (N = {idi['n']:,})",
            f"≥ {TARGET_IDIOMATIC_RATIO:.0f}x",
            f"{r:,.0f}x (blocks {idi['ratio_per_block']['min']:,.0f}-{idi['ratio_per_block']['max']:,.0f}x)",
            r >= TARGET_IDIOMATIC_RATIO,
            f"{idi['early_stop_ratio_of_medians']:,.0f}x against models that stop when their replicate ends",
        )
    mil = res.get("million")
    if mil and mil["replicates"] >= 1_000_000 and mil["horizon_weeks"] >= HORIZON:
        w = mil["wall_seconds"]["median"]
        add(
            "1,000,000 replicates x 104 weeks, sim run, default workers",
            f"< {TARGET_MILLION_SECONDS:.0f} s",
            f"{w:.1f} s",
            w < TARGET_MILLION_SECONDS,
        )
        p, rss = mil["peak_pss_tree_bytes"]["median"], mil["peak_rss_tree_bytes"]["median"]
        add(
            "  its peak memory, all processes",
            "< 2 GiB",
            f"{p / 1024**3:.2f} GiB PSS ({rss / 1024**3:.2f} GiB summed RSS)",
            rss < TARGET_MILLION_BYTES,
            "judged on summed RSS (the stricter)",
        )
        if mil.get("identical_to_single_process") is not None:
            add(
                "  its results identical to a single-process run",
                "byte-identical",
                "yes" if mil["identical_to_single_process"] else f"no: {mil['identical_files']}",
                bool(mil["identical_to_single_process"]),
            )
    sw = res.get("sweep")
    if sw and sw.get("available") and sw["points"] >= 100:
        o = sw["workers"]["1"]["overhead"]["median"]
        o_cli = sw["workers"]["1"]["overhead_with_startup"]["median"]
        add(
            "sweep machinery overhead (100 x 1,000, --workers 1)",
            f"< {TARGET_SWEEP_OVERHEAD:.0%} of compute",
            f"{o:.1%} ({o_cli:.1%} with the CLI's start-up)",
            o < TARGET_SWEEP_OVERHEAD,
        )
        s = sw["speedup_2_over_1"]["median"]
        add(
            "sweep, 2 workers against 1 (wall time of the command)",
            f"≥ {TARGET_SWEEP_SPEEDUP}x",
            f"{s:.2f}x",
            s >= TARGET_SWEEP_SPEEDUP,
            f"{sw['speedup_2_over_1_sweep_only']['median']:.2f}x without the CLI's start-up, "
            f"{sw['compute_speedup_2_over_1']['median']:.2f}x for the tasks' compute alone",
        )
    return out


def fmt_stats(s: dict[str, Any], scale: float = 1.0, digits: int = 3, unit: str = "") -> str:
    m, lo, hi = s["median"] * scale, s["min"] * scale, s["max"] * scale
    return f"{m:,.{digits}f}{unit} [{lo:,.{digits}f}-{hi:,.{digits}f}]"


def fmt_others(s: dict[str, Any] | None) -> str:
    return "-" if not s else f"{s['median']:.2f} (max {s['max']:.2f})"


def table(res: dict[str, Any]) -> str:
    m = res["machine"]
    cpu = m.get("cpu") or {}
    lines = [
        f"Leverage benchmark · {m['date']} · commit {m['git_commit']}",
        f"machine: {m['cores']} cores, {m['cpu_model']} (family {cpu.get('family')} model {cpu.get('model')}, "
        f"{'VM' if cpu.get('hypervisor') else 'bare metal'}), {m['memory_gib']} GiB · Python "
        f"{m['versions']['python']}, numpy {m['versions']['numpy']}, Mesa {m['versions'].get('mesa')}"
        + (" · SMOKE (sizes too small for the targets)" if res["settings"]["smoke"] else ""),
        f"load average at start {m['load_average_at_start']}, at end {res.get('load_average_at_end')}; "
        f"waited {res.get('seconds_waited_for_quiet', 0)} s for other processes to go quiet",
        "figures: median [min-max] of the runs; 'others' = cores used by other processes during the runs",
        "",
    ]
    ens = res.get("ensemble")
    if ens:
        lines.append(
            "1. Ensemble, baseline, 104 weeks, one process: sim.runner.run (model + weekly reporting + "
            "tables) in a fresh process; µs per replicate-week"
        )
        lines.append(
            f"   {'R':>9} {'runs':>4}  {'wall s':<24}{'µs/rw (cold)':<27}{'warm':<8}{'bare':<8}"
            f"{'faults/wk':>10}  {'peak RSS MiB':<16}others"
        )
        for row in ens["rows"]:
            lines.append(
                f"   {row['replicates']:>9,} {row['repeats']:>4}  {fmt_stats(row['wall_seconds']):<24}"
                f"{fmt_stats(row['us_per_replicate_week']):<27}"
                f"{row['warm_us_per_replicate_week']['median']:<8.3f}"
                f"{row['bare_us_per_replicate_week']['median']:<8.3f}"
                f"{row['page_faults_per_chunk_week']['median']:>10,.0f}  "
                f"{fmt_stats(row['peak_rss_bytes'], 1 / MIB, 0):<16}{fmt_others(row.get('other_cores'))}"
                + ("  <- allocator tuned" if row["allocator_tuned"] else "")
            )
        lines.append("")
    idi = res.get("idiomatic")
    if idi:
        c = (idi.get("contention") or {}).get("other_cores")
        lines.append(
            f"2. One Mesa model per replicate (batch_run's loop) against one ensemble, N = {idi['n']:,}, "
            "same process" + (f" (others {c:.2f} cores)" if c is not None else "")
        )
        lines.append(
            f"   one model per replicate: {fmt_stats(idi['idiomatic_seconds_per_replicate'], 1e3, 2, ' ms')} "
            f"per replicate ({HORIZON} weeks each; {idi['idiomatic_total_seconds']:.1f} s for all "
            f"{idi['n']:,})"
        )
        lines.append(
            f"   one ensemble of R = {idi['n']:,}: "
            f"{fmt_stats(idi['ensemble_seconds_per_replicate'], 1e6, 1, ' µs')} per replicate"
        )
        lines.append(f"   ratio: {idi['ratio_of_medians']:,.0f}x (per block {fmt_stats(idi['ratio_per_block'], 1, 0)})")
        lines.append(
            f"   variant, each model stopped once its replicate ends (mean "
            f"{idi['early_stop_mean_weeks']:.1f} weeks): "
            f"{fmt_stats(idi['early_stop_seconds_per_replicate'], 1e3, 2, ' ms')} per replicate, ratio "
            f"{idi['early_stop_ratio_of_medians']:,.0f}x"
        )
        lines.append("")
    mil = res.get("million")
    if mil:
        lines.append(
            f"3. sim run, {mil['replicates']:,} replicates x {mil['horizon_weeks']} weeks, "
            f"{mil['workers']} workers (others {fmt_others(mil.get('other_cores'))} cores)"
        )
        lines.append(
            f"   wall: {fmt_stats(mil['wall_seconds'], 1, 1, ' s')}   "
            f"({fmt_stats(mil['us_per_replicate_week'])} µs/replicate-week)"
        )
        lines.append(
            f"   peak memory, process tree: PSS {fmt_stats(mil['peak_pss_tree_bytes'], 1 / MIB, 0, ' MiB')}, "
            f"summed RSS {fmt_stats(mil['peak_rss_tree_bytes'], 1 / MIB, 0, ' MiB')}, "
            f"{mil['peak_processes']} processes"
        )
        lines.append(
            "   at the peak (PSS): "
            + ", ".join(f"{p['process']} {p['pss_mib']:,} MiB" for p in mil.get("processes_at_peak", []))
        )
        if mil.get("single_process"):
            sp = mil["single_process"]
            lines.append(
                f"   --workers 1: {sp['wall_seconds']:.1f} s, peak PSS {sp['peak_pss_tree_bytes'] / MIB:,.0f} "
                f"MiB (others {fmt_others(sp.get('other_cores'))} cores); identical results: "
                f"{mil['identical_to_single_process']}"
            )
        lines.append("")
    sw = res.get("sweep")
    if sw:
        if not sw.get("available"):
            lines += ["4. Sweep: `sim sweep` not available", ""]
        else:
            lines.append(
                f"4. sim sweep, {sw['points']} points x {sw['replicates']:,} replicates x {sw['horizon_weeks']} weeks"
            )
            for w, v in sw["workers"].items():
                lines.append(
                    f"   --workers {w}: wall {fmt_stats(v['wall_seconds'], 1, 2, ' s')}, sweep "
                    f"{fmt_stats(v['sweep_wall_seconds'], 1, 2, ' s')}, tasks' compute "
                    f"{fmt_stats(v['compute_seconds'], 1, 2, ' s')} "
                    f"(others {fmt_others(v.get('other_cores'))} cores)"
                )
                lines.append(
                    f"      overhead {fmt_stats(v['overhead'], 100, 1, '%')} of compute "
                    f"({fmt_stats(v['overhead_with_startup'], 100, 1, '%')} with the CLI's start-up)"
                )
            lines.append(
                f"   speed-up of 2 workers over 1: {fmt_stats(sw['speedup_2_over_1'], 1, 2, 'x')} (command), "
                f"{fmt_stats(sw['speedup_2_over_1_sweep_only'], 1, 2, 'x')} (sweep without start-up), "
                f"{fmt_stats(sw['compute_speedup_2_over_1'], 1, 2, 'x')} (tasks' compute)"
            )
            lines.append("")
    pr = res.get("profile")
    if pr:
        lines.append(
            f"5. Profile of a week at R = {pr['replicates']:,}: {pr['week_ms']:.2f} ms "
            f"({pr['us_per_replicate_week']:.3f} µs/replicate-week): model {pr['model_ms']:.2f} ms, reporting "
            f"{pr['reporting_ms']:.2f} ms; {pr['numpy_calls_per_week']:.0f} numpy calls a week; "
            f"{pr['week_ms_at_r1']:.2f} ms a week at R = 1"
        )
        top = ", ".join(f"{k.split(':')[-1]} {v:.0f}" for k, v in list(pr["numpy_calls_by_function"].items())[:5])
        lines.append(f"   numpy calls by function: {top}; full report: {pr['report']}")
        lines.append("")
    tg = res.get("targets", [])
    if tg:
        lines.append("Targets (issue #6, 2 cores, no GPU)")
        for t in tg:
            lines.append(
                f"   [{t['status']:>6}] {t['target']}: {t['measured']} (target {t['goal']})"
                + (f"; {t['note']}" if t["note"] else "")
            )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--smoke", action="store_true", help="tiny sizes and one repeat: seconds, no targets")
    ap.add_argument(
        "--out", type=Path, help=f"results JSON [{os.path.relpath(DEFAULT_OUT, ROOT)}; smoke: a temporary directory]"
    )
    ap.add_argument("--parts", default="1,2,3,4,5", help="which parts to run, e.g. 1,5 [all]")
    ap.add_argument(
        "--no-verify",
        action="store_true",
        help="part 3: skip the --workers 1 run that checks the results are identical",
    )
    ap.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="before each measurement, wait up to this long for other processes to leave the CPUs "
        "idle (a shared machine slows every figure) [60; 0 = never wait; smoke: 0]",
    )
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--replicates", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--horizon", type=int, default=HORIZON, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--blocks", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--weeks", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--warmup", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--report", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def measure(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    if kind == "ensemble":
        return one_ensemble(args.replicates, args.horizon)
    if kind == "idiomatic":
        return one_idiomatic(args.n, args.blocks, args.horizon)
    if kind == "profile":
        return one_profile(args.replicates, args.weeks, args.warmup, args.report)
    raise SystemExit(f"unknown measurement {kind}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.one, args)))
        return 0

    IN_PROCESS[0] = args.smoke
    QUIET["max_wait"] = 0.0 if args.smoke else args.quiet_wait
    cfg = SMOKE if args.smoke else FULL
    out = args.out or (
        Path(tempfile.gettempdir()) / "leverage-bench-smoke" / "results.json" if args.smoke else DEFAULT_OUT
    )
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    parts = {int(p) for p in args.parts.split(",") if p.strip()}
    started = time.perf_counter()

    def log(msg: str) -> None:
        print(msg, flush=True)

    res: dict[str, Any] = {
        "machine": machine(),
        "settings": {
            "smoke": args.smoke,
            "parts": sorted(parts),
            **{k: v for k, v in cfg.items() if k != "ensemble_repeats"},
        },
    }
    log(
        f"Leverage benchmark{' (smoke)' if args.smoke else ''}: {res['machine']['cores']} cores, "
        f"{res['machine']['cpu_model']}, commit {res['machine']['git_commit']}, load {loadavg()}"
    )
    sizes = ", ".join(f"{r:,}" for r in cfg["ensemble_sizes"])
    steps: list[tuple[int, str, str, Any]] = [
        (1, "ensemble", f"1. ensemble at R = {sizes}", lambda: part_ensemble(cfg, log)),
        (
            2,
            "idiomatic",
            f"2. one Mesa model per replicate against one ensemble, N = {cfg['idiomatic_n']:,}",
            lambda: part_idiomatic(cfg, log),
        ),
        (3, "million", f"3. sim run -n {cfg['million_n']:,}", lambda: part_million(cfg, log, not args.no_verify)),
        (
            4,
            "sweep",
            f"4. sim sweep, {cfg['sweep_points']} points x {cfg['sweep_replicates']:,} replicates",
            lambda: part_sweep(cfg, log),
        ),
        (
            5,
            "profile",
            f"5. profile of a week at R = {cfg['profile_replicates']:,}",
            lambda: part_profile(cfg, out.parent, log),
        ),
    ]
    for number, key, title, fn in steps:
        if number not in parts:
            continue
        load_before = loadavg()
        log(f"{title} (load {load_before})")
        t0 = time.perf_counter()
        res[key] = fn()
        res[key]["load_average_before"] = load_before
        res[key]["bench_seconds"] = round(time.perf_counter() - t0, 1)
    res["load_average_at_end"] = loadavg()
    res["seconds_waited_for_quiet"] = round(QUIET["waited"], 1)
    res["bench_seconds"] = round(time.perf_counter() - started, 1)
    res["targets"] = [] if args.smoke else targets(res)
    out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    log("")
    log(table(res))
    log(f"\nwrote {out} in {res['bench_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
