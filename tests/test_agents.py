"""The agents' decisions: India chooses its target share, the US delivers approved Tomahawks after the lag,
and Russia and Ukraine value war, set their reservation and accept offers from their own beliefs, costs and
resolve. Each is checked against its formula (docs/model.md §4, §5, §11) on a model at week 0."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from scipy.special import expit

from sim.model import PressureModel
from sim.processes import bargaining
from sim.scenario import load_scenario
from sim.week import Week
from tests.conftest import SCENARIOS

# Numbers instead of distributions, so that every replicate has the same closed-form answer.
FIXED = [
    "params.front.p0=0.54",
    "params.beliefs.prior_mean_ru=0.7",
    "params.beliefs.prior_mean_ua=0.45",
    "params.beliefs.prior_strength_ru=20",
    "params.beliefs.prior_strength_ua=20",
    "params.negotiation.horizon=26",
    "params.negotiation.commitment_k=0.12",
    "params.negotiation.relief_worth=0.04",
    "params.negotiation.tau=0",
    "params.costs.base_ru=5e-4",
    "params.costs.base_ua=6e-4",
    "params.costs.energy=0.006",
    "params.costs.fiscal=0.004",
    "initial.buffer_ru=45",
]


def _week0(*overrides: str, n: int = 8) -> tuple[PressureModel, Week]:
    sc = load_scenario(SCENARIOS / "baseline.yaml", [f"replicates={n}", *FIXED, *overrides])
    model = PressureModel(sc, n)
    w = model.begin_week()
    model.apply_events(w)
    w.front = model.front  # the flow the battle would pass on: here last week's front
    return model, w


def _india_target(tariff: float, sanctions: float, cap: float) -> float:
    savings = 0.5 * 4.8 * 365 * 3.0 / 1000.0
    net = savings - 0.1 * tariff / 100.0 * 40.0 - 2.0 * sanctions
    return min(0.5 * float(expit(net / 1.7)), cap)


@pytest.mark.parametrize(
    ("tariff", "sanctions", "cap"), [(25.0, 0.2, 1.0), (0.0, 0.2, 1.0), (25.0, 1.0, 1.0), (25.0, 0.2, 0.1)]
)
def test_india_chooses_its_target_share_from_savings_tariff_and_sanctions(
    tariff: float, sanctions: float, cap: float
) -> None:
    model, w = _week0(
        f"agents.us.levers.penalty_tariff={tariff}",
        f"agents.us.levers.sanctions={sanctions}",
        f"agents.india.levers.purchase_cap={cap}",
    )
    model.india.decide(model, w)
    assert w.india_target == pytest.approx(np.full(model.n, _india_target(tariff, sanctions, cap)), abs=1e-12)
    if (tariff, sanctions, cap) == (25.0, 0.2, 1.0):
        assert w.india_target[0] == pytest.approx(0.3366, abs=1e-4)  # near the 34-37% of Sep-Oct 2025


def test_india_reacts_to_a_tariff_event_in_the_same_week() -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml", ["replicates=50", *FIXED])
    lifted = load_scenario(
        SCENARIOS / "baseline.yaml",
        ["replicates=50", *FIXED, "events.lift={kind: tariff, week: 3, value: 0}"],
    )
    a, b = PressureModel(base, 50), PressureModel(lifted, 50)
    for week in (1, 2, 3):
        a.step()
        b.step()
        same = np.array_equal(a.india_share, b.india_share)
        assert same == (week < 3), week
    assert (b.india_share > a.india_share).all()


def test_the_us_delivers_approved_tomahawks_after_the_lag_and_stops_when_approval_is_withdrawn() -> None:
    off = ["switches.negotiation=false", "switches.escalation=false", "switches.costs=false"]
    sc = load_scenario(
        SCENARIOS / "baseline.yaml",
        [
            "replicates=20",
            "horizon_weeks=16",
            "agents.us.levers.tomahawks=1",
            "agents.us.policies.tomahawks_if_no_deal=null",  # the baseline's rule would approve them again
            *off,
            "events.withdraw={kind: tomahawks, week: 14, value: 0}",
        ],
    )
    model = PressureModel(sc, 20)
    delivered = []
    for _ in range(16):
        model.step()
        delivered.append(float(model.tomahawks_delivered[0]))
    assert model.active.all()
    # approved in week 1 (the first decision), lag 10 weeks, 6 a week from week 11 to 13, none from week 14
    assert delivered == [0.0] * 10 + [6.0, 12.0, 18.0, 18.0, 18.0, 18.0]
    assert np.isinf(model.us.approved_since).all()


def _war_values(model: PressureModel, w: Week) -> tuple[np.ndarray, np.ndarray]:
    """V_ru and V_ua from docs/model.md §11: each side's expected front from its own prior mean (FIXED: 0.7 and
    0.45) over L = 26 weeks, less L times its own expected weekly cost over its resolve (0.7 at week 0)."""
    horizon, n_steps, front = 26.0, 200.0, 166 / 200
    ef_ru = min(max(front + horizon / n_steps * (2 * 0.7 - 1), 0.0), 1.0)
    ef_ua = min(max(front + horizon / n_steps * (2 * 0.45 - 1), 0.0), 1.0)
    cost_ru = model.russia.weekly_cost(model, w, expected=True)
    cost_ua = model.ukraine.weekly_cost(model, w, expected=True)
    return ef_ru - horizon * cost_ru / 0.7, 1.0 - ef_ua - horizon * cost_ua / 0.7


def test_a_more_optimistic_belief_raises_a_sides_war_value_by_the_drift_of_the_front() -> None:
    model, w = _week0()
    hopeful, w2 = _week0("params.beliefs.prior_mean_ru=0.8")
    gain = hopeful.russia.war_value(hopeful, w2) - model.russia.war_value(model, w)
    assert gain == pytest.approx(np.full(model.n, 26 / 200 * 2 * 0.1), abs=1e-12)


def test_with_noise_acceptance_follows_the_logistic_in_the_surplus() -> None:
    model, w = _week0("params.negotiation.tau=0.01", n=20_000)
    reservation = np.zeros(model.n)
    offer = np.full(model.n, 0.01)  # surplus one tau: accepted with probability sigma(1)
    share = model.russia.accepts(model, w, offer, reservation).mean()
    assert share == pytest.approx(1 / (1 + math.exp(-1)), abs=0.01)


# ------------------------------------------------------------------------------------------------------------
# Russia and Ukraine: war values, reservations and acceptance (issue 11's formulas, docs/model.md §11)


def _belligerents(*overrides: str) -> tuple[PressureModel, Week, object, object]:
    model, w = _week0(*overrides)
    return model, w, model.by_key["russia"], model.by_key["ukraine"]


def test_belligerents_value_war_from_their_own_belief_cost_resolve_and_private_type() -> None:
    model, w, ru, ua = _belligerents()
    horizon = 26.0
    for agent, resolve in ((ru, "resolve_ru"), (ua, "resolve_ua")):
        cost = agent.war_cost(model, w)  # type: ignore[attr-defined]
        weekly = agent.weekly_cost(model, w, expected=True)  # type: ignore[attr-defined]
        np.testing.assert_allclose(cost, horizon * weekly / w.read(resolve), rtol=1e-12)
        value = agent.war_value(model, w)  # type: ignore[attr-defined]
        gross = agent.gross_war_value(model, w)  # type: ignore[attr-defined]
        np.testing.assert_allclose(value, gross - agent.cost_type * cost, rtol=1e-12)  # type: ignore[attr-defined]
    # each side's own belief: Russia, more optimistic about the battle (0.7 against 0.45), expects more land
    assert (ru.expected_front(model, w) > ua.expected_front(model, w)).all()  # type: ignore[attr-defined]


def test_a_package_at_a_sides_reservation_is_worth_exactly_its_war_value() -> None:
    model, w, ru, ua = _belligerents()
    g, r = bargaining.guarantees_on_offer(w), w.lever("us", "relief") * 0.04
    for agent in (ru, ua):
        value = agent.war_value(model, w)  # type: ignore[attr-defined]
        x = agent.reservation(model, w, value)  # type: ignore[attr-defined]
        np.testing.assert_allclose(agent.package_value(model, w, x, g, r), value, atol=1e-9)  # type: ignore[attr-defined]


def _reservations_with(
    model: PressureModel, w: Week, ru: object, ua: object
) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """Both sides' reservations at week 0's war values with the package's levers set: the US and Europe's
    guarantees and, if given, the relief on offer."""
    us, eu = model.by_key["us"].levers, model.by_key["europe"].levers
    v_ru, v_ua = ru.war_value(model, w), ua.war_value(model, w)  # type: ignore[attr-defined]

    def reservations(g_us: float, g_eu: float, relief: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        us["guarantees"][:], eu["guarantees"][:] = g_us, g_eu
        if relief is not None:
            us["relief"][:] = relief
        return ru.reservation(model, w, v_ru), ua.reservation(model, w, v_ua)  # type: ignore[attr-defined]

    return reservations


def test_relief_lowers_and_guarantees_raise_what_russia_demands_while_guarantees_raise_what_ukraine_concedes() -> None:
    model, w, ru, ua = _belligerents()
    reservations = _reservations_with(model, w, ru, ua)
    ru_none, ua_none = reservations(0.0, 0.0, relief=0.0)
    ru_relief, _ = reservations(0.0, 0.0, relief=1.0)
    ru_strong, ua_strong = reservations(0.8, 0.0, relief=0.0)
    assert (ru_relief < ru_none).all()  # relief is worth something to Russia: it settles for less land
    assert (ru_strong > ru_none).all()  # guarantees cost Russia (Western forces in Ukraine): it wants more land
    assert (ua_strong > ua_none).all()  # guarantees lower Ukraine's commitment risk: it can concede more


def test_europes_coalition_and_the_us_backstop_combine_as_independent_guarantors() -> None:
    # issue 12: the coalition behind guarantees is Europe's lever; the package's guarantee is
    # g = 1 - (1 - g_us)(1 - g_eu), so the baseline (no US backstop, the coalition's partial 0.25) offers 0.25
    model, w, ru, ua = _belligerents()
    np.testing.assert_array_equal(bargaining.guarantees_on_offer(w), 0.25)
    reservations = _reservations_with(model, w, ru, ua)
    ru_none, ua_none = reservations(0.0, 0.0)
    ru_eu, ua_eu = reservations(0.0, 0.8)
    ru_us, ua_us = reservations(0.8, 0.0)
    ru_both, ua_both = reservations(0.8, 0.25)
    assert (ua_eu > ua_none).all() and (ru_eu > ru_none).all()  # Europe's guarantee alone acts like the US one
    np.testing.assert_array_equal(ua_eu, ua_us)  # one guarantee, whoever gives it (same strength, same effect)
    assert (ua_both > ua_us).all() and (ru_both > ru_us).all()  # a second guarantor adds to the first
    np.testing.assert_allclose(bargaining.guarantees_on_offer(w), 0.85, rtol=1e-15)


def test_old_guarantee_paths_still_set_the_us_part() -> None:
    # agents.us.levers.guarantees keeps its meaning (the US part); Europe's default stays underneath it
    model, w, _, _ = _belligerents("agents.us.levers.guarantees=0.8")
    np.testing.assert_allclose(bargaining.guarantees_on_offer(w), 1 - 0.2 * 0.75, rtol=1e-15)
    model, w, _, _ = _belligerents("agents.europe.levers.guarantees=0")
    np.testing.assert_array_equal(bargaining.guarantees_on_offer(w), 0.0)


def test_offers_are_accepted_exactly_when_they_are_worth_the_war_at_tau_zero() -> None:
    model, w, ru, ua = _belligerents()
    for agent in (ru, ua):
        value = agent.war_value(model, w)  # type: ignore[attr-defined]
        assert agent.accepts(model, w, value + 1e-6, value).all()  # type: ignore[attr-defined]
        assert agent.accepts(model, w, value, value).all()  # type: ignore[attr-defined]
        assert not agent.accepts(model, w, value - 1e-6, value).any()  # type: ignore[attr-defined]
