"""PressureModel: one Mesa model whose state is vectorised over the replicates of a chunk.

``step()`` advances every replicate by one week, in the order of MODEL.md: policies and events, the oil market,
strikes and energy, battle, learning, escalation, negotiation, termination. Replicates that reached an outcome
are frozen by masking, never removed, so array positions and random streams stay aligned.
"""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace
from typing import Any

import mesa
import numpy as np

from sim import seeds
from sim.agents import AGENT_CLASSES, StateAgent
from sim.distributions import DIST_TYPES
from sim.names import (  # noqa: F401  (re-exported: the model's vocabulary)
    ESCALATION,
    N_BINS,
    ONGOING,
    OUTCOMES,
    RU_COLLAPSE,
    SETTLEMENT,
    STATE_VARIABLES,
    UA_COLLAPSE,
    VARIABLE_NAMES,
)
from sim.params import iter_params
from sim.processes import battle, beliefs, costs, energy, escalation, negotiation, oil

_LO = np.array([v[0] for v in STATE_VARIABLES.values()])
_HI = np.array([v[1] for v in STATE_VARIABLES.values()])
_SCALE = N_BINS / (_HI - _LO)


def _ns(pairs: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(**pairs)


class PressureModel(mesa.Model):
    """The Leverage model for one chunk of replicates.

    ``n`` replicates (chunk ``chunk`` of the run) share the scenario; every random stream is derived from the
    scenario seed, the chunk and the stream name (and ``point`` when common random numbers are off).
    """

    def __init__(
        self,
        scenario: Any,
        n: int,
        chunk: int = 0,
        *,
        point: int | None = None,
        trace: bool | int = False,
        keep: tuple[str, ...] = (),
    ) -> None:
        super().__init__(rng=seeds.generator(scenario.seed, chunk, "policies", point=point))
        self.spec = scenario
        self.n = int(n)
        self.chunk = chunk
        self.point = point
        self.week = 0
        self.horizon = scenario.horizon_weeks
        self.switches = scenario.switches
        # Tracing (sim trace): notes about one replicate of the chunk, the local index trace_index.
        self.tracing = trace is not False
        self.trace_index = 0 if trace is True or trace is False else int(trace)
        self.trace_log: list[tuple[int, str]] = []
        self._notes_this_week: list[str] = []
        self.keep = keep
        seed = scenario.seed
        self.streams = {
            name: seeds.generator(seed, chunk, name, point=point)
            for name in ("events", "oil", "strikes", "battle", "escalation", "negotiation")
        }

        # Parameters: numbers stay Python floats, distributions become per-replicate arrays from their own stream.
        self.sampled: dict[str, np.ndarray] = {}
        groups: dict[str, dict[str, Any]] = {}
        for path, value, _extra, _doc in iter_params(scenario.params, "params") + iter_params(
            scenario.initial, "initial"
        ):
            if isinstance(value, DIST_TYPES):
                u = seeds.generator(seed, chunk, "params", point=point, extra=seeds.path_key(path)).random(self.n)
                arr = np.asarray(value.ppf(u), dtype=float)
                self.sampled[path] = arr
                value = arr
            _, group, name = path.split(".") if path.startswith("params.") else ("", "initial", path[8:])
            groups.setdefault(group, {})[name] = value
        self.p = _ns({g: _ns(v) for g, v in groups.items() if g != "initial"})
        init = _ns(groups["initial"])

        # Agents (Mesa): created in a fixed order, which is the order their policies apply.
        self._policy_uniforms_cache: dict[str, np.ndarray] = {}
        for cls in AGENT_CLASSES:
            cls(self, getattr(scenario.agents, cls.key))
        self.by_key: dict[str, StateAgent] = {a.key: a for a in self.agents}  # type: ignore[attr-defined]

        # Events: whether each one happens in each replicate is drawn once, at week 0, from the events stream.
        self.events = list(scenario.events.items())
        # each event has its own stream (keyed by its name): adding or deleting one reshuffles no other
        self.event_happens = [
            seeds.generator(seed, chunk, "events", point=point, extra=seeds.path_key(name)).random(self.n)
            < ev.probability
            for name, ev in self.events
        ]

        self._init_state(init)
        # The reported state lives in the rows of one matrix: freezing is one copyto per variable and the
        # weekly histograms need no stacking. Each attribute (self.front, ...) is a view of its row.
        self.S = np.empty((len(VARIABLE_NAMES), self.n))
        for i, name in enumerate(VARIABLE_NAMES):
            self.S[i] = getattr(self, name)
            setattr(self, name, self.S[i])
        self._init_reporting()
        self._record()

    # ----------------------------------------------------------------------------------------------------
    def policy_uniforms(self, key: str) -> np.ndarray:
        u = seeds.generator(self.spec.seed, self.chunk, "policies", point=self.point, extra=seeds.path_key(key)).random(
            self.n
        )
        return u

    def note(self, text: str) -> None:
        if self.tracing and text and self.active[self.trace_index]:
            self.trace_log.append((self.week, text))

    def _full(self, value: Any, dtype: Any = float) -> np.ndarray:
        return np.array(np.broadcast_to(np.asarray(value, dtype=dtype), (self.n,)))

    def _init_state(self, init: SimpleNamespace) -> None:
        p, n = self.p, self.n
        self.n_steps = np.maximum(np.rint(self._full(p.front.n_steps)).astype(np.int64), 2)
        self.front_steps = np.clip(np.rint(self._full(init.front) * self.n_steps).astype(np.int64), 0, self.n_steps)
        self.front = self.front_steps / self.n_steps
        self.gamma = battle.balance_factor(p.front.p0, p.front.tullock_k)
        self.mil_ru, self.mil_ua = self._full(init.mil_ru), self._full(init.mil_ua)
        self.a0_ru, self.b0_ru = beliefs.prior(self._full(p.beliefs.prior_mean_ru), p.beliefs.prior_strength_ru)
        self.a0_ua, self.b0_ua = beliefs.prior(self._full(p.beliefs.prior_mean_ua), p.beliefs.prior_strength_ua)
        self.alpha_ru, self.beta_ru = self.a0_ru.copy(), self._full(self.b0_ru)
        self.alpha_ua, self.beta_ua = self.a0_ua.copy(), self._full(self.b0_ua)
        self.resolve_ru, self.resolve_ua = self._full(init.resolve_ru), self._full(init.resolve_ua)
        self.brent = self._full(init.brent)
        o = p.oil
        self.discount = oil.fob_discount(
            self.brent, o.fob_discount_share, self.lever("us", "sanctions"), o.sanctions_threshold, o.sanctions_discount
        )
        self.india_share = self._full(init.india_share)
        self.india_share0 = self.india_share.copy()
        self.refining_ru = self._full(init.refining_ru)
        self.refining_ru0 = self.refining_ru.copy()
        self.revenue_ru = oil.russia_revenue(
            self.brent,
            self.discount,
            self.india_share,
            self.india_share0,
            o.india_imports,
            o.export_volume,
            o.redirect_share,
            o.redirect_discount,
            o.tax_take,
            o.product_share,
            self.refining_ru,
            self.refining_ru0,
        )
        # War spending = revenue at week 0 x (1 + deficit share) (MODEL.md precise rules).
        self.spending = self.revenue_ru * (1.0 + o.deficit_share)
        self.buffer_ru = self._full(init.buffer_ru)
        self.strain_ru = np.zeros(n)
        self.grid_ua = self._full(init.grid_ua)
        self.strikes_ru, self.strikes_ua = self._full(init.strikes_ru), self._full(init.strikes_ua)
        s = p.strikes
        self.richardson = energy.expm2(self._full(-s.m), self._full(s.a), self._full(s.b), self._full(-s.n))
        self.energy_deficit = (
            np.zeros(n) if not self.switches.strikes else energy.energy_deficit(self.grid_ua, self.demand(0))
        )
        self.escalation = self._full(init.escalation)
        self.tomahawks_delivered = np.zeros(n)
        self.tomahawk_approved_week = np.full(n, np.inf)
        self.belief_ru = beliefs.belief_mean(self.alpha_ru, self.beta_ru)
        self.belief_ua = beliefs.belief_mean(self.alpha_ua, self.beta_ua)
        # Seasonal demand by week, far enough ahead for the planning horizon; the four midpoint nodes of the
        # expected winter deficit are fixed week offsets per replicate (the horizon is drawn once).
        horizon_weeks = self._full(p.negotiation.horizon)
        weeks_ahead = np.arange(self.horizon + int(np.ceil(horizon_weeks.max())) + 2)
        # (weeks,) when demand's parameters are numbers, (weeks, R) when any is drawn per replicate
        self.demand_by_week = self.demand(weeks_ahead[:, None] if self._demand_sampled() else weeks_ahead)
        self._rows = np.arange(n)
        self.deficit_nodes = [np.rint(frac * horizon_weeks).astype(np.int64) for frac in (0.125, 0.375, 0.625, 0.875)]

        # Outcomes and per-replicate accumulators.
        self.active = np.ones(n, dtype=bool)
        self.outcome = np.zeros(n, dtype=np.int8)
        self.end_week = np.full(n, self.horizon, dtype=np.int32)
        self.terms = np.full(n, np.nan)
        self.co_trigger = np.zeros(n, dtype=bool)
        self.revenue_cum = np.zeros(n)
        self.deficit_weeks = np.zeros(n, dtype=np.int32)
        self.escalation_peak = self.escalation.copy()
        self.talks_held = np.zeros(n)
        self.penalty_tariff = self.lever("us", "penalty_tariff").copy()
        self.salvos = np.zeros(n, dtype=np.int32)
        self.last_offer = np.full(n, np.nan)

    def _demand_sampled(self) -> bool:
        e = self.p.energy
        return any(np.ndim(v) > 0 for v in (e.demand_mean, e.demand_amplitude, e.peak_day))

    def lever(self, agent: str, name: str) -> np.ndarray:
        return self.by_key[agent].levers[name]

    def demand(self, week: int | np.ndarray) -> np.ndarray:
        e = self.p.energy
        start = self.spec.start_date
        doy = start.timetuple().tm_yday + 7.0 * np.asarray(week)
        return energy.seasonal_demand(doy, e.demand_mean, e.demand_amplitude, e.peak_day)

    def date(self, week: int) -> dt.date:
        return self.spec.start_date + dt.timedelta(weeks=week)

    def observe(self, var: str) -> Any:
        if var == "week":
            return float(self.week)
        return getattr(self, var)

    # ----------------------------------------------------------------------------------------------------
    def step(self) -> None:
        self.week += 1
        t = self.week
        p, sw, n = self.p, self.switches, self.n
        act = self.active
        # Every stream draws the full chunk shape every week, whatever the mask or the levers.
        eps_brent = self.streams["oil"].standard_normal(n)
        u_salvo = self.streams["strikes"].random(n)
        u_battle = self.streams["battle"].random(n)
        u_escalation = self.streams["escalation"].random(n)
        u_talks, u_acc_ru, u_acc_ua = self.streams["negotiation"].random((3, n))

        # 1. Policies, then scheduled events (which override any lever).
        self.agents.do("step")
        summit = np.zeros(n, dtype=bool)
        salvo_extra = np.zeros(n)
        for i, (name, ev) in enumerate(self.events):
            if ev.week != t:
                continue
            happens = self.event_happens[i]
            if ev.kind == "summit":
                summit |= happens
                took = happens[self.trace_index]
                self.note(f"summit '{ev.label or name}' " + ("takes place" if took else "cancelled"))
            elif ev.kind == "salvo":
                size = p.strikes.salvo_size if ev.value is None else ev.value
                salvo_extra += happens * size
                if happens[self.trace_index]:
                    self.note(f"salvo '{ev.label or name}' of {size:g} drone-equivalents")
            else:
                agent, lever = ev.target()  # type: ignore[misc]
                value = np.nan if ev.value is None else ev.value
                np.copyto(self.lever(agent, lever), value, where=happens)
                if happens[self.trace_index]:
                    self.note(f"{agent}.{lever} = {value:g} (event '{ev.label or name}')")
        us, ru, ua, india = (self.by_key[k].levers for k in ("us", "russia", "ukraine", "india"))
        approved = us["tomahawks"] > 0.5
        self.tomahawk_approved_week = np.where(approved, np.minimum(self.tomahawk_approved_week, t), np.inf)
        tomahawks = (
            np.where(
                approved & (t >= self.tomahawk_approved_week + p.refining.tomahawk_lag),
                p.refining.tomahawks_per_week,
                0.0,
            )
            * act
        )

        # 2. Oil market, India's purchases, Russia's revenue and buffer.
        o = p.oil
        if sw.oil:
            brent = oil.brent_step(self.brent, o.brent_mean, o.brent_reversion, o.brent_vol, eps_brent)
            discount = oil.fob_discount(
                brent, o.fob_discount_share, us["sanctions"], o.sanctions_threshold, o.sanctions_discount
            )
            target = oil.india_target_share(
                us["penalty_tariff"],
                us["sanctions"],
                o.delivered_discount,
                o.india_imports,
                o.india_max_share,
                o.india_scale,
                o.tariff_contingency,
                o.exposed_exports,
                o.enforcement_risk,
                india["purchase_cap"],
            )
            india_share = oil.india_share_step(self.india_share, target, o.contract_lag)
            revenue = oil.russia_revenue(
                brent,
                discount,
                india_share,
                self.india_share0,
                o.india_imports,
                o.export_volume,
                o.redirect_share,
                o.redirect_discount,
                o.tax_take,
                o.product_share,
                self.refining_ru,
                self.refining_ru0,
            )
            buffer, strain = oil.fiscal_step(self.buffer_ru, revenue, self.spending)
        else:
            brent, discount, india_share = self.brent, self.discount, self.india_share
            revenue, buffer, strain = self.revenue_ru, self.buffer_ru, self.strain_ru

        # 3. Strikes (Richardson, exact propagator) and energy.
        s = p.strikes
        if sw.strikes:
            x_star, y_star = energy.richardson_equilibrium(
                s.m, s.n, s.a, s.b, ru["strike_forcing"], ua["deep_strike_forcing"]
            )
            strikes_ru, strikes_ua = energy.richardson_step(
                self.strikes_ru, self.strikes_ua, self.richardson, x_star, y_star
            )
            salvo = (u_salvo < s.salvo_prob) if sw.salvos else np.zeros(n, dtype=bool)
            pulse = salvo * s.salvo_size + salvo_extra
            interception = np.clip(s.interception + us["air_defence"], 0.0, 1.0)
            hits_ru = (strikes_ru + pulse) * (1.0 - interception)
            e = p.energy
            grid = energy.grid_step(self.grid_ua, hits_ru, e.damage_per_hit, e.repair_rate, e.capacity_target)
            deficit = energy.energy_deficit(grid, self.demand_by_week[t])
            hits_ua = p.refining.penetration * strikes_ua + p.refining.tomahawk_hits * tomahawks
            refining = energy.refining_step(
                self.refining_ru, hits_ua, p.refining.damage_per_hit, p.refining.repair_half_life
            )
            salvo_any = pulse > 0
        else:
            strikes_ru, strikes_ua, grid, refining = self.strikes_ru, self.strikes_ua, self.grid_ua, self.refining_ru
            deficit = self.energy_deficit
            hits_ua = np.zeros(n)
            salvo_any = np.zeros(n, dtype=bool)

        # 4. Battle: Tullock contest, the front's step, Lanchester attrition with restoring replenishment.
        intensity = ru["offensive"]
        if sw.battle:
            # Tomahawks add firepower to the week's contest, not to the strength stock (MODEL.md: pure
            # firepower shifts p, hence the terms, not the odds of a deal).
            firepower_ua = self.mil_ua + p.attrition.tomahawk_strength * tomahawks
            p_win = battle.tullock(self.mil_ru, firepower_ua, self.gamma, p.front.tullock_k)
            russia_won = u_battle < p_win
            front_steps = battle.front_step(self.front_steps, russia_won, self.n_steps)
        else:
            russia_won = np.zeros(n, dtype=bool)
            front_steps = self.front_steps
        if sw.battle and sw.attrition:
            a = p.attrition
            funding_ru = 1.0 - a.strain_weight * strain
            funding_ua = (
                1.0
                - a.aid_weight
                - a.mobilisation_weight
                + a.aid_weight * us["aid"]
                + a.mobilisation_weight * ua["mobilisation"]
                + a.assets_bonus * us["assets"]
            )
            mil_ru, mil_ua = battle.attrition_step(
                self.mil_ru,
                self.mil_ua,
                russia_won,
                a.rate,
                intensity,
                a.loser_extra,
                a.base_replenishment,
                a.theta,
                funding_ru,
                funding_ua,
            )
        else:
            mil_ru, mil_ua = self.mil_ru, self.mil_ua

        # 5. Learning: both sides see the week's result.
        if sw.battle and sw.learning:
            b = p.beliefs
            alpha_ru, beta_ru = beliefs.beta_update(
                self.alpha_ru, self.beta_ru, russia_won, self.a0_ru, self.b0_ru, b.forgetting
            )
            alpha_ua, beta_ua = beliefs.beta_update(
                self.alpha_ua, self.beta_ua, russia_won, self.a0_ua, self.b0_ua, b.forgetting
            )
        else:
            alpha_ru, beta_ru, alpha_ua, beta_ua = self.alpha_ru, self.beta_ru, self.alpha_ua, self.beta_ua

        # 6. Escalation pressure and hazard.
        x = p.escalation
        if sw.escalation:
            pressure = escalation.pressure_step(
                self.escalation,
                tomahawks,
                salvo_any,
                hits_ua,
                x.decay,
                x.tomahawk_weight,
                x.salvo_weight,
                x.deep_strike_weight,
            )
            escalate = u_escalation < escalation.hazard(pressure, x.base_hazard, x.hazard_per_pressure)
        else:
            pressure, escalate = self.escalation, np.zeros(n, dtype=bool)

        # Costs this week (for resolve) and expected over the planning horizon (for war values).
        c = p.costs
        offline = 1.0 - refining
        cost_ru = costs.weekly_cost_ru(c.base_ru, mil_ua, intensity, c.fuel, offline, c.fiscal, strain, c.scale)
        cost_ua = costs.weekly_cost_ua(c.base_ua, mil_ru, intensity, c.energy, deficit, c.scale)
        if sw.costs:
            resolve_ru = costs.resolve_step(self.resolve_ru, cost_ru, c.resolve_recovery, c.resolve_erosion)
            resolve_ua = costs.resolve_step(self.resolve_ua, cost_ua, c.resolve_recovery, c.resolve_erosion)
        else:
            resolve_ru, resolve_ua = self.resolve_ru, self.resolve_ua

        # 7. Negotiation.
        front = front_steps / self.n_steps
        settle = np.zeros(n, dtype=bool)
        offer = self.last_offer
        talks = np.zeros(n, dtype=bool)
        if sw.negotiation:
            g = p.negotiation
            talk_prob = np.clip(g.talks_rate * us["mediation"], 0.0, 1.0)
            talks = (u_talks < talk_prob) | summit
            horizon = g.horizon
            deficit_ahead = self._expected_deficit(grid, t) if sw.strikes else deficit
            strain_ahead = oil.projected_strain(buffer, revenue, self.spending, horizon) if sw.oil else strain
            cbar_ru = costs.weekly_cost_ru(
                c.base_ru, mil_ua, intensity, c.fuel, offline, c.fiscal, strain_ahead, c.scale
            )
            cbar_ua = costs.weekly_cost_ua(c.base_ua, mil_ru, intensity, c.energy, deficit_ahead, c.scale)
            mean_ru, mean_ua = beliefs.belief_mean(alpha_ru, beta_ru), beliefs.belief_mean(alpha_ua, beta_ua)
            ef_ru = negotiation.expected_front(front, horizon, self.n_steps, mean_ru)
            ef_ua = negotiation.expected_front(front, horizon, self.n_steps, mean_ua)
            v_ru, v_ua = negotiation.war_values(
                ef_ru,
                ef_ua,
                negotiation.expected_cost(cbar_ru, horizon, resolve_ru),
                negotiation.expected_cost(cbar_ua, horizon, resolve_ua),
            )
            relief = us["relief"] * g.relief_worth
            lo, hi = negotiation.bargaining_range(
                v_ru, v_ua, g.commitment_k, us["guarantees"], relief, ru["demand"], ua["demand"]
            )
            offer = (
                np.full(n, g.fixed_offer)
                if np.all(np.asarray(g.fixed_offer) >= 0)
                else negotiation.nash_offer(lo, hi, g.beta)
            )
            settle = (
                talks
                & negotiation.accept(offer - lo, g.tau, u_acc_ru)
                & negotiation.accept(hi - offer, g.tau, u_acc_ua)
            )
            if self.tracing and talks[self.trace_index]:
                i = self.trace_index
                self.note(
                    f"talks: V_ru={v_ru[i]:.3f} V_ua={v_ua[i]:.3f} range=[{lo[i]:.3f}, {hi[i]:.3f}] "
                    f"offer={offer[i]:.3f} -> " + ("deal" if settle[i] else "no deal")
                )

        # 8. Termination on the end-of-week state: escalation > ukraine_collapse > russia_collapse > settlement.
        a = p.attrition
        ua_down = (
            (front_steps >= self.n_steps)
            | (sw.attrition & (mil_ua < a.strength_floor))
            | (sw.costs & (resolve_ua < c.resolve_floor))
        )
        ru_down = (
            (front_steps <= 0)
            | (sw.attrition & (mil_ru < a.strength_floor))
            | (sw.costs & (resolve_ru < c.resolve_floor))
        )
        triggers = np.stack([escalate, ua_down, ru_down, settle])
        fired = triggers.any(axis=0) & act
        code = np.select(
            [escalate, ua_down, ru_down, settle], [ESCALATION, UA_COLLAPSE, RU_COLLAPSE, SETTLEMENT], ONGOING
        ).astype(np.int8)
        self.outcome = np.where(fired, code, self.outcome)
        self.end_week = np.where(fired, t, self.end_week).astype(np.int32)
        demand_ru = ru["demand"]
        terms = np.select(
            [code == SETTLEMENT, code == UA_COLLAPSE, code == RU_COLLAPSE],
            [offer, np.fmax(front, demand_ru), front],
            np.nan,
        )
        self.terms = np.where(fired, terms, self.terms)
        self.co_trigger |= fired & (triggers.sum(axis=0) > 1)

        # Freeze ended replicates: only replicates active at the start of the week take the new values.
        w = act
        np.copyto(self.front_steps, front_steps, where=w)
        np.divide(self.front_steps, self.n_steps, out=self.front)
        for mine, new in (
            (self.alpha_ru, alpha_ru),
            (self.beta_ru, beta_ru),
            (self.alpha_ua, alpha_ua),
            (self.beta_ua, beta_ua),
            (self.mil_ru, mil_ru),
            (self.mil_ua, mil_ua),
            (self.resolve_ru, resolve_ru),
            (self.resolve_ua, resolve_ua),
            (self.brent, brent),
            (self.discount, discount),
            (self.india_share, india_share),
            (self.revenue_ru, revenue),
            (self.buffer_ru, buffer),
            (self.strain_ru, strain),
            (self.refining_ru, refining),
            (self.grid_ua, grid),
            (self.energy_deficit, deficit),
            (self.strikes_ru, strikes_ru),
            (self.strikes_ua, strikes_ua),
            (self.escalation, pressure),
        ):
            if new is not mine:
                np.copyto(mine, new, where=w)
        np.divide(self.alpha_ru, self.alpha_ru + self.beta_ru, out=self.belief_ru)
        np.divide(self.alpha_ua, self.alpha_ua + self.beta_ua, out=self.belief_ua)
        self.tomahawks_delivered += tomahawks
        self.revenue_cum += revenue * w
        self.deficit_weeks += w & (deficit > 0)
        np.maximum(self.escalation_peak, self.escalation, out=self.escalation_peak)
        self.talks_held += w & talks
        np.copyto(self.penalty_tariff, us["penalty_tariff"], where=w)
        self.salvos += w & salvo_any
        np.copyto(self.last_offer, offer, where=w & talks)
        if self.tracing and fired[self.trace_index]:
            i = self.trace_index
            self.note(
                f"ended: {OUTCOMES[self.outcome[i]]}"
                + (f" on terms {self.terms[i]:.3f}" if not math.isnan(self.terms[i]) else "")
            )
        self.active = act & ~fired
        self._record()

    def _expected_deficit(self, grid: np.ndarray, t: int) -> np.ndarray:
        """Mean energy deficit over the next L weeks at today's capacity, by the midpoint rule on four nodes
        (the winter ahead counts before it arrives: MODEL.md expected cost)."""
        total = np.zeros(self.n)
        table = self.demand_by_week
        for offset in self.deficit_nodes:
            demand = table[t + offset, self._rows] if table.ndim == 2 else table[t + offset]
            total += energy.energy_deficit(grid, demand)
        return total / 4.0

    def run(self) -> None:
        """Run to the horizon (or until every replicate has ended: the rest of the weeks are then frozen)."""
        while self.week < self.horizon:
            self.step()

    # ----------------------------------------------------------------------------------------------------
    # Weekly reporting: fixed-bin histograms, additive across chunks, so weekly quantiles are identical
    # whatever the number of workers, and cheap (one bincount a week for every variable and both scopes).
    def _init_reporting(self) -> None:
        weeks = self.horizon + 1
        v = len(VARIABLE_NAMES)
        # scope 0 = replicates active at the end of the week, scope 1 = ended ones ("all" is their sum).
        self.hist = np.zeros((weeks, 2, v, N_BINS), dtype=np.int32)
        self.sums = np.zeros((weeks, 2, v))
        self.n_active = np.zeros(weeks, dtype=np.int64)
        self.outcome_counts = np.zeros((weeks, len(OUTCOMES)), dtype=np.int64)
        # bin index of variable i's value x in the flat histogram: i*N_BINS + clip((x - lo_i) * scale_i)
        self._bin_scale = _SCALE[:, None]
        self._bin_shift = (np.arange(v) * N_BINS - _LO * _SCALE)[:, None]
        self._bin_first = (np.arange(v) * N_BINS)[:, None].astype(float)
        self._bin_last = self._bin_first + (N_BINS - 1)
        # Ended replicates are frozen, so their histogram only grows by the replicates ending each week.
        self._ended_hist = np.zeros(v * N_BINS, dtype=np.int64)
        self._ended_sums = np.zeros(v)
        self._ended_count = 0
        self._was_active = np.ones(self.n, dtype=bool)
        self._bin_buf = np.empty((v, self.n))
        self._bin_idx = np.empty((v, self.n), dtype=np.intp)
        self.trajectories = {name: np.zeros((weeks, self.n), dtype=np.float32) for name in self.keep}

    def _histogram(self, values: np.ndarray) -> np.ndarray:
        # Full-width calls reuse preallocated buffers: fresh 1.8 MB temporaries twice a week cost glibc an
        # mmap/munmap pair each and ~1,000 page faults a week at R = 10,000 (benchmarks/README.md).
        full = values.shape == self.S.shape
        idx = np.multiply(values, self._bin_scale, out=self._bin_buf if full else None)
        idx += self._bin_shift
        np.clip(idx, self._bin_first, self._bin_last, out=idx)
        if full:
            np.copyto(self._bin_idx, idx, casting="unsafe")
            flat = self._bin_idx.ravel()
        else:
            flat = idx.astype(np.intp).ravel(order="K")
        return np.bincount(flat, minlength=len(VARIABLE_NAMES) * N_BINS)

    def _record(self) -> None:
        t, act, v = self.week, self.active, len(VARIABLE_NAMES)
        newly = self._was_active & ~act
        if newly.any():
            ended = self.S[:, newly]
            self._ended_hist += self._histogram(ended)
            self._ended_sums += ended.sum(axis=1)
            self._ended_count += ended.shape[1]
            self._was_active = act.copy()
        # Every replicate's histogram minus the ended ones' is exactly the active replicates' histogram.
        self.hist[t, 0] = (self._histogram(self.S) - self._ended_hist).reshape(v, N_BINS)
        self.hist[t, 1] = self._ended_hist.reshape(v, N_BINS)
        self.sums[t, 0] = self.S.sum(axis=1) - self._ended_sums
        self.sums[t, 1] = self._ended_sums
        self.n_active[t] = self.n - int(self._ended_count)
        self.outcome_counts[t] = np.bincount(self.outcome, minlength=len(OUTCOMES))
        for name, arr in self.trajectories.items():
            arr[t] = getattr(self, name)
