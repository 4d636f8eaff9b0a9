"""Charts of a sweep: a results directory read as a ``Sweep``, each metric against one parameter, a 2-D
heatmap, Sobol or Morris sensitivity bars and the scenario discovery (PRIM) chart. ``write_sweep_charts``
writes them into ``<results>/charts/``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.errors import ScenarioError
from sim.plots.common import (
    GREY,
    OKABE_ITO,
    OUTCOME_ORDER,
    OUTCOME_STYLE,
    SERIES_COLOURS,
    _percent_axis,
    _style,
    check_format,
    finish,
    new_figure,
    read_manifest,
    save,
)
from sim.plots.discovery import PrimResult, default_condition, parse_condition, prim

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
    question: str = ""
    discovery: str = ""  # the sweep file's declared condition of interest for scenario discovery

    @property
    def caption(self) -> str:
        m = self.manifest
        bits = [
            f"Leverage {m.get('versions', {}).get('leverage-sim', '?')}",
            f"sweep '{self.name}'",
            f"{self.sampler}",
            f"{len(self.points):,} points",
        ]
        if m.get("replicates") is not None:
            bits.append(f"{m['replicates']:,} replicates per point")
        if m.get("seed") is not None:
            bits.append(f"seed {m['seed']}")
        return " · ".join(bits)


def metric_columns(points: pd.DataFrame) -> list[str]:
    """Metrics are the columns with ``<metric>_lo`` and ``<metric>_hi`` interval columns beside them."""
    return [c for c in points.columns if f"{c}_lo" in points.columns and f"{c}_hi" in points.columns]


def load_sweep(path: str | Path) -> Sweep:
    from sim.resultsdir import check_results_dir, read_frame

    path = Path(path)
    file = path / SWEEP_POINTS_FILE
    if not file.exists():
        raise ScenarioError(f"not a sweep results directory (missing {SWEEP_POINTS_FILE})", source=str(path))
    check_results_dir(path)
    points = read_frame(file)
    manifest = read_manifest(path)
    metrics = list(manifest.get("metrics") or []) or metric_columns(points)
    metrics = [m for m in metrics if m in points.columns]
    params = manifest.get("parameters") or []
    names = [
        p["path"] if isinstance(p, dict) and "path" in p else (p["name"] if isinstance(p, dict) else p) for p in params
    ]
    if not names:
        interval = {f"{m}_{s}" for m in metrics for s in ("lo", "hi")}
        names = [c for c in points.columns if c not in set(metrics) | interval | {"point", "replicates"}]
    names = [n for n in names if n in points.columns]
    sens_file = path / SENSITIVITY_FILE
    sensitivity = json.loads(sens_file.read_text(encoding="utf-8")) if sens_file.exists() else None
    sampler = str(manifest.get("sampler") or ("grid" if len(names) <= 2 else "lhs"))
    question, discovery = sweep_file_intent(manifest)
    return Sweep(
        str(manifest.get("sweep") or manifest.get("name") or path.name),
        points,
        names,
        metrics,
        sampler,
        manifest,
        sensitivity,
        question,
        discovery,
    )


def sweep_file_intent(manifest: dict[str, Any]) -> tuple[str, str]:
    """The sweep file's ``question`` and declared ``discovery`` condition (from the manifest, else from the
    sweep file it names, when that can still be read); empty strings when neither is known."""
    question = str(manifest.get("question") or "")
    discovery = str(manifest.get("discovery") or "")
    file = manifest.get("sweep_file")
    if (not question or not discovery) and file and Path(file).is_file():
        import yaml

        try:
            data = yaml.safe_load(Path(file).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, ValueError):
            data = None
        if isinstance(data, dict):
            question = question or " ".join(str(data.get("question") or "").split())
            discovery = discovery or str(data.get("discovery") or "")
    return question, discovery


LIKELY = 0.5  # "likely": more likely than not, the default threshold of a probability in scenario discovery


def discovery_condition(sweep: Sweep, metric: str) -> tuple[str, str]:
    """Scenario discovery's condition without --condition, and why: the sweep file's declared ``discovery``;
    else for a probability metric the metric at or above 50% ("likely": more likely than not), when some but
    not all points reach it; else the metric at or above its median over the points (the upper half)."""
    if sweep.discovery:
        return sweep.discovery, "declared in the sweep file (discovery:)"
    pts = sweep.points
    if _is_probability(metric):
        cond = f"{metric} >= {LIKELY:g}"
        y = parse_condition(cond, pts)
        if y.any() and not y.all():
            return cond, "more likely than not"
        reason = f"no point reaches {LIKELY:.0%}" if not y.any() else f"every point reaches {LIKELY:.0%}"
        return default_condition(pts, metric), f"the upper half of the points ({reason})"
    return default_condition(pts, metric), "the upper half of the points"


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
                ax.plot(
                    x,
                    d[m],
                    color=colour,
                    marker="o",
                    ms=3.5,
                    lw=1.8,
                    label=metric_label(m),
                    gid=f"line-{m}",
                    ls="--" if re.search(r"_\d+$", m) else "-",
                )
            if group is probs:
                _percent_axis(ax, "y", 0)
                ax.set_ylabel("probability (% of replicates; band: 95% interval)")
            else:
                ax.set_ylabel(f"{metric_label(group[0])} (band: 95% interval)")
            ax.set_xlabel(parameter_label(parameter))
            ax.legend(loc="best")
        for ax in axes[len(groups) :]:
            ax.set_visible(False)
        return finish(fig, title, caption)


def _outcome_of(metric: str) -> str | None:
    for o in OUTCOME_ORDER:
        if metric == f"p_{o}" or metric.startswith(f"p_{o}_"):
            return o
    return None


def lever_words(agent: str, name: str) -> tuple[str, str] | None:
    """A lever's plain-language label and unit from its declaration (``sim.levers.LEVERS``)."""
    from sim.levers import LEVERS

    lever = LEVERS.get(agent, {}).get(name)
    if lever is None:
        return None
    return str(lever.label or lever.doc or name), str(lever.unit or "")


