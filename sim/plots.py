"""Charts: functions that take results tables and return matplotlib Figures.

Every figure is built with the object-oriented API on an Agg canvas (no pyplot, no global state, no display),
uses the Okabe-Ito palette (safe for the common forms of colour blindness), names the scenario in its title,
puts units on every axis and dates on every time axis (the scenario's start date plus weeks), and carries a
caption with the replicates, seed and version. ``write_run_charts`` writes a run's charts into
``<results>/charts/``; ``write_sweep_charts`` does the same for a sweep.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from sim.errors import ScenarioError
from sim.model import OUTCOMES, STATE_VARIABLES
from sim.outcomes import wilson

# Okabe & Ito (2008), "Color Universal Design": distinguishable under protanopia, deuteranopia, tritanopia.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}
GREY = "#999999"
# Series colours in order (runs in a comparison, metrics in a sweep); yellow last, it is faint on white.
SERIES_COLOURS = ("#000000", "#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")

# Outcomes: (label, colour); terminal outcomes are the competing risks of the cumulative incidence chart.
OUTCOME_STYLE: dict[str, tuple[str, str]] = {
    "settlement": ("Settlement", OKABE_ITO["bluish_green"]),
    "ukraine_collapse": ("Ukraine collapses", OKABE_ITO["blue"]),
    "russia_collapse": ("Russia collapses", OKABE_ITO["vermillion"]),
    "escalation": ("Escalation (NATO-Russia)", OKABE_ITO["reddish_purple"]),
    "ongoing": ("War still going at the horizon", GREY),
}
OUTCOME_ORDER = ("settlement", "ukraine_collapse", "russia_collapse", "escalation", "ongoing")
TERMINAL = tuple(o for o in OUTCOME_ORDER if o != "ongoing")
assert set(OUTCOME_ORDER) == set(OUTCOMES)  # a new outcome must get a label and colour here


@dataclass(frozen=True)
class FanSpec:
    title: str
    ylabel: str
    percent: bool = False


# The fan charts of a run: the state variables a briefing asks about, with their axis labels and units.
FAN_VARIABLES: dict[str, FanSpec] = {
    "front": FanSpec("Front line", "Russia's share of the disputed territory (%)", True),
    "india_share": FanSpec("India's purchases of Russian crude", "Russia's share of India's crude imports (%)",
                           True),
    "revenue_ru": FanSpec("Russia's oil revenue", "oil budget revenue ($bn/week)"),
    "buffer_ru": FanSpec("Russia's fiscal buffer", "liquid reserves ($bn)"),
    "refining_ru": FanSpec("Russian refining online", "refining capacity online (% of normal)", True),
    "energy_deficit": FanSpec("Ukraine's energy deficit", "unmet share of electricity demand (%)", True),
    "escalation": FanSpec("Escalation pressure", "escalation pressure (index; 0 = none)"),
}

STYLE: dict[str, Any] = {
    "font.size": 9, "axes.titlesize": 9.5, "axes.labelsize": 9, "xtick.labelsize": 8.5, "ytick.labelsize": 8.5,
    "legend.fontsize": 8, "figure.titlesize": 12, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.3, "grid.linewidth": 0.6, "savefig.dpi": 150, "figure.dpi": 100,
    "axes.prop_cycle": cycler(color=list(SERIES_COLOURS)),
}
CAPTION_INCHES = 0.3
# Said of a conditioned run's fan of a variable whose weekly rows were copied from the prior run.
PRIOR_LABEL = "prior (unconditioned)"
FORMATS = ("png", "svg", "pdf")


# ---------------------------------------------------------------------------------------------------------
# What every chart of a run needs to know about it


@dataclass(frozen=True)
class EventMark:
    week: int
    label: str
    probability: float = 1.0


@dataclass(frozen=True)
class RunInfo:
    """The scenario facts a chart shows: its name, calendar, size, seed, version and events."""

    name: str
    start_date: dt.date
    horizon_weeks: int
    replicates: int
    seed: int
    version: str
    events: tuple[EventMark, ...] = ()
    initial_front: float | None = None
    # A conditioned run (sim condition): its effective sample size, and the variables whose weekly rows are
    # the prior's (no trajectory kept, so not conditioned). None and () for an ordinary run.
    ess: float | None = None
    weekly_unconditioned: tuple[str, ...] = ()

    def date(self, week: float) -> dt.date:
        return self.start_date + dt.timedelta(weeks=float(week))

    def dates(self, weeks: Any) -> np.ndarray:
        return np.datetime64(self.start_date, "D") + np.asarray(weeks, dtype=np.int64) * np.timedelta64(7, "D")

    @property
    def weighted(self) -> bool:
        return self.ess is not None

    @property
    def caption(self) -> str:
        size = f"{self.replicates:,} replicates"
        if self.ess is not None:
            size += f" conditioned on observations (ESS {self.ess:,.0f})"
        return (f"Leverage {self.version} · scenario '{self.name}' · {size} · seed "
                f"{self.seed} · {self.horizon_weeks} weeks from {self.start_date:%d %b %Y}")

    def unconditioned(self, variable: str) -> bool:
        """Whether ``variable``'s weekly rows in a conditioned run are copied from the prior."""
        return variable in self.weekly_unconditioned

    @classmethod
    def from_result(cls, result: Any, manifest: dict[str, Any] | None = None) -> RunInfo:
        from sim import __version__

        sc = result.scenario
        manifest = manifest or {}
        version = manifest.get("versions", {}).get("leverage-sim", __version__)
        events = tuple(sorted((EventMark(ev.week, ev.label or name, ev.probability)
                               for name, ev in sc.events.items()), key=lambda e: (e.week, e.label)))
        front = sc.initial.front
        initial_front = float(front) if isinstance(front, int | float) else float(front.mean())
        w = outcome_weights(result.outcomes)
        ess = None
        if w is not None:
            from sim.observe import effective_sample_size

            ess = effective_sample_size(w)
        unconditioned = tuple(manifest.get("weekly_unconditioned") or ()) if w is not None else ()
        return cls(sc.name, sc.start_date, sc.horizon_weeks, len(result.outcomes), sc.seed, version, events,
                   initial_front, ess, unconditioned)


def outcome_weights(outcomes: pd.DataFrame) -> np.ndarray | None:
    """The replicates' weights of a conditioned run (outcomes.parquet's ``weight`` column, normalised to sum
    1), or None for an ordinary run (equal weights)."""
    if "weight" not in outcomes:
        return None
    w = outcomes["weight"].to_numpy(dtype=float)
    total = float(w.sum())
    return w / total if total > 0 else w


def read_manifest(path: str | Path) -> dict[str, Any]:
    file = Path(path) / "manifest.json"
    if not file.exists():
        return {}
    return dict(json.loads(file.read_text(encoding="utf-8")))


# ---------------------------------------------------------------------------------------------------------
# Figure scaffolding


@contextlib.contextmanager
def _style() -> Iterator[None]:
    with mpl.rc_context(STYLE):  # type: ignore[arg-type]
        yield


