"""Bargaining in the whole model (issue 11): directions of the what-ifs under common random numbers, the
mediator's floor at the line, anticipation of a coming shift, and traces that explain a refusal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model import PressureModel
from sim.processes import bargaining
from sim.scenario import load_scenario
from sim.trace import replay
from tests.conftest import SCENARIOS

N = ["replicates=2000", "chunk_size=2000"]


def _run(*sets: str, path: str = "baseline.yaml", extra: tuple[str, ...] = ()) -> sim.RunResult:
    return sim.run(load_scenario(SCENARIOS / path, [*N, *extra, *sets]))


@pytest.fixture(scope="module")
def base() -> sim.RunResult:
    return _run()


def _settled(r: sim.RunResult) -> pd.Series:
    return r.outcomes.set_index("replicate")["outcome"] == "settlement"


def test_russia_demanding_all_of_donetsk_lowers_settlement(base: sim.RunResult) -> None:
    donetsk = _run("agents.russia.levers.demand=0.877")
    assert donetsk.probability("settlement") < base.probability("settlement") - 0.05
    o = donetsk.outcomes
    assert (o.loc[o["outcome"] == "settlement", "terms"] >= 0.877 - 1e-12).all()


def test_ukraine_refusing_to_cede_beyond_the_line_lowers_settlement(base: sim.RunResult) -> None:
    holds = _run("params.negotiation.ukraine_holds_line=1")
    assert holds.probability("settlement") < base.probability("settlement") - 0.05
    o = holds.outcomes
    settled = o[o["outcome"] == "settlement"]
    assert (settled["terms"] <= settled["end.front"] + 1e-12).all()


def test_the_mediators_plans_rarely_hand_land_back(base: sim.RunResult) -> None:
    # Only where Russia is publicly losing (a budget projected into strain, or its own belief expecting to
    # lose ground) may a plan go below the line: a few percent of the baseline's deals (issue 11: at most 15%).
    o = base.outcomes
    settled = o[o["outcome"] == "settlement"]
    assert len(settled) > 100
    below = settled["terms"] < settled["end.front"] - 1e-12
    assert below.mean() < 0.05
    assert (settled["terms"] >= settled["end.front"] - 1e-12).mean() > 0.95
    # ... while a Ukrainian proposer, under the same draws, sometimes does get land back.
    ua = _run("params.negotiation.proposer=3").outcomes
    ua_settled = ua[ua["outcome"] == "settlement"]
    assert (ua_settled["terms"] < ua_settled["end.front"] - 1e-9).any()


def test_strong_guarantees_are_a_cost_to_russia() -> None:
    # With guarantees free for Russia (h = 0), strong guarantees can only help; with the default cost they
    # help less (paired draws).
    free_base = _run("params.negotiation.guarantee_cost_ru=0")
    free_strong = _run("params.negotiation.guarantee_cost_ru=0", "agents.us.levers.guarantees=0.8")
    costly_base, costly_strong = _run(), _run("agents.us.levers.guarantees=0.8")
    gain_free = free_strong.probability("settlement") - free_base.probability("settlement")
    gain_costly = costly_strong.probability("settlement") - costly_base.probability("settlement")
    assert gain_free > 0 and gain_costly < gain_free


def test_a_coming_shift_changes_outcomes_before_it_arrives() -> None:
    # Tomahawks approved in week 1 arrive in week 11; before then they act only through anticipation.
    without = _run(path="tomahawks_approved.yaml", extra=("events.tomahawks_approved.value=0",))
    coming = _run(path="tomahawks_approved.yaml")
    a, b = without.outcomes.set_index("replicate"), coming.outcomes.set_index("replicate")
    early = (a["week"] < 11) | (b["week"] < 11)
    differ = (
        (a["outcome"] != b["outcome"]) | (a["week"] != b["week"]) | ~np.isclose(a["terms"], b["terms"], equal_nan=True)
    )
    assert (early & differ).sum() > 0


def _seen_at(monkeypatch: pytest.MonkeyPatch, week: int, *sets: str) -> dict[str, np.ndarray]:
    """Each side's expected front and war value at the talks of ``week`` (every replicate, talks or not)."""
    sc = load_scenario(SCENARIOS / "baseline.yaml", ["replicates=400", "chunk_size=400", *sets])
    model, seen = PressureModel(sc, 400, 0), {}
    original = bargaining.round_of_talks

    def spy(m: PressureModel, w: sim.week.Week) -> None:
        if w.t == week:
            seen.update(
                ef_ru=m.russia.expected_front(m, w),
                ef_ua=m.ukraine.expected_front(m, w),
                v_ru=m.russia.war_value(m, w),
                v_ua=m.ukraine.war_value(m, w),
                active=m.active.copy(),
            )
        original(m, w)

    with monkeypatch.context() as patch:
        patch.setattr(bargaining, "round_of_talks", spy)
        while model.week < week:
            model.step()
    return seen