def parameter_label(path: str) -> str:
    """A swept parameter in words with its unit: a lever's label from its declaration (``US: enforcement of
    sanctions on Russian oil (0 none, 1 full)``), else the parameter's description or its path without the
    ``params.`` prefix, with its unit from sim.params."""
    from sim.params import Initial, Params, iter_params

    parts = path.split(".")
    if len(parts) == 4 and parts[0] == "agents" and parts[2] == "levers":
        words = lever_words(parts[1], parts[3])
        if words:
            label, unit = words
            who = {"us": "US", "russia": "Russia", "ukraine": "Ukraine", "india": "India", "europe": "Europe"}.get(
                parts[1], parts[1]
            )
            return f"{who}: {label}" + (f" ({unit})" if unit and unit not in label else "")
    decl = {
        p: (extra.get("unit", ""), doc)
        for p, _v, extra, doc in iter_params(Params(), "params") + iter_params(Initial(), "initial")
    }
    unit, doc = decl.get(path, ("", ""))
    if path.startswith("events.") and path.endswith(".week"):
        return f"week of the event {parts[1]} (week of the scenario)"
    name = doc.split(".")[0] if doc else path.removeprefix("params.")
    return f"{name} ({unit})" if unit else name


def sweep_heatmap(points: pd.DataFrame, x: str, y: str, metric: str, title: str, caption: str) -> Figure:
    """A 2-D grid: the metric as a heatmap with its value written in each cell."""
    with _style():
        grid = points.pivot_table(index=y, columns=x, values=metric, aggfunc="mean").sort_index()
        fig = new_figure(1.6 + 0.85 * grid.shape[1] + 1.5, 1.5 + 0.55 * grid.shape[0] + 0.6)
        ax = fig.add_subplot()
        prob = _is_probability(metric)
        values = grid.to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        # The colour scale is fitted to the data (a fixed 0-100% scale paints 14% and 17% alike) and stated.
        vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if vmax <= vmin:
            vmin, vmax = vmin - 0.5 * max(abs(vmin), 1e-3), vmax + 0.5 * max(abs(vmax), 1e-3)
        im = ax.imshow(values, origin="lower", aspect="auto", cmap="cividis", gid="heatmap", vmin=vmin, vmax=vmax)
        ax.grid(False)
        ax.set_xticks(range(grid.shape[1]), [f"{v:.3g}" for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [f"{v:.3g}" for v in grid.index])
        norm = im.norm
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                dark = float(norm(v)) < 0.55  # type: ignore[arg-type]  # cividis is dark at the bottom: white text there
                ax.text(
                    j,
                    i,
                    f"{v:.1%}" if prob else f"{v:.3g}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if dark else "black",
                    gid="cell",
                )
        ax.set_xlabel(parameter_label(x))
        ax.set_ylabel(parameter_label(y))
        bar = fig.colorbar(im, ax=ax)
        bar.set_label(metric_label(metric) + (" (%)" if prob else ""))
        if prob:
            bar.formatter = PercentFormatter(1.0, decimals=1 if vmax - vmin < 0.1 else 0)
        shown = (lambda v: f"{v:.1%}") if prob else (lambda v: f"{v:.3g}")
        ax.set_title(
            f"the metric at each grid point; colour scale fitted to the data: {shown(vmin)} (dark) to "
            f"{shown(vmax)} (light)",
            loc="left",
        )
        return finish(fig, title, caption)


def sensitivity_table(sensitivity: dict[str, Any], metric: str) -> tuple[str, pd.DataFrame]:
    """Indices of one metric as a table indexed by parameter: ('sobol', S1, S1_conf, ST, ST_conf) or
    ('morris', mu_star, mu_star_conf, sigma). Accepts SALib's dict-of-lists (with 'names') or
    dict-of-dicts keyed by parameter, under ``sensitivity[metric]`` or ``sensitivity['indices'][metric]``."""
    block = sensitivity.get("indices", sensitivity).get(metric)
    if block is None:
        raise ScenarioError(
            f"no sensitivity indices for metric {metric!r}; have " + ", ".join(sensitivity.get("indices", sensitivity))
        )
    names = block.get("names") or block.get("parameters")
    keys = [k for k in ("S1", "S1_conf", "ST", "ST_conf", "mu_star", "mu_star_conf", "sigma", "mu") if k in block]
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
            bars = (("S1", "first-order index S1", OKABE_ITO["sky_blue"]), ("ST", "total index ST", OKABE_ITO["blue"]))
            xlabel = "Sobol index (share of output variance); whiskers: 95% bootstrap interval"
        else:
            bars = (
                ("mu_star", "μ* (mean absolute elementary effect)", OKABE_ITO["blue"]),
                ("sigma", "σ (spread: interactions, non-linearity)", OKABE_ITO["orange"]),
            )
            xlabel = f"elementary effect on {metric_label(metric)} (metric units per unit range)"
        for k, (col, label, colour) in enumerate(bars):
            conf = t.get(f"{col}_conf")
            ax.barh(
                y + (k - 0.5) * h,
                t[col],
                height=h * 0.95,
                color=colour,
                label=label,
                gid=f"bar-{col}",
                xerr=None if conf is None else 1.0 * conf.abs().to_numpy(),
                error_kw={"ecolor": "#333333", "capsize": 2, "lw": 0.8},
            )
        ax.set_yticks(y, [parameter_label(p) for p in t.index])
        ax.axvline(0, color="black", lw=0.6)
        ax.set_xlabel(xlabel)
        ax.legend(loc="lower right")
        ax.set_title(f"{'Sobol' if method == 'sobol' else 'Morris'} indices of {metric_label(metric)}", loc="left")
        return finish(fig, title, caption)


def prim_figure(x: pd.DataFrame, y: np.ndarray, result: PrimResult, condition: str, title: str, caption: str) -> Figure:
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
            ax_t.annotate(
                "",
                (box.coverage, box.density),
                (peeled.coverage, peeled.density),
                arrowprops={"arrowstyle": "->", "color": OKABE_ITO["vermillion"], "lw": 1.2},
            )
        ax_t.scatter(
            [box.coverage],
            [box.density],
            s=140,
            facecolors="none",
            edgecolors=OKABE_ITO["vermillion"],
            lw=2,
            gid="chosen",
            zorder=4,
            label=f"chosen box: coverage {box.coverage:.0%}, density {box.density:.0%}",
        )
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
            ax_b.text(
                0.5,
                0.5,
                "no restriction: the condition is not explained by these parameters",
                transform=ax_b.transAxes,
                ha="center",
                fontsize=8,
            )

        shown = (dims + [c for c in x.columns if c not in dims])[:2]
        if len(shown) == 2:
            px, py = x[shown[0]].to_numpy(dtype=float), x[shown[1]].to_numpy(dtype=float)
            ax_s.scatter(px[~y], py[~y], s=6, color=GREY, alpha=0.5, lw=0, label="condition false")
            ax_s.scatter(px[y], py[y], s=6, color=OKABE_ITO["blue"], alpha=0.7, lw=0, label="condition true")
            (x0, x1), (y0, y1) = box.limits[shown[0]], box.limits[shown[1]]
            ax_s.add_patch(
                Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec=OKABE_ITO["vermillion"], lw=2, gid="box")
            )
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


