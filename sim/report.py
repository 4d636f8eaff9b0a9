"""report.html: one self-contained file (charts embedded as PNG data URIs, no external resources) that opens
with the scenario's question and the headline numbers, then the charts, the outcome table, one sample path per
outcome that occurred, the scenario's events and policies, every parameter that differs from the defaults
with its source, and the manifest.

A small inline script checks, once the page has loaded, that every image decoded (``naturalWidth > 0``) and
counts script errors and ``console.error`` calls; it writes the counts into ``data-`` attributes of
``<body>`` (read by the headless-browser test) and shows a visible warning if a chart failed to load.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.errors import ScenarioError
from sim.files import write_atomic
from sim.plots import (
    FAN_VARIABLES,
    OUTCOME_ORDER,
    OUTCOME_STYLE,
    is_sweep,
    load_sweep,
    read_manifest,
    run_figures,
    sweep_figures,
)
from sim.report_parts import (
    PRINT_STYLE,
    glossary,
    left_out,
    parent_section,
    uncertainty_note,
    uncertainty_section,
    variant_box,
)
from sim.resultsdir import check_results_dir

REPORT_FILE = "report.html"
IMAGE_DPI = 150  # the charts' resolution (sim.plots.common.STYLE)
DISPLAY_PPI = 100  # shown at 100 px per inch: sharp on high-density screens

CHART_NOTES: dict[str, str] = {
    "outcomes": "How each replicate ended by the horizon. Whiskers are 95% Wilson intervals: Monte Carlo "
    "uncertainty only, not the uncertainty of the model.",
    "incidence": "Cumulative share of replicates that have reached each terminal outcome by each date. The "
    "outcomes compete: a replicate that settled can no longer collapse. Bands are 95% pointwise.",
    "settlement_terms": "Terms of the settlements: Russia's share of the disputed territory under the deal.",
    "settlement_timing": "When settlements happen, as a share of all replicates, in four-week windows.",
}

STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a;
       max-width: 1120px; margin: 0 auto; padding: 24px 28px 60px; background: #fff; }
h1 { font-size: 28px; margin: 0 0 4px; } h2 { font-size: 21px; margin: 36px 0 10px; border-bottom: 1px solid #ddd;
     padding-bottom: 4px; } h3 { font-size: 16px; margin: 22px 0 6px; }
.question { font-size: 18px; background: #f3f7fb; border-left: 4px solid #0072B2; padding: 10px 16px;
            margin: 14px 0; }
.muted { color: #555; font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; margin: 16px 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; }
.card .value { font-size: 26px; font-weight: 600; } .card .label { font-size: 13px; color: #444; }
.card .ci { font-size: 12px; color: #666; }
figure { margin: 18px 0 26px; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 13px; color: #444; margin-top: 4px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13.5px; }
th, td { border: 1px solid #d6d6d6; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f7f7f7; border: 1px solid #e3e3e3; padding: 10px; font-size: 12.5px; overflow: auto;
      max-height: 32em; }
.swatch { display: inline-block; width: 11px; height: 11px; margin-right: 6px; border-radius: 2px; }
#selfcheck { background: #fde2e2; border: 1px solid #D55E00; padding: 8px 12px; }
nav a { margin-right: 14px; font-size: 14px; }
"""

