"""Overlays of several runs for ``sim compare``: outcome probabilities with differences from the first run,
cumulative incidence and fan charts. Each run keeps one colour and dash pattern in every chart (``RUN_COLOURS``,
none of them an outcome's colour); legends sit under the charts, never on the data; with more than
``MAX_OVERLAY`` runs the fans become small multiples (one panel per run, the baseline in grey in each).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.plots.common import (
    GREY,
    OUTCOME_ORDER,
    OUTCOME_STYLE,
    PRIOR_LABEL,
    TERMINAL,
    RunInfo,
    _percent_axis,
    _style,
    date_axis,
    finish,
    legend_below,
    legend_rows_inches,
    new_figure,
    run_colour,
    run_dash,
)
from sim.plots.run import bimodal, fan_table, incidence_table, variable_spec

MAX_OVERLAY = 3  # more runs than this and a fan chart gets one panel per run


def compare_title(runs: list[str], what: str) -> str:
    """``a vs b: what`` for up to three runs; beyond, ``N runs against a: what`` (the legend names them)."""
    if len(runs) <= MAX_OVERLAY:
        return f"{' vs '.join(runs)}: {what}"
    return f"{len(runs)} runs against {runs[0]}: {what}"


def compare_outcomes(table: pd.DataFrame, title: str, caption: str) -> Figure:
    """Two panels: each outcome's probability per run (with 95% intervals), and each run's difference from
    the first with its interval (paired or independent, as the table says)."""
    with _style():
        runs = list(dict.fromkeys(table["run"]))
        outs = [o for o in OUTCOME_ORDER if o in set(table["outcome"])]
        below = legend_rows_inches(math.ceil((2 * len(runs) - 1) / 2))
        fig = new_figure(11, 1.6 + 0.5 * len(outs) + 0.1 * len(runs) * len(outs) + below, below)
        ax_p, ax_d = fig.subplots(1, 2, sharey=True)
        height = 0.8 / len(runs)
        handles, labels = [], []
        for j, run in enumerate(runs):
            t = table[table["run"] == run].set_index("outcome").loc[outs]
            y = np.arange(len(outs)) + (j - (len(runs) - 1) / 2) * height
            colour = run_colour(j)
            p = t["p"].to_numpy()
            bars = ax_p.barh(
                y,
                p,
                height=height * 0.9,
                color=colour,
                gid=f"p-{run}",
                xerr=np.vstack([p - t["lo"], t["hi"] - p]),
                error_kw={"ecolor": "#333333", "capsize": 2, "lw": 0.8},
            )
            handles.append(bars)
            labels.append(run if j else f"{run} (baseline)")
            if j > 0:
                d = t["diff"].to_numpy()
                how = "paired" if str(t["pairing"].iloc[0]).startswith("paired") else "independent"
                if "weighted" in str(t["pairing"].iloc[0]):
                    how += ", weighted, n = ESS"
                err = ax_d.errorbar(
                    d,
                    y,
                    xerr=np.vstack([d - t["diff_lo"], t["diff_hi"] - d]),
                    fmt="o",
                    color=colour,
                    capsize=3,
                    ms=5,
                    gid=f"diff-{run}",
                )
                handles.append(err)
                labels.append(f"{run} − {runs[0]} ({how})")
        ax_p.set_yticks(np.arange(len(outs)), [OUTCOME_STYLE[o][0] for o in outs])
        ax_p.invert_yaxis()
        _percent_axis(ax_p, "x", 0)
        weighted = table["pairing"].astype(str).str.contains("weighted").any()
        ax_p.set_xlabel(
            "probability by the horizon (% of replicates, 95% interval)"
            if not weighted
            else "probability by the horizon (% of replicates, weighted for a conditioned run; 95% interval)"
        )
        ax_p.set_title("Outcome probabilities", loc="left")
        ax_d.axvline(0, color="black", lw=0.8)
        # ticks at whole points (or halves) and labels to match: at 2.5 points a 0-decimal label would read "+2"
        ax_d.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 5, 10]))
        ax_d.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{100 * v:+.3g}" if abs(v) > 1e-12 else "0"))
        ax_d.set_xlabel(f"difference from {runs[0]} (percentage points, 95% interval)")
        ax_d.set_title(f"Difference from {runs[0]}", loc="left")
        legend_below(fig, handles, labels, 2)
        return finish(fig, title, caption)


def _run_lines(ax: Axes, j: int, run: str, x: np.ndarray, y: np.ndarray, label: str, gid: str) -> object:
    (line,) = ax.plot(x, y, color=run_colour(j), lw=1.8, ls=run_dash(j), label=label, gid=gid)
    return line


def compare_incidence(weeklies: dict[str, pd.DataFrame], infos: dict[str, RunInfo], title: str, caption: str) -> Figure:
    """Cumulative incidence of each terminal outcome, one panel per outcome, one line per run (a conditioned
    run's shares are weighted, its bands use n = ESS). Bands are drawn for up to MAX_OVERLAY runs."""
    with _style():
        n_panels = len(TERMINAL)
        cols = 3 if n_panels > 4 else 2
        rows = math.ceil(n_panels / cols)
        below = legend_rows_inches(math.ceil(len(weeklies) / 3))
        fig = new_figure(14 if cols == 3 else 11, 3.2 * rows + 0.3 + below, below)
        axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
        bands = len(weeklies) <= MAX_OVERLAY
        handles, labels = [], []
        for k, (ax, o) in enumerate(zip(axes, TERMINAL, strict=False)):
            tables = {run: incidence_table(weekly, o, infos[run].ess) for run, weekly in weeklies.items()}
            never = all(float(t["share"].max()) == 0 for t in tables.values())
            for j, (run, t) in enumerate(tables.items()):
                x = infos[run].dates(t["week"])
                if not never and bands:
                    ax.fill_between(x, t["lo"], t["hi"], color=run_colour(j), alpha=0.15, lw=0)
                line = _run_lines(ax, j, run, x, t["share"], run, f"incidence-{o}-{run}")
                if k == 0:
                    handles.append(line)
                    labels.append(run if j else f"{run} (baseline)")
            ax.set_title(OUTCOME_STYLE[o][0], loc="left")
            _percent_axis(ax)
            ax.set_ylim(bottom=0)
            if never:
                ax.set_ylim(0, 0.01)
                ax.text(0.5, 0.5, "in no replicate of any run", transform=ax.transAxes, ha="center")
            ax.set_ylabel("cumulative share (%)")
            date_axis(ax, next(iter(infos.values())))
        for ax in axes[n_panels:]:
            ax.set_visible(False)
        legend_below(fig, handles, labels, 3)
        return finish(fig, title + ("" if bands else " (bands left out for more than three runs)"), caption)


def compare_fan(
    weeklies: dict[str, pd.DataFrame],
    infos: dict[str, RunInfo],
    variable: str,
    title: str,
    caption: str,
    scope: str = "active",
) -> Figure:
    """One variable's median and 50% band for each run: overlaid for up to MAX_OVERLAY runs, else one panel
    per run with the baseline's median in grey in each. A conditioned run whose weekly rows of the variable
    were copied from its prior (no trajectory) is labelled "prior (unconditioned)"."""
    with _style():
        spec = variable_spec(variable)
        runs = list(weeklies)
        tables = {run: fan_table(weekly, variable, scope) for run, weekly in weeklies.items()}
        overlay = len(runs) <= MAX_OVERLAY
        cols = 1
        if overlay:
            below = legend_rows_inches(len(runs))
            fig = new_figure(8, 4.3 + below, below)
            panel_axes = [fig.add_subplot()] * len(runs)
        else:
            cols = 3
            rows = math.ceil(len(runs) / cols)
            below = legend_rows_inches(math.ceil((len(runs) + 1) / 3))
            fig = new_figure(11, 2.4 * rows + 0.6 + below, below)
            grid = np.atleast_1d(fig.subplots(rows, cols, sharex=True, sharey=True)).ravel()
            for ax in grid[len(runs) :]:
                ax.set_visible(False)
            panel_axes = list(grid[: len(runs)])
        handles, labels = [], []
        base = runs[0]
        for j, run in enumerate(runs):
            ax = panel_axes[j]
            d = tables[run]
            x = infos[run].dates(d["week"])
            if not overlay and j > 0:
                b = tables[base]
                ax.plot(infos[base].dates(b["week"]), b["q50"], color=GREY, lw=1.4, gid=f"baseline-in-{run}")
            what = f"{PRIOR_LABEL}, " if infos[run].unconditioned(variable) else ""
            if bimodal(d):
                # Its replicates split into two groups: a band would paint the empty gap between them, so the
                # quartiles are thin lines (sim plot of the run draws its split fan).
                for q in ("q25", "q75"):
                    ax.plot(x, d[q], color=run_colour(j), lw=0.8, ls=":", gid=f"{q}-{run}")
                shown = "median and quartiles (dotted; it splits into two groups: no band)"
            else:
                ax.fill_between(x, d["q25"], d["q75"], color=run_colour(j), alpha=0.18, lw=0, gid=f"band50-{run}")
                shown = "median and 50% band"
            line = _run_lines(ax, j, run, x, d["q50"], f"{run}: {what}{shown}", f"median-{run}")
            handles.append(line)
            labels.append(f"{run}: {what}{shown}" + ("" if j else " (baseline)"))
            if not overlay:
                ax.set_title(run if j else f"{run} (baseline)", loc="left", fontsize=8.5)
            if spec.percent:
                _percent_axis(ax)
            date_axis(ax, infos[run])
            if not overlay and j < len(runs) - cols:
                ax.set_xlabel("")
        if overlay:
            panel_axes[0].set_ylabel(spec.ylabel)
            panel_axes[0].set_title("Over the replicates still at war that week", loc="left")
        else:
            fig.supylabel(spec.ylabel, fontsize=9)
            handles.append(panel_axes[1].lines[0])
            labels.append(f"{base}'s median, in every panel")
        legend_below(fig, handles, labels, 1 if overlay else 3)
        return finish(fig, title, caption)
