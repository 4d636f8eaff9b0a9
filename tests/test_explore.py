"""The lever explorer: its logic (changes, the saved child file, paired runs, the cache), the Streamlit page
through Streamlit's browser-free AppTest, and the command line. The real-browser test is in
tests/test_explore_browser.py."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.explore.session import (
    OUTCOME_LABELS,
    Explorer,
    ResultCache,
    check_lever,
    lever_declarations,
    nest,
    paired_deltas,
    plain_summary,
)

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
N = 400


@pytest.fixture(scope="module")
def explorer() -> Explorer:
    return Explorer.open(BASELINE)


def test_every_lever_is_declared_with_a_range_containing_its_default() -> None:
    levers = lever_declarations()
    assert {(lev.agent, lev.name) for lev in levers} >= {("us", "aid"), ("us", "tomahawks"), ("india", "purchase_cap")}
    for lev in levers:
        assert lev.lo < lev.hi, lev
        assert lev.default is None or lev.lo <= lev.default <= lev.hi, lev
        assert lev.unit and lev.doc, lev


def test_out_of_range_or_non_finite_lever_values_are_refused_with_the_path_and_range() -> None:
    aid = next(lev for lev in lever_declarations() if lev.path == "agents.us.levers.aid")
    assert check_lever(aid, 0.5) is None
    assert check_lever(aid, aid.hi + 1) == f"agents.us.levers.aid: expected a value in [0, 3] {aid.unit}, got 4"
    assert "expected a value in [0, 3]" in (check_lever(aid, float("nan")) or "")
    assert "expected a number" in (check_lever(aid, "lots") or "")
    assert "expected a number" in (check_lever(aid, None) or "")  # only demand levers take null


def test_nest_builds_the_mapping_a_child_file_holds() -> None:
    assert nest({"agents.us.levers.aid": 0.5, "events.budapest_summit": None, "agents.us.levers.tomahawks": 1}) == {
        "agents": {"us": {"levers": {"aid": 0.5, "tomahawks": 1}}},
        "events": {"budapest_summit": None},
    }


def test_no_changes_is_the_starting_scenario(explorer: Explorer) -> None:
    same = explorer.scenario({}, explorer.base.replicates, explorer.base.seed)
    assert same.digest() == explorer.base.digest()


def test_switching_off_an_event_and_a_policy_removes_them(explorer: Explorer) -> None:
    sc = explorer.scenario({"events.budapest_summit": None, "agents.us.policies.tomahawks_if_no_deal": None}, N, 1)
    assert "budapest_summit" not in sc.events and "white_house_meeting" in sc.events
    assert "tomahawks_if_no_deal" not in sc.agents.us.policies
    assert "lift_penalty_tariff" in sc.agents.us.policies


def test_a_lever_that_an_event_or_policy_resets_says_so(explorer: Explorer) -> None:
    notes = explorer.overrides()
    assert any("white_house_meeting" in n for n in notes["agents.us.levers.mediation"])
    assert any("tomahawks_if_no_deal" in n for n in notes["agents.us.levers.tomahawks"])
    assert "agents.us.levers.aid" not in notes


def test_saved_yaml_validates_to_the_page_scenario_and_reproduces_its_numbers(
    explorer: Explorer, tmp_path: Path
) -> None:
    changes = {
        "agents.us.levers.aid": 0.5,
        "events.budapest_summit.probability": 0.9,
        "agents.us.policies.lift_penalty_tariff": None,
        "params.costs.scale": 1.1,
    }
    page = explorer.scenario(changes, N, 7)
    target = tmp_path / "nested" / "mine.yaml"
    target.parent.mkdir()
    target.write_text(explorer.child_file(changes, N, 7, target.parent), encoding="utf-8")
    saved = sim.load_scenario(target)
    assert saved.digest() == page.digest()
    again = sim.run(saved).outcomes.sort_values("replicate")
    shown = explorer.evaluate(page)
    assert np.array_equal(again["outcome"].astype(str).to_numpy(), shown.outcome)
    assert np.array_equal(again["terms"].to_numpy(), shown.outcomes["terms"].to_numpy(), equal_nan=True)
    # and through the command line, as a user would check it
    out = tmp_path / "out"
    main(["run", str(target), "--out", str(out), "--quiet", "--no-charts", "--workers", "1"])
    import json

    summary = json.loads((out / "summary.json").read_text())
    for outcome, row in summary["outcomes"].items():
        assert row["p"] == pytest.approx(shown.summary["outcomes"][outcome]["p"], abs=0)


def test_paired_deltas_agree_with_sim_compare_and_vanish_without_changes(explorer: Explorer) -> None:
    from sim.compare import newcombe_paired

    base, same = explorer.run_pair({}, N, 3)
    assert same is base
    for d in paired_deltas(base, same, ["settlement", "ongoing"]):
        assert d.diff == 0 and d.gained == d.lost == 0
    more_talks = {"events.white_house_meeting": None, "agents.us.levers.mediation": 4.0}
    base, mine = explorer.run_pair(more_talks, N, 3)
    d = paired_deltas(base, mine, ["settlement"])[0]
    a, b = mine.outcome == "settlement", base.outcome == "settlement"
    expected = newcombe_paired(int((a & b).sum()), int((a & ~b).sum()), int((~a & b).sum()), int((~a & ~b).sum()))
    assert (d.diff, d.lo, d.hi) == expected
    assert d.gained - d.lost == int(a.sum()) - int(b.sum())
    # four times the chance of talks each week (the White House event, which would reset mediation at week 1,
    # switched off): more rounds, each a chance of a deal
    assert d.diff > 0
    text = plain_summary(explorer, more_talks, base, mine)
    assert "raise it by" in text and "mediation" in text


def test_results_are_cached_by_digest_replicates_and_seed(explorer: Explorer) -> None:
    sc = explorer.scenario({"agents.us.levers.aid": 1.5}, N, 11)
    first = explorer.evaluate(sc)
    assert explorer.evaluate(explorer.scenario({"agents.us.levers.aid": 1.5}, N, 11)) is first
    assert explorer.evaluate(explorer.scenario({"agents.us.levers.aid": 1.5}, N, 12)) is not first
    cache = ResultCache(size=2)
    for i in range(3):
        cache.put(("d", i, 0), first)
    assert len(cache) == 2 and cache.get(("d", 0, 0)) is None and cache.get(("d", 2, 0)) is first


def test_explore_refuses_a_bad_scenario_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nagents: {us: {levers: {aid: 9}}}\n")
    with pytest.raises(SystemExit) as exc:
        main(["explore", str(bad), "--port", "8999"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "agents.us.levers.aid" in err[0] and "[0, 3]" in err[0]


def test_explore_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "streamlit" else real(name, *a))
    with pytest.raises(SystemExit) as exc:
        main(["explore", str(BASELINE)])
    assert exc.value.code == 2
    assert "pip install -e '.[explore]'" in capsys.readouterr().err


def test_explore_refuses_a_port_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    pytest.importorskip("streamlit")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(SystemExit) as exc:
            main(["explore", str(BASELINE), "--port", str(port)])
    assert exc.value.code == 2
    assert f"--port {port}: already in use" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------------------
# The page, through Streamlit's AppTest (no browser)

APP = ROOT / "sim" / "explore" / "app.py"


@pytest.fixture()
def app(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    testing = pytest.importorskip("streamlit.testing.v1")
    monkeypatch.setenv("LEVERAGE_EXPLORE_SCENARIO", str(BASELINE))
    monkeypatch.setenv("LEVERAGE_EXPLORE_REPLICATES", "1000")  # fast pass = full count: one pass per change
    # Streamlit's script runner makes the page the process's __main__ and leaves it there; a process pool
    # started later in this test session (forkserver) would then re-run the page in every worker.
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    return testing.AppTest.from_file(str(APP), default_timeout=120)


def _settlement(at) -> str:  # type: ignore[no-untyped-def]
    table = at.table[0].value
    row = table[table["outcome"] == OUTCOME_LABELS["settlement"]].iloc[0]
    return str(row["probability"])


def test_page_shows_the_outcomes_and_a_lever_move_changes_them(app) -> None:  # type: ignore[no-untyped-def]
    app.run()
    assert not app.exception, app.exception
    before = _settlement(app)
    assert before.endswith("%")
    assert "starting scenario" not in list(app.table[0].value.columns)
    app.slider(key="lever:agents.us.levers.aid").set_value(0.2).run()
    assert not app.exception, app.exception
    after = _settlement(app)
    assert after != before
    columns = list(app.table[0].value.columns)
    assert "difference (points)" in columns and "starting scenario" in columns
    assert any("Against baseline on the same random numbers" in m.value for m in app.markdown)


def test_page_saves_yaml_that_sim_run_reproduces(app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    app.run()
    app.slider(key="lever:agents.us.levers.aid").set_value(0.4).run()
    target = tmp_path / "explored.yaml"
    app.text_input(key="save_path").set_value(str(target)).run()
    app.button(key="save").click().run()
    assert not app.exception, app.exception
    assert target.exists()
    assert any("reproduces these numbers" in s.value for s in app.success)
    shown = _settlement(app)
    out = tmp_path / "out"
    main(["run", str(target), "--out", str(out), "--quiet", "--no-charts", "--workers", "1"])
    p = json.loads((out / "summary.json").read_text())["outcomes"]["settlement"]["p"]
    assert f"{p:.1%}" == shown
    assert math.isfinite(p)
