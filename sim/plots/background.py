"""A run's charts drawn in other processes while the run's results are written (issue 14 §5).

``sim run`` starts a ``ChartDrawer`` before the simulation: its processes fork from the local pool's
forkserver (``sim.pool``, which has the model imported) and import matplotlib and the charts while the model
runs, so that cost is off the run's critical path. When the run is done, ``draw`` hands each process a share
of the charts with the run's tables (the in-memory result: weekly table, summary, the outcome columns the
charts read) and the command writes the results files meanwhile; ``wait`` collects the charts' paths before
the results directory is renamed into place, so the directory stays atomic (a chart that fails fails the
run and nothing is left behind). The results files are written by the command exactly as without charts,
and each chart is drawn by the same code as ``sim plot`` (``run_figures``) from the same numbers, so the
PNGs are byte-identical to those ``sim plot`` draws from the finished directory (tests/test_chart_jobs.py).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

# The outcome columns the charts of a run read (outcomes.parquet holds many more).
CHART_COLUMNS = ("replicate", "outcome", "week", "terms", "weight")


def _warm() -> None:
    """Import what drawing needs (matplotlib, fonts) in a drawing process, ahead of the work."""
    import sim.plots.run  # noqa: F401
    from sim.plots.common import _style, new_figure

    with _style():
        fig = new_figure(1, 1)
        fig.text(0.5, 0.5, "0")
        fig.canvas.draw()  # type: ignore[attr-defined]


def draw_charts(result: Any, out: str, charts: Sequence[str], fmt: str = "png") -> list[str]:
    """Draw ``charts`` of a run (``sim.plots.run.run_figures``) and save them into ``out``; their paths."""
    from sim.plots.common import save
    from sim.plots.run import run_figures

    figs = run_figures(result, None, charts=charts)
    return [str(save(fig, Path(out) / f"{stem}.{fmt}")) for stem, fig in figs.items()]


def spare_cores() -> float:
    """Cores beyond the 1-minute load average (0 where the load average is not available)."""
    try:
        return (os.cpu_count() or 1) - os.getloadavg()[0]
    except OSError:
        return 0.0


def worth_it(pooled: bool) -> bool:
    """Whether ``sim run`` should draw in other processes: when its local pool's forkserver runs anyway (the
    drawing processes fork from it and import only what drawing needs, which this process would import
    otherwise), or when a core is free beside this process (a forkserver of its own then imports the model
    on that core while the model runs). On a busy machine a run in one process draws its charts itself: a
    forkserver's imports would cost more CPU than the overlap saves."""
    return pooled or spare_cores() >= 1.5


def drawing_jobs() -> int:
    """How many drawing processes: one per free core (the 1-minute load average below the core count), at
    least one. Every further process imports matplotlib again: on a busy machine that costs more than it
    saves."""
    return max(1, int(spare_cores()))


def shares(charts: Sequence[str], jobs: int) -> list[list[str]]:
    """The charts dealt out to ``jobs`` processes in turn (each share keeps the charts' order)."""
    return [list(charts[j::jobs]) for j in range(jobs) if charts[j::jobs]]


class ChartDrawer:
    """Up to ``jobs`` processes that draw a run's charts while the command does something else."""

    def __init__(self, charts: Sequence[str], fmt: str = "png", jobs: int | None = None) -> None:
        from sim.pool import make_pool

        self.charts = list(charts)
        self.fmt = fmt
        self.jobs = max(1, min(len(self.charts), jobs or drawing_jobs()))
        self.pool = make_pool(self.jobs)
        # One warm-up per process: the pool starts its processes on these, and they import while the model runs.
        self.pending: list[Future[Any]] = [self.pool.submit(_warm) for _ in range(self.jobs)]

    def draw(self, result: Any, results_dir: Path) -> None:
        """Start drawing the charts of ``result`` into ``<results_dir>/charts/`` (returns at once).
        ``results_dir`` is where the run's outcomes and kept trajectories were streamed (the split fans read
        the kept paths there)."""
        columns = [c for c in CHART_COLUMNS if c in result.outcomes.columns]
        light = dataclasses.replace(result, outcomes=result.outcomes[columns], trajectories={}, path=str(results_dir))
        out = str(Path(results_dir) / "charts")
        for share in shares(self.charts, self.jobs):
            self.pending.append(self.pool.submit(draw_charts, light, out, share, self.fmt))

    def wait(self) -> list[Path]:
        """The charts' paths, once all are drawn; the first error of a drawing process is raised here."""
        paths: list[Path] = []
        for future in self.pending:
            paths += [Path(p) for p in future.result() or []]
        self.pending = []
        return paths

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ChartDrawer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
