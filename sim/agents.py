"""The five state agents: their levers, the policies that set them, and the decisions they own.

Each is a ``mesa.Agent``. Its week has two moments:

- ``step()`` (phase 1, policies): its policies set its levers — fixed schedules, trigger rules and response
  functions of last week's observed state; scheduled events may then override any lever;
- ``decide(m, w)`` (the decision phase, after events, so that a same-week event counts): the choices that
  react to this week's levers. The US turns approval into Tomahawk deliveries; India chooses the Russian share
  it aims for from its costs and benefits; Europe sets its aid (replacing part of a US cut) and adopts sanctions
  packages.

The belligerents also own how they meet an offer, called by the negotiation process in a round: each values
war from its own belief, costs and resolve (``war_value``), sets the worst terms it accepts
(``reservation``) and accepts or not (``accepts``). Strategic choices (making offers, setting demands,
conceding) belong here as further methods, reached by processes through ``sim.processes.base.Belligerent``.

Lever values are arrays over the chunk's replicates, so one agent step sets the levers of every replicate at
once; a rule's trigger, streak and once-fired memory are per replicate too. This module does not import the
model: what agents see of it is the ``Host`` protocol below.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

import mesa
import numpy as np

from sim.levers import LEVERS
from sim.processes import bargaining, coercion, costs, europe, market, negotiation, oil
from sim.processes import beliefs as belief
from sim.processes.base import Model
from sim.scenario import AgentSpec, Condition, ResponsePolicy, RulePolicy, SchedulePolicy
from sim.week import memoised

if TYPE_CHECKING:
    from sim.week import Week


class Host(Model, Protocol):
    """What agents see of the model besides what processes see: the clock, observed state for rules, and
    per-policy random draws."""

    week: int

    def observe(self, var: str) -> Any: ...

    def policy_uniforms(self, key: str) -> np.ndarray: ...


OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def _value(v: float | None) -> float:
    return np.nan if v is None else float(v)


class CompiledPolicy:
    """A policy bound to one agent's lever arrays."""

    def __init__(self, name: str, lever: str) -> None:
        self.name = name
        self.lever = lever

    def apply(self, agent: StateAgent, week: int) -> None:
        raise NotImplementedError


class Schedule(CompiledPolicy):
    def __init__(self, name: str, spec: SchedulePolicy) -> None:
        super().__init__(name, spec.lever)
        self.at = {int(w): _value(v) for w, v in spec.at.items()}

    def apply(self, agent: StateAgent, week: int) -> None:
        if week in self.at:
            agent.levers[self.lever][:] = self.at[week]
            agent.host.note("lever", f"{agent.key}.{self.lever} = {self.at[week]:g} ({self.name}: schedule)")


class Rule(CompiledPolicy):
    def __init__(self, name: str, spec: RulePolicy, in_force: np.ndarray) -> None:
        super().__init__(name, spec.lever)
        self.spec = spec
        self.value: Any = _value(spec.value)
        self.thresholds: list[Any] = [c.value for c in spec.when]  # per replicate in a batch (sim.batch)
        self.in_force = in_force
        self.streak = np.zeros(in_force.shape, dtype=np.int32)
        self.fired = np.zeros(in_force.shape, dtype=bool)

    def holds(self, model: Host, cond: Condition, value: Any) -> np.ndarray:
        return np.asarray(OPS[cond.op](model.observe(cond.var), value))

    def apply(self, agent: StateAgent, week: int) -> None:
        s = self.spec
        if week < s.from_week or (s.until_week is not None and week > s.until_week):
            self.streak[:] = 0
            trigger = self.fired if s.once else None
        else:
            cond = np.ones(self.streak.shape, dtype=bool)
            for c, value in zip(s.when, self.thresholds, strict=True):
                cond &= self.holds(agent.host, c, value)
            self.streak = np.where(cond, self.streak + 1, 0).astype(np.int32)
            trigger = self.in_force & (self.streak >= s.for_weeks)
            if s.once:
                trigger |= self.fired
        if trigger is None:
            return
        lever = agent.levers[self.lever]
        i = agent.host.trace_index
        if agent.host.tracing and trigger[i] and lever[i] != self.value:
            agent.host.note("lever", f"{agent.key}.{self.lever} = {self.value:g} ({self.name}: rule fired)")
        self.fired |= trigger
        np.copyto(lever, self.value, where=trigger)


class Response(CompiledPolicy):
    def __init__(self, name: str, spec: ResponsePolicy) -> None:
        super().__init__(name, spec.lever)
        self.spec = spec

    def apply(self, agent: StateAgent, week: int) -> None:
        s = self.spec
        if week < s.from_week:
            return
        x = agent.host.observe(s.var)
        lever = LEVERS[agent.key][self.lever]
        agent.levers[self.lever][:] = np.clip(
            s.base + s.slope * (x - s.ref), max(s.min, lever.lo), min(s.max, lever.hi)
        )


