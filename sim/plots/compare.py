"""Overlays of several runs for ``sim compare``: outcome probabilities with differences from the first run,
cumulative incidence and fan charts, one line per run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.plots.common import (
    OUTCOME_ORDER,
    OUTCOME_STYLE,
    PRIOR_LABEL,
    SERIES_COLOURS,
    TERMINAL,
    RunInfo,
    _percent_axis,
    _style,
    date_axis,
    finish,
    new_figure,
)
from sim.plots.run import fan_table, incidence_table, variable_spec


def compare_outcomes(table: pd.DataFrame, title: str, caption: str) -> Figure:
    """Two panels: each outcome's probability per run (with 95% intervals), and each run's difference from
    the first with its interval (paired or independent, as the table says)."""
    with _style():
        runs = list(dict.fromkeys(table["run"]))
        outs = [o for o in OUTCOME_ORDER if o in set(table["outcome"])]
        fig = new_figure(11, 1.2 + 0.75 * len(outs) + 0.25 * len(runs) * len(outs) / 2)
        ax_p, ax_d = fig.subplots(1, 2, sharey=True)
        height = 0.8 / len(runs)
        for j, run in enumerate(runs):
            t = table[table["run"] == run].set_index("outcome").loc[outs]
            y = np.arange(len(outs)) + (j - (len(runs) - 1) / 2) * height
            colour = SERIES_COLOURS[j % len(SERIES_COLOURS)]
            p = t["p"].to_numpy()
            ax_p.barh(
                y,
                p,
                height=height * 0.9,
                color=colour,
                label=run,
                gid=f"p-{run}",
                xerr=np.vstack([p - t["lo"], t["hi"] - p]),
                error_kw={"ecolor": "#333333", "capsize": 2, "lw": 0.8},
            )
            if j > 0:
                d = t["diff"].to_numpy()
                how = "paired" if str(t["pairing"].iloc[0]).startswith("paired") else "independent"
                if "weighted" in str(t["pairing"].iloc[0]):
                    how += ", weighted, n = ESS"
                ax_d.errorbar(
                    d,
                    y,
                    xerr=np.vstack([d - t["diff_lo"], t["diff_hi"] - d]),
                    fmt="o",
                    color=colour,
                    capsize=3,
                    ms=5,
                    label=f"{run} − {runs[0]} ({how})",
                    gid=f"diff-{run}",
                )
        ax_p.set_yticks(np.arange(len(outs)), [OUTCOME_STYLE[o][0] for o in outs])
        ax_p.invert_yaxis()
        _percent_axis(ax_p, "x", 0)
        weighted = table["pairing"].astype(str).str.contains("weighted").any()
        ax_p.set_xlabel(
            "probability by the horizon (% of replicates, 95% interval)"
            if not weighted
            else "probability by the horizon (% of replicates, weighted for a conditioned run; 95% interval)"
        )
        ax_p.legend(loc="lower right")
        ax_p.set_title("Outcome probabilities", loc="left")
        ax_d.axvline(0, color="black", lw=0.8)
        ax_d.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{100 * v:+.0f}" if v else "0"))
        ax_d.set_xlabel(f"difference from {runs[0]} (percentage points, 95% interval)")
        ax_d.set_title(f"Difference from {runs[0]}", loc="left")
        if len(runs) > 1:
            ax_d.legend(loc="lower right")
        return finish(fig, title, caption)


def compare_incidence(weeklies: dict[str, pd.DataFrame], infos: dict[str, RunInfo], title: str, caption: str) -> Figure:
    """Cumulative incidence of each terminal outcome, one panel per outcome, one line per run (a conditioned
    run's shares are weighted, its bands use n = ESS)."""
    with _style():
        fig = new_figure(14, 7)
        axes = fig.subplots(2, (len(TERMINAL) + 1) // 2).ravel()
        for ax in axes[len(TERMINAL) :]:
            ax.set_visible(False)
        for ax, o in zip(axes, TERMINAL, strict=False):
            tables = {run: incidence_table(weekly, o, infos[run].ess) for run, weekly in weeklies.items()}
            never = all(float(t["share"].max()) == 0 for t in tables.values())
            for j, (run, t) in enumerate(tables.items()):
                colour = SERIES_COLOURS[j % len(SERIES_COLOURS)]
                x = infos[run].dates(t["week"])
                if not never:
                    ax.fill_between(x, t["lo"], t["hi"], color=colour, alpha=0.15, lw=0)
                ax.plot(
                    x,
                    t["share"],
                    color=colour,
                    lw=1.8,
                    ls=("-", "--", "-.", ":")[j % 4],
                    label=run,
                    gid=f"incidence-{o}-{run}",
                )
            ax.set_title(OUTCOME_STYLE[o][0], loc="left")
            _percent_axis(ax)
            ax.set_ylim(bottom=0)
            if never:
                ax.set_ylim(0, 0.01)
                ax.text(0.5, 0.5, "in no replicate of any run", transform=ax.transAxes, ha="center")
            ax.set_ylabel("cumulative share (%)")
            date_axis(ax, next(iter(infos.values())))
            ax.legend(loc="upper left")
        return finish(fig, title, caption)


def compare_fan(
    weeklies: dict[str, pd.DataFrame],
    infos: dict[str, RunInfo],
    variable: str,
    title: str,
    caption: str,
    scope: str = "active",
) -> Figure:
    """One variable's median and 50% band for each run, overlaid. A conditioned run whose weekly rows of the
    variable were copied from its prior (no trajectory) is labelled "prior (unconditioned)"."""
    with _style():
        spec = variable_spec(variable)
        fig = new_figure(8, 4.6)
        ax = fig.add_subplot()
        for j, (run, weekly) in enumerate(weeklies.items()):
            d = fan_table(weekly, variable, scope)
            colour = SERIES_COLOURS[j % len(SERIES_COLOURS)]
            x = infos[run].dates(d["week"])
            ax.fill_between(x, d["q25"], d["q75"], color=colour, alpha=0.18, lw=0, gid=f"band50-{run}")
            what = f"{PRIOR_LABEL}, " if infos[run].unconditioned(variable) else ""
            ax.plot(
                x,
                d["q50"],
                color=colour,
                lw=2,
                ls=("-", "--", "-.", ":")[j % 4],
                gid=f"median-{run}",
                label=f"{run}: {what}median and 50% band",
            )
        if spec.percent:
            _percent_axis(ax)
        ax.set_ylabel(spec.ylabel)
        date_axis(ax, next(iter(infos.values())))
        ax.set_title("Over the replicates still at war that week", loc="left")
        ax.legend(loc="best")
        return finish(fig, title, caption)
