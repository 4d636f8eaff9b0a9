"""The performance benchmark of Leverage: ``make bench`` (6-10 minutes on 2 cores) or ``make bench-smoke``
(seconds: tiny sizes, one repeat, nothing timed against a target). The package ``benchmarks/perf/`` holds it:
``measurement`` (repeats, memory, CPU, one measurement in a fresh process), ``numpy_calls`` (the numpy-call
counter), one module per part (``ensemble``, ``idiomatic``, ``million``, ``sweep``, ``week_profile``),
``targets``, ``report`` (the table) and ``cli`` (this command line)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/: the perf package, mesa_idiomatic

from perf.cli import main  # noqa: E402  (after the path it is found on)

if __name__ == "__main__":
    sys.exit(main())
