"""Local worker processes: how many, and a process pool whose workers start warm.

Workers fork from a forkserver, never from the CLI process itself: a forked child of a process with threads
(numpy's OpenBLAS pool, Dask, tqdm's monitor) can deadlock. The server imports the model once (``PRELOAD``),
so each worker forks from it ready to run instead of importing numpy, pandas, scipy and Mesa anew.

Workers and the server die with the process that made the pool, however it dies: a SIGKILLed command gets
no chance to shut its pool down, and the workers (blocked reading a queue whose write end they hold
themselves) and the server would otherwise stay alive for good, holding about a gigabyte. Each worker watches
that process (``watch_parent``: a pidfd, readable the moment it exits, or a poll every half second where
pidfds are missing) and exits at once; the server asks the kernel to be killed with it (``sim.lifeline``).

That import takes about a second, and a short sweep is a few seconds of compute, so ``start_forkserver`` is
called as early as a command knows it will use a local pool: the server then imports the model on one core
while the command's own process imports what it needs (and loads its files) on the other. Only the standard
library is imported here, so calling it costs the caller nothing.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import select
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import forkserver

PRELOAD = ["sim.lifeline", "sim.runner", "sim.executors"]


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
    """A process pool of ``workers`` workers forked from the (preloaded) forkserver; each exits when this
    process dies."""
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=_context(), initializer=watch_parent, initargs=(os.getpid(),)
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def watch_parent(pid: int) -> None:
    """Exit this process (a pool worker) as soon as process ``pid`` (the command that made the pool) has died.

    A daemon thread waits on a pidfd of ``pid`` (Linux 5.3+), or polls it every half second. ``os._exit``: the
    worker's state is worthless without its parent, and nothing may block its exit."""
    if not _alive(pid):
        os._exit(1)

    def wait() -> None:
        try:
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            while _alive(pid):
                time.sleep(0.5)
        else:
            select.select([fd], [], [])
        os._exit(1)

    threading.Thread(target=wait, name="leverage-watch-parent", daemon=True).start()
