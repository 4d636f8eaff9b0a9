"""Charts of one run: outcome probabilities, cumulative incidence, fan charts of the state variables, and the
terms and timing of settlements (weighted for a conditioned run). ``write_run_charts`` writes them into
``<results>/charts/``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from sim.errors import ScenarioError
from sim.intervals import wilson
from sim.plots.common import (
    FAN_VARIABLES,
    OKABE_ITO,
    OUTCOME_ORDER,
    OUTCOME_STYLE,
    PRIOR_LABEL,
    TERMINAL,
    RunInfo,
    _percent_axis,
    _style,
    check_format,
    date_axis,
    draw_key,
    event_key_lines,
    figure_with_key,
    finish,
    headroom,
    legend_below,
    legend_rows_inches,
    mark_events,
    mark_horizon,
    new_figure,
    outcome_weights,
    read_manifest,
    save,
    variable_spec,
)
from sim.plots.paths import Paths, find_split, kept_paths, simulated_paths, split_fan_chart


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
        ax.barh(
            y,
            p,
            color=[OUTCOME_STYLE[o][1] for o in names],
            height=0.62,
            gid="outcome-bars",
            xerr=np.vstack([p - lo, hi - p]),
            error_kw={"ecolor": "#222222", "capsize": 3, "lw": 1},
        )
        for yi, pi, loi, hii in zip(y, p, lo, hi, strict=True):
            ax.text(hii + 0.01, float(yi), f"{pi:.1%}   [{loi:.1%} – {hii:.1%}]", va="center", fontsize=8.5)
        ax.set_yticks(y, [OUTCOME_STYLE[o][0] for o in names])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.set_xlim(0, min(1.0, float(hi.max()) + 0.3))
        _percent_axis(ax, "x", 0)
        ax.set_xlabel(
            "probability (weighted share of replicates); whiskers: 95% Wilson interval with n = ESS"
            if info.weighted
            else "probability (% of replicates); whiskers: 95% Wilson interval"
        )
        ax.set_title(
            f"By the horizon, {info.date(info.horizon_weeks):%d %b %Y} ({info.horizon_weeks} weeks)", loc="left"
        )
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
    return pd.DataFrame({"week": d["week"].to_numpy(), "share": d["mean"].to_numpy(dtype=float), "lo": lo, "hi": hi})


def cumulative_incidence(weekly: pd.DataFrame, info: RunInfo) -> Figure:
    """Cumulative incidence of each terminal outcome over calendar time (competing risks: a replicate that
    ended in one outcome cannot reach another), with pointwise 95% bands and the horizon marked. Outcomes
    much rarer than the commonest are shown again in a zoomed panel."""
    with _style():
        tables = {o: incidence_table(weekly, o, info.ess) for o in TERMINAL}
        final = {o: float(t["share"].iloc[-1]) if len(t) else 0.0 for o, t in tables.items()}
        top = max(final.values(), default=0.0)
        rare = [o for o, f in final.items() if 0 < f < top / 4] if top > 0.1 else []
        fig, axes, key = figure_with_key(
            11 if rare else 8.5,
            4.2,
            max(len(TERMINAL), event_key_lines(info)) + 1,
            2 if rare else 1,
            [3, 2] if rare else None,
        )
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
                ax.plot(
                    x,
                    t["share"],
                    color=colour,
                    lw=2,
                    gid=f"incidence-{o}",
                    label=f"{label}: {final[o]:.1%} by the horizon",
                )
            ax.set_ylim(bottom=0)
            headroom(ax)
            mark_horizon(ax, info)
            if i == 0:
                entries = mark_events(ax, info)
            _percent_axis(ax)
            ax.set_ylabel(
                "cumulative weighted share of replicates (%)" if info.weighted else "cumulative share of replicates (%)"
            )
            date_axis(ax, info)
            ax.set_title(title, loc="left")
        draw_key(key, axes[0].get_legend_handles_labels(), entries)
        bands = "95% pointwise, n = ESS" if info.weighted else "95% pointwise"
        return finish(fig, f"{info.name}: cumulative incidence of each outcome (bands: {bands})", info.caption)


QUANTILES = ["mean", "q05", "q25", "q50", "q75", "q95"]


def alternates(values: np.ndarray, share: float = 0.6) -> bool:
    """Whether a weekly series zig-zags: most of its successive week-to-week moves change direction (the front
    is a lattice walk of one step a week, so its weekly quantiles alternate with the parity of the week)."""
    v = np.asarray(values, dtype=float)
    d = np.diff(v[np.isfinite(v)])
    d = d[d != 0]
    if d.size < 10:
        return False
    return float(np.mean(np.sign(d[1:]) != np.sign(d[:-1]))) > share


def bimodal(table: pd.DataFrame, gap: float = 0.6, weeks: float = 0.25) -> bool:
    """Whether the weekly quantiles show two groups of replicates: in at least ``weeks`` of the weeks, one gap
    between successive percentiles (5th, 25th, 50th, 75th, 95th) holds more than ``gap`` of the 5th-95th range
    (a unimodal spread, even a skewed one, has its range shared out over the gaps)."""
    q = table[["q05", "q25", "q50", "q75", "q95"]].to_numpy(dtype=float)
    q = q[np.isfinite(q).all(axis=1)]
    spread = q[:, -1] - q[:, 0]
    q = q[spread > 1e-9 * np.maximum(1.0, np.abs(q[:, -1]))]
    if len(q) < 4:
        return False
    widest = np.diff(q, axis=1).max(axis=1) / (q[:, -1] - q[:, 0])
    return float(np.mean(widest > gap)) >= weeks and len(q) >= 0.25 * len(table)


def fan_table(
    weekly: pd.DataFrame, variable: str, scope: str = "active", min_n: int = 20, smooth: bool | None = None
) -> pd.DataFrame:
    """The weekly quantiles of one variable; weeks with fewer than ``min_n`` replicates in scope are NaN (the
    quantiles of a handful of replicates still at war are noise). A variable whose weekly median zig-zags
    (``alternates``) is smoothed over three weeks (weights 1/4, 1/2, 1/4) unless ``smooth`` is False;
    ``table.attrs["smoothed"]`` says whether it was."""
    d = weekly[(weekly["variable"] == variable) & (weekly["scope"] == scope)].sort_values("week")
    if d.empty:
        raise ScenarioError(f"no weekly rows for variable {variable!r} (scope {scope!r})")
    d = d[["week", "n", *QUANTILES]].reset_index(drop=True)
    few = d["n"] < min_n
    d.loc[few, QUANTILES] = np.nan
    do = alternates(d["q50"].to_numpy()) if smooth is None else smooth
    if do:
        for q in QUANTILES:
            v = d[q].to_numpy(dtype=float)
            prev = np.concatenate([v[:1], v[:-1]])
            nxt = np.concatenate([v[1:], v[-1:]])
            d[q] = 0.25 * prev + 0.5 * v + 0.25 * nxt  # NaN next to a blank week stays NaN
    d.attrs["smoothed"] = bool(do)
    return d


def fan_chart(
    weekly: pd.DataFrame,
    variable: str,
    info: RunInfo,
    scope: str = "active",
    min_n: int = 20,
    paths: Paths | None = None,
) -> Figure:
    """Median, 50% and 90% bands of one state variable by week, with the scenario's events marked. When the
    replicates split into two groups (``bimodal``) and their ``paths`` are given (``sim.plots.paths``), a fan
    for each group beside sample paths coloured by outcome (``split_fan_chart``); without paths, percentile
    lines."""
    with _style():
        spec = variable_spec(variable)
        d = fan_table(weekly, variable, scope, min_n)
        split = bimodal(d)
        where = find_split(d) if split and paths is not None else None
        if paths is not None and where is not None:
            return split_fan_chart(d, variable, info, paths, where, scope, min_n)
        fig, (ax,), key = figure_with_key(8.5, 3.8, max(5 if split else 3, event_key_lines(info)) + 1)
        x = info.dates(d["week"])
        colour = OKABE_ITO["blue"]
        if split:
            # The replicates fall into two groups (say, with and without Tomahawks): a solid band would paint the
            # empty gap between them. Each percentile is drawn as its own line instead.
            styles = {"q05": ":", "q25": "--", "q75": "--", "q95": ":"}
            names = {"q05": "5th", "q25": "25th", "q75": "75th", "q95": "95th"}
            for q, ls in styles.items():
                ax.plot(x, d[q], color=colour, lw=1.1, ls=ls, gid=f"line-{q}", label=f"{names[q]} percentile")
        else:
            ax.fill_between(
                x,
                d["q05"],
                d["q95"],
                color=colour,
                alpha=0.18,
                lw=0,
                gid="band90",
                label="90% band (5th-95th percentile)",
            )
            ax.fill_between(
                x,
                d["q25"],
                d["q75"],
                color=colour,
                alpha=0.38,
                lw=0,
                gid="band50",
                label="50% band (25th-75th percentile)",
            )
        ax.plot(x, d["q50"], color=colour, lw=2, gid="median", label="median")
        headroom(ax)
        entries = mark_events(ax, info)
        if spec.percent:
            _percent_axis(ax)
        ax.set_ylabel(spec.ylabel)
        date_axis(ax, info)
        who = (
            "replicates still at war that week"
            if scope == "active"
            else "all replicates (ended ones frozen at their final values)"
        )
        smoothed = (
            "\nsmoothed over 3 weeks: it moves one lattice step a week, so its weekly quantiles zig-zag"
            if d.attrs["smoothed"]
            else ""
        )
        if split:
            smoothed += "\nthe replicates split into two groups (a gap between percentiles): percentile lines, no bands"
        ax.set_title(f"Over the {who} (weeks with fewer than {min_n} left blank){smoothed}", loc="left")
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
        fig = new_figure(7.5, 4.0 + legend_rows_inches(1), bottom=legend_rows_inches(1))
        ax = fig.add_subplot()
        terms, w = settled_terms(outcomes)
        colour = OUTCOME_STYLE["settlement"][1]
        if terms.size:
            bins = terms_bins(terms)
            heights = np.full(terms.size, 1.0 / terms.size) if w is None else w / w.sum()
            ax.hist(terms, bins=list(bins), weights=heights, color=colour, edgecolor="white", lw=0.4, gid="terms-hist")
            if w is None:
                q25, med, q75 = np.quantile(terms, [0.25, 0.5, 0.75])
                ax.set_title(
                    f"{terms.size:,} settlements ({terms.size / info.replicates:.1%} of replicates)", loc="left"
                )
            else:
                q25, med, q75 = weighted_quantile(terms, (0.25, 0.5, 0.75), w)
                ax.set_title(
                    f"{terms.size:,} settlements with positive weight ({float(w.sum()):.1%} of the "
                    "weight): weighted by the conditioning",
                    loc="left",
                )
            ax.axvspan(q25, q75, color=colour, alpha=0.12, lw=0, label=f"quartiles {q25:.1%} – {q75:.1%}")
            ax.axvline(med, color="black", lw=1.5, gid="terms-median", label=f"median {med:.1%}")
        else:
            ax.text(
                0.5,
                0.5,
                "no settlement in any replicate" + (" with positive weight" if info.weighted else ""),
                transform=ax.transAxes,
                ha="center",
            )
        if info.initial_front is not None:
            ax.axvline(
                info.initial_front,
                color=OKABE_ITO["vermillion"],
                lw=1.3,
                ls="--",
                gid="front-start",
                label=f"front on {info.start_date:%d %b %Y}: {info.initial_front:.0%}",
            )
        # whole-point ticks: at 82.5% a 0-decimal label would read "82%"
        ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 5, 10]))
        _percent_axis(ax, "x", 0)
        _percent_axis(ax, "y", 0)
        ax.set_xlabel("terms: Russia's share of the disputed territory under the deal (%)")
        ax.set_ylabel("weighted share of settlements (%)" if w is not None else "share of settlements (%)")
        legend_below(fig, *ax.get_legend_handles_labels(), ncol=3)  # under the chart, never on the bars
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
        fig, (ax,), key = figure_with_key(8.5, 3.6, max(2, event_key_lines(info)) + 1)
        settled = (outcomes["outcome"].astype(str) == "settlement").to_numpy()
        all_w = outcome_weights(outcomes)
        if all_w is not None:
            settled = settled & (all_w > 0)
        weeks = outcomes["week"].to_numpy(dtype=int)[settled]
        w = None if all_w is None else all_w[settled]
        counts, edges = timing_histogram(weeks, info.horizon_weeks, bin_weeks, w)
        colour = OUTCOME_STYLE["settlement"][1]
        shares = counts / info.replicates if w is None else counts  # weights sum to 1 over all replicates
        ax.bar(
            info.dates(edges[:-1]),
            shares,
            width=np.diff(edges) * 7.0,
            align="edge",
            color=colour,
            edgecolor="white",
            lw=0.4,
            gid="timing-bars",
            label=f"settlements per {bin_weeks}-week window" + (", weighted" if w is not None else ""),
        )
        if weeks.size:
            med = float(np.median(weeks)) if w is None else float(weighted_quantile(weeks, 0.5, w))
            ax.axvline(
                info.dates([round(med)])[0],
                color="black",
                lw=1.5,
                gid="timing-median",
                label=f"median: week {med:g} ({info.date(round(med)):%d %b %Y})",
            )
        headroom(ax)
        mark_horizon(ax, info)
        entries = mark_events(ax, info)
        _percent_axis(ax, "y", 1)
        ax.set_ylabel(
            "settling in the window (% of all replicates)"
            if w is None
            else "settling in the window (weighted % of all replicates)"
        )
        date_axis(ax, info)
        if w is None:
            ax.set_title(f"{weeks.size:,} settlements of {info.replicates:,} replicates", loc="left")
        else:
            ax.set_title(
                f"{weeks.size:,} settlements with positive weight, {float(w.sum()):.1%} of the weight "
                f"(ESS {info.ess or 0:,.0f} of {info.replicates:,} replicates)",
                loc="left",
            )
        draw_key(key, ax.get_legend_handles_labels(), entries)
        return finish(fig, f"{info.name}: when settlements happen", info.caption)


def timing_histogram(
    weeks: np.ndarray, horizon: int, bin_weeks: int, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Counts of end weeks in windows (0, b], (b, 2b], ... up to the horizon (outcomes happen in weeks 1..H);
    with ``weights``, the sum of the weights in each window instead."""
    edges = np.arange(0, horizon + bin_weeks, bin_weeks)
    edges[-1] = min(edges[-1], horizon)
    w = np.ones(len(weeks)) if weights is None else np.asarray(weights, dtype=float)
    windows = [(weeks > a) & (weeks <= b) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    counts = np.array([m.sum() for m in windows]) if weights is None else np.array([w[m].sum() for m in windows])
    return counts, edges


# What `sim run` draws by default (a fraction of the time of every chart; `sim plot` draws them all).
RUN_CHARTS = ("outcomes", "incidence", "fan_front", "settlement_timing")


def chart_names() -> list[str]:
    """Every chart of a run, by file stem, in drawing order."""
    return ["outcomes", "incidence", *(f"fan_{v}" for v in FAN_VARIABLES), "settlement_terms", "settlement_timing"]


def run_figures(
    result: Any, manifest: dict[str, Any] | None = None, scope: str = "active", charts: Sequence[str] | None = None
) -> dict[str, Figure]:
    """The charts of a run, by file stem: all of them (``chart_names``), or those named in ``charts``."""
    info = RunInfo.from_result(result, manifest)
    wanted = chart_names() if charts is None else list(charts)
    unknown = [c for c in wanted if c not in chart_names()]
    if unknown:
        raise ScenarioError(f"unknown chart {unknown[0]!r}; expected one of {', '.join(chart_names())}")
    paths = split_paths(result, [s[4:] for s in wanted if s.startswith("fan_")], info, scope)
    figs: dict[str, Figure] = {}
    for stem in wanted:
        if stem == "outcomes":
            figs[stem] = outcome_probabilities(result.summary, info)
        elif stem == "incidence":
            figs[stem] = cumulative_incidence(result.weekly, info)
        elif stem == "settlement_terms":
            figs[stem] = settlement_terms(result.outcomes, info)
        elif stem == "settlement_timing":
            figs[stem] = settlement_timing(result.outcomes, info)
        else:
            figs[stem] = fan_chart(result.weekly, stem[4:], info, scope, paths=paths.get(stem[4:]))
    return figs


def split_paths(result: Any, variables: Sequence[str], info: RunInfo, scope: str = "active") -> dict[str, Paths]:
    """The paths the split fans of ``variables`` need (those whose replicates split into two groups): from the
    run's kept trajectories, else simulated for the chart in one sample (``sim.plots.paths``). A conditioned
    run's fans without kept trajectories get none: a fresh sample would not carry its weights."""
    split = [v for v in variables if bimodal(fan_table(result.weekly, v, scope))]
    out: dict[str, Paths] = {}
    for v in split:
        kept = kept_paths(getattr(result, "path", None), v, result.outcomes, info.horizon_weeks)
        if kept is not None:
            out[v] = kept
    missing = [v for v in split if v not in out]
    if missing and not info.weighted:
        out.update(simulated_paths(result.scenario, missing))
    return out


def write_run_charts(
    results_dir: Path, fmt: str = "png", out: Path | None = None, charts: Sequence[str] | None = None
) -> list[Path]:
    """Write the charts of the run in ``results_dir`` (all, or those named in ``charts``) into
    ``<results>/charts/`` (or ``out``); return their paths."""
    from sim.results import load_results

    check_format(fmt)
    results_dir = Path(results_dir)
    result = load_results(results_dir, columns=["replicate", "outcome", "week", "terms", "weight"])
    out = Path(out) if out is not None else results_dir / "charts"
    figs = run_figures(result, read_manifest(results_dir), charts=charts)
    return [save(fig, out / f"{stem}.{fmt}") for stem, fig in figs.items()]
