"""Packages, private information and offers (sim/processes/bargaining.py) against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from sim.processes import bargaining as bg

R = 7


def _arr(v: float, n: int = R) -> np.ndarray:
    return np.full(n, float(v))


def test_values_and_their_inverses_round_trip() -> None:
    rng = np.random.default_rng(1)
    x, f, loss = rng.random(1000), rng.random(1000), rng.random(1000) * 2
    assert np.allclose(bg.inverse_value_ru(bg.value_ru(x, f, loss), f, loss), x)
    assert np.allclose(bg.inverse_value_ua(bg.value_ua(x, f, loss), f, loss), x)
    # Giving back held land costs Russia 1 + loss per unit, gains beyond the line are worth 1 per unit.
    assert bg.value_ru(0.7, 0.8, 1.0) == pytest.approx(0.7 - 0.1)
    assert bg.value_ru(0.9, 0.8, 1.0) == pytest.approx(0.9)
    assert bg.value_ua(0.9, 0.8, 1.0) == pytest.approx(0.1 - 0.1)
    assert bg.value_ua(0.7, 0.8, 1.0) == pytest.approx(0.3)


def test_loss_aversion_pulls_reservations_toward_the_line() -> None:
    # Russia's war value 0.76 against a line at 0.8: without loss aversion it accepts 0.76, with l = 1 only
    # 0.8 - 0.04/2 = 0.78. Ukraine asked beyond the line likewise concedes half as far.
    assert bg.reservation_ru(0.76, 0.0, 0.0, 0.8, 0.0, 0.0) == pytest.approx(0.76)
    assert bg.reservation_ru(0.76, 0.0, 0.0, 0.8, 1.0, 0.0) == pytest.approx(0.78)
    assert bg.reservation_ua(0.16, 0.0, 0.8, 0.0, 0.0) == pytest.approx(0.84)
    assert bg.reservation_ua(0.16, 0.0, 0.8, 1.0, 0.0) == pytest.approx(0.82)
    # Guarantees: Ukraine concedes k*g more, Russia demands h*g more; relief lowers Russia's reservation.
    assert bg.reservation_ua(0.2, 0.5, 0.8, 0.0, 0.1) - bg.reservation_ua(0.2, 0.0, 0.8, 0.0, 0.1) == pytest.approx(
        0.05
    )
    assert bg.reservation_ru(0.9, 0.5, 0.0, 0.8, 0.0, 0.2) == pytest.approx(1.0)
    assert bg.reservation_ru(0.9, 0.0, 0.04, 0.8, 0.0, 0.2) == pytest.approx(0.86)


def test_piecewise_quadratic_maximiser_matches_a_fine_grid() -> None:
    rng = np.random.default_rng(7)
    n = 200
    bps = np.sort(rng.random((n, 3)), axis=1)
    coef = rng.normal(size=(n, 3, 2))
    base = rng.normal(size=(n, 3))

    def f(x: np.ndarray) -> np.ndarray:
        # continuous, quadratic between breakpoints (as the proposer's objectives are)
        out = base[:, :1] + base[:, 1:2] * x + base[:, 2:3] * x * x
        for j in range(3):
            d = np.maximum(x - bps[:, j : j + 1], 0.0)
            out = out + coef[:, j, :1] * d + coef[:, j, 1:] * d * d
        return out

    x_star, j_star = bg.maximise_piecewise_quadratic(f, bps)
    grid = np.broadcast_to(np.linspace(0, 1, 20001), (n, 20001))
    assert np.all(j_star >= f(grid).max(axis=1) - 1e-9)
    assert np.allclose(f(x_star[:, None])[:, 0], j_star)


def test_maximiser_ties_go_to_the_smallest_candidate_and_a_nan_value_wins_as_in_argmax() -> None:
    bps = np.array([[0.25, 0.5, 0.75], [0.25, 0.5, 0.75]])

    def f(x: np.ndarray) -> np.ndarray:  # row 0 flat; row 1 rising to x = 0.5, undefined above
        return np.where(np.arange(2)[:, None] == 0, 1.0, np.where(x > 0.5, np.nan, x))

    x_star, j_star = bg.maximise_piecewise_quadratic(f, bps)
    assert x_star[0] == 0.0 and j_star[0] == 1.0
    # candidates 0, 0.125, ..., 1 (the pieces are linear: vertices at the midpoints): the first NaN is at 0.625
    assert x_star[1] == 0.625 and np.isnan(j_star[1])


def test_the_proposers_objective_in_place_is_the_composed_formula_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    r, m = 400, 9
    x = rng.random((r, m))
    held, loss, relief, h, g, k = (rng.random((r, 1)) for _ in range(6))
    gross, cost, lo = rng.random((r, 1)), rng.random((r, 1)), rng.random((r, 1))
    hi = lo + rng.random((r, 1))
    cost[::7] = 0.0  # zero costs (θ* = ±∞), a NaN cost, point beliefs
    cost[3] = np.nan
    hi[::5] = lo[::5]
    ru = bg._package_ru_into(x, held, loss, relief, h * g)
    ua = bg._package_ua_into(x, held, loss, k * (1.0 - g))
    assert ru.tobytes() == bg.package_ru(x, g, relief, held, loss, h).tobytes()
    assert ua.tobytes() == bg.package_ua(x, g, held, loss, k).tobytes()
    composed = bg.accept_probability(bg.type_threshold(gross, ru, cost), lo, hi)
    assert 0 < np.mean(composed == 1.0) < 1 and 0 < np.mean(composed == 0.0) < 1  # every branch is taken
    assert bg._Acceptance(gross, cost, lo, hi).probability_into(ru.copy()).tobytes() == composed.tobytes()


@pytest.mark.parametrize("p", [0.5, 0.6, 0.7])
def test_fearon_take_it_or_leave_it_offer_and_war_probability(p: float) -> None:
    # B's cost U[0, 0.2], A's cost 0.05 known: the optimal offer is p + (0.2 - 0.05)/2 and B refuses with
    # probability 0.375, whatever p.
    c_bar, c_a = 0.2, 0.05
    assert bg.fearon_tioli_war_probability(c_a, c_bar) == pytest.approx(0.375)
    x, g, r = bg.propose(
        _arr(bg.RUSSIA),
        _arr(0.5),
        _arr(p),
        _arr(1 - p),
        _arr(c_a),
        _arr(c_bar),
        _arr(1.0),
        _arr(0.5),
        (_arr(1.0), _arr(1.0)),
        (_arr(0.0), _arr(1.0)),
        [(_arr(0.0), _arr(0.0))],
        0.0,
        0.0,
        0.0,
        0.0,
        0.5,
    )
    assert np.allclose(x, p + (c_bar - c_a) / 2)
    th = bg.type_threshold(1 - p, bg.package_ua(x, g, 0.5, 0.0, 0.0), c_bar)
    assert np.allclose(1 - bg.accept_probability(th, 0.0, 1.0), 0.375)


def _standard(proposer: int, belief_ua: tuple[float, float] = (0.0, 2.0)) -> np.ndarray:
    x, _g, _r = bg.propose(
        _arr(proposer),
        _arr(0.8),
        _arr(0.84),
        _arr(0.17),
        _arr(0.04),
        _arr(0.04),
        _arr(1.0),
        _arr(1.0),
        (_arr(0.0), _arr(2.0)),
        (_arr(belief_ua[0]), _arr(belief_ua[1])),
        [(_arr(0.25), _arr(0.04))],
        1.0,
        1.0,
        0.1,
        0.1,
        0.5,
    )
    return x


def test_refusal_truncates_the_belief_and_the_next_offer_concedes() -> None:
    first = _standard(bg.RUSSIA)
    # Ukraine of type 0.5 refuses the first offer; the public learns theta_ua < threshold.
    th = bg.type_threshold(0.17, bg.package_ua(first, 0.25, 0.8, 1.0, 0.1), 0.04)
    assert np.all(th > 0.5)
    lo, hi = bg.truncate(_arr(0.0), _arr(2.0), th, np.zeros(R, bool), np.ones(R, bool))
    assert np.allclose(lo, 0.0) and np.allclose(hi, th)
    second = _standard(bg.RUSSIA, (0.0, float(hi[0])))
    assert np.all(second < first)  # Russia asks for less after the refusal: offers move over rounds
    # Acceptance truncates from below.
    lo2, hi2 = bg.truncate(_arr(0.0), _arr(2.0), th, np.ones(R, bool), np.ones(R, bool))
    assert np.allclose(lo2, th) and np.allclose(hi2, 2.0)


def test_proposers_rank_their_own_offers() -> None:
    ru, ua, med = _standard(bg.RUSSIA), _standard(bg.UKRAINE), _standard(bg.MEDIATOR)
    assert np.all(ua < med) and np.all(med < ru)


def test_nash_protocol_is_the_split_of_the_true_range() -> None:
    # Fearon's range (0.50, 0.75) with p = 0.6, costs 0.10 and 0.15, no loss aversion: the split at beta = 0.5.
    x, _g, _r = bg.propose(
        _arr(bg.NASH),
        _arr(0.5),
        _arr(0.6),
        _arr(0.4),
        _arr(0.10),
        _arr(0.15),
        _arr(1.0),
        _arr(1.0),
        (_arr(1.0), _arr(1.0)),
        (_arr(1.0), _arr(1.0)),
        [(_arr(0.0), _arr(0.0))],
        0.0,
        0.0,
        0.0,
        0.0,
        0.5,
    )
    assert np.allclose(x, 0.625)


def test_mediator_with_known_types_offers_inside_the_range() -> None:
    x, _g, _r = bg.propose(
        _arr(bg.MEDIATOR),
        _arr(0.5),
        _arr(0.6),
        _arr(0.4),
        _arr(0.10),
        _arr(0.15),
        _arr(1.0),
        _arr(1.0),
        (_arr(1.0), _arr(1.0)),
        (_arr(1.0), _arr(1.0)),
        [(_arr(0.0), _arr(0.0))],
        0.0,
        0.0,
        0.0,
        0.0,
        0.5,
    )
    assert np.allclose(x, 0.625)  # certain acceptance on (0.50, 0.75); the tie goes to the middle


def test_the_proposer_picks_the_package_that_pays() -> None:
    # Russia proposing: strong guarantees cost it h = 0.3 per unit but lower Ukraine's commitment cost by
    # k = 0.05 per unit, so Russia leaves them out; with h = 0 it puts them in (they buy territory).
    def pick(h: float) -> np.ndarray:
        _x, g, _r = bg.propose(
            _arr(bg.RUSSIA),
            _arr(0.8),
            _arr(0.84),
            _arr(0.17),
            _arr(0.04),
            _arr(0.04),
            _arr(1.0),
            _arr(1.0),
            (_arr(0.0), _arr(2.0)),
            (_arr(0.0), _arr(2.0)),
            [(_arr(0.0), _arr(0.0)), (_arr(0.8), _arr(0.0))],
            1.0,
            1.0,
            h,
            0.05,
            0.5,
        )
        return g

    assert np.allclose(pick(0.3), 0.0) and np.allclose(pick(0.0), 0.8)


def test_powell_condition_both_sides() -> None:
    # delta p' - p against (1 - delta) c_B: 0.9*0.7 - 0.6 = 0.03 > 0.1*0.2 = 0.02 -> fight; c_B = 0.4 -> settle.
    assert bg.powell_declining_side_fights(0.6, 0.7, 0.9, 0.2)
    assert not bg.powell_declining_side_fights(0.6, 0.7, 0.9, 0.4)
    assert not bg.powell_declining_side_fights(0.6, 0.6, 0.9, 0.0)  # no shift: no commitment problem


def test_anticipated_shift_moves_the_expected_front_only_after_it_arrives() -> None:
    base = bg.expected_front_with_shift(0.5, 100, 200, 0.6, 0.0, 0)
    assert base == pytest.approx(0.6)
    assert bg.expected_front_with_shift(0.5, 100, 200, 0.6, -0.1, 0) == pytest.approx(0.5)
    assert bg.expected_front_with_shift(0.5, 100, 200, 0.6, -0.1, 50) == pytest.approx(0.55)
    assert bg.expected_front_with_shift(0.5, 100, 200, 0.6, -0.1, 150) == pytest.approx(0.6)


def test_each_row_gets_its_own_proposers_package_whatever_the_other_rows_do() -> None:
    # propose solves each protocol only on the rows whose proposer uses it, for all options at once; a row's
    # package must be exactly (to the bit) what it is when every row has that row's proposer.
    rng = np.random.default_rng(3)
    n = 64
    u = rng.uniform
    g_on, r_on, zero = np.round(u(0, 1, n), 1), u(0, 0.03, n), np.zeros(n)
    lo_ru, lo_ua = u(0, 1, n), u(0, 1, n)
    args = (
        u(0.1, 0.3, n),
        u(0.0, 0.5, n),
        u(0.3, 1.0, n),
        np.where(rng.random(n) < 0.2, 0.0, u(0, 0.3, n)),
        u(0, 0.3, n),
        u(0, 2, n),
        u(0, 2, n),
        (lo_ru, np.where(rng.random(n) < 0.3, lo_ru, lo_ru + u(0, 1, n))),
        (lo_ua, lo_ua + u(0, 1, n)),
        [(g_on, r_on), (g_on, zero), (zero, r_on), (zero, zero)],
        u(0, 1, n),
        1.0,
        u(0, 0.05, n),
        u(0, 0.1, n),
        0.5,
        np.where(rng.random(n) < 0.5, 0.0, u(0, 0.5, n)),
        np.where(rng.random(n) < 0.5, 1.0, u(0.3, 1, n)),
    )
    who = np.tile(np.array([bg.NASH, bg.MEDIATOR, bg.RUSSIA, bg.UKRAINE]), n // 4)
    mixed = bg.propose(who, *args)
    for code in (bg.NASH, bg.MEDIATOR, bg.RUSSIA, bg.UKRAINE):
        alone = bg.propose(np.full(n, code), *args)
        rows = who == code
        for got, want in zip(mixed, alone, strict=True):
            assert got[rows].tobytes() == want[rows].tobytes()
    # The options are really chosen between: more than one package appears.
    assert len({(g, r) for g, r in zip(mixed[1], mixed[2], strict=True)}) > 2


def _proposal_args(n: int, seed: int) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    u = rng.uniform
    g_on, r_on, zero = np.full(n, 0.25), u(0, 0.03, n), np.zeros(n)
    return dict(
        held=u(0.8, 0.86, n),
        gross_ru=u(0.82, 0.9, n),
        gross_ua=u(0.1, 0.18, n),
        cost_ru=u(0.01, 0.05, n),
        cost_ua=u(0.01, 0.05, n),
        belief_ru=(np.full(n, 0.5), np.full(n, 1.5)),
        belief_ua=(np.full(n, 0.5), np.full(n, 1.5)),
        options=[(g_on, r_on), (g_on, zero), (zero, r_on), (zero, zero)],
        loss_ru=u(0.75, 1.75, n),
        loss_ua=u(0.75, 1.75, n),
        guarantee_cost=u(0.1, 0.2, n),
        commitment_k=u(0.02, 0.08, n),
        beta=0.5,
    )


@pytest.mark.parametrize("code", [bg.RUSSIA, bg.UKRAINE])
def test_an_offer_reveals_the_proposers_type_in_the_right_direction(code: int) -> None:
    # The same worlds with a resolute (0.6) and a costly (1.4) proposer: the others, reading each package
    # through the proposer's optimum, believe the costly one costlier, and never rule out the true type.
    n = 300
    kw = _proposal_args(n, 5)
    who = np.full(n, code)
    side = "type_ru" if code == bg.RUSSIA else "type_ua"
    other = "type_ua" if code == bg.RUSSIA else "type_ru"
    f, lo, hi = kw["held"], np.full(n, 0.5), np.full(n, 1.5)

    def offered_by(t: np.ndarray) -> np.ndarray:
        x, g, r = bg.propose(who, **kw, **{side: t, other: np.ones(n)})  # type: ignore[arg-type]
        if code == bg.RUSSIA:  # the value to the responder
            return bg.package_ua(x, g, f, kw["loss_ua"], kw["commitment_k"])  # type: ignore[arg-type]
        return bg.package_ru(x, g, r, f, kw["loss_ru"], kw["guarantee_cost"])  # type: ignore[arg-type]

    means = []
    for truth in (0.6, 1.4):
        u = offered_by(np.full(n, truth))
        new_lo, new_hi = bg.signalled_type(u, offered_by, lo, hi)
        assert ((new_lo <= truth + 1e-12) & (truth <= new_hi + 1e-12)).all()
        assert (new_hi - new_lo <= hi - lo).all() and (new_hi - new_lo < hi - lo - 1e-9).mean() > 0.5  # narrows
        means.append((new_lo + new_hi) / 2)
    assert (means[1] >= means[0] - 1e-12).all() and (means[1] > means[0]).mean() > 0.5
    # ... because the value offered is monotone in the type (Topkis): a costlier proposer offers more, even
    # where the package switches between options and the territorial term alone goes the other way.
    grid = np.stack([offered_by(np.full(n, t)) for t in np.linspace(0.5, 1.5, 21)])
    assert (np.diff(grid, axis=0) >= -1e-9).all()


def test_a_flat_offer_teaches_nothing() -> None:
    lo, hi = np.array([0.5, 0.5]), np.array([1.5, 1.5])
    new_lo, new_hi = bg.signalled_type(np.array([0.1, 0.1]), lambda t: np.full(2, 0.1), lo, hi)
    assert (new_lo == lo).all() and (new_hi == hi).all()


def test_the_mediator_goes_below_the_line_only_when_russia_is_losing() -> None:
    # Worlds where Russia's believed-mean type would accept less than the line (its costs are high): the plan
    # stays at or above the line unless Russia is publicly losing, and then never below that type's reservation.
    n = 200
    kw = _proposal_args(n, 8)
    kw["cost_ru"] = np.full(n, 0.12)  # a Russia in crisis: its war is worth far less than the line
    who = np.full(n, bg.MEDIATOR)
    types = dict(type_ru=np.ones(n), type_ua=np.ones(n))
    x_calm = bg.propose(who, **kw, **types)[0]  # type: ignore[arg-type]
    x_losing = bg.propose(who, **kw, **types, losing=np.ones(n, dtype=bool))[0]  # type: ignore[arg-type]
    held = kw["held"]
    assert (x_calm >= held - 1e-12).all()
    assert (x_losing < held - 1e-9).mean() > 0.5
    # the lowest floor of the options: relief without guarantees, for the believed-mean type (1)
    relief = kw["options"][2][1]  # type: ignore[index]
    floor = bg.reservation_ru(kw["gross_ru"] - kw["cost_ru"], 0.0, relief, held, kw["loss_ru"], 0.0)  # type: ignore[operator]
    assert (x_losing >= np.minimum(floor, held) - 1e-9).all()


def test_several_shifts_add_up_in_the_expected_front() -> None:
    one = bg.expected_front_with_shift(0.5, 100, 200, 0.6, -0.1, 50)
    both = bg.expected_front_with_shifts(0.5, 100, 200, 0.6, [(-0.1, 50), (0.05, 80)])
    # 0.55 from the first; the second adds 2 * 0.05 * 20 / 200 = 0.01.
    assert one == pytest.approx(0.55) and both == pytest.approx(0.56)


def test_ramp_mean_is_the_mean_of_the_replenishment_recurrence() -> None:
    # D_{s+1} = (1 - rho) D_s + delta from D_0 = 0: the mean of D_1..D_S, against the closed form.
    for delta, rho, weeks in ((0.003, 0.04, 20), (-0.002, 0.05, 7), (0.001, 0.0, 12), (0.004, 0.3, 1)):
        d, path = 0.0, []
        for _ in range(weeks):
            d = (1.0 - rho) * d + delta
            path.append(d)
        assert bg.ramp_mean(delta, rho, weeks) == pytest.approx(np.mean(path), rel=1e-9)
    assert bg.ramp_mean(0.003, 0.04, 0) == 0.0 and bg.ramp_mean(0.003, 0.04, -5) == 0.0
    # rho -> 0: the linear ramp delta (S + 1)/2
    assert bg.ramp_mean(0.002, 1e-12, 9) == pytest.approx(0.002 * 5)


def test_two_guarantors_combine_as_independent_commitments() -> None:
    # g = 1 - (1 - g_us)(1 - g_eu): symmetric, 0 is neutral, 1 from either side is full, never above 1
    rng = np.random.default_rng(5)
    a, b = rng.random(1000), rng.random(1000)
    g = bg.combined_guarantees(a, b)
    np.testing.assert_allclose(g, bg.combined_guarantees(b, a), rtol=0, atol=0)
    np.testing.assert_array_equal(bg.combined_guarantees(a, 0.0), a)
    np.testing.assert_array_equal(bg.combined_guarantees(1.0, b), 1.0)
    assert (g >= np.maximum(a, b)).all() and (g <= 1.0).all()
    assert float(bg.combined_guarantees(0.8, 0.25)) == pytest.approx(0.85)
    # a package's guarantee lowers Ukraine's commitment discount k(1 - g) by k * g_eu * (1 - g_us) when Europe joins
    k = 0.05
    gain = bg.package_ua(0.8, bg.combined_guarantees(0.8, 0.25), 0.8, 1.0, k) - bg.package_ua(0.8, 0.8, 0.8, 1.0, k)
    assert float(gain) == pytest.approx(k * 0.25 * 0.2)
