"""Europe, the fifth agent (issue 12 §6): its equations against their closed forms, its decision rule, the
directions of its levers under common random numbers, and the old path of the lever that moved to it."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.levers import LEVERS, MOVED
from sim.model import PressureModel
from sim.processes import europe
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

# fixed coefficients, so that every replicate has the same closed-form answer
FIXED = [
    "params.attrition.aid_weight=0.4",
    "params.attrition.mobilisation_weight=0.1",
    "params.europe.aid_weight=0.3",
    "params.europe.package_step=0.02",
]


def _model(*overrides: str, n: int = 400) -> PressureModel:
    return PressureModel(load_scenario(SCENARIOS / "baseline.yaml", [f"replicates={n}", *FIXED, *overrides]), n)


def _run(model: PressureModel, weeks: int) -> PressureModel:
    for _ in range(weeks):
        model.step()
    return model


# ------------------------------------------------------------------------------------------------------------
# closed forms


def test_europe_replaces_its_share_of_a_us_cut_and_funding_is_whole_when_it_replaces_all() -> None:
    # a US cut of 0.5 is 0.2 of funding; Europe replacing half of it adds 0.1 of funding = 1/3 of its unit (0.3)
    assert europe.aid_with_substitution(1.0, 0.5, 0.5, 0.4, 0.3) == pytest.approx(1.0 + 0.5 * 0.4 / 0.3 * 0.5)
    # no cut (or more US aid than in Oct 2025): nothing to replace
    assert europe.aid_with_substitution(1.0, 1.0, 1.0, 0.4, 0.3) == 1.0
    assert europe.aid_with_substitution(1.0, 1.0, 2.0, 0.4, 0.3) == 1.0
    # everyone at the Oct 2025 level: funding 1; the US gone and Europe replacing all of it: funding 1 again
    assert europe.ukraine_funding(1.0, 1.0, 1.0, 0.4, 0.3, 0.1, 0.0) == pytest.approx(1.0)
    whole = europe.aid_with_substitution(1.0, 1.0, 0.0, 0.4, 0.3)
    assert europe.ukraine_funding(0.0, whole, 1.0, 0.4, 0.3, 0.1, 0.0) == pytest.approx(1.0)
    # Europe's own aid halved: funding falls by half its weight
    assert europe.ukraine_funding(1.0, 0.5, 1.0, 0.4, 0.3, 0.1, 0.0) == pytest.approx(0.85)


def test_the_two_loans_are_alternatives_and_the_eu_loan_counts_at_its_size() -> None:
    assert europe.financing_bonus(0.1, 0.0, 1.0, 0.64) == pytest.approx(0.064)
    assert europe.financing_bonus(0.1, 1.0, 0.0, 0.64) == pytest.approx(0.1)
    assert europe.financing_bonus(0.1, 1.0, 1.0, 0.64) == pytest.approx(0.1)  # the larger, not the sum
    assert europe.financing_bonus(0.1, 0.0, 0.0, 0.64) == 0.0


def test_enforcement_adds_the_eu_packages_to_the_g7_level_and_stops_at_full() -> None:
    assert europe.enforcement(0.2, 0.0) == pytest.approx(0.2)
    assert europe.enforcement(0.2, 0.1) == pytest.approx(0.3)
    assert europe.enforcement(0.8, 0.5) == 1.0
    level = np.array([0.0, 0.5, 0.99, 1.0])
    out = europe.ratchet(level, np.array([True, False, True, True]), 0.04)
    np.testing.assert_allclose(out, [0.04, 0.5, 1.0, 1.0])


def test_packages_arrive_at_their_yearly_rate() -> None:
    u = np.random.default_rng(7).random((520, 2_000))  # ten years of weeks, 2,000 worlds
    per_year = europe.package_adopted(u, 4.0).sum(axis=0) / 10.0
    assert per_year.mean() == pytest.approx(4.0, rel=0.02)
    assert not europe.package_adopted(u, 0.0).any()


def test_a_gas_ban_costs_russias_budget_its_gas_revenue_from_the_eu() -> None:
    assert europe.gas_revenue_lost(1.0, 0.04) == pytest.approx(0.04)
    assert europe.gas_revenue_lost(0.25, 0.04) == pytest.approx(0.01)


# ------------------------------------------------------------------------------------------------------------
# the agent and its decision


def test_europe_is_an_agent_with_declared_levers_and_decides_its_aid_each_week() -> None:
    model = _model("agents.us.levers.aid=0.25", "agents.europe.levers.substitution=0.6")
    assert model.by_key["europe"] is model.europe and set(model.levers["europe"]) == set(LEVERS["europe"])
    w = model.begin_week()
    model.agents.do("step")
    model.apply_events(w)
    model.europe.decide(model, w)
    np.testing.assert_allclose(w.aid_eu, 1.0 + 0.6 * 0.4 / 0.3 * 0.75)


def test_packages_accumulate_in_europes_enforcement_lever_and_stop_at_rate_zero() -> None:
    model = _run(_model("agents.europe.levers.package_rate=12"), 26)
    sanctions = model.levers["europe"]["sanctions"]
    # a package adds exactly one step: the lever is a whole number of steps; about 6 packages in half a year
    np.testing.assert_allclose(sanctions / 0.02, np.rint(sanctions / 0.02), atol=1e-9)
    assert 4.0 < (sanctions / 0.02).mean() < 8.0
    still = _run(_model("agents.europe.levers.package_rate=0"), 26)
    assert (still.levers["europe"]["sanctions"] == 0).all()


# ------------------------------------------------------------------------------------------------------------
# directions under common random numbers (same seed, same replicates)


def test_europe_replacing_a_us_cut_keeps_ukraine_stronger() -> None:
    cut = ["agents.us.levers.aid=0", "switches.negotiation=false", "switches.escalation=false"]
    alone = _run(_model(*cut, "agents.europe.levers.substitution=0"), 26)
    helped = _run(_model(*cut, "agents.europe.levers.substitution=1"), 26)
    assert helped.mil_ua.mean() > alone.mil_ua.mean() + 0.02
    assert helped.front.mean() <= alone.front.mean()


def test_the_eu_loan_strengthens_ukraine_as_the_reparations_loan_would_at_its_size() -> None:
    quiet = ["switches.negotiation=false", "switches.escalation=false", "events.frozen_assets_decision=null"]
    none = _run(_model(*quiet), 26)
    loan = _run(_model(*quiet, "agents.europe.levers.loan=1"), 26)
    assets = _run(_model(*quiet, "agents.europe.levers.assets=0.64"), 26)
    assert loan.mil_ua.mean() > none.mil_ua.mean()
    np.testing.assert_array_equal(loan.mil_ua, assets.mil_ua)


def test_packages_widen_the_discount_and_a_gas_ban_drains_russias_fund() -> None:
    quiet = ["switches.negotiation=false", "switches.escalation=false"]
    none = _run(_model(*quiet, "agents.europe.levers.package_rate=0"), 52)
    many = _run(_model(*quiet, "agents.europe.levers.package_rate=12"), 52)
    assert (many.discount_share >= none.discount_share - 1e-12).all()
    assert many.discount_share.mean() > none.discount_share.mean() + 0.02
    assert many.revenue_cum.mean() < none.revenue_cum.mean()
    ban = _run(_model(*quiet, "agents.europe.levers.package_rate=0", "agents.europe.levers.gas_ban=1"), 52)
    assert (ban.buffer_ru <= none.buffer_ru + 1e-9).all()
    assert ban.buffer_ru.mean() < none.buffer_ru.mean()


# ------------------------------------------------------------------------------------------------------------
# the lever that moved: agents.us.levers.assets still works


def test_the_old_path_of_the_assets_lever_sets_europes(tmp_path) -> None:
    assert MOVED[("us", "assets")] == ("europe", "assets")
    sc = load_scenario(SCENARIOS / "baseline.yaml", ["agents.us.levers.assets=1"])
    assert sc.agents.europe.levers["assets"] == 1.0 and "assets" not in sc.agents.us.levers
    text = """