@pytest.mark.parametrize(
    ("event", "sign"),
    [
        ("{week: 12, kind: aid, value: %s}", -1),  # more aid for Ukraine (e.g. the EU's EUR 90bn loan)
        ("{week: 12, kind: lever, agent: ukraine, lever: mobilisation, value: %s}", -1),
        ("{week: 12, kind: lever, agent: russia, lever: mobilisation, value: %s}", +1),  # a Russian wave
        ("{week: 12, kind: lever, agent: europe, lever: aid, value: %s}", -1),  # more European aid
    ],
)
def test_an_announced_change_of_funding_moves_both_sides_expectations_before_it_arrives(
    monkeypatch: pytest.MonkeyPatch, event: str, sign: int
) -> None:
    # Common random numbers: the same event (same stream) at the lever's current value (1) or raised to 2.
    # Five weeks before it arrives, the state is the same in both runs; only the anticipation differs.
    flat = _seen_at(monkeypatch, 7, "events.announced=" + event % 1)
    raised = _seen_at(monkeypatch, 7, "events.announced=" + event % 2)
    both = flat["active"] & raised["active"]
    assert both.sum() > 300
    for side in ("ef_ru", "ef_ua"):
        moved = sign * (raised[side] - flat[side])[both]
        assert (moved > 0).all(), side
    # Russia's war value moves with the expected front, Ukraine's against it.
    assert (sign * (raised["v_ru"] - flat["v_ru"])[both] > 0).all()
    assert (sign * (raised["v_ua"] - flat["v_ua"])[both] < 0).all()


def test_a_scheduled_frozen_asset_decision_is_anticipated(monkeypatch: pytest.MonkeyPatch) -> None:
    # The baseline's European Council decision (week 10, in half of the worlds) against the same event that
    # changes nothing: where it will happen both sides expect less of the front at week 3, elsewhere the same.
    off = _seen_at(monkeypatch, 3, "events.frozen_assets_decision.value=0")
    on = _seen_at(monkeypatch, 3)
    both = off["active"] & on["active"]
    lower = (on["ef_ru"] < off["ef_ru"]) & both
    same = np.isclose(on["ef_ru"], off["ef_ru"], rtol=0, atol=1e-15) & both
    assert 0.3 < lower.sum() / both.sum() < 0.7 and (lower | same)[both].all()


def test_an_announced_us_cut_is_feared_less_where_europe_replaces_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # A US aid halt at week 12, seen from week 7: both sides expect more of the front for Russia, less so the
    # more of the cut Europe replaces (europe.substitution), and not at all where it replaces all of it in
    # funding (substitution 1 restores w_us of funding: Europe's aid moves by w_us / w_eu).
    def seen(cut: float, substitution: float) -> dict[str, np.ndarray]:
        return _seen_at(
            monkeypatch,
            7,
            f"events.announced={{week: 12, kind: aid, value: {cut}}}",
            f"agents.europe.levers.substitution={substitution}",
        )

    flat, halt_none, halt_half, halt_all = seen(1, 0), seen(0, 0), seen(0, 0.5), seen(0, 1)
    both = flat["active"] & halt_none["active"] & halt_half["active"] & halt_all["active"]
    assert both.sum() > 300
    fear = {k: (v["ef_ru"] - flat["ef_ru"])[both] for k, v in (("0", halt_none), ("0.5", halt_half), ("1", halt_all))}
    assert (fear["0"] > fear["0.5"]).all() and (fear["0.5"] > 0).all()
    assert fear["1"] == pytest.approx(0.0, abs=1e-12)


