"""Charts of scoring and conditioning: functions that take a report or tables and return a matplotlib Figure.

Figures are built without pyplot (no global backend or figure registry); ``Figure.savefig`` renders them
with Agg.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

PRIOR, POSTERIOR, NOMINAL = "#9e9e9e", "#1f5fa8", "#c0392b"


def calibration_figure(report: dict[str, Any]) -> Figure:
    """PIT histogram, band coverage against nominal, and (with events) the probabilities the run gave facts
    that did and did not happen."""
    values, events = report["values"], report["events"]
    panels = (1 if values else 0) * 2 + (1 if events else 0)
    fig = Figure(figsize=(4.2 * max(panels, 1), 3.8), layout="constrained")
    axes = fig.subplots(1, max(panels, 1), squeeze=False)[0]
    i = 0
    if values:
        pits = np.array([r["pit"] for r in values])
        bins = 10 if pits.size >= 30 else 5
        ax = axes[i]
        ax.hist(pits, bins=bins, range=(0, 1), density=True, color=POSTERIOR, edgecolor="white")
        ax.axhline(1.0, color=NOMINAL, lw=1, ls="--", label="calibrated")
        ax.set(
            xlim=(0, 1),
            xlabel="PIT (percentile of the observation)",
            ylabel="density",
            title=f"PIT histogram ({pits.size} values)",
        )
        ax.legend(loc="upper center", frameon=False)
        ax = axes[i + 1]
        curve = report["summary"]["coverage_curve"]
        ax.plot([0, 1], [0, 1], color=NOMINAL, lw=1, ls="--", label="nominal")
        ax.plot([c["nominal"] for c in curve], [c["observed"] for c in curve], "o-", color=POSTERIOR, label="observed")
        s = report["summary"]
        for key in ("coverage_50", "coverage_90"):
            ax.plot(s[key]["nominal"], s[key]["observed"], "s", color="black", ms=6)
        ax.set(
            xlim=(0, 1),
            ylim=(0, 1.02),
            xlabel="nominal coverage of the central band",
            ylabel="share of observations inside",
            title="band coverage",
        )
        ax.legend(loc="upper left", frameon=False)
        i += 2
    if events:
        ax = axes[i]
        p = np.array([r["p"] for r in events])
        hit = np.array([r["happened"] for r in events], dtype=float)
        jitter = np.linspace(-0.08, 0.08, p.size) if p.size > 1 else np.zeros(1)
        ax.scatter(p, hit + jitter, color=POSTERIOR, zorder=3)
        for r, y in zip(events, hit + jitter, strict=True):
            ax.annotate(r["event"], (r["p"], y), fontsize=7, xytext=(4, 2), textcoords="offset points")
        ax.set(
            xlim=(-0.02, 1.02),
            ylim=(-0.3, 1.3),
            yticks=[0, 1],
            yticklabels=["did not\nhappen", "happened"],
            xlabel="probability the run gave the event",
            title=f"events (mean Brier {report['summary']['mean_brier']:.3f})",
        )
    if panels == 0:
        axes[0].text(0.5, 0.5, "no observations", ha="center", va="center")
        axes[0].set_axis_off()
    fig.suptitle(f"{report['scenario']}: calibration against {report['observations']}", fontsize=10)
    return fig


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
