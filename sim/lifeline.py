"""Preloaded first by the pool's forkserver (``sim.pool.PRELOAD``): ties the server's life to the command's.

On Linux, importing this module in the forkserver asks the kernel (``prctl(PR_SET_PDEATHSIG, SIGKILL)``) to
kill the server the moment the process that started it dies, however it dies (a SIGKILLed command runs no
clean-up). Without it the server outlives a killed command by seconds or, while it is busy, for good. The
workers, forked from the server, watch the command themselves (``sim.pool.watch_parent``).

Importing it anywhere else does nothing: it acts only in a process whose command line is the forkserver's.
Standard library only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def in_forkserver() -> bool:
    """True in multiprocessing's forkserver process (its command line runs ``multiprocessing.forkserver``)."""
    if "multiprocessing.forkserver" not in sys.modules:
        return False
    try:
        with open("/proc/self/cmdline", "rb") as f:
            return b"from multiprocessing.forkserver import main" in f.read()
    except OSError:
        return False


def die_with_parent() -> bool:
    """Have the kernel SIGKILL this process when its parent dies (Linux); exit now if it already has.
    False where prctl is missing."""
    if not sys.platform.startswith("linux"):
        return False
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent or parent == 1:  # the parent died before the request took effect
        os._exit(1)
    return True


if in_forkserver():
    die_with_parent()