class StateAgent(mesa.Agent):  # type: ignore[misc]  # Mesa ships no type information
    """A state: its levers (arrays over replicates) and its policies, applied in the order written."""

    key: ClassVar[str] = ""
    decision: ClassVar[str] = ""  # the name of its decision phase, as levers' channels name it (sim.levers)

    def __init__(self, model: Host, spec: AgentSpec) -> None:
        super().__init__(cast(mesa.Model, model))
        self.host = model
        n = model.n
        self.levers: dict[str, np.ndarray] = {}
        for name, lever in LEVERS[self.key].items():
            self.levers[name] = np.full(n, _value(spec.levers.get(name, lever.default)), dtype=float)
        self.policies: list[CompiledPolicy] = []
        for pname, pol in spec.policies.items():
            if isinstance(pol, SchedulePolicy):
                self.policies.append(Schedule(pname, pol))
            elif isinstance(pol, RulePolicy):
                u = model.policy_uniforms(f"{self.key}.{pname}")
                self.policies.append(Rule(pname, pol, u < pol.probability))
            else:
                self.policies.append(Response(pname, pol))

    def step(self) -> None:
        """Phase 1: the policies set the levers for the week."""
        week = self.host.week
        for policy in self.policies:
            policy.apply(self, week)

    def decide(self, m: Model, w: Week) -> None:
        """The decision phase (after events): choices that react to this week's levers. None by default."""


class UnitedStates(StateAgent):
    """Penalty tariff on India, Tomahawks, oil sanctions, aid and air defence, mediation, and
    the carrots of a deal: a US backstop to Ukraine's security guarantees and sanctions relief for Russia."""

    key = "us"
    decision = "tomahawk_deliveries"

    def __init__(self, model: Host, spec: AgentSpec) -> None:
        super().__init__(model, spec)
        # the week Tomahawks were approved (inf: not approved); withdrawing approval resets it
        self.approved_since = np.full(model.n, np.inf)

    def decide(self, m: Model, w: Week) -> None:
        """Tomahawks approved for ``refining.tomahawk_lag`` weeks (training, launchers, delivery) are delivered
        and used at ``refining.tomahawks_per_week``."""
        r = m.p.refining
        approved = w.lever("us", "tomahawks") > 0.5
        self.approved_since = np.where(approved, np.minimum(self.approved_since, w.t), np.inf)
        w.tomahawks = (
            np.where(approved & (w.t >= self.approved_since + r.tomahawk_lag), r.tomahawks_per_week, 0.0) * m.active
        )