def sweep_figures(
    sweep: Sweep, *, metric: str | None = None, condition: str | None = None, min_coverage: float = 0.5
) -> dict[str, Figure]:
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
        for m in [metric] if metric else [k for k in block if isinstance(block[k], dict)]:
            figs[f"sensitivity_{m}"] = sensitivity_bars(
                sweep.sensitivity, m, f"{sweep.name}: sensitivity of {metric_label(m)}", sweep.caption
            )
    if len(params) == 1:
        figs["sweep"] = sweep_1d(pts, params[0], metrics, f"{sweep.name}: outcomes against {params[0]}", sweep.caption)
    elif len(params) == 2 and sweep.sampler == "grid":
        for m in [chosen] if metric else metrics:
            figs[f"heatmap_{m}"] = sweep_heatmap(
                pts, params[0], params[1], m, f"{sweep.name}: {metric_label(m)}", sweep.caption
            )
    if sweep.sampler not in ("grid", "sobol", "morris") or condition:
        why = "given with --condition"
        if condition:
            cond = condition
        else:
            cond, why = discovery_condition(sweep, chosen)
        y = parse_condition(cond, pts)
        if condition and (y.all() or not y.any()):
            raise ScenarioError(
                f"condition {condition!r} holds for {'every' if y.all() else 'no'} point of the "
                "sweep: nothing to discover"
            )
        if y.any() and not y.all():
            x = pts[params].astype(float)
            result = prim(x, y, min_coverage=min_coverage)
            asked = f"\nthe sweep's question: {sweep.question}" if sweep.question else ""
            figs["discovery"] = prim_figure(
                x, y, result, f"{cond} ({why}){asked}", f"{sweep.name}: scenario discovery", sweep.caption
            )
    return figs


def write_sweep_charts(
    results_dir: Path,
    fmt: str = "png",
    out: Path | None = None,
    *,
    metric: str | None = None,
    condition: str | None = None,
    min_coverage: float = 0.5,
) -> list[Path]:
    """Write the charts of the sweep in ``results_dir`` into ``<results>/charts/`` (or ``out``)."""
    check_format(fmt)
    sweep = load_sweep(results_dir)
    out = Path(out) if out is not None else Path(results_dir) / "charts"
    figs = sweep_figures(sweep, metric=metric, condition=condition, min_coverage=min_coverage)
    return [save(fig, out / f"{stem}.{fmt}") for stem, fig in figs.items()]
