"""Charts of scoring and conditioning: functions that take a report or tables and return a matplotlib Figure.

Figures are built without pyplot (no global backend or figure registry); ``Figure.savefig`` renders them
with Agg.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

PRIOR, POSTERIOR, NOMINAL = "#9e9e9e", "#1f5fa8", "#c0392b"


def calibration_caption(report: dict[str, Any]) -> str:
    """The caption of the calibration chart: version, scenario, replicates (and ESS), the observations."""
    from sim import __version__

    size = f"{report['replicates']:,} replicates"
    if report.get("weighted"):
        size += f" conditioned on observations (ESS {report['ess']:,.0f})"
    sha = str(report.get("observations_sha256") or "")[:12]
    return (
        f"Leverage {__version__} · scenario '{report['scenario']}' · {size} · observations "
        f"{Path(str(report['observations'])).name}" + (f" (sha256 {sha})" if sha else "")
    )


def calibration_figure(report: dict[str, Any]) -> Figure:
    """How well the run's distributions held the observations, in the house style of the charts
    (sim/plots/common.py: Okabe-Ito colours, plain text, a caption, 150 dpi when saved with ``save``):
    the PIT histogram (where each observed value fell in the run's distribution), the coverage of the central
    bands against their nominal level, and the probability the run gave each observed event, marked by
    whether it happened, with its Brier score."""
    import datetime as dt

    from matplotlib.lines import Line2D

    from sim.plots.common import (
        OKABE_ITO,
        _percent_axis,
        _style,
        finish,
        legend_below,
        legend_rows_inches,
        new_figure,
    )

    values, events = report["values"], report["events"]
    blue, green, black = OKABE_ITO["blue"], OKABE_ITO["bluish_green"], OKABE_ITO["black"]
    with _style():
        panels = (2 if values else 0) + (1 if events else 0)
        rows = max(len(events), 1)
        height = max(4.2, 1.6 + 0.26 * rows) if events else 4.2
        key = legend_rows_inches(1)
        fig = new_figure(4.4 * max(panels, 1) + (1.4 if events else 0), height + key, bottom=key)
        ratios = [1.0] * (2 if values else 0) + ([1.5] if events else [])
        axes = fig.subplots(1, max(panels, 1), squeeze=False, width_ratios=ratios or None)[0]
        i = 0
        if values:
            pits = np.array([r["pit"] for r in values])
            bins = 10 if pits.size >= 30 else 5
            ax = axes[i]
            counts, edges = np.histogram(pits, bins=bins, range=(0, 1))
            ax.bar(
                edges[:-1],
                counts / pits.size,
                width=np.diff(edges),
                align="edge",
                color=blue,
                edgecolor="white",
                lw=0.6,
                gid="pit-bars",
            )
            ax.axhline(1 / bins, color=black, lw=1.1, ls="--", gid="pit-uniform")
            ax.set_xlim(0, 1)
            _percent_axis(ax, "x", 0)
            _percent_axis(ax, "y", 0)
            ax.set_xlabel("PIT: the run's percentile at the observed value")
            ax.set_ylabel("share of observed values (%)")
            ax.set_title(
                f"Where the {pits.size} observed values fell\nU-shape: bands too narrow; hump: too wide",
                loc="left",
            )
            ax = axes[i + 1]
            curve = report["summary"]["coverage_curve"]
            ax.plot([0, 1], [0, 1], color=black, lw=1.1, ls="--")
            ax.plot(
                [c["nominal"] for c in curve],
                [c["observed"] for c in curve],
                "o-",
                color=blue,
                ms=4,
                gid="coverage",
            )
            summ = report["summary"]
            for band in ("coverage_50", "coverage_90"):
                nominal, observed = summ[band]["nominal"], summ[band]["observed"]
                ax.plot(nominal, observed, "s", color=black, ms=6, gid=band)
                ax.annotate(
                    f"{nominal:.0%} band: {observed:.0%} inside",
                    (nominal, observed),
                    xytext=(6, -12),
                    textcoords="offset points",
                    fontsize=8,
                )
            ax.set_xlim(0, 1)
            ax.set_ylim(0, 1.02)
            _percent_axis(ax, "x", 0)
            _percent_axis(ax, "y", 0)
            ax.set_xlabel("nominal coverage of the run's central band (%)")
            ax.set_ylabel("observed values inside the band (%)")
            ax.set_title("Coverage of the central bands\nbelow the diagonal: the run is overconfident", loc="left")
            i += 2
        if events:
            ax = axes[i]
            order = sorted(range(len(events)), key=lambda k: (events[k]["p"], events[k]["date"]))
            y = np.arange(len(order))
            for row, k in zip(y, order, strict=True):
                r = events[k]
                happened = bool(r["happened"])
                ax.plot(
                    r["p"],
                    row,
                    "o",
                    ms=7,
                    color=green if happened else black,
                    mfc=green if happened else "white",
                    gid="event-happened" if happened else "event-not",
                )
            labels = [
                f"{events[k]['event'].replace('_', ' ')} by {dt.date.fromisoformat(events[k]['date']):%d %b %Y}"
                f" (Brier {events[k]['brier']:.3f})"
                for k in order
            ]
            ax.set_yticks(y, labels)
            ax.set_ylim(-0.7, len(order) - 0.3)
            ax.set_xlim(-0.02, 1.02)
            _percent_axis(ax, "x", 0)
            ax.grid(axis="y", visible=False)
            ax.set_xlabel("probability the run gave the event (%)")
            ax.set_title(
                f"Observed events: mean Brier {report['summary']['mean_brier']:.3f}\n"
                "(0 perfect, 0.25 a coin toss); filled: it happened",
                loc="left",
            )
        if panels == 0:
            axes[0].text(0.5, 0.5, "no observations", ha="center", va="center")
            axes[0].set_axis_off()
        handles: list[Any] = [Line2D([], [], color=black, lw=1.1, ls="--")]
        labels_: list[str] = ["if calibrated (flat PIT, coverage on the diagonal)"]
        if values:
            handles.append(Line2D([], [], color=blue, marker="o", ms=4))
            labels_.append("observed")
        if events:
            handles += [
                Line2D([], [], color=green, marker="o", ls="", ms=7),
                Line2D([], [], color=black, marker="o", mfc="white", ls="", ms=7),
            ]
            labels_ += ["event happened", "event did not happen"]
        legend_below(fig, handles, labels_, len(handles))
        title = f"{report['scenario']}: calibration against {Path(str(report['observations'])).name}"
        return finish(fig, title, calibration_caption(report))


def parameters_figure(
    outcomes: pd.DataFrame, prior: np.ndarray | None, posterior: np.ndarray, params: dict[str, dict[str, Any]]
) -> Figure:
    """Prior against posterior histogram of every sampled parameter, most shifted first."""
    names = sorted(params, key=lambda k: -abs(params[k]["shift_sd"]))
    cols = min(4, max(len(names), 1))
    rows = max(math.ceil(len(names) / cols), 1)
    fig = Figure(figsize=(3.2 * cols, 2.4 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        x = outcomes[name].to_numpy(dtype=float)
        lo, hi = np.nanmin(x), np.nanmax(x)
        edges = np.linspace(lo, hi if hi > lo else lo + 1.0, 31)
        ax.hist(x, bins=edges, weights=prior, density=True, color=PRIOR, alpha=0.6, label="prior")
        ax.hist(
            x, bins=edges, weights=posterior, density=True, histtype="step", lw=1.6, color=POSTERIOR, label="posterior"
        )
        d = params[name]
        ax.set_title(f"{name}\nshift {d['shift_sd']:+.2f} sd, sd x{d['sd_ratio']:.2f}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.locator_params(axis="x", nbins=4)
        ax.set_yticks([])
    for ax in axes[len(names) :]:
        ax.set_axis_off()
    if names:
        axes[0].legend(fontsize=7, frameon=False)
    else:
        axes[0].text(0.5, 0.5, "no sampled parameters", ha="center", va="center")
    fig.suptitle("sampled parameters: prior against posterior", fontsize=10)
    return fig