name: old paths
agents:
  us:
    levers: {assets: 1}
    policies:
      loan_late: {kind: schedule, lever: assets, at: {20: 0}}
events:
  decision: {week: 5, kind: lever, agent: us, lever: assets, value: 0}
  alias: {week: 6, kind: assets, value: 1}
"""
    (tmp_path / "old.yaml").write_text(text)
    sc = load_scenario(tmp_path / "old.yaml")
    assert sc.agents.europe.levers == {"assets": 1.0}
    assert sc.agents.europe.policies["loan_late"].lever == "assets" and not sc.agents.us.policies
    assert sc.events["decision"].target() == ("europe", "assets") == sc.events["alias"].target()


def test_a_file_setting_both_paths_of_a_moved_lever_differently_is_refused_and_later_overrides_win(tmp_path) -> None:
    both = tmp_path / "both.yaml"
    both.write_text("name: both\nagents:\n  us: {levers: {assets: 1}}\n  europe: {levers: {assets: 0}}\n")
    with pytest.raises(ScenarioError, match=r"agents\.us\.levers\.assets: moved to agents\.europe\.levers\.assets"):
        load_scenario(both)
    # a child file naming the old path overrides its parent's new one, as any child value does
    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\nname: child\nagents: {{us: {{levers: {{assets: 1}}}}}}\n"
    )
    assert load_scenario(child).agents.europe.levers["assets"] == 1.0
    # overrides at either path are one lever: the later one wins
    sc = load_scenario(SCENARIOS / "baseline.yaml", ["agents.us.levers.assets=1", "agents.europe.levers.assets=0"])
    assert sc.agents.europe.levers["assets"] == 0.0
    with pytest.raises(ScenarioError, match=r"unknown lever 'aidd' of europe \(did you mean 'aid'\?\)"):
        load_scenario(SCENARIOS / "baseline.yaml", ["agents.europe.levers.aidd=1"])