def new_figure(width: float, height: float) -> Figure:
    """A figure on an Agg canvas with constrained layout, space kept at the bottom for the caption."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    engine: Any = fig.get_layout_engine()
    engine.set(rect=(0, CAPTION_INCHES / height, 1, 1 - CAPTION_INCHES / height))
    return fig


def finish(fig: Figure, title: str, caption: str) -> Figure:
    fig.suptitle(title, fontweight="bold")
    fig.text(0.5, 0.08 / fig.get_figheight(), caption, ha="center", va="bottom", fontsize=7, color="#555555",
             gid="caption")
    return fig


def date_axis(ax: Axes, info: RunInfo | None = None) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    label = "date"
    if info is not None:
        label += f" (week 0 = {info.start_date:%d %b %Y})"
    ax.set_xlabel(label)


def _percent_axis(ax: Axes, axis: str = "y", decimals: int | None = None) -> None:
    fmt = PercentFormatter(1.0, decimals=decimals)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def mark_events(ax: Axes, info: RunInfo) -> list[tuple[Line2D, str]]:
    """Draw each scenario event as a dotted vertical line with a numbered tag at the top of the axes (events of
    the same week share a tag, '1-3'); return key entries (handle, "n  date  label") for ``draw_key``."""
    entries: list[tuple[Line2D, str]] = []
    span = max(info.horizon_weeks, 1)
    weeks: dict[int, list[int]] = {}
    for k, ev in enumerate(info.events, start=1):
        weeks.setdefault(ev.week, []).append(k)
        prob = "" if ev.probability >= 1 else f" (p = {ev.probability:g})"
        handle = Line2D([], [], color="#444444", lw=0.9, ls=":")
        entries.append((handle, f"{k}  {info.date(ev.week):%d %b %Y}  {_short(ev.label, 62)}{prob}"))
    last_week, level = -math.inf, 0
    for week, numbers in weeks.items():
        x = info.dates([week])[0]
        ax.axvline(x, color="#444444", lw=0.9, ls=":", zorder=1, gid=f"event-week-{week}")
        # Tags of weeks less than 4% of the horizon apart are staggered, so their numbers never overlap.
        level = level + 1 if (week - last_week) < 0.04 * span else 0
        last_week = week
        tag = str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]}-{numbers[-1]}"
        ax.text(x, 0.985 - 0.07 * (level % 2), tag, transform=ax.get_xaxis_transform(), ha="center",
                va="top", fontsize=7, zorder=5, gid=f"event-tag-{week}",
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#444444", "lw": 0.7})
    return entries


def mark_horizon(ax: Axes, info: RunInfo) -> None:
    horizon = info.dates([info.horizon_weeks])[0]
    ax.axvline(horizon, color="black", lw=1.2, ls="--", gid="horizon")
    ax.text(horizon, 1.01, f"horizon: week {info.horizon_weeks}", transform=ax.get_xaxis_transform(),
            ha="right", va="bottom", fontsize=7.5)


def headroom(ax: Axes, share: float = 0.15) -> None:
    """Room above the data for the event tags."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + share * (hi - lo))


def figure_with_key(width: float, main_height: float, key_lines: int, ncols: int = 1,
                    width_ratios: Sequence[float] | None = None) -> tuple[Figure, list[Axes], Axes | None]:
    """A figure with ``ncols`` chart axes and, under them, a strip tall enough for ``key_lines`` lines of
    legend (the series and the scenario's events): legends there never hide data or event tags."""
    key_h = 0.25 + 0.16 * key_lines if key_lines else 0.0
    fig = new_figure(width, main_height + key_h + CAPTION_INCHES)
    gs = fig.add_gridspec(2 if key_h else 1, ncols, height_ratios=[main_height, key_h] if key_h else None,
                          width_ratios=width_ratios)
    axes = [fig.add_subplot(gs[0, j]) for j in range(ncols)]
    key = None
    if key_h:
        key = fig.add_subplot(gs[1, :], gid="key")
        key.axis("off")
    return fig, axes, key


def draw_key(key: Axes | None, series: tuple[list[Any], list[str]] | None,
             events: list[tuple[Line2D, str]], split_inches: float = 2.9) -> None:
    """The series legend on the left of the key strip, the numbered events right of it."""
    if key is None:
        return
    x_events = 0.0
    split = split_inches / max(key.get_figure().get_figwidth() - 0.4, 1.0)  # type: ignore[union-attr]
    if series and series[0]:
        leg = key.legend(*series, loc="upper left", bbox_to_anchor=(0, 1), borderaxespad=0, frameon=False,
                         title="series", title_fontsize=7.5, alignment="left")
        key.add_artist(leg)
        leg.set_in_layout(False)
        x_events = split
    if events:
        leg = key.legend([h for h, _ in events], [t for _, t in events], loc="upper left", frameon=False,
                   bbox_to_anchor=(x_events, 1), borderaxespad=0, fontsize=7.5, title="scenario events",
                   title_fontsize=7.5, alignment="left", handlelength=1.5)
        leg.set_in_layout(False)  # the strip's height is set for it; its width must not squeeze the chart


# ---------------------------------------------------------------------------------------------------------
# Charts of a run


def outcome_probabilities(summary: dict[str, Any], info: RunInfo) -> Figure:
    """Horizontal bars: each outcome's probability at the horizon with its 95% (Wilson) interval."""
    with _style():
        fig = new_figure(7.5, 3.4)
        ax = fig.add_subplot()
        names = [o for o in OUTCOME_ORDER if o in summary["outcomes"]]
        rows = [summary["outcomes"][o] for o in names]
        p = np.array([r["p"] for r in rows])
        lo, hi = np.array([r["lo"] for r in rows]), np.array([r["hi"] for r in rows])
        y = np.arange(len(names))
        ax.barh(y, p, color=[OUTCOME_STYLE[o][1] for o in names], height=0.62, gid="outcome-bars",
                xerr=np.vstack([p - lo, hi - p]), error_kw={"ecolor": "#222222", "capsize": 3, "lw": 1})
        for yi, pi, loi, hii in zip(y, p, lo, hi, strict=True):
            ax.text(hii + 0.01, float(yi), f"{pi:.1%}   [{loi:.1%} – {hii:.1%}]", va="center", fontsize=8.5)
        ax.set_yticks(y, [OUTCOME_STYLE[o][0] for o in names])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.set_xlim(0, min(1.0, float(hi.max()) + 0.3))
        _percent_axis(ax, "x", 0)
        ax.set_xlabel("probability (weighted share of replicates); whiskers: 95% Wilson interval with n = ESS"
                      if info.weighted else "probability (% of replicates); whiskers: 95% Wilson interval")
        ax.set_title(f"By the horizon, {info.date(info.horizon_weeks):%d %b %Y} ({info.horizon_weeks} weeks)",
                     loc="left")
        return finish(fig, f"{info.name}: outcome probabilities", info.caption)


def incidence_table(weekly: pd.DataFrame, outcome: str, ess: float | None = None) -> pd.DataFrame:
    """Weekly cumulative share of one outcome (``share.<outcome>`` rows) with a pointwise Wilson interval.

    In a conditioned run the shares are weight shares (sim.observe.weighted_weekly) and ``n`` counts the
    replicates with positive weight; give its ``ess`` and the interval uses n = ESS instead, as summary.json."""
    d = weekly[weekly["variable"] == f"share.{outcome}"].sort_values("week")
    share = d["mean"].to_numpy(dtype=float)
    if ess is None:
        n = d["n"].to_numpy(dtype=float)
        k = np.rint(share * n)
    else:  # the effective count p x ESS, unrounded, as sim.observe.weighted_summary
        n = np.full(len(d), float(ess))
        k = share * n
    lo, hi = wilson(k, n)
    return pd.DataFrame({"week": d["week"].to_numpy(), "share": d["mean"].to_numpy(dtype=float), "lo": lo,
                         "hi": hi})