def test_a_scheduled_eu_loan_adds_nothing_where_the_reparations_loan_is_in_force(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The EUR 90bn loan funds what the reparations loan would have (the larger of the two counts): announced
    # with the reparations loan already agreed it changes no one's expectations; without it, it lowers them.
    loan = "events.announced={week: 12, kind: lever, agent: europe, lever: loan, value: 1}"
    no_assets = ["events.frozen_assets_decision.probability=0"]
    assets = ["events.frozen_assets_decision.probability=0", "agents.europe.levers.assets=1"]
    base, with_loan = _seen_at(monkeypatch, 7, *no_assets), _seen_at(monkeypatch, 7, *no_assets, loan)
    both = base["active"] & with_loan["active"]
    assert (with_loan["ef_ru"][both] < base["ef_ru"][both]).all()
    base, with_loan = _seen_at(monkeypatch, 7, *assets), _seen_at(monkeypatch, 7, *assets, loan)
    both = base["active"] & with_loan["active"]
    assert np.array_equal(with_loan["ef_ru"][both], base["ef_ru"][both])


def test_a_schedule_policy_counts_like_an_event(monkeypatch: pytest.MonkeyPatch) -> None:
    flat = _seen_at(monkeypatch, 5, "agents.ukraine.policies.mob={kind: schedule, lever: mobilisation, at: {12: 1}}")
    more = _seen_at(monkeypatch, 5, "agents.ukraine.policies.mob={kind: schedule, lever: mobilisation, at: {12: 2}}")
    both = flat["active"] & more["active"]
    assert (more["ef_ua"][both] < flat["ef_ua"][both]).all()


def test_trace_explains_a_refusal(base: sim.RunResult) -> None:
    o = base.outcomes
    candidates = o.loc[(o["outcome"] == "ongoing") & (o["cum.talks_held"] >= 3), "replicate"].to_numpy()
    for rep in candidates[:20]:
        tr = replay(base, int(rep))
        refusals = [e for e in tr.entries if e.kind == "refusal"]
        if refusals:
            break
    else:
        raise AssertionError("no refusal traced")
    assert tr.matches
    talks = [e for e in tr.entries if e.kind == "talks"]
    assert talks and "proposes offer=" in talks[0].text and "surplus Russia" in talks[0].text
    assert "range=[" in talks[0].text
    text = refusals[0].text
    assert text.startswith("refusal: ") and ("refuses: fighting on is worth" in text or "acceptance noise" in text)
    assert "believed in [" in text


def test_a_proposing_sides_offers_narrow_the_belief_about_it_without_ruling_out_its_type() -> None:
    # Russia proposes: it never answers, so its belief moves only through what its offers reveal.
    sc = load_scenario(
        SCENARIOS / "baseline.yaml", ["replicates=600", "chunk_size=600", "params.negotiation.proposer=2"]
    )
    model = PressureModel(sc, 600, 0)
    while model.week < 40:
        model.step()
    lo, hi = model.russia.type_belief
    theta = model.russia.cost_type
    talked = model.state.talks_held > 0
    assert talked.sum() > 300
    assert ((lo <= theta + 1e-12) & (theta <= hi + 1e-12)).all()
    assert (hi - lo < 1.0 - 1e-9)[talked].mean() > 0.25  # narrowed from [0.5, 1.5] (corners pool)
    # ... and in the right direction: the costlier Russias are believed costlier.
    mid = (lo + hi) / 2
    costly = theta > 1.0
    assert mid[talked & costly].mean() > mid[talked & ~costly].mean() + 0.1
