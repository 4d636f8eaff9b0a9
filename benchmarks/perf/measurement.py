"""Measurement: statistics of repeats, memory and CPU of a process tree, contention from other processes, the
machine, and one measurement in a fresh interpreter (``bench.py --one KIND``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .settings import BASELINE, BENCH_SCRIPT, HORIZON, MIB, ROOT


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
        from .cli import measure, parse_args  # the command line dispatches to every part

        return measure(kind, parse_args(["--one", kind, *args]))
    cmd = [sys.executable, str(BENCH_SCRIPT), "--one", kind, *args]
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