def cumulative_incidence(weekly: pd.DataFrame, info: RunInfo) -> Figure:
    """Cumulative incidence of each terminal outcome over calendar time (competing risks: a replicate that
    ended in one outcome cannot reach another), with pointwise 95% bands and the horizon marked. Outcomes
    much rarer than the commonest are shown again in a zoomed panel."""
    with _style():
        tables = {o: incidence_table(weekly, o, info.ess) for o in TERMINAL}
        final = {o: float(t["share"].iloc[-1]) if len(t) else 0.0 for o, t in tables.items()}
        top = max(final.values(), default=0.0)
        rare = [o for o, f in final.items() if 0 < f < top / 4] if top > 0.1 else []
        fig, axes, key = figure_with_key(11 if rare else 8.5, 4.2, max(len(TERMINAL), len(info.events)) + 1,
                                         2 if rare else 1, [3, 2] if rare else None)
        panels = [(axes[0], list(TERMINAL), "All terminal outcomes")]
        if rare:
            panels.append((axes[1], rare, "The rarer outcomes, zoomed"))
        entries: list[tuple[Line2D, str]] = []
        for i, (ax, outs, title) in enumerate(panels):
            for o in outs:
                t = tables[o]
                label, colour = OUTCOME_STYLE[o]
                x = info.dates(t["week"])
                ax.fill_between(x, t["lo"], t["hi"], color=colour, alpha=0.2, lw=0, gid=f"band-{o}")
                ax.plot(x, t["share"], color=colour, lw=2, gid=f"incidence-{o}",
                        label=f"{label}: {final[o]:.1%} by the horizon")
            ax.set_ylim(bottom=0)
            headroom(ax)
            mark_horizon(ax, info)
            if i == 0:
                entries = mark_events(ax, info)
            _percent_axis(ax)
            ax.set_ylabel("cumulative weighted share of replicates (%)" if info.weighted
                          else "cumulative share of replicates (%)")
            date_axis(ax, info)
            ax.set_title(title, loc="left")
        draw_key(key, axes[0].get_legend_handles_labels(), entries)
        bands = "95% pointwise, n = ESS" if info.weighted else "95% pointwise"
        return finish(fig, f"{info.name}: cumulative incidence of each outcome (bands: {bands})", info.caption)


def fan_table(weekly: pd.DataFrame, variable: str, scope: str = "active", min_n: int = 20) -> pd.DataFrame:
    """The weekly quantiles of one variable; weeks with fewer than ``min_n`` replicates in scope are NaN (the
    quantiles of a handful of replicates still at war are noise)."""
    d = weekly[(weekly["variable"] == variable) & (weekly["scope"] == scope)].sort_values("week")
    if d.empty:
        raise ScenarioError(f"no weekly rows for variable {variable!r} (scope {scope!r})")
    d = d[["week", "n", "mean", "q05", "q25", "q50", "q75", "q95"]].reset_index(drop=True)
    few = d["n"] < min_n
    d.loc[few, ["mean", "q05", "q25", "q50", "q75", "q95"]] = np.nan
    return d


def variable_spec(variable: str) -> FanSpec:
    if variable in FAN_VARIABLES:
        return FAN_VARIABLES[variable]
    desc = STATE_VARIABLES[variable][2]
    return FanSpec(desc[0].upper() + desc[1:], desc)


def fan_chart(weekly: pd.DataFrame, variable: str, info: RunInfo, scope: str = "active",
              min_n: int = 20) -> Figure:
    """Median, 50% and 90% bands of one state variable by week, with the scenario's events marked."""
    with _style():
        spec = variable_spec(variable)
        d = fan_table(weekly, variable, scope, min_n)
        fig, (ax,), key = figure_with_key(8.5, 3.8, max(3, len(info.events)) + 1)
        x = info.dates(d["week"])
        colour = OKABE_ITO["blue"]
        ax.fill_between(x, d["q05"], d["q95"], color=colour, alpha=0.18, lw=0, gid="band90",
                        label="90% band (5th-95th percentile)")
        ax.fill_between(x, d["q25"], d["q75"], color=colour, alpha=0.38, lw=0, gid="band50",
                        label="50% band (25th-75th percentile)")
        ax.plot(x, d["q50"], color=colour, lw=2, gid="median", label="median")
        headroom(ax)
        entries = mark_events(ax, info)
        if spec.percent:
            _percent_axis(ax)
        ax.set_ylabel(spec.ylabel)
        date_axis(ax, info)
        who = ("replicates still at war that week" if scope == "active"
               else "all replicates (ended ones frozen at their final values)")
        ax.set_title(f"Over the {who} (weeks with fewer than {min_n} left blank)", loc="left")
        title = f"{info.name}: {spec.title}"
        if info.unconditioned(variable):
            # Its trajectory was not kept, so sim condition copied the prior's weekly rows: say so.
            title += f" — {PRIOR_LABEL}\nno trajectory kept: the prior run's fan, not conditioned on the observations"
        draw_key(key, ax.get_legend_handles_labels(), entries)
        return finish(fig, title, info.caption)


