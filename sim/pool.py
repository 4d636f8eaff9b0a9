"""Local worker processes: how many, and a process pool whose workers start warm.

Workers fork from a forkserver, never from the CLI process itself: a forked child of a process with threads
(numpy's OpenBLAS pool, Dask, tqdm's monitor) can deadlock. The server imports the model once (``PRELOAD``),
so each worker forks from it ready to run instead of importing numpy, pandas, scipy and Mesa anew.

That import takes about a second, and a short sweep is a few seconds of compute, so ``start_forkserver`` is
called as early as a command knows it will use a local pool: the server then imports the model on one core
while the command's own process imports what it needs (and loads its files) on the other. Only the standard
library is imported here, so calling it costs the caller nothing.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver

PRELOAD = ["sim.runner", "sim.executors"]


def default_workers() -> int:
    """One worker per core."""
    return max(os.cpu_count() or 1, 1)


def _context() -> mp.context.ForkServerContext:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx  # type: ignore[return-value]


def start_forkserver() -> None:
    """Start this process's forkserver now (it imports the model in the background) if it is not running.
    Idempotent; pools made later by ``make_pool`` fork their workers from it."""
    _context()
    forkserver.ensure_running()


def make_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool of ``workers`` workers forked from the (preloaded) forkserver."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context())
