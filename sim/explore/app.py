"""The lever explorer's page (Streamlit). Started by ``sim explore SCENARIO``; the scenario comes as the script's
argument (``streamlit run app.py -- SCENARIO``) or in LEVERAGE_EXPLORE_SCENARIO.

Streamlit re-runs this script top to bottom on every change. The widgets' values are compared with the starting
scenario to make the set of changes (sim.explore.session); a fast pass of a few thousand replicates is shown
first, then the full count replaces it. Results are cached by (scenario digest, replicates, seed), so moving a
slider back is instant. The script runs in Streamlit's session thread, so the page stays responsive, and a new
change interrupts a run that is under way.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import streamlit as st

from sim.errors import SimError
from sim.explore.session import (
    FAST_REPLICATES,
    MAX_REPLICATES,
    OUTCOME_LABELS,
    Evaluation,
    Explorer,
    check_lever,
    paired_deltas,
    plain_summary,
)

WIDE_RANGE = 1_000.0  # a lever whose range is wider than this gets a number box, not a slider


def scenario_path() -> str:
    path = os.environ.get("LEVERAGE_EXPLORE_SCENARIO", "")  # set by `sim explore` (and by tests)
    if not path:  # `streamlit run app.py -- SCENARIO`
        args = [a for a in sys.argv[1:] if not a.startswith("-")]
        path = args[0] if args else ""
    if not path:
        st.error("No scenario: start the explorer with `sim explore SCENARIO`.")
        st.stop()
    return path


@st.cache_resource(show_spinner=False)
def open_explorer(path: str) -> Explorer:
    return Explorer.open(path)


def lever_widgets(explorer: Explorer, changes: dict[str, Any], problems: list[str]) -> None:
    overrides = explorer.overrides()
    by_agent: dict[str, list[Any]] = {}
    for lev, value in explorer.levers():
        by_agent.setdefault(lev.agent, []).append((lev, value))
    st.caption("Levers set the week-0 value; * marks a lever that an event or a policy changes later (hover).")
    for agent, rows in by_agent.items():
        with st.expander(f"{'US' if agent == 'us' else agent.title()}: levers", expanded=agent == "us"):
            for lev, value in rows:
                key = f"lever:{lev.path}"
                hover = f"{lev.doc}. Range {lev.lo:g}–{lev.hi:g} {lev.unit}." + (
                    f" Source: {lev.source}" if lev.source else ""
                )
                label = f"{lev.label} ({lev.unit})"
                if lev.path in overrides:
                    hover += " Later in the run: " + "; ".join(overrides[lev.path]) + " (switch those off to hold it)."
                    label += " *"
                if lev.default is None:  # a demand: not binding (null) or a share
                    binding = st.checkbox(f"{label}: binding", value=value is not None, key=key + ":on", help=hover)
                    if not binding:
                        if value is not None:
                            changes[lev.path] = None
                        continue
                    start = 0.5 if value is None else value
                    new = st.slider(label, lev.lo, lev.hi, float(start), step=0.01, key=key, help=hover)
                elif lev.hi - lev.lo > WIDE_RANGE:
                    new = st.number_input(label, value=float(value or 0.0), key=key, help=hover, format="%g")
                else:
                    step = 1.0 if lev.hi - lev.lo >= 20 else 0.01
                    new = st.slider(label, lev.lo, lev.hi, float(value or 0.0), step=step, key=key, help=hover)
                problem = check_lever(lev, new)
                if problem:
                    problems.append(problem)
                elif value is None or not math.isclose(float(new), value, rel_tol=0, abs_tol=1e-12):
                    changes[lev.path] = float(new)


def event_widgets(explorer: Explorer, changes: dict[str, Any], problems: list[str]) -> None:
    horizon = explorer.base.horizon_weeks
    with st.expander(f"Scheduled events ({len(explorer.events())})"):
        for name, ev in explorer.events():
            key = f"event:{name}"
            on = st.checkbox(f"{ev.label or name}", value=True, key=key + ":on", help=f"{ev.kind} event '{name}'")
            if not on:
                changes[f"events.{name}"] = None
                continue
            left, right = st.columns(2)
            week = left.number_input("week", 1, horizon, int(ev.week), key=key + ":week")
            prob = right.slider("probability", 0.0, 1.0, float(ev.probability), 0.05, key=key + ":p")
            if int(week) != ev.week:
                changes[f"events.{name}.week"] = int(week)
            if not math.isclose(prob, ev.probability, abs_tol=1e-12):
                changes[f"events.{name}.probability"] = float(prob)


def policy_widgets(explorer: Explorer, changes: dict[str, Any], problems: list[str]) -> None:
    policies = explorer.policies()
    with st.expander(f"Policies ({len(policies)})"):
        for agent, name, pol in policies:
            key = f"policy:{agent}.{name}"
            on = st.checkbox(pol.label or name, value=True, key=key + ":on", help=f"{agent}: {pol.kind} on {pol.lever}")
            path = f"agents.{agent}.policies.{name}"
            if not on:
                changes[path] = None
                continue
            if pol.kind == "rule":
                when = [c.model_dump() for c in pol.when]
                edited = False
                for i, cond in enumerate(pol.when):
                    new = st.number_input(
                        f"threshold: {cond.var} {cond.op}", value=float(cond.value), key=f"{key}:when{i}", format="%g"
                    )
                    if not math.isfinite(new):
                        problems.append(f"{path}.when[{i}].value: expected a finite number")
                    elif new != cond.value:
                        when[i]["value"] = float(new)
                        edited = True
                if edited:
                    changes[f"{path}.when"] = when


def uncertain_widgets(explorer: Explorer, changes: dict[str, Any], problems: list[str]) -> None:
    from sim.distributions import describe

    rows = explorer.uncertain()
    with st.expander(f"Uncertain parameters ({len(rows)} drawn per world)"):
        st.caption("Each is drawn per simulated world from its distribution; fix one to see what it decides.")
        for path, dist in rows:
            key = f"param:{path}"
            fix = st.checkbox(f"fix {path}", value=False, key=key + ":fix", help=f"distribution: {describe(dist)}")
            if fix:
                median = float(dist.ppf(0.5))
                value = st.number_input(f"{path} =", value=median, key=key + ":value", format="%g")
                if not math.isfinite(value):
                    problems.append(f"{path}: expected a finite number")
                else:
                    changes[path] = float(value)


def outcome_rows(base: Evaluation, mine: Evaluation, changed: bool) -> list[dict[str, str]]:
    deltas = {d.outcome: d for d in paired_deltas(base, mine, OUTCOME_LABELS)}
    model = (mine.uncertainty() or {}).get("outcomes", {})
    rows = []
    for outcome, label in OUTCOME_LABELS.items():
        p, lo, hi = mine.probability(outcome)
        row = {"outcome": label, "probability": f"{p:.1%}", "95% interval": f"{lo:.1%} – {hi:.1%}"}
        u = model.get(outcome)
        row["across parameters (10–90%)"] = f"{u['p10']:.1%} – {u['p90']:.1%}" if u and u["drivers"] else "–"
        row["decided mostly by"] = ", ".join(d["parameter"] for d in u["drivers"][:2]) if u and u["drivers"] else "–"
        if changed:
            d = deltas[outcome]
            row["starting scenario"] = f"{d.base:.1%}"
            row["difference (points)"] = f"{d.diff * 100:+.1f} [{d.lo * 100:+.1f}, {d.hi * 100:+.1f}]"
            row["worlds gained / lost"] = f"{d.gained:,} / {d.lost:,}"
        rows.append(row)
    return rows


def show_results(explorer: Explorer, changes: dict[str, Any], base: Evaluation, mine: Evaluation, fast: bool) -> None:
    import matplotlib.pyplot as plt  # noqa: F401  (loads the Agg backend settings Streamlit expects)

    from sim.plots import RunInfo, cumulative_incidence, fan_chart, settlement_terms
    from sim.plots.common import FAN_VARIABLES

    pass_name = f"fast pass, {mine.replicates:,} replicates" if fast else f"{mine.replicates:,} replicates"
    st.markdown(f"#### Outcomes ({pass_name}, seed {mine.seed})")
    st.markdown(plain_summary(explorer, changes, base, mine))
    st.table(outcome_rows(base, mine, bool(changes)))
    st.caption(
        "Intervals: 95% Wilson (Monte Carlo: probabilities) and Newcombe's paired interval (differences, common "
        "random numbers). 'Across parameters': the 10th–90th percentile of the probability across the "
        "scenario's uncertain parameters that decide it, from this run's own draws (model uncertainty, "
        f"docs/charts.md). Computed in {mine.seconds:.2f} s."
    )
    if fast:
        return
    info = RunInfo.from_result(mine.result)
    left, right = st.columns(2)
    with left:
        st.pyplot(cumulative_incidence(mine.weekly, info), clear_figure=True)
    with right:
        st.pyplot(settlement_terms(mine.outcomes, info), clear_figure=True)
    variable = st.selectbox("fan chart of", list(FAN_VARIABLES), key="fan_variable")
    st.pyplot(fan_chart(mine.weekly, variable, info), clear_figure=True)


def save_widgets(explorer: Explorer, changes: dict[str, Any], replicates: int, seed: int, mine: Evaluation) -> None:
    from sim.results import write_results

    st.markdown("#### Save")
    left, right = st.columns(2)
    with left:
        where = st.text_input(
            "save as (a .yaml path)", value=f"scenarios/{explorer.child_name()}.yaml", key="save_path"
        )
        target = Path(where)
        text = explorer.child_file(changes, replicates, seed, target.parent if str(target.parent) else Path("."))
        if st.button("Save as YAML", key="save"):
            try:
                if target.suffix not in (".yaml", ".yml"):
                    raise SimError(f"{target}: expected a file name ending in .yaml")
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, target)
                st.success(f"Saved {target}: `sim run {target}` reproduces these numbers.")
            except (OSError, SimError) as exc:
                st.error(f"Could not save: {exc}")
        st.download_button("Download the YAML", text, file_name=target.name or "explored.yaml", mime="text/yaml")
    with right:
        if st.button("Make the report", key="report"):
            from sim.report import write_report

            with tempfile.TemporaryDirectory() as tmp_dir:
                out = write_results(mine.result, Path(tmp_dir) / explorer.child_name())
                html = write_report(out).read_bytes()
            st.session_state["report_html"] = html
        if "report_html" in st.session_state:
            st.download_button(
                "Download report", st.session_state["report_html"], file_name="report.html", mime="text/html"
            )


def main() -> None:
    st.set_page_config(page_title="Leverage explorer", layout="wide")
    path = scenario_path()
    try:
        explorer = open_explorer(path)
    except SimError as exc:
        st.error(str(exc))
        st.stop()
    base = explorer.base
    st.title(f"Leverage explorer: {base.name}")
    if base.question:
        st.markdown(f"*{base.question.strip()}*")

    changes: dict[str, Any] = {}
    problems: list[str] = []
    with st.sidebar:
        st.header("Run")
        start = int(os.environ.get("LEVERAGE_EXPLORE_REPLICATES") or min(base.replicates, 10_000))
        replicates = int(
            st.number_input(
                "replicates", 100, MAX_REPLICATES, min(max(start, 100), MAX_REPLICATES), step=500, key="replicates"
            )
        )
        seed = int(st.number_input("seed", 0, 2**31 - 1, base.seed, key="seed"))
        st.header("Levers and assumptions")
        lever_widgets(explorer, changes, problems)
        event_widgets(explorer, changes, problems)
        policy_widgets(explorer, changes, problems)
        uncertain_widgets(explorer, changes, problems)

    if problems:
        for line in problems:
            st.error(line)
        st.stop()
    try:
        explorer.scenario(changes, replicates, seed)
    except SimError as exc:
        st.error(str(exc))
        st.stop()

    slot = st.empty()
    fast_n = min(FAST_REPLICATES, replicates)
    base_run, mine = explorer.run_pair(changes, fast_n, seed)
    with slot.container():
        show_results(explorer, changes, base_run, mine, fast=fast_n < replicates)
    if fast_n < replicates:
        with st.spinner(f"running the full {replicates:,} replicates..."):
            base_run, mine = explorer.run_pair(changes, replicates, seed)
        with slot.container():
            show_results(explorer, changes, base_run, mine, fast=False)
    save_widgets(explorer, changes, replicates, seed, mine)


if __name__ == "__main__":  # Streamlit runs the page as __main__; anything importing it only gets definitions
    main()