SELF_CHECK = """
window.__reportErrors = [];
window.addEventListener('error', function (e) { window.__reportErrors.push(String(e.message)); });
(function () {
  var original = console.error;
  console.error = function () { window.__reportErrors.push(Array.prototype.join.call(arguments, ' '));
                                return original.apply(console, arguments); };
})();
window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var bad = images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); });
  document.body.setAttribute('data-images-total', String(images.length));
  document.body.setAttribute('data-images-loaded', String(images.length - bad.length));
  document.body.setAttribute('data-image-widths', images.map(function (i) { return i.naturalWidth; }).join(','));
  document.body.setAttribute('data-errors', String(window.__reportErrors.length));
  if (bad.length) {
    var p = document.getElementById('selfcheck');
    p.hidden = false;
    p.textContent = bad.length + ' of ' + images.length + ' charts failed to load.';
  }
});
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def figure_data_uri(fig: Figure, dpi: int = IMAGE_DPI) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def figure_html(stem: str, fig: Figure, note: str = "") -> str:
    title = fig.get_suptitle() or stem
    return (
        f'<figure id="chart-{esc(stem)}"><img src="{figure_data_uri(fig)}" alt="{esc(title)}" '
        f'width="{int(fig.get_figwidth() * DISPLAY_PPI)}" height="{int(fig.get_figheight() * DISPLAY_PPI)}">'
        + (f"<figcaption>{esc(note)}</figcaption>" if note else "")
        + "</figure>"
    )


def table_html(
    header: list[str], rows: list[list[Any]], numeric: set[int] | None = None, raw: set[int] | None = None
) -> str:
    numeric, raw = numeric or set(), raw or set()
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for r in rows:
        cells = []
        for i, v in enumerate(r):
            cls = ' class="num"' if i in numeric else ""
            cells.append(f"<td{cls}>{v if i in raw else esc(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}{PRINT_STYLE}</style><script>{SELF_CHECK}</script></head>"
        f'<body><p id="selfcheck" hidden></p>{body}</body></html>\n'
    )


# ---------------------------------------------------------------------------------------------------------
# Sections of a run's report


def headline(summary: dict[str, Any], horizon: int) -> str:
    o = summary["outcomes"]
    cards = []

    def card(label: str, value: str, ci: str = "") -> None:
        cards.append(
            f'<div class="card"><div class="value">{esc(value)}</div><div class="label">{esc(label)}'
            f'</div><div class="ci">{esc(ci)}</div></div>'
        )

    s = o["settlement"]
    card(
        f"settlement within {horizon} weeks",
        f"{s['p']:.0%}",
        f"95% interval {s['lo']:.1%} – {s['hi']:.1%}{uncertainty_note(summary, 'settlement')}",
    )
    by = summary.get("settlement_by_week", {})
    if "26" in by and horizon > 26:
        b = by["26"]
        card("settlement within 26 weeks", f"{b['p']:.0%}", f"95% interval {b['lo']:.1%} – {b['hi']:.1%}")
    d, t = summary.get("settlement_date", {}), summary.get("settlement_terms", {})
    if d.get("median"):
        card(
            "median settlement date",
            dt.date.fromisoformat(d["median"]).strftime("%b %Y"),
            f"quartiles {d['q25']} to {d['q75']}",
        )
    if t.get("median") is not None:
        card(
            "median terms: Russia keeps",
            f"{t['median']:.0%}",
            f"of the disputed territory; quartiles {t['q25']:.0%} – {t['q75']:.0%}",
        )
    for name in (n for n in OUTCOME_ORDER if n != "settlement" and n in o):
        r = o[name]
        card(
            OUTCOME_STYLE[name][0],
            f"{r['p']:.1%}",
            f"95% interval {r['lo']:.1%} – {r['hi']:.1%}{uncertainty_note(summary, name)}",
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def outcome_table(summary: dict[str, Any], outcomes: pd.DataFrame, start: dt.date) -> str:
    rows = []
    kinds = outcomes["outcome"].astype(str)
    for name in OUTCOME_ORDER:
        r = summary["outcomes"][name]
        weeks = outcomes.loc[kinds == name, "week"]
        med = (
            ""
            if weeks.empty or name == "ongoing"
            else (f"{np.median(weeks):g} ({start + dt.timedelta(weeks=float(np.median(weeks))):%d %b %Y})")
        )
        swatch = f'<span class="swatch" style="background:{OUTCOME_STYLE[name][1]}"></span>{esc(name)}'
        rows.append([swatch, f"{r['count']:,}", f"{r['p']:.2%}", f"{r['lo']:.2%} – {r['hi']:.2%}", med])
    return table_html(
        ["outcome", "replicates", "probability", "95% interval (Wilson)", "median week (date)"],
        rows,
        numeric={1, 2, 3, 4},
        raw={0},
    )


def events_table(sc: Any) -> str:
    if not sc.events:
        return "<p>No scheduled events.</p>"
    rows = []
    for name, ev in sorted(sc.events.items(), key=lambda kv: (kv[1].week, kv[0])):
        target = ev.target()
        what = ev.kind if target is None else f"{target[0]}.{target[1]}"
        value = "" if ev.value is None else f"{ev.value:g}"
        rows.append(
            [
                ev.week,
                f"{sc.start_date + dt.timedelta(weeks=ev.week):%d %b %Y}",
                name,
                what,
                value,
                f"{ev.probability:g}",
                ev.label,
            ]
        )
    return table_html(
        ["week", "date", "event", "kind or lever", "value", "probability", "label"], rows, numeric={0, 4, 5}
    )


def policy_text(pol: Any) -> str:
    kind = pol.kind
    if kind == "schedule":
        return "; ".join(f"week {w}: {'null' if v is None else f'{v:g}'}" for w, v in pol.at.items())
    if kind == "rule":
        cond = " and ".join(f"{c.var} {c.op} {c.value:g}" for c in pol.when)
        bits = [f"set to {'null' if pol.value is None else f'{pol.value:g}'} when {cond}"]
        if pol.for_weeks > 1:
            bits.append(f"for {pol.for_weeks} weeks running")
        if pol.once:
            bits.append("then kept")
        if pol.probability < 1:
            bits.append(f"in force in {pol.probability:.0%} of replicates")
        if pol.from_week or pol.until_week is not None:
            bits.append(f"weeks {pol.from_week} to {pol.until_week if pol.until_week is not None else 'end'}")
        return ", ".join(bits)
    return (
        f"clip({pol.base:g} + {pol.slope:g} x ({pol.var} - {pol.ref:g}), {pol.min:g}, {pol.max:g}) from "
        f"week {pol.from_week}"
    )


def policies_table(sc: Any) -> str:
    from sim.levers import LEVERS

    rows = []
    for agent in LEVERS:
        spec = getattr(sc.agents, agent)
        for name, pol in spec.policies.items():
            rows.append([agent, name, pol.kind, pol.lever, policy_text(pol), pol.label])
    if not rows:
        return "<p>No policies: levers stay where the scenario sets them unless an event moves them.</p>"
    return table_html(["agent", "policy", "kind", "lever", "rule", "label"], rows)


def levers_table(sc: Any) -> str:
    from sim.levers import LEVERS

    rows = []
    for agent, table in LEVERS.items():
        spec = getattr(sc.agents, agent)
        for lever, declared in table.items():
            default, unit, doc = declared.default, declared.unit, declared.doc
            value = spec.levers.get(lever, default)

            def show(v: float | None) -> str:
                return "null" if v is None else f"{v:g}"

            rows.append(
                [f"{agent}.{lever}", show(value), show(default), unit, doc, "" if value == default else "changed"]
            )
    return table_html(["lever", "value at week 0", "default", "unit", "meaning", ""], rows, numeric={1, 2})


def changed_parameters(sc: Any) -> list[list[str]]:
    """Every parameter (and initial value) whose value differs from the default, with unit and source."""
    from sim.distributions import describe
    from sim.params import Initial, Params, iter_params

    defaults = {p: v for p, v, _e, _d in iter_params(Params(), "params") + iter_params(Initial(), "initial")}
    rows = []
    for path, value, extra, _doc in iter_params(sc.params, "params") + iter_params(sc.initial, "initial"):
        if value != defaults.get(path):
            rows.append(
                [
                    path,
                    describe(value),
                    describe(defaults[path]) if path in defaults else "",
                    str(extra.get("unit", "")),
                    str(extra.get("source", "")),
                ]
            )
    return rows


def manifest_html(manifest: dict[str, Any]) -> str:
    if not manifest:
        return "<p>No manifest.json in this results directory.</p>"
    rows = []
    for k, v in manifest.items():
        text = json.dumps(v, indent=1, default=str) if isinstance(v, dict | list) else str(v)
        rows.append([k, f"<pre>{esc(text)}</pre>" if isinstance(v, dict | list) else esc(text)])
    return table_html(["field", "value"], rows, raw={1})


def run_report(results_dir: Path, *, traces: bool = True) -> str:
    from sim import __version__
    from sim.results import load_results
    from sim.trace import replay, representative

    result = load_results(results_dir)
    manifest = read_manifest(results_dir)
    sc, summary = result.scenario, result.summary
    figs = run_figures(result, manifest)
    horizon_date = sc.start_date + dt.timedelta(weeks=sc.horizon_weeks)
    parts = [
        f"<h1>Leverage · {esc(sc.name)}</h1>",
        f'<p class="muted">{summary["replicates"]:,} replicates × {sc.horizon_weeks} weeks, '
        f"{sc.start_date:%d %b %Y} to {horizon_date:%d %b %Y} · seed {sc.seed} · Leverage "
        f"{esc(manifest.get('versions', {}).get('leverage-sim', __version__))}</p>",
    ]
    parts.append(variant_box(sc))
    if sc.question:
        parts.append(f'<div class="question"><strong>The question.</strong> {esc(sc.question)}</div>')
    if sc.description:
        parts.append(f"<p>{esc(sc.description)}</p>")
    parts.append(
        '<nav><a href="#headline">Headline</a><a href="#uncertainty">Model uncertainty</a>'
        + ('<a href="#parent">Against its parent</a>' if getattr(sc, "derived_from", "") else "")
        + '<a href="#charts">Charts</a><a href="#outcomes">Outcomes</a>'
        '<a href="#paths">Sample paths</a><a href="#scenario">Events and policies</a>'
        '<a href="#parameters">Parameters</a><a href="#glossary">Glossary</a>'
        '<a href="#left-out">Left out</a><a href="#manifest">Manifest</a></nav>'
    )
    parts.append('<h2 id="headline">Headline</h2>' + headline(summary, sc.horizon_weeks))
    if "model_uncertainty" not in summary:  # a directory written before summary.json carried it
        from sim.uncertainty import parameter_uncertainty, read_outcome_draws

        summary = {
            **summary,
            "model_uncertainty": parameter_uncertainty(read_outcome_draws(results_dir / "outcomes.parquet")),
        }
    parts.append('<h2 id="uncertainty">Model uncertainty beside the Monte Carlo interval</h2>')
    parts.append(uncertainty_section(summary))
    parts.append(parent_section(results_dir, sc))
    parts.append('<h2 id="charts">Charts</h2>')
    for stem, fig in figs.items():
        note = CHART_NOTES.get(stem, "")
        if stem.startswith("fan_"):
            var = stem[4:]
            note = (
                f"{FAN_VARIABLES[var].title}: median and the bands holding 50% and 90% of the replicates still "
                "at war each week; dotted lines are the scenario's events."
            )
            if any(line.get_gid() == "split-threshold" for ax in fig.axes for line in ax.lines):
                note = (
                    f"{FAN_VARIABLES[var].title}: the replicates split into two groups (a split fan). Left, a fan "
                    "for each group: median and the bands holding 50% and 90% of its replicates still at war; "
                    "right, sample paths coloured by how each replicate ends. The key gives each group's share, "
                    "how its replicates end and what tells the groups apart; dotted lines are the scenario's "
                    "events."
                )
        parts.append(figure_html(stem, fig, note))
    parts.append('<h2 id="outcomes">Outcomes</h2>' + outcome_table(summary, result.outcomes, sc.start_date))
    parts.append(
        '<h2 id="paths">Sample paths</h2><p>One replicate per outcome that occurred: the one whose end '
        "week is closest to that outcome's median week (<code>sim trace RESULTS --outcome NAME</code> "
        "prints the same).</p>"
    )
    if traces:
        counts = result.outcomes["outcome"].astype(str).value_counts()
        for name in OUTCOME_ORDER:
            if counts.get(name, 0) == 0:
                continue
            rep, _why = representative(result.outcomes, name)
            tr = replay(result, rep)
            check = "" if tr.matches else " (WARNING: the replay differs from the recorded outcome)"
            parts.append(
                f"<h3>{esc(OUTCOME_STYLE[name][0])}: replicate {rep}{esc(check)}</h3>"
                f'<p class="muted">{esc(tr.headline())}</p>'
                f"<pre>{esc(chr(10).join(f'{e.week:>4}  {e.date:%d %b %Y}  {e.text}' for e in tr.entries))}"
                "</pre>"
            )
    else:
        parts.append("<p>(left out: --no-traces)</p>")
    parts.append('<h2 id="scenario">Events and policies</h2><h3>Scheduled events</h3>' + events_table(sc))
    parts.append("<h3>Policies</h3>" + policies_table(sc))
    parts.append("<h3>Levers at week 0</h3>" + levers_table(sc))
    changed = changed_parameters(sc)
    parts.append('<h2 id="parameters">Parameters that differ from the defaults</h2>')
    parts.append(
        table_html(["parameter", "value", "default", "unit", "source"], changed)
        if changed
        else "<p>None: every parameter is at its default (see <code>sim params</code>).</p>"
    )
    parts.append(glossary() + left_out())
    parts.append('<h2 id="manifest">Manifest</h2>' + manifest_html(manifest))
    parts.append(
        f'<p class="muted">Report written {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by <code>sim report</code>.</p>'
    )
    return page(f"Leverage · {sc.name}", "\n".join(parts))


def sweep_report(results_dir: Path) -> str:
    sweep = load_sweep(results_dir)
    figs = sweep_figures(sweep)
    m = sweep.manifest
    parts = [
        f"<h1>Leverage · sweep {esc(sweep.name)}</h1>",
        f'<p class="muted">{esc(sweep.caption)}</p>',
        f"<p>Sampler <strong>{esc(sweep.sampler)}</strong> over "
        + ", ".join(f"<code>{esc(p)}</code>" for p in sweep.parameters)
        + ".</p>",
        "<h2>Charts</h2>",
        *(figure_html(stem, fig) for stem, fig in figs.items()),
        "<h2>Points</h2>",
    ]
    cols = ["point", *sweep.parameters, *sweep.metrics]
    shown = sweep.points[[c for c in cols if c in sweep.points.columns]].head(200)
    rows = [[f"{v:.4g}" if isinstance(v, float) else v for v in r] for r in shown.itertuples(index=False)]
    parts.append(table_html(list(shown.columns), rows, numeric=set(range(1, len(shown.columns)))))
    if len(sweep.points) > 200:
        parts.append(f'<p class="muted">First 200 of {len(sweep.points):,} points; all are in points.parquet.</p>')
    parts.append("<h2>Manifest</h2>" + manifest_html(m))
    return page(f"Leverage · sweep {sweep.name}", "\n".join(parts))


def comparison_report(compare_dir: Path) -> str:
    """The what-if report of a comparison directory (``sim compare``): each alternative's question, the
    baseline beside the alternative with paired differences and their intervals, the replicates that gain or
    lose each outcome, each run's model uncertainty, and the comparison charts."""
    from sim.compare import compare_caption, compare_table, load_runs, paired_transitions
    from sim.plots.compare import compare_fan, compare_incidence, compare_outcomes, compare_title
    from sim.report_parts import deltas_html, transitions_html

    manifest = read_manifest(compare_dir)
    paths: list[str | Path] = [Path(p) for p in manifest.get("runs") or []]
    missing = [str(p) for p in paths if not (Path(p) / "summary.json").exists()]
    if len(paths) < 2 or missing:
        raise ScenarioError(
            "comparison directory: its runs are no longer readable ("
            + (", ".join(missing) if missing else "manifest.json lists fewer than two")
            + "); run sim compare again",
            source=str(compare_dir),
        )
    runs = load_runs(paths)
    table = compare_table(runs)
    base = runs[0]
    labels = [r.label for r in runs]
    title = (
        f"What if: {runs[1].label} instead of {base.label}"
        if len(runs) == 2
        else f"What if: {len(runs) - 1} alternatives to {base.label}"
    )
    parts = [f"<h1>Leverage · {esc(title)}</h1>", f'<p class="muted">{esc(compare_caption(runs))}</p>']
    bq = base.result.scenario.question
    named = "The baseline." if base.label.lower() == "baseline" else f"The baseline, {esc(base.label)}."
    parts.append(f'<div class="question"><strong>{named}</strong> {esc(bq or "(no question)")}</div>')
    parts.append(
        '<nav><a href="#whatif">Differences</a><a href="#uncertainty">Model uncertainty</a>'
        '<a href="#charts">Charts</a><a href="#glossary">Glossary</a><a href="#left-out">Left out</a></nav>'
    )
    parts.append('<h2 id="whatif">The alternatives against the baseline</h2>')
    for run in runs[1:]:
        sc = run.result.scenario
        parts.append(f"<h3>{esc(run.label)}</h3>" + variant_box(sc))
        if sc.question:
            parts.append(f'<div class="question"><strong>Its question.</strong> {esc(sc.question)}</div>')
        matrix = paired_transitions(base, run)
        parts.append(deltas_html(table, base.label, run.label, matrix))
        if matrix is not None:
            parts.append(transitions_html(matrix, base.label, run.label))
    parts.append('<h2 id="uncertainty">Model uncertainty of each run</h2>')
    parts.append(
        "<p>Each run's probability with its Monte Carlo interval, and its range across the parameters that "
        "decide it (10th–90th percentile; see a run's own report for the parameters and their sources). A "
        "paired difference is far more precise than either range: both runs see the same parameter draws.</p>"
    )
    rows = []
    for o in OUTCOME_ORDER:
        row = [esc(OUTCOME_STYLE[o][0])]
        for r in runs:
            s_ = r.result.summary
            p = s_["outcomes"].get(o, {}).get("p")
            row.append(
                "" if p is None else f"{p:.1%}{esc(uncertainty_note(s_, o).replace('; across parameters', ' ·'))}"
            )
        rows.append(row)
    parts.append(
        table_html(["outcome", *labels], rows, numeric=set(range(1, len(runs) + 1)), raw=set(range(len(runs) + 1)))
    )
    caption = compare_caption(runs)
    weeklies = {r.label: r.result.weekly for r in runs}
    infos = {r.label: r.info for r in runs}
    figs = {
        "compare_outcomes": compare_outcomes(table, compare_title(labels, "outcome probabilities"), caption),
        "compare_incidence": compare_incidence(weeklies, infos, compare_title(labels, "cumulative incidence"), caption),
        "compare_fan_front": compare_fan(
            weeklies, infos, "front", compare_title(labels, FAN_VARIABLES["front"].title), caption
        ),
    }
    parts.append('<h2 id="charts">Charts</h2>')
    parts += [figure_html(stem, fig) for stem, fig in figs.items()]
    parts.append(glossary() + left_out())
    parts.append('<h2 id="manifest">Manifest</h2>' + manifest_html(manifest))
    return page(f"Leverage · {title}", "\n".join(parts))


def write_report(results_dir: str | Path, out: str | Path | None = None, *, traces: bool = True) -> Path:
    """Write report.html for the run, sweep or comparison in ``results_dir``; returns its path."""
    from sim.compare import is_comparison

    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise ScenarioError("not a results directory", source=str(results_dir))
    if is_comparison(results_dir):
        text = comparison_report(results_dir)  # its runs are checked as they are read
    else:
        check_results_dir(results_dir)  # a damaged directory: one line naming the file
        text = sweep_report(results_dir) if is_sweep(results_dir) else run_report(results_dir, traces=traces)
    path = Path(out) if out is not None else results_dir / REPORT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text.encode("utf-8"))
    return path