def settled_terms(outcomes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """The terms of the settled replicates (finite ones) and, for a conditioned run, their weights (those with
    positive weight only; the weights as in outcomes.parquet, normalised over all replicates)."""
    settled = (outcomes["outcome"].astype(str) == "settlement").to_numpy()
    terms = outcomes["terms"].to_numpy(dtype=float)
    keep = settled & np.isfinite(terms)
    w = outcome_weights(outcomes)
    if w is None:
        return terms[keep], None
    keep = keep & (w > 0)
    return terms[keep], w[keep]


def settlement_terms(outcomes: pd.DataFrame, info: RunInfo) -> Figure:
    """Histogram of settlement terms (Russia's share of the disputed territory in the deal), as a share of
    the settlements, with the median and the front at the start marked. A conditioned run's histogram,
    quartiles and median are weighted (bar heights: each bin's share of the settlements' weight)."""
    from sim.observe import weighted_quantile

    with _style():
        fig = new_figure(7.5, 4.0)
        ax = fig.add_subplot()
        terms, w = settled_terms(outcomes)
        colour = OUTCOME_STYLE["settlement"][1]
        if terms.size:
            bins = terms_bins(terms)
            heights = np.full(terms.size, 1.0 / terms.size) if w is None else w / w.sum()
            ax.hist(terms, bins=list(bins), weights=heights, color=colour,
                    edgecolor="white", lw=0.4, gid="terms-hist")
            if w is None:
                q25, med, q75 = np.quantile(terms, [0.25, 0.5, 0.75])
                ax.set_title(f"{terms.size:,} settlements ({terms.size / info.replicates:.1%} of replicates)",
                             loc="left")
            else:
                q25, med, q75 = weighted_quantile(terms, (0.25, 0.5, 0.75), w)
                ax.set_title(f"{terms.size:,} settlements with positive weight ({float(w.sum()):.1%} of the "
                             "weight): weighted by the conditioning", loc="left")
            ax.axvspan(q25, q75, color=colour, alpha=0.12, lw=0, label=f"quartiles {q25:.1%} – {q75:.1%}")
            ax.axvline(med, color="black", lw=1.5, gid="terms-median", label=f"median {med:.1%}")
        else:
            ax.text(0.5, 0.5, "no settlement in any replicate" + (" with positive weight" if info.weighted else ""),
                    transform=ax.transAxes, ha="center")
        if info.initial_front is not None:
            ax.axvline(info.initial_front, color=OKABE_ITO["vermillion"], lw=1.3, ls="--", gid="front-start",
                       label=f"front on {info.start_date:%d %b %Y}: {info.initial_front:.0%}")
        _percent_axis(ax, "x", 0)
        _percent_axis(ax, "y", 0)
        ax.set_xlabel("terms: Russia's share of the disputed territory under the deal (%)")
        ax.set_ylabel("weighted share of settlements (%)" if w is not None else "share of settlements (%)")
        ax.legend(loc="upper left")
        return finish(fig, f"{info.name}: terms of settlement", info.caption)


def terms_bins(terms: np.ndarray) -> np.ndarray:
    """Bins one point (0.01) of territory wide, or wider so that there are at most 60 of them."""
    lo, hi = math.floor(terms.min() * 100) / 100, math.ceil(terms.max() * 100) / 100 + 0.01
    width = max(0.01, math.ceil((hi - lo) / 60 * 100) / 100)
    return np.arange(lo, hi + width / 2, width)


def settlement_timing(outcomes: pd.DataFrame, info: RunInfo, bin_weeks: int = 4) -> Figure:
    """When settlements happen: the share of all replicates settling in each ``bin_weeks`` window (in a
    conditioned run, the share of the weight, and the weighted median)."""
    from sim.observe import weighted_quantile

    with _style():
        fig, (ax,), key = figure_with_key(8.5, 3.6, max(2, len(info.events)) + 1)
        settled = (outcomes["outcome"].astype(str) == "settlement").to_numpy()
        all_w = outcome_weights(outcomes)
        if all_w is not None:
            settled = settled & (all_w > 0)
        weeks = outcomes["week"].to_numpy(dtype=int)[settled]
        w = None if all_w is None else all_w[settled]
        counts, edges = timing_histogram(weeks, info.horizon_weeks, bin_weeks, w)
        colour = OUTCOME_STYLE["settlement"][1]
        shares = counts / info.replicates if w is None else counts  # weights sum to 1 over all replicates
        ax.bar(info.dates(edges[:-1]), shares, width=np.diff(edges) * 7.0, align="edge",
               color=colour, edgecolor="white", lw=0.4, gid="timing-bars",
               label=f"settlements per {bin_weeks}-week window" + (", weighted" if w is not None else ""))
        if weeks.size:
            med = float(np.median(weeks)) if w is None else float(weighted_quantile(weeks, 0.5, w))
            ax.axvline(info.dates([round(med)])[0], color="black", lw=1.5, gid="timing-median",
                       label=f"median: week {med:g} ({info.date(round(med)):%d %b %Y})")
        headroom(ax)
        mark_horizon(ax, info)
        entries = mark_events(ax, info)
        _percent_axis(ax, "y", 1)
        ax.set_ylabel("settling in the window (% of all replicates)" if w is None
                      else "settling in the window (weighted % of all replicates)")
        date_axis(ax, info)
        if w is None:
            ax.set_title(f"{weeks.size:,} settlements of {info.replicates:,} replicates", loc="left")
        else:
            ax.set_title(f"{weeks.size:,} settlements with positive weight, {float(w.sum()):.1%} of the weight "
                         f"(ESS {info.ess or 0:,.0f} of {info.replicates:,} replicates)", loc="left")
        draw_key(key, ax.get_legend_handles_labels(), entries)
        return finish(fig, f"{info.name}: when settlements happen", info.caption)


def timing_histogram(weeks: np.ndarray, horizon: int, bin_weeks: int, weights: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Counts of end weeks in windows (0, b], (b, 2b], ... up to the horizon (outcomes happen in weeks 1..H);
    with ``weights``, the sum of the weights in each window instead."""
    edges = np.arange(0, horizon + bin_weeks, bin_weeks)
    edges[-1] = min(edges[-1], horizon)
    w = np.ones(len(weeks)) if weights is None else np.asarray(weights, dtype=float)
    windows = [(weeks > a) & (weeks <= b) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    counts = np.array([m.sum() for m in windows]) if weights is None else np.array([w[m].sum() for m in windows])
    return counts, edges


def run_figures(result: Any, manifest: dict[str, Any] | None = None, scope: str = "active"
                ) -> dict[str, Figure]:
    """Every chart of a run, by file stem."""
    info = RunInfo.from_result(result, manifest)
    figs = {"outcomes": outcome_probabilities(result.summary, info),
            "incidence": cumulative_incidence(result.weekly, info)}
    for var in FAN_VARIABLES:
        figs[f"fan_{var}"] = fan_chart(result.weekly, var, info, scope)
    figs["settlement_terms"] = settlement_terms(result.outcomes, info)
    figs["settlement_timing"] = settlement_timing(result.outcomes, info)
    return figs


def save(fig: Figure, path: Path) -> Path:
    fmt = path.suffix.lstrip(".")
    if fmt not in FORMATS:
        raise ScenarioError(f"unknown chart format {fmt!r}; expected one of {', '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Fixed metadata: the same run gives byte-identical SVG and PDF files (no creation date).
    metadata: dict[str, Any] = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt, {})
    fig.savefig(path, format=fmt, metadata=metadata)
    return path


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ScenarioError(f"unknown chart format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return fmt


def write_run_charts(results_dir: Path, fmt: str = "png", out: Path | None = None) -> list[Path]:
    """Write every chart of the run in ``results_dir`` into ``<results>/charts/`` (or ``out``); return paths."""
    from sim.results import load_results

    check_format(fmt)
    results_dir = Path(results_dir)
    result = load_results(results_dir)
    out = Path(out) if out is not None else results_dir / "charts"
    figs = run_figures(result, read_manifest(results_dir))
    return [save(fig, out / f"{stem}.{fmt}") for stem, fig in figs.items()]


def write_charts(results_dir: Path, fmt: str = "png", out: Path | None = None, **options: Any) -> list[Path]:
    """Charts of a run or a sweep results directory, whichever it is."""
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise ScenarioError("not a results directory", source=str(results_dir))
    if is_sweep(results_dir):
        return write_sweep_charts(results_dir, fmt, out, **options)
    return write_run_charts(results_dir, fmt, out)


# ---------------------------------------------------------------------------------------------------------
# Overlays of several runs (sim compare)


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
            ax_p.barh(y, p, height=height * 0.9, color=colour, label=run, gid=f"p-{run}",
                      xerr=np.vstack([p - t["lo"], t["hi"] - p]),
                      error_kw={"ecolor": "#333333", "capsize": 2, "lw": 0.8})
            if j > 0:
                d = t["diff"].to_numpy()
                how = "paired" if str(t["pairing"].iloc[0]).startswith("paired") else "independent"
                if "weighted" in str(t["pairing"].iloc[0]):
                    how += ", weighted, n = ESS"
                ax_d.errorbar(d, y, xerr=np.vstack([d - t["diff_lo"], t["diff_hi"] - d]), fmt="o",
                              color=colour, capsize=3, ms=5, label=f"{run} − {runs[0]} ({how})",
                              gid=f"diff-{run}")
        ax_p.set_yticks(np.arange(len(outs)), [OUTCOME_STYLE[o][0] for o in outs])
        ax_p.invert_yaxis()
        _percent_axis(ax_p, "x", 0)
        weighted = table["pairing"].astype(str).str.contains("weighted").any()
        ax_p.set_xlabel("probability by the horizon (% of replicates, 95% interval)" if not weighted else
                        "probability by the horizon (% of replicates, weighted for a conditioned run; 95% interval)")
        ax_p.legend(loc="lower right")
        ax_p.set_title("Outcome probabilities", loc="left")
        ax_d.axvline(0, color="black", lw=0.8)
        ax_d.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{100 * v:+.0f}" if v else "0"))
        ax_d.set_xlabel(f"difference from {runs[0]} (percentage points, 95% interval)")
        ax_d.set_title(f"Difference from {runs[0]}", loc="left")
        if len(runs) > 1:
            ax_d.legend(loc="lower right")
        return finish(fig, title, caption)


def compare_incidence(weeklies: dict[str, pd.DataFrame], infos: dict[str, RunInfo], title: str,
                      caption: str) -> Figure:
    """Cumulative incidence of each terminal outcome, one panel per outcome, one line per run (a conditioned
    run's shares are weighted, its bands use n = ESS)."""
    with _style():
        fig = new_figure(11, 7)
        axes = fig.subplots(2, 2).ravel()
        for ax, o in zip(axes, TERMINAL, strict=True):
            tables = {run: incidence_table(weekly, o, infos[run].ess) for run, weekly in weeklies.items()}
            never = all(float(t["share"].max()) == 0 for t in tables.values())
            for j, (run, t) in enumerate(tables.items()):
                colour = SERIES_COLOURS[j % len(SERIES_COLOURS)]
                x = infos[run].dates(t["week"])
                if not never:
                    ax.fill_between(x, t["lo"], t["hi"], color=colour, alpha=0.15, lw=0)
                ax.plot(x, t["share"], color=colour, lw=1.8, ls=("-", "--", "-.", ":")[j % 4], label=run,
                        gid=f"incidence-{o}-{run}")
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


def compare_fan(weeklies: dict[str, pd.DataFrame], infos: dict[str, RunInfo], variable: str, title: str,
                caption: str, scope: str = "active") -> Figure:
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
            ax.plot(x, d["q50"], color=colour, lw=2, ls=("-", "--", "-.", ":")[j % 4], gid=f"median-{run}",
                    label=f"{run}: {what}median and 50% band")
        if spec.percent:
            _percent_axis(ax)
        ax.set_ylabel(spec.ylabel)
        date_axis(ax, next(iter(infos.values())))
        ax.set_title("Over the replicates still at war that week", loc="left")
        ax.legend(loc="best")
        return finish(fig, title, caption)


# ---------------------------------------------------------------------------------------------------------
# Sweeps: 1-D and 2-D designs, sensitivity indices, scenario discovery


SWEEP_POINTS_FILE = "points.parquet"
SENSITIVITY_FILE = "sensitivity.json"


def is_sweep(path: Path) -> bool:
    return read_manifest(path).get("kind") == "sweep" or (Path(path) / SWEEP_POINTS_FILE).exists()


@dataclass
class Sweep:
    """A sweep results directory: the points table, its parameters and metrics, and the sensitivity indices."""

    name: str
    points: pd.DataFrame
    parameters: list[str]
    metrics: list[str]
    sampler: str
    manifest: dict[str, Any]
    sensitivity: dict[str, Any] | None

    @property
    def caption(self) -> str:
        m = self.manifest
        bits = [f"Leverage {m.get('versions', {}).get('leverage-sim', '?')}", f"sweep '{self.name}'",
                f"{self.sampler}", f"{len(self.points):,} points"]
        if m.get("replicates") is not None:
            bits.append(f"{m['replicates']:,} replicates per point")
        if m.get("seed") is not None:
            bits.append(f"seed {m['seed']}")
        return " · ".join(bits)


def metric_columns(points: pd.DataFrame) -> list[str]:
    """Metrics are the columns with ``<metric>_lo`` and ``<metric>_hi`` interval columns beside them."""
    return [c for c in points.columns if f"{c}_lo" in points.columns and f"{c}_hi" in points.columns]


def load_sweep(path: str | Path) -> Sweep:
    path = Path(path)
    file = path / SWEEP_POINTS_FILE
    if not file.exists():
        raise ScenarioError(f"not a sweep results directory (missing {SWEEP_POINTS_FILE})", source=str(path))
    points = pd.read_parquet(file)
    manifest = read_manifest(path)
    metrics = list(manifest.get("metrics") or []) or metric_columns(points)
    metrics = [m for m in metrics if m in points.columns]
    params = manifest.get("parameters") or []
    names = [p["path"] if isinstance(p, dict) and "path" in p else (p["name"] if isinstance(p, dict) else p)
             for p in params]
    if not names:
        interval = {f"{m}_{s}" for m in metrics for s in ("lo", "hi")}
        names = [c for c in points.columns if c not in set(metrics) | interval | {"point", "replicates"}]
    names = [n for n in names if n in points.columns]
    sens_file = path / SENSITIVITY_FILE
    sensitivity = json.loads(sens_file.read_text(encoding="utf-8")) if sens_file.exists() else None
    sampler = str(manifest.get("sampler") or ("grid" if len(names) <= 2 else "lhs"))
    return Sweep(str(manifest.get("sweep") or manifest.get("name") or path.name), points, names, metrics,
                 sampler, manifest, sensitivity)


def metric_label(metric: str) -> str:
    m = re.fullmatch(r"p_(\w+?)(?:_(?:by_)?(\d+))?", metric)
    if m and m.group(1) in OUTCOME_STYLE:
        name = OUTCOME_STYLE[m.group(1)][0]
        label = f"P({name[0].lower() + name[1:]}"
        return label + (f" within {m.group(2)} weeks)" if m.group(2) else ")")
    return metric.replace("_", " ")


def _is_probability(metric: str) -> bool:
    return metric.startswith("p_")


def sweep_1d(points: pd.DataFrame, parameter: str, metrics: Sequence[str], title: str, caption: str) -> Figure:
    """Each metric against the swept parameter with its interval band; probabilities share one panel."""
    with _style():
        d = points.sort_values(parameter)
        probs = [m for m in metrics if _is_probability(m)]
        others = [m for m in metrics if m not in probs]
        groups = ([probs] if probs else []) + [[m] for m in others]
        ncols = min(2, len(groups))
        nrows = math.ceil(len(groups) / ncols)
        fig = new_figure(6 * ncols, 3.8 * nrows + 0.3)
        axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
        x = d[parameter].to_numpy(dtype=float)
        for ax, group in zip(axes, groups, strict=False):
            for j, m in enumerate(group):
                outcome = _outcome_of(m)
                colour = OUTCOME_STYLE[outcome][1] if outcome else SERIES_COLOURS[j % len(SERIES_COLOURS)]
                ax.fill_between(x, d[f"{m}_lo"], d[f"{m}_hi"], color=colour, alpha=0.2, lw=0, gid=f"band-{m}")
                ax.plot(x, d[m], color=colour, marker="o", ms=3.5, lw=1.8, label=metric_label(m), gid=f"line-{m}",
                        ls="--" if re.search(r"_\d+$", m) else "-")
            if group is probs:
                _percent_axis(ax, "y", 0)
                ax.set_ylabel("probability (% of replicates; band: 95% interval)")
            else:
                ax.set_ylabel(f"{metric_label(group[0])} (band: 95% interval)")
            ax.set_xlabel(parameter_label(parameter))
            ax.legend(loc="best")
        for ax in axes[len(groups):]:
            ax.set_visible(False)
        return finish(fig, title, caption)


def _outcome_of(metric: str) -> str | None:
    for o in OUTCOME_ORDER:
        if metric == f"p_{o}" or metric.startswith(f"p_{o}_"):
            return o
    return None


def parameter_label(path: str) -> str:
    """A parameter's dotted path with its unit, from sim.params or the lever table."""
    from sim.params import Initial, Params, iter_params
    from sim.scenario import LEVERS

    parts = path.split(".")
    if len(parts) == 4 and parts[0] == "agents" and parts[2] == "levers" and parts[1] in LEVERS:
        lever = LEVERS[parts[1]].get(parts[3])
        if lever:
            return f"{path} ({lever[3]})"
    units = {p: extra.get("unit", "") for p, _v, extra, _d in iter_params(Params(), "params")
             + iter_params(Initial(), "initial")}
    unit = units.get(path, "week of the scenario" if path.startswith("events.") and path.endswith(".week") else "")
    return f"{path} ({unit})" if unit else path


def sweep_heatmap(points: pd.DataFrame, x: str, y: str, metric: str, title: str, caption: str) -> Figure:
    """A 2-D grid: the metric as a heatmap with its value written in each cell."""
    with _style():
        grid = points.pivot_table(index=y, columns=x, values=metric, aggfunc="mean").sort_index()
        fig = new_figure(1.6 + 0.85 * grid.shape[1] + 1.5, 1.5 + 0.55 * grid.shape[0] + 0.6)
        ax = fig.add_subplot()
        prob = _is_probability(metric)
        values = grid.to_numpy(dtype=float)
        im = ax.imshow(values, origin="lower", aspect="auto", cmap="cividis", gid="heatmap",
                       vmin=0 if prob else None, vmax=1 if prob else None)
        ax.grid(False)
        ax.set_xticks(range(grid.shape[1]), [f"{v:.3g}" for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [f"{v:.3g}" for v in grid.index])
        norm = im.norm
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                dark = float(norm(v)) < 0.55  # type: ignore[arg-type]  # cividis is dark at the bottom: white text there
                ax.text(j, i, f"{v:.0%}" if prob else f"{v:.3g}", ha="center", va="center", fontsize=8,
                        color="white" if dark else "black", gid="cell")
        ax.set_xlabel(parameter_label(x))
        ax.set_ylabel(parameter_label(y))
        bar = fig.colorbar(im, ax=ax)
        bar.set_label(metric_label(metric) + (" (%)" if prob else ""))
        if prob:
            bar.formatter = PercentFormatter(1.0, decimals=0)
        ax.set_title("the metric at each grid point", loc="left")
        return finish(fig, title, caption)


def sensitivity_table(sensitivity: dict[str, Any], metric: str) -> tuple[str, pd.DataFrame]:
    """Indices of one metric as a table indexed by parameter: ('sobol', S1, S1_conf, ST, ST_conf) or
    ('morris', mu_star, mu_star_conf, sigma). Accepts SALib's dict-of-lists (with 'names') or
    dict-of-dicts keyed by parameter, under ``sensitivity[metric]`` or ``sensitivity['indices'][metric]``."""
    block = sensitivity.get("indices", sensitivity).get(metric)
    if block is None:
        raise ScenarioError(f"no sensitivity indices for metric {metric!r}; have "
                            + ", ".join(sensitivity.get("indices", sensitivity)))
    names = block.get("names") or block.get("parameters")
    keys = [k for k in ("S1", "S1_conf", "ST", "ST_conf", "mu_star", "mu_star_conf", "sigma", "mu")
            if k in block]
    cols = {}
    for k in keys:
        v = block[k]
        cols[k] = pd.Series(v) if isinstance(v, dict) else pd.Series(list(v), index=names)
    table = pd.DataFrame(cols)
    method = "sobol" if "S1" in table else "morris"
    return method, table


def sensitivity_bars(sensitivity: dict[str, Any], metric: str, title: str, caption: str) -> Figure:
    """Sobol: first-order and total indices with 95% intervals; Morris: mu* (with interval) and sigma."""
    with _style():
        method, t = sensitivity_table(sensitivity, metric)
        order = t["ST" if method == "sobol" else "mu_star"].sort_values(ascending=True).index
        t = t.loc[order]
        fig = new_figure(8, 1.6 + 0.38 * len(t) + 0.5)
        ax = fig.add_subplot()
        y = np.arange(len(t))
        h = 0.38
        if method == "sobol":
            bars = (("S1", "first-order index S1", OKABE_ITO["sky_blue"]),
                    ("ST", "total index ST", OKABE_ITO["blue"]))
            xlabel = "Sobol index (share of output variance); whiskers: 95% bootstrap interval"
        else:
            bars = (("mu_star", "μ* (mean absolute elementary effect)", OKABE_ITO["blue"]),
                    ("sigma", "σ (spread: interactions, non-linearity)", OKABE_ITO["orange"]))
            xlabel = f"elementary effect on {metric_label(metric)} (metric units per unit range)"
        for k, (col, label, colour) in enumerate(bars):
            conf = t.get(f"{col}_conf")
            ax.barh(y + (k - 0.5) * h, t[col], height=h * 0.95, color=colour, label=label, gid=f"bar-{col}",
                    xerr=None if conf is None else 1.0 * conf.abs().to_numpy(),
                    error_kw={"ecolor": "#333333", "capsize": 2, "lw": 0.8})
        ax.set_yticks(y, [parameter_label(p) for p in t.index])
        ax.axvline(0, color="black", lw=0.6)
        ax.set_xlabel(xlabel)
        ax.legend(loc="lower right")
        ax.set_title(f"{'Sobol' if method == 'sobol' else 'Morris'} indices of {metric_label(metric)}", loc="left")
        return finish(fig, title, caption)


# ---- PRIM (Friedman & Fisher 1999), for scenario discovery (Bryant & Lempert 2010) ----


@dataclass(frozen=True)
class PrimBox:
    """One box of the peeling trajectory: limits per dimension and its statistics."""

    limits: dict[str, tuple[float, float]]
    coverage: float  # share of all cases of interest that fall in the box
    density: float  # share of the points in the box that are cases of interest
    mass: float  # share of all points in the box
    restricted: tuple[str, ...]  # dimensions whose limits are inside the data's range (chosen box: by worth)


@dataclass(frozen=True)
class PrimResult:
    trajectory: tuple[PrimBox, ...]
    chosen: int  # the trajectory's box that was chosen
    base_rate: float
    data_limits: dict[str, tuple[float, float]]
    box: PrimBox  # the chosen box with its nearly worthless restrictions lifted


def _peel_candidates(x: np.ndarray, inside: np.ndarray, alpha: float) -> list[tuple[int, str, float, np.ndarray]]:
    """Every admissible peel of the current box: (dimension, 'lo'|'hi', new limit, new membership). A peel
    removes the alpha share of the box's points at one end of one dimension, at least one point and whole ties
    (so discrete parameters peel one value at a time)."""
    out = []
    idx = np.flatnonzero(inside)
    k = max(1, int(math.floor(alpha * idx.size)))
    for j in range(x.shape[1]):
        v = np.sort(x[idx, j])
        if v[0] == v[-1]:
            continue
        lo = v[k] if v[k] > v[0] else v[v > v[0]][0]
        hi = v[-1 - k] if v[-1 - k] < v[-1] else v[v < v[-1]][-1]
        out.append((j, "lo", float(lo), inside & (x[:, j] >= lo)))
        out.append((j, "hi", float(hi), inside & (x[:, j] <= hi)))
    return out


def prim(x: pd.DataFrame, y: np.ndarray, *, alpha: float = 0.05, min_mass: float = 0.05,
         min_coverage: float = 0.5, tolerance: float = 0.01, prune: float = 0.02) -> PrimResult:
    """Patient Rule Induction Method: peel ``alpha`` of the points off one end of one dimension at a time,
    always the peel that leaves the densest box, until the box holds less than ``min_mass`` of the points.

    The chosen box is, among the boxes that keep at least ``min_coverage`` of the cases of interest, the one
    with the highest coverage whose density is within ``tolerance`` of the best density (the usual
    scenario-discovery trade-off: near-maximal density, as much coverage as that allows). Then each restriction
    whose lifting costs at most ``prune`` of density is lifted, least valuable first. No pasting.
    """
    cols = list(x.columns)
    values = x.to_numpy(dtype=float)
    target = np.asarray(y, dtype=bool)
    if values.shape[0] != target.size or target.size == 0:
        raise ScenarioError("PRIM needs as many outcomes as points, and at least one point")
    if not target.any():
        raise ScenarioError("PRIM: the condition holds for no point; nothing to discover")
    total, n = int(target.sum()), target.size
    data_limits = {c: (float(values[:, j].min()), float(values[:, j].max())) for j, c in enumerate(cols)}
    limits = dict(data_limits)
    inside = np.ones(n, dtype=bool)

    def box() -> PrimBox:
        restricted = tuple(c for c in cols if limits[c] != data_limits[c])
        k = int(target[inside].sum())
        return PrimBox(dict(limits), k / total, k / int(inside.sum()), float(inside.mean()), restricted)

    trajectory = [box()]
    while True:
        best = None
        for j, side, limit, members in _peel_candidates(values, inside, alpha):
            m = int(members.sum())
            if m == 0 or m / n < min_mass:
                continue
            density = target[members].sum() / m
            key = (density, m)
            if best is None or key > best[0]:
                best = (key, j, side, limit, members)
        if best is None:
            break
        _, j, side, limit, inside = best
        lo, hi = limits[cols[j]]
        limits[cols[j]] = (limit, hi) if side == "lo" else (lo, limit)
        trajectory.append(box())
    eligible = [i for i, b in enumerate(trajectory) if b.coverage >= min_coverage] or [0]
    top = max(trajectory[i].density for i in eligible)
    near = [i for i in eligible if trajectory[i].density >= top - tolerance]
    chosen = max(near, key=lambda i: (trajectory[i].coverage, -len(trajectory[i].restricted), -i))
    # Lift, one at a time, the restrictions worth less than ``prune`` of density (the density lost when that
    # restriction alone is lifted): peeling on a few points picks up restrictions that only fit noise.
    limits = dict(trajectory[chosen].limits)

    def stats(lim: dict[str, tuple[float, float]]) -> tuple[np.ndarray, float]:
        keep = np.ones(n, dtype=bool)
        for j, c in enumerate(cols):
            keep &= (values[:, j] >= lim[c][0]) & (values[:, j] <= lim[c][1])
        return keep, float(target[keep].mean())

    while True:
        _, density = stats(limits)
        restricted = [c for c in cols if limits[c] != data_limits[c]]
        worth = {c: density - stats({**limits, c: data_limits[c]})[1] for c in restricted}
        if not worth or min(worth.values()) > prune:
            break
        weakest = min(worth, key=lambda c: (worth[c], c))
        limits[weakest] = data_limits[weakest]
    keep, density = stats(limits)
    ordered = tuple(sorted(worth, key=lambda c: (-worth[c], c)))
    box_ = PrimBox(limits, float(target[keep].sum() / total), density, float(keep.mean()), ordered)
    return PrimResult(tuple(trajectory), chosen, total / n, data_limits, box_)


CONDITION = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$")


def parse_condition(text: str, table: pd.DataFrame) -> np.ndarray:
    """Evaluate a condition such as ``p_settlement_26 >= 0.5`` or ``outcome == settlement and week <= 26``
    (clauses joined by 'and') on a table; a clear error names an unknown column."""
    import operator

    ops = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
           "!=": operator.ne}
    mask = np.ones(len(table), dtype=bool)
    for clause in re.split(r"\s+and\s+", text.strip()):
        m = CONDITION.match(clause)
        if not m:
            raise ScenarioError(f"condition {clause!r}: expected 'column op value' with op one of "
                                "<, <=, >, >=, ==, !=")
        col, op, raw = m.groups()
        if col not in table.columns:
            raise ScenarioError(f"condition {clause!r}: unknown column {col!r}; have "
                                + ", ".join(map(str, table.columns)))
        series = table[col]
        try:
            value: Any = float(raw)
            series = series.astype(float)
        except ValueError:
            value = raw.strip("'\"")
            series = series.astype(str)
        mask &= np.asarray(ops[op](series, value), dtype=bool)
    return mask


def prim_figure(x: pd.DataFrame, y: np.ndarray, result: PrimResult, condition: str, title: str,
                caption: str) -> Figure:
    """Scenario discovery: the peeling trajectory (coverage against density, the chosen box marked), the
    chosen box's limits on each restricted dimension, and the points in its two first restricted dimensions
    with the box drawn."""
    with _style():
        fig = new_figure(14, 5.0)
        ax_t, ax_b, ax_s = fig.subplots(1, 3, width_ratios=[1, 1.2, 1])
        traj = result.trajectory
        cov = np.array([b.coverage for b in traj])
        den = np.array([b.density for b in traj])
        nres = np.array([len(b.restricted) for b in traj])
        sc = ax_t.scatter(cov, den, c=nres, cmap="viridis", s=18, gid="trajectory", zorder=3)
        box = result.box
        peeled = result.trajectory[result.chosen]
        if (peeled.coverage, peeled.density) != (box.coverage, box.density):
            ax_t.annotate("", (box.coverage, box.density), (peeled.coverage, peeled.density),
                          arrowprops={"arrowstyle": "->", "color": OKABE_ITO["vermillion"], "lw": 1.2})
        ax_t.scatter([box.coverage], [box.density], s=140, facecolors="none", edgecolors=OKABE_ITO["vermillion"],
                     lw=2, gid="chosen", zorder=4, label=f"chosen box: coverage {box.coverage:.0%}, "
                     f"density {box.density:.0%}")
        bar = fig.colorbar(sc, ax=ax_t, label="restricted dimensions (count)")
        bar.locator = MaxNLocator(integer=True)
        bar.update_ticks()
        _percent_axis(ax_t, "x", 0)
        _percent_axis(ax_t, "y", 0)
        ax_t.set_xlabel("coverage (% of cases of interest inside the box)")
        ax_t.set_ylabel("density (% of points inside that are of interest)")
        ax_t.set_title(f"Peeling trajectory (base rate {result.base_rate:.0%})", loc="left")
        ax_t.legend(loc="lower left")

        dims = list(box.restricted)
        for i, dim in enumerate(dims):
            lo0, hi0 = result.data_limits[dim]
            lo, hi = box.limits[dim]
            span = (hi0 - lo0) or 1.0
            a, b = (lo - lo0) / span, (hi - lo0) / span
            ax_b.barh(i, b - a, left=a, color=OKABE_ITO["vermillion"], alpha=0.6, height=0.4, gid=f"limit-{dim}")
            ax_b.text(a, i - 0.25, f"{lo:.3g}", ha="right" if a > 0.02 else "left", va="bottom", fontsize=7.5)
            ax_b.text(b, i - 0.25, f"{hi:.3g}", ha="left" if b < 0.98 else "right", va="bottom", fontsize=7.5)
        ax_b.set_yticks(range(len(dims)), [parameter_label(d) for d in dims])
        ax_b.set_xlim(-0.05, 1.05)
        ax_b.set_ylim(-0.7, max(len(dims), 4) - 0.3)
        ax_b.invert_yaxis()
        ax_b.set_xlabel("box limits within each sampled range (0 = min, 1 = max)")
        ax_b.set_title(f"Chosen box: {len(dims)} restricted dimension(s), mass {box.mass:.0%}", loc="left")
        if not dims:
            ax_b.text(0.5, 0.5, "no restriction: the condition is not explained by these parameters",
                      transform=ax_b.transAxes, ha="center", fontsize=8)

        shown = (dims + [c for c in x.columns if c not in dims])[:2]
        if len(shown) == 2:
            px, py = x[shown[0]].to_numpy(dtype=float), x[shown[1]].to_numpy(dtype=float)
            ax_s.scatter(px[~y], py[~y], s=6, color=GREY, alpha=0.5, lw=0, label="condition false")
            ax_s.scatter(px[y], py[y], s=6, color=OKABE_ITO["blue"], alpha=0.7, lw=0, label="condition true")
            (x0, x1), (y0, y1) = box.limits[shown[0]], box.limits[shown[1]]
            ax_s.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec=OKABE_ITO["vermillion"], lw=2,
                                     gid="box"))
            ax_s.set_xlabel(parameter_label(shown[0]).replace(" (", "\n(", 1))
            ax_s.set_ylabel(parameter_label(shown[1]).replace(" (", "\n(", 1))
            handles, labels = ax_s.get_legend_handles_labels()
            handles.append(Patch(fill=False, ec=OKABE_ITO["vermillion"], lw=2))
            labels.append("chosen box")
            ax_s.legend(handles, labels, loc="best", markerscale=2.5)
            ax_s.set_title("Points in the first two box dimensions", loc="left")
        else:
            ax_s.set_visible(False)
        return finish(fig, f"{title}\ncondition: {condition}", caption)


def sweep_figures(sweep: Sweep, *, metric: str | None = None, condition: str | None = None,
                  min_coverage: float = 0.5) -> dict[str, Figure]:
    """Charts of a sweep, by file stem: Sobol/Morris indices, 1-D curves, a 2-D heatmap, or PRIM scenario
    discovery for an LHS (or for any design given a condition)."""
    pts, params, metrics = sweep.points, sweep.parameters, sweep.metrics
    if not metrics:
        raise ScenarioError("no metric columns (with _lo and _hi intervals) in points.parquet")
    preferred = [m for m in ("p_settlement_by_26", "p_settlement") if m in metrics]
    chosen = metric or (preferred or metrics)[0]
    if chosen not in pts.columns:
        raise ScenarioError(f"unknown metric {chosen!r}; have {', '.join(metrics)}")
    figs: dict[str, Figure] = {}
    if sweep.sensitivity:
        block = sweep.sensitivity.get("indices", sweep.sensitivity)
        for m in ([metric] if metric else [k for k in block if isinstance(block[k], dict)]):
            figs[f"sensitivity_{m}"] = sensitivity_bars(sweep.sensitivity, m, f"{sweep.name}: sensitivity of "
                                                        f"{metric_label(m)}", sweep.caption)
    if len(params) == 1:
        figs["sweep"] = sweep_1d(pts, params[0], metrics, f"{sweep.name}: outcomes against {params[0]}",
                                 sweep.caption)
    elif len(params) == 2 and sweep.sampler == "grid":
        for m in [chosen] if metric else metrics:
            figs[f"heatmap_{m}"] = sweep_heatmap(pts, params[0], params[1], m,
                                                 f"{sweep.name}: {metric_label(m)}", sweep.caption)
    if sweep.sampler not in ("grid", "sobol", "morris") or condition:
        cond = condition or default_condition(pts, chosen)
        y = parse_condition(cond, pts)
        if condition and (y.all() or not y.any()):
            raise ScenarioError(f"condition {condition!r} holds for {'every' if y.all() else 'no'} point of the "
                                "sweep: nothing to discover")
        if y.any() and not y.all():
            x = pts[params].astype(float)
            result = prim(x, y, min_coverage=min_coverage)
            figs["discovery"] = prim_figure(x, y, result, cond, f"{sweep.name}: scenario discovery",
                                            sweep.caption)
    return figs


def write_sweep_charts(results_dir: Path, fmt: str = "png", out: Path | None = None, *,
                       metric: str | None = None, condition: str | None = None,
                       min_coverage: float = 0.5) -> list[Path]:
    """Write the charts of the sweep in ``results_dir`` into ``<results>/charts/`` (or ``out``)."""
    check_format(fmt)
    sweep = load_sweep(results_dir)
    out = Path(out) if out is not None else Path(results_dir) / "charts"
    figs = sweep_figures(sweep, metric=metric, condition=condition, min_coverage=min_coverage)
    return [save(fig, out / f"{stem}.{fmt}") for stem, fig in figs.items()]


def default_condition(points: pd.DataFrame, metric: str) -> str:
    """Without --condition: the metric at or above its median across the points (the upper half), or above it
    when at least half the points share the top value (say, a probability that is 0 at most points)."""
    median = float(points[metric].median())
    cond = f"{metric} >= {median:.4g}"
    return cond if not parse_condition(cond, points).all() else f"{metric} > {median:.4g}"