class WarringSide(StateAgent):
    """What Russia and Ukraine share: a private cost type and a war value from their own belief, cost and resolve
    (their variables end in ``side``: ``alpha_ru``, ``resolve_ua``...). A subclass gives ``side``, ``weekly_cost``
    and ``value`` (its value of the front's share, with possession value around the line)."""

    side: str

    def __init__(self, model: Host, spec: AgentSpec) -> None:
        super().__init__(model, spec)
        self.cost_type, self.type_belief = bargaining.private_type(model, self.side)

    def weekly_cost(self, m: Model, w: Week, *, expected: bool) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def value(x: np.ndarray, held: np.ndarray, loss: float | np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def expected_front(self, m: Model, w: Week, rows: np.ndarray | None = None) -> np.ndarray:
        """E_i[f_{t+L}] from side i's own belief, with the shifts in p it sees coming: Tomahawks, scheduled aid,
        frozen-asset and mobilisation decisions (issue 11). With ``rows``, at those replicates only (the same
        figures: it acts replicate by replicate)."""
        # keyed on the rows' contents, not the array's id (an id may be reused by another array once freed)
        key = ("expected_front", self.side, None if rows is None else rows.tobytes())
        return memoised(w, key, lambda: self._expected_front(m, w, rows))

    def _expected_front(self, m: Model, w: Week, rows: np.ndarray | None) -> np.ndarray:
        def at(v: Any) -> Any:
            return v if rows is None or np.ndim(v) == 0 else np.asarray(v)[rows]

        g = m.p.negotiation
        mean = belief.belief_mean(at(w.read(f"alpha_{self.side}")), at(w.read(f"beta_{self.side}")))
        shifts = [(at(s), at(k)) for s, k in bargaining.anticipated_shifts(m, w)]
        return bargaining.expected_front_with_shifts(at(w.front), at(g.horizon), at(m.const.n_steps), mean, shifts)

    def war_cost(self, m: Model, w: Week) -> np.ndarray:
        """C_i = L c_bar / resolve, the public part of its cost of war (its private type multiplies it)."""
        g = m.p.negotiation
        resolve = w.read(f"resolve_{self.side}")
        return negotiation.expected_cost(self.weekly_cost(m, w, expected=True), g.horizon, resolve)

    def gross_war_value(self, m: Model, w: Week, rows: np.ndarray | None = None) -> np.ndarray:
        """u_i(E_i[f]): the expected front valued with possession value around the line (at ``rows`` only if
        given)."""
        loss = getattr(m.p.negotiation, f"loss_aversion_{self.side}")
        if rows is None:
            return self.value(self.expected_front(m, w), w.front, loss)
        return self.value(self.expected_front(m, w, rows), w.front[rows], loss if np.ndim(loss) == 0 else loss[rows])

    def war_value(self, m: Model, w: Week) -> np.ndarray:
        """V_i = u_i(E_i[f_{t+L}]) - theta_i C_i, its own belief, cost and private type."""
        return cast(np.ndarray, self.gross_war_value(m, w) - self.cost_type * self.war_cost(m, w))


class Russia(WarringSide):
    """Strikes on Ukraine's energy, offensive intensity, negotiating demand; values war and meets offers."""

    key = "russia"
    side = "ru"
    value = staticmethod(bargaining.value_ru)

    def weekly_cost(self, m: Model, w: Week, *, expected: bool) -> np.ndarray:
        """Denial: casualties against Ukraine's strength at its offensive intensity and fuel shortages from
        refining offline; economic pressure after the fiscal adjustment: spending cuts and fiscal strain (this
        week's, or projected over its budget horizon)."""
        c = m.p.costs
        strain = m.expect("strain_ru", w) if expected else w.read("strain_ru")
        cut = m.expect("cut_ru", w) if expected else w.read("cut_ru")
        offline = 1.0 - w.read("refining_ru")
        intensity = w.lever("russia", "offensive")
        denial_and_strain = costs.weekly_cost_ru(
            c.base_ru, w.read("mil_ua"), intensity, c.fuel, offline, c.fiscal, strain, c.scale
        )
        return cast(np.ndarray, denial_and_strain + c.scale * c.austerity * cut)

    def denial_cost(self, m: Model, w: Week) -> np.ndarray:
        """Denial: casualties and fuel shortages (the whole of ``weekly_cost`` but the fiscal terms)."""
        c = m.p.costs
        offline = 1.0 - w.read("refining_ru")
        zero = np.zeros_like(offline)
        return costs.weekly_cost_ru(
            c.base_ru, w.read("mil_ua"), w.lever("russia", "offensive"), c.fuel, offline, 0.0, zero, c.scale
        )

    def punishment_cost(self, m: Model, w: Week, *, expected: bool) -> np.ndarray:
        """No Ukrainian punishment campaign is modelled (its deep strikes are denial: refineries and depots)."""
        return np.zeros(m.n)

    def reservation(self, m: Model, w: Week, war_value: np.ndarray) -> np.ndarray:
        """The least share it accepts with the whole package on offer (guarantees and relief)."""
        g = m.p.negotiation
        relief = w.lever("us", "relief") * g.relief_worth
        return bargaining.reservation_ru(
            war_value, bargaining.guarantees_on_offer(w), relief, w.front, g.loss_aversion_ru, g.guarantee_cost_ru
        )

    def package_value(self, m: Model, w: Week, x: np.ndarray, g: np.ndarray, r: np.ndarray) -> np.ndarray:
        n = m.p.negotiation
        return bargaining.package_ru(x, g, r, w.front, n.loss_aversion_ru, n.guarantee_cost_ru)

    def accepts(self, m: Model, w: Week, offer: np.ndarray, reservation: np.ndarray) -> np.ndarray:
        """Accepts a package whose value exceeds its war value by ``offer - reservation`` (the surplus, in
        territory shares), with the acceptance noise tau."""
        return negotiation.accept(offer - reservation, m.p.negotiation.tau, w.noise["accept_ru"])


class Ukraine(WarringSide):
    """Deep strikes on refineries, mobilisation, negotiating demand; values war and meets offers."""

    key = "ukraine"
    side = "ua"
    value = staticmethod(bargaining.value_ua)

    def denial_cost(self, m: Model, w: Week) -> np.ndarray:
        """Denial: casualties against Russia's strength at Russia's offensive intensity."""
        c = m.p.costs
        mil_ru, intensity = w.read("mil_ru"), w.lever("russia", "offensive")
        return costs.weekly_cost_ua(c.base_ua, mil_ru, intensity, 0.0, np.zeros_like(mil_ru), c.scale)

    def punishment_cost(self, m: Model, w: Week, *, expected: bool) -> np.ndarray:
        """Punishment: the energy deficit Russia's strikes impose (this week's, or expected over the planning
        horizon, winter included)."""
        c = m.p.costs
        deficit = m.expect("energy_deficit", w) if expected else w.read("energy_deficit")
        return cast(np.ndarray, c.scale * c.energy * deficit)

    def weekly_cost(self, m: Model, w: Week, *, expected: bool) -> np.ndarray:
        """The cost its government weighs: denial in full, punishment by its pass-through (Pape 1996; Horowitz
        and Reiter 2001: punishing civilians rarely moves the decision to concede)."""
        return coercion.decision_cost(
            self.denial_cost(m, w), 0.0, self.punishment_cost(m, w, expected=expected), m.p.coercion.passthrough_ua
        )

    def reservation(self, m: Model, w: Week, war_value: np.ndarray) -> np.ndarray:
        """The most it concedes with the guarantees on offer (the commitment discount they lower)."""
        g = m.p.negotiation
        return bargaining.reservation_ua(
            war_value, bargaining.guarantees_on_offer(w), w.front, g.loss_aversion_ua, g.commitment_k
        )

    def package_value(self, m: Model, w: Week, x: np.ndarray, g: np.ndarray, r: np.ndarray) -> np.ndarray:
        n = m.p.negotiation
        return bargaining.package_ua(x, g, w.front, n.loss_aversion_ua, n.commitment_k)

    def accepts(self, m: Model, w: Week, offer: np.ndarray, reservation: np.ndarray) -> np.ndarray:
        """Accepts a package whose value exceeds its war value by ``offer - reservation`` (the surplus)."""
        return negotiation.accept(offer - reservation, m.p.negotiation.tau, w.noise["accept_ua"])


class India(StateAgent):
    """Chooses the Russian share of its crude imports it aims for; its cap on that share is its lever."""

    key = "india"
    decision = "india_purchases"

    def decide(self, m: Model, w: Week) -> None:
        """India's target share: a logistic function of the discount savings (the delivered discount, widened
        by part of last week's FOB widening) net of the expected penalty tariff and sanctions risk, capped by
        its own purchase cap, less the designated barrels its refiners refuse (compliance, net of re-routing
        and waivers). The share moves toward it in the oil market with a contract lag and noise."""
        o = m.p.oil
        delivered = market.delivered_discount(
            o.delivered_discount,
            o.delivered_passthrough,
            w.read("discount_share"),
            m.const.discount_share0,
            w.read("brent"),
        )
        refused = market.designation_cap(
            market.effective_designation(w.lever("us", "designations"), w.read("designation_adapted")),
            o.india_compliance,
            w.lever("us", "waiver"),
        )
        w.india_target = refused * oil.india_target_share(
            w.lever("us", "penalty_tariff"),
            w.lever("us", "sanctions"),
            delivered,
            o.india_imports,
            o.india_max_share,
            o.india_scale,
            o.tariff_contingency,
            o.exposed_exports,
            o.enforcement_risk,
            w.lever("india", "purchase_cap"),
        )


class Europe(StateAgent):
    """The EU, its member states and the UK: military aid, the reparations loan or the EUR 90bn loan, sanctions
    packages and the gas ban (``sim.processes.europe``)."""

    key = "europe"
    decision = "europe_support"

    def decide(self, m: Model, w: Week) -> None:
        """Europe's rule: its aid this week is its own level plus the share ``substitution`` of any US cut below
        the Oct 2025 level (flow ``aid_eu``); while the war goes on it adopts a sanctions package with weekly
        probability ``package_rate`` / 52.18, each adding ``europe.package_step`` to its enforcement lever (kept
        from week to week: the packages accumulate; a scenario's schedule or event resets it)."""
        e = m.p.europe
        w.aid_eu = europe.aid_with_substitution(
            w.lever("europe", "aid"),
            w.lever("europe", "substitution"),
            w.lever("us", "aid"),
            m.p.attrition.aid_weight,
            e.aid_weight,
        )
        adopted = europe.package_adopted(w.noise["package"], w.lever("europe", "package_rate")) & m.active
        lever = self.levers["sanctions"]
        lever[:] = europe.ratchet(lever, adopted, e.package_step)
        i = m.trace_index
        if m.tracing and adopted[i]:
            m.note("lever", f"europe.sanctions = {lever[i]:.3f} (an EU sanctions package: Europe's decision)")


AGENT_CLASSES: tuple[type[StateAgent], ...] = (UnitedStates, Russia, Ukraine, India, Europe)
