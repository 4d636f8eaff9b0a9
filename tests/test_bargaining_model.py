"""Bargaining in the whole model (issue 11): directions of the what-ifs under common random numbers, the
mediator's floor at the line, anticipation of a coming shift, and traces that explain a refusal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model import PressureModel
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
