"""Sections of the HTML reports beyond the charts: the provenance of a variant, model uncertainty beside the
Monte Carlo interval, a variant's deltas against its parent, the what-if report of a comparison, the glossary
and what the model leaves out, and the print stylesheet."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from sim.plots.common import OUTCOME_ORDER, OUTCOME_STYLE

PRINT_STYLE = """
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav, #selfcheck { display: none !important; }
  pre { max-height: none !important; overflow: visible !important; white-space: pre-wrap; word-break: break-word; }
  figure, table, .cards, .question { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure img { max-width: 100%; border: none; }
  a { color: inherit; text-decoration: none; }
}
.variant { background: #fff7e6; border-left: 4px solid #E69F00; padding: 8px 14px; margin: 12px 0; }
.variant code { font-size: 13px; }
td.gain { color: #00734f; } td.lose { color: #a33d00; }
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(header: list[str], rows: list[list[Any]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=' + chr(34) + 'num' + chr(34) if i in numeric else ''}>{v}</td>" for i, v in enumerate(r)
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pct(v: float) -> str:
    return f"{v:.0%}" if v >= 0.095 else f"{v:.1%}"


# ---------------------------------------------------------------------------------------------------------
# Provenance


def variant_box(sc: Any) -> str:
    """For a run with overrides that change the model: its parent and every override, before anything else."""
    if not getattr(sc, "derived_from", ""):
        return ""
    items = "".join(f"<li><code>{esc(o)}</code></li>" for o in sc.overrides)
    return (
        f'<div class="variant" id="variant"><strong>A variant of the scenario “{esc(sc.derived_from)}”</strong>, '
        f"run with these overrides (<code>--set</code>):<ul>{items}</ul>The question below is the parent "
        "scenario's; the numbers are this variant's.</div>"
    )


# ---------------------------------------------------------------------------------------------------------
# Model uncertainty


def uncertainty_section(summary: dict[str, Any]) -> str:
    """Each outcome's Monte Carlo interval beside its range across the parameters that decide it, and those
    parameters with their share of the variance, unit and source."""
    unc = summary.get("model_uncertainty")
    intro = (
        "<p>The 95% interval of each probability is Monte Carlo error only: more replicates narrow it. "
        "Each replicate also draws the model's uncertain parameters, and the probability depends on them: "
        "<strong>across parameters</strong> is the 10th to 90th percentile of the probability over equal-count "
        "bins of the one or two parameters that decide it (the others averaged over, so the true spread is at "
        "least this); more replicates do not narrow it. The shares are first-order variance shares (binned "
        "Sobol estimator on the run's own draws; docs/charts.md).</p>"
    )
    if not unc:
        return intro + "<p>This run sampled no uncertain parameter (or too few replicates): no estimate.</p>"
    rows = []
    for o in OUTCOME_ORDER:
        r, u = summary["outcomes"].get(o), unc["outcomes"].get(o)
        if r is None or u is None:
            continue
        drivers = "<br>".join(
            f"<code>{esc(d['parameter'].removeprefix('params.'))}</code> {d['share']:.0%}"
            + (f" ({esc(d['unit'])})" if d.get("unit") else "")
            + (f'<br><span class="muted">{esc(d["source"])}</span>' if d.get("source") else "")
            for d in u["drivers"]
        )
        spread = f"{_pct(u['p10'])} – {_pct(u['p90'])}" if u["drivers"] else "no parameter stands out"
        rows.append(
            [
                esc(OUTCOME_STYLE[o][0]),
                f"{r['p']:.1%}",
                f"{r['lo']:.1%} – {r['hi']:.1%}",
                spread,
                drivers or "",
            ]
        )
    return intro + _table(
        ["outcome", "probability", "95% interval (Monte Carlo)", "across parameters (10th–90th)", "decided by"],
        rows,
        {1, 2, 3},
    )


def uncertainty_note(summary: dict[str, Any], outcome: str) -> str:
    """``across parameters 10% – 94%`` for a headline card, or ""."""
    u = ((summary.get("model_uncertainty") or {}).get("outcomes") or {}).get(outcome)
    if not u or not u["drivers"]:
        return ""
    return f"; across parameters {_pct(u['p10'])} – {_pct(u['p90'])}"


# ---------------------------------------------------------------------------------------------------------
# A variant against its parent; a comparison


def parent_results(results_dir: Path, sc: Any) -> Path | None:
    """The parent's results directory of a variant, when it sits next to this one under its default name."""
    from sim.scenario import safe_name

    parent = getattr(sc, "derived_from", "")
    if not parent:
        return None
    candidate = Path(results_dir).resolve().parent / safe_name(parent)
    return candidate if (candidate / "summary.json").exists() and candidate != Path(results_dir).resolve() else None


def deltas_html(table: pd.DataFrame, base: str, other: str, matrix: pd.DataFrame | None) -> str:
    """Baseline beside the alternative for every outcome, the paired difference with its interval, and the
    replicates that gain or lose the outcome."""
    t = table.set_index(["run", "outcome"])
    rows = []
    for o in OUTCOME_ORDER:
        if (base, o) not in t.index or (other, o) not in t.index:
            continue
        rb, ro = t.loc[(base, o)], t.loc[(other, o)]
        gain = lose = ""
        if matrix is not None:
            g = int(matrix[o].sum() - matrix.loc[o, o])
            lo_ = int(matrix.loc[o].sum() - matrix.loc[o, o])
            gain = f'<span class="gain">+{g:,}</span>' if g else "0"
            lose = f'<span class="lose">−{lo_:,}</span>' if lo_ else "0"
        rows.append(
            [
                esc(OUTCOME_STYLE[o][0]),
                f"{rb['p']:.1%}",
                f"{ro['p']:.1%}",
                f"{100 * ro['diff']:+.1f}",
                f"[{100 * ro['diff_lo']:+.1f}, {100 * ro['diff_hi']:+.1f}]",
                gain,
                lose,
            ]
        )
    pairing = str(table[table["run"] == other]["pairing"].iloc[0])
    note = table[table["run"] == other]["note"].iloc[0]
    how = (
        f"<p>Differences are <strong>{esc(pairing)}</strong>"
        + (f" ({esc(note)})" if isinstance(note, str) and note else "")
        + ". Intervals are 95% (Newcombe's; docs/charts.md).</p>"
    )
    header = [
        "outcome",
        base,
        other,
        "difference (points)",
        "95% interval",
        "replicates gaining it",
        "replicates losing it",
    ]
    return how + _table(header, rows, {1, 2, 3, 4, 5, 6})


def transitions_html(matrix: pd.DataFrame, base: str, other: str) -> str:
    rows = []
    for o in OUTCOME_ORDER:
        rows.append([esc(OUTCOME_STYLE[o][0])] + [f"{int(matrix.loc[o, c]):,}" for c in OUTCOME_ORDER])
    return (
        f"<p>Replicate by replicate (common random numbers): each row is how a replicate ended under "
        f"<strong>{esc(base)}</strong>, each column how the same replicate ended under <strong>{esc(other)}</strong>."
        "</p>"
        + _table([f"{base} ↓ / {other} →", *[OUTCOME_STYLE[c][0] for c in OUTCOME_ORDER]], rows, set(range(1, 6)))
    )


def parent_section(results_dir: Path, sc: Any) -> str:
    """A variant's deltas against its parent, when the parent's results exist next to it."""
    if not getattr(sc, "derived_from", ""):
        return ""
    parent = parent_results(results_dir, sc)
    if parent is None:
        return (
            f'<h2 id="parent">Against {esc(sc.derived_from)}</h2><p>No results of the parent scenario next to '
            f"this run (looked for <code>{esc(Path(results_dir).resolve().parent)}/…</code>): run it with the same "
            "seed and replicates, then <code>sim report</code> again, or <code>sim compare PARENT THIS --report</code>."
            "</p>"
        )
    from sim.compare import compare_table, load_runs, paired_transitions

    runs = load_runs([parent, results_dir])
    table = compare_table(runs)
    base, other = runs[0].label, runs[1].label
    matrix = paired_transitions(runs[0], runs[1])
    return (
        f'<h2 id="parent">Against {esc(sc.derived_from)}</h2>'
        f"<p>The parent's results: <code>{esc(parent)}</code>.</p>" + deltas_html(table, base, other, matrix)
    )


# ---------------------------------------------------------------------------------------------------------
# Glossary and what the model leaves out


def glossary() -> str:
    outcomes = "".join(f"<dt>{esc(OUTCOME_STYLE[o][0])} (<code>{esc(o)}</code>)</dt>" for o in OUTCOME_ORDER)
    return (
        '<h2 id="glossary">Glossary</h2><dl>'
        "<dt>Replicate</dt><dd>One simulated world: every uncertain parameter and every event drawn once, then "
        "the war played week by week to an outcome or the horizon.</dd>"
        "<dt>Horizon</dt><dd>The last simulated week; a war still going then counts as “ongoing”.</dd>"
        f"<dt>Outcomes</dt><dd><dl>{outcomes}</dl>Each replicate ends in exactly one (the first reached).</dd>"
        "<dt>Front, terms</dt><dd>Russia's share of the disputed territory (the five regions Russia claims): "
        "the front is what it holds, the terms what a settlement gives it.</dd>"
        "<dt>95% interval (Monte Carlo)</dt><dd>Wilson's interval of a share of replicates: how precisely this "
        "many replicates pin the model's probability down. It is not the uncertainty of the model.</dd>"
        "<dt>Across parameters</dt><dd>How far the probability moves over the model's own uncertain parameters "
        "(10th to 90th percentile over bins of the one or two that matter most).</dd>"
        "<dt>Share of the variance</dt><dd>A parameter's first-order (Sobol) index: the share of the outcome's "
        "variance that knowing this parameter alone would remove.</dd>"
        "<dt>Variant</dt><dd>A scenario run with <code>--set</code> overrides that change the model; it is "
        "named after its parent and lists its overrides.</dd>"
        "<dt>Paired difference, common random numbers</dt><dd>Two runs with the same seed, replicates and chunk "
        "size see the same random numbers replicate by replicate, so their difference is measured on the same "
        "worlds: far more precise than two independent samples.</dd>"
        "<dt>Fan chart</dt><dd>Median and bands holding 50% and 90% of the replicates still at war each "
        "week.</dd>"
        "<dt>Split fan</dt><dd>A fan chart drawn for each of two groups of replicates when they part ways (with "
        "and without Tomahawks, say), beside sample paths coloured by how each replicate ends.</dd>"
        "<dt>Cumulative incidence</dt><dd>The share of replicates that have reached an outcome by each date.</dd>"
        "<dt>ESS</dt><dd>Effective sample size of a weighted (conditioned) run, Kish's (Σw)²/Σw².</dd>"
        "</dl>"
    )


LEFT_OUT = (
    "Actors: only the US, Russia, Ukraine, India and Europe (the EU, its states and the UK, as one agent) decide "
    "anything; China, Turkey, the Gulf producers and others enter at most through fixed parameters (oil "
    "redirected to other buyers). Security guarantees have two guarantors (a US backstop, Europe's coalition) "
    "combined as independent commitments; Ukraine's own deterrent (its army after a deal) is not a lever.",
    "Domestic politics: each side's will to fight is one resolve index; elections, leadership change, coups and "
    "protests are not modelled.",
    "What is bargained over: one number, Russia's share of the disputed territory; the other issues of a deal "
    "(security guarantees, sanctions relief, neutrality) enter only as values added to or subtracted from it.",
    "Escalation is one hazard of a direct NATO-Russia confrontation driven by escalation pressure; nuclear use "
    "and its aftermath are not modelled apart from it.",
    "The structure itself: the equations (docs/model.md) are fixed. The range “across parameters” covers only "
    "the coefficients given as distributions, not other functional forms, so the model's true uncertainty is "
    "wider than any number here.",
    "Time: the calibration is as of 16 October 2025 and the model steps a week at a time; news after that date "
    "enters only through a scenario's events or through conditioning on observations (sim condition).",
)


def left_out() -> str:
    items = "".join(f"<li>{esc(t)}</li>" for t in LEFT_OUT)
    return f'<h2 id="left-out">What the model leaves out</h2><ul>{items}</ul>'
