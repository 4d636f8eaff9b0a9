"""Model parameters: every coefficient with its default, unit, admissible range and source.

A field's value is a number or a distribution (``sim.distributions``), drawn once per replicate at week 0.
``sim params`` lists them all from these definitions; docs/calibration.md argues each default.
"""

from __future__ import annotations

import math
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from sim.distributions import DIST_NAMES, DIST_TYPES, Dist, Uniform, describe

_DIST_ADAPTER: TypeAdapter[Any] = TypeAdapter(Dist)

Num = Any  # a float or a distribution; validated by Group._number_or_dist


def param(default: Any, unit: str, source: str, *, lo: float = -math.inf, hi: float = math.inf, doc: str = "") -> Any:
    """A parameter field: default, unit, source (a data source, or "argued: ..." with the argument and its
    range, never a bare "assumption"), admissible closed range [lo, hi]."""
    return Field(
        default=default, description=doc, json_schema_extra={"unit": unit, "source": source, "lo": lo, "hi": hi}
    )


def to_number_or_dist(value: Any) -> Any:
    """Coerce a YAML value to a float or a distribution object, with a one-line reason when it is neither."""
    if isinstance(value, DIST_TYPES):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a number or a distribution, got a boolean")
    if isinstance(value, int | float):
        if not math.isfinite(float(value)):
            raise ValueError(f"expected a finite number, got {value}")
        return float(value)
    if isinstance(value, dict):
        if value.get("dist") not in DIST_NAMES:
            raise ValueError(
                f"expected a distribution with dist: one of {', '.join(DIST_NAMES)}; got dist: {value.get('dist')!r}"
            )
        try:
            return _DIST_ADAPTER.validate_python(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"][1:])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "finite_number":
                msg = f"expected a finite number, got {err.get('input')!r}"
            elif err["type"] == "too_long":
                msg = f"expected at most {(err.get('ctx') or {}).get('max_length')} entries, got {len(err['input'])}"
            raise ValueError(f"{value['dist']} distribution{' field ' + where if where else ''}: {msg}") from None
    raise ValueError(f"expected a number or a distribution, got {type(value).__name__} {value!r}")


class Group(BaseModel):
    """A parameter group: frozen, unknown keys forbidden, every value checked against its [lo, hi]."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _number_or_dist(cls, value: Any, info: Any) -> Any:
        out = to_number_or_dist(value)
        extra = cls.model_fields[info.field_name].json_schema_extra or {}
        lo = float(typing.cast(float, extra.get("lo", -math.inf)))  # type: ignore[union-attr]
        hi = float(typing.cast(float, extra.get("hi", math.inf)))  # type: ignore[union-attr]
        low, high = out.support() if isinstance(out, DIST_TYPES) else (out, out)
        if low < lo or high > hi:
            rng = f"[{lo:g}, {hi:g}]"
            got = describe(out)
            raise ValueError(f"expected a value in {rng}, got {got}")
        return out


class FrontParams(Group):
    """Battle front and contest (process 4)."""

    n_steps: Num = param(
        200,
        "steps",
        "argued: one step of the 136,000 km2 of the five claimed regions "
        "is about 680 km2, a month's gain in 2025 (ISW, DeepState)",
        lo=2,
        hi=10_000,
    )
    p0: Num = param(
        Uniform(low=0.51, high=0.57),
        "probability/week",
        "calibrated: about +0.05 of front over two years at 2025's pace (ISW; MODEL.md)",
        lo=0.01,
        hi=0.99,
    )
    tullock_k: Num = param(2.0, "1", "Tullock (1980); Hirshleifer (1989) contest decisiveness", lo=0.1, hi=20)
    area_km2: Num = param(
        136_000.0,
        "km2",
        "the five regions Russia claims: Crimea 27,000, Donetsk 26,500, Luhansk 26,700, Zaporizhzhia 27,200, "
        "Kherson 28,500 km2",
        lo=1,
        hi=1e6,
    )
    weekly_sd_km2: Num = param(
        Uniform(low=60, high=120),
        "km2/week",
        "calibrated: monthly net Russian gains 2024-25 of 244-725 km2 (ISW via AFP) vary by ~150-250 km2 "
        "around their trend; sd_week = sd_month / sqrt(4.35)",
        lo=0,
        hi=5000,
    )
    max_drift_km2: Num = param(
        Uniform(low=120, high=200),
        "km2/week",
        "the fastest sustained monthly advances of 2023-25, 610-725 km2 (Oct-Nov 2024) and 701 km2 (Nov 2025), "
        "are 140-165 km2 a week (ISW via AFP); the drift saturates there (Biddle 2004)",
        lo=1,
        hi=1e6,
    )
    coin_weight: Num = param(
        0.0,
        "1",
        "validation: 1 with weekly_sd_km2 = 0 makes the front the gambler's-ruin walk of one step a week "
        "(Feller); 0 moves it by its drift (2p - 1) steps plus the weekly noise",
        lo=0,
        hi=1,
    )


class AttritionParams(Group):
    """Lanchester attrition with restoring replenishment (process 4)."""

    rate: Num = param(
        0.02,
        "strength/week",
        "argued: about 1,000 Russian casualties a day against a force "
        "of ~700,000 (UK MoD, 2025) is ~1% a week of strength; doubled for materiel",
        lo=0,
        hi=0.5,
    )
    loser_extra: Num = param(0.5, "1", "argued: the side that lost the week loses 50% more", lo=0, hi=5)
    base_replenishment: Num = param(
        0.025, "strength/week", "derived: expected loss at parity, rate x (1 + loser_extra/2)", lo=0, hi=0.5
    )
    theta: Num = param(
        0.04,
        "1/week",
        "argued: restoring term large enough that parity is stable (MODEL.md precise rules)",
        lo=0,
        hi=1,
    )
    strength_floor: Num = param(0.5, "strength", "argued: below half of Oct 2025 strength a side collapses", lo=0, hi=1)
    aid_weight: Num = param(
        0.4,
        "1",
        "argued: share of Ukraine's replenishment the US aid lever funds "
        "(Kiel Ukraine Support Tracker: US ~40% of military aid to 2025)",
        lo=0,
        hi=1,
    )
    mobilisation_weight: Num = param(
        0.1, "1", "argued: share of replenishment moved by mobilisation policy", lo=0, hi=1
    )
    assets_bonus: Num = param(
        0.1,
        "1",
        "argued: a EUR 140bn reparations loan over ~2 years adds about a "
        "tenth to Ukraine's funding (European Commission proposal, Sep 2025)",
        lo=0,
        hi=1,
    )
    strain_weight: Num = param(
        0.5, "1", "argued: share of Russia's replenishment lost at full fiscal strain", lo=0, hi=1
    )
    tomahawk_strength: Num = param(
        0.003,
        "strength/missile",
        "argued (MODEL.md prototype): firepower added to Ukraine's contest strength in the week a missile is used",
        lo=0,
        hi=0.1,
    )


class BeliefParams(Group):
    """Beta beliefs about p with forgetting (process 5)."""

    prior_mean_ru: Num = param(
        Uniform(low=0.62, high=0.78),
        "probability",
        "argued: mutual optimism (Blainey 1973; Fearon 1995), Russia above p0",
        lo=0.001,
        hi=0.999,
    )
    prior_mean_ua: Num = param(
        Uniform(low=0.40, high=0.52), "probability", "argued: mutual optimism, Ukraine below p0", lo=0.001, hi=0.999
    )
    prior_strength_ru: Num = param(
        Uniform(low=10, high=40),
        "pseudo-weeks",
        "argued: a prior worth 10-40 weeks of fighting, weak enough that two years of battle move it (range 5-80)",
        lo=0.1,
        hi=1e6,
    )
    prior_strength_ua: Num = param(
        Uniform(low=10, high=40), "pseudo-weeks", "argued: as prior_strength_ru (range 5-80)", lo=0.1, hi=1e6
    )
    forgetting: Num = param(Uniform(low=0.97, high=0.99), "1/week", "argued: memory of 33-100 weeks", lo=0, hi=1)


class NegotiationParams(Group):
    """Bargaining rounds (process 7)."""

    horizon: Num = param(
        Uniform(low=18, high=34),
        "weeks",
        "argued: a planning horizon of about half a year (MODEL.md: the odds are sensitive to it)",
        lo=1,
        hi=104,
    )
    beta: Num = param(0.5, "1", "Nash (1950); Rubinstein (1982) with equal patience", lo=0, hi=1)
    tau: Num = param(0.005, "share", "argued: small acceptance noise (MODEL.md: keep <= 0.01)", lo=0, hi=0.1)
    talks_rate: Num = param(
        0.05,
        "probability/week",
        "calibrated: four rounds in 2025 (Istanbul x3, Alaska) in ~40 weeks is ~0.1, half of them with no mandate",
        lo=0,
        hi=1,
    )
    commitment_k: Num = param(
        Uniform(low=0.007, high=0.028),
        "share",
        "Powell (2006) commitment problem; size calibrated (scripts/calibrate_positions.py, 20,000 replicates) so "
        "that Ukraine's median reservation at the talks of weeks 1-2 is the line, its public position Aug 2025-"
        "Jan 2026 (a ceasefire at the line with guarantees, no withdrawal; the 20-point framework of Dec 2025): "
        "docs/calibration.md §4.1",
        lo=0,
        hi=1,
    )
    relief_worth: Num = param(
        Uniform(low=0.0, high=0.03),
        "share",
        "calibrated with commitment_k and guarantee_cost_ru to Russia's position in Aug 2025 (the rest of Donetsk "
        "above the line even with relief on offer): docs/calibration.md §4",
        lo=0,
        hi=1,
    )
    fixed_offer: Num = param(
        -1.0,
        "share",
        "validation only: a fixed offer in [0, 1] replaces the Nash split (negative: use the Nash split)",
        lo=-1,
        hi=1,
    )
    proposer: Num = param(
        1.0,
        "code",
        "who proposes (issue 11): 0 Nash split of the true range (complete information), 1 the mediator's plan "
        "(US-led, 2025), 2 Russia, 3 Ukraine",
        lo=0,
        hi=3,
    )
    private_type_ru: Num = param(
        Uniform(low=0.5, high=1.5),
        "x expected cost",
        "Fearon (1995): costs and resolve are private; the others know only this distribution (argued range)",
        lo=0,
        hi=10,
    )
    private_type_ua: Num = param(
        Uniform(low=0.5, high=1.5),
        "x expected cost",
        "Fearon (1995): costs and resolve are private; the others know only this distribution (argued range)",
        lo=0,
        hi=10,
    )
    loss_aversion_ru: Num = param(
        Uniform(low=0.75, high=1.75),
        "1",
        "Kahneman and Tversky (1979), Tversky and Kahneman (1992): losses weigh about 2.25 times gains; "
        "Levy (1996): possession value of held territory",
        lo=0,
        hi=10,
    )
    loss_aversion_ua: Num = param(
        Uniform(low=0.75, high=1.75),
        "1",
        "Kahneman and Tversky (1979), Tversky and Kahneman (1992); Levy (1996)",
        lo=0,
        hi=10,
    )
    guarantee_cost_ru: Num = param(
        Uniform(low=0.1, high=0.2),
        "share per unit of guarantee",
        "Kremlin and MFA statements 2025: no Western forces in Ukraine under any flag; of the order of k",
        lo=0,
        hi=1,
    )
    discount: Num = param(
        0.995, "1/week", "argued: a weekly discount factor of 0.995 is 0.77 a year (Powell 2006)", lo=0, hi=1
    )
    ukraine_holds_line: Num = param(
        0.0,
        "0/1",
        "what-if: Ukraine cedes nothing beyond the line it holds at the time (Kyiv's position in 2025: no "
        "withdrawal from Donetsk)",
        lo=0,
        hi=1,
    )
    concession: Num = param(
        1.0,
        "0/1",
        "Hendricks, Weiss and Wilson (1988): concede to the other's demand in a war of attrition (acts only "
        "when both demands are set and incompatible)",
        lo=0,
        hi=1,
    )


class CostParams(Group):
    """Weekly costs of fighting and resolve (processes 3, 7, 8)."""

    scale: Num = param(
        1.0,
        "1",
        "sensitivity multiplier on every weekly cost (MODEL.md: x0.5 -> 1%, x1.5 -> 82% settlement in the prototype)",
        lo=0,
        hi=100,
    )
    base_ru: Num = param(
        Uniform(low=2e-4, high=8e-4),
        "share/week",
        "revealed preference: a year of war cost Russia less than the gap between positions (MODEL.md)",
        lo=0,
        hi=1,
    )
    base_ua: Num = param(Uniform(low=3e-4, high=9e-4), "share/week", "revealed preference, as base_ru", lo=0, hi=1)
    energy: Num = param(
        Uniform(low=0.002, high=0.01),
        "share/week per deficit share",
        "argued: at the winter peak (deficit ~11%) 0.2-1.1e-3 a week, a quarter to four times the base cost "
        "(range 0.001-0.02)",
        lo=0,
        hi=1,
    )
    fuel: Num = param(
        0.0005,
        "share/week per share offline",
        "argued: a quarter of the MODEL.md prototype's 0.002: export bans kept domestic shortages local (2025), "
        "the army has priority on fuel, and the lost export revenue now passes through the fiscal margins "
        "(oil.product_share); range 0.0003-0.001",
        lo=0,
        hi=1,
    )
    fiscal: Num = param(
        Uniform(low=0.002, high=0.006),
        "share/week per strain",
        "argued: at full strain (war spending unfunded) Russia's weekly cost is 3-10x its casualty cost, "
        "comparable to Ukraine's energy cost in a dark winter; MODEL.md prototype range",
        lo=0,
        hi=1,
    )
    austerity: Num = param(
        Uniform(low=0.001, high=0.003),
        "share/week per share of spending cut",
        "argued: cutting 8% of spending costs 0.8-2.4e-4 a week, half the base casualty cost or less "
        "(sequestration of civilian items is politically cheap in Russia: Gaddy and Ickes 2010)",
        lo=0,
        hi=1,
    )
    resolve_recovery: Num = param(
        Uniform(low=0.01, high=0.015), "1/week", "argued: MODEL.md prototype value", lo=0, hi=1
    )
    resolve_erosion: Num = param(5.0, "resolve per share of cost", "argued: stationary resolve ~0.7", lo=0, hi=1000)
    resolve_floor: Num = param(0.2, "resolve", "argued: MODEL.md prototype value", lo=0, hi=1)


class OilParams(Group):
    """Oil market, India's purchases, Russia's revenue and buffer (process 2)."""

    brent_mean: Num = param(Uniform(low=55, high=75), "$/bbl", "argued: around EIA STEO Oct 2025 ($62)", lo=1, hi=300)
    brent_reversion: Num = param(0.05, "1/week", "argued: half-life about 3 months", lo=0, hi=1)
    brent_vol: Num = param(0.04, "log/week", "argued: ~30% a year, Brent's realised volatility", lo=0, hi=1)
    fob_discount_share: Num = param(0.17, "share of Brent", "Bank of Russia: ~15% Q2-Q3, 17% in Oct 2025", lo=0, hi=1)
    jump_rate: Num = param(
        0.0045,
        "probability/week",
        "Brent shocks of 30% or more within weeks: 1986, 1990, 2008 (twice), 2014, 2020, 2022 and a few "
        "smaller, about one per 4-5 years 1986-2025 (EIA; Hamilton 2009); argued range 0.002-0.008",
        lo=0,
        hi=1,
    )
    jump_mean: Num = param(
        0.0, "log", "symmetric: supply shocks up (1990, 2022), demand collapses down (2008, 2020)", lo=-2, hi=2
    )
    jump_sd: Num = param(
        0.35,
        "log",
        "Mar 2022 +0.28 in two weeks, Aug 1990 +0.75 in two months, Mar-Apr 2020 -1.1 (EIA Brent spot); "
        "argued range 0.25-0.5",
        lo=0,
        hi=3,
    )
    enforcement_ref: Num = param(
        0.2,
        "enforcement",
        "the baseline's us.sanctions (Oct 2025), at which the discount is fob_discount_share",
        lo=0,
        hi=1,
    )
    enforcement_slope: Num = param(
        0.15,
        "share of Brent per unit enforcement",
        "argued: full enforcement (1.0) widens the discount by ~12 points, as the price cap and EU embargo did "
        "from Dec 2022 (Urals ~ $35-40 under Brent early 2023, KSE Institute); range 0.05-0.25",
        lo=0,
        hi=1,
    )
    designation_slope: Num = param(
        Uniform(low=0.45, high=0.75),
        "share of Brent per share designated",
        "calibrated: after Rosneft and Lukoil (~0.45 of exports) were designated on 22 Oct 2025 the discount "
        "went from 17% (Oct) to 23% (Nov) and ~40% of Brent ($27 of $66.6) in Jan 2026 (Bank of Russia; Reuters)",
        lo=0,
        hi=2,
    )
    reroute_half_life: Num = param(
        Uniform(low=26, high=52),
        "weeks",
        "argued: after the Dec 2022 embargo the discount narrowed from ~$35-40 to ~$12-15 within about a year "
        "as the shadow fleet grew (KSE Institute, CREA)",
        lo=1,
        hi=520,
    )
    discount_half_life: Num = param(
        4.0, "weeks", "argued: cargoes are priced 4-8 weeks ahead of delivery (Argus, Platts)", lo=0.1, hi=104
    )
    discount_sd: Num = param(
        0.08,
        "logit/week",
        "argued: month-to-month changes of the discount of 1-3 points of Brent in 2024-25 (Bank of Russia) at "
        "a share near 0.17, where one logit unit is ~0.14 of Brent",
        lo=0,
        hi=2,
    )
    delivered_passthrough: Num = param(
        0.15,
        "share",
        "argued: most of a wider FOB discount pays freight, insurance, intermediaries and the risk of "
        "designated cargoes; a doubling of the FOB discount (17% -> ~35-40% of Brent) adds ~$2-3 to India's "
        "$3-4 delivered discount; range 0.1-0.3",
        lo=0,
        hi=1,
    )
    india_compliance: Num = param(
        Uniform(low=0.8, high=1.0),
        "share",
        "calibrated: India's Russian share fell from 36% (Nov) to 25% (Dec) and 21% (Jan 2026) as its refiners "
        "stopped buying designated barrels (Kpler)",
        lo=0,
        hi=1,
    )
    india_sd: Num = param(
        0.012,
        "share/week",
        "calibrated: Kpler monthly shares 34-41% in May-Oct 2025 move by 2-5 points a month; the lagged share's "
        "stationary sd is 0.012/sqrt(1 - (5/6)^2) = 0.022",
        lo=0,
        hi=0.2,
    )
    delivered_discount: Num = param(3.0, "$/bbl", "Reuters/Kpler: $1.7-2 Jul-Aug, $3-4 for Oct loading", lo=0, hi=100)
    india_imports: Num = param(4.8, "mb/d", "Kpler: 4.7-5.1 mb/d in 2025", lo=0, hi=20)
    india_max_share: Num = param(0.5, "share", "argued: upper asymptote of India's logistic response", lo=0, hi=1)
    india_scale: Num = param(1.7, "$bn/year", "MODEL.md prototype, scale of India's logistic response", lo=1e-6, hi=100)
    tariff_contingency: Num = param(
        0.1,
        "1",
        "argued: share of the penalty India believes it would avoid by "
        "stopping (calibrated: share 41% Jul -> 34-37% Sep-Oct)",
        lo=0,
        hi=1,
    )
    exposed_exports: Num = param(
        40.0, "$bn/year", "GTRI/Reuters: ~$40bn of $86.5bn FY25 exports exposed", lo=0, hi=1000
    )
    enforcement_risk: Num = param(
        2.0,
        "$bn/year at full enforcement",
        "argued: calibrated with tariff_contingency to India's 34-37% share in Sep-Oct 2025",
        lo=0,
        hi=1000,
    )
    contract_lag: Num = param(6.0, "weeks", "argued: term contracts and loading schedules", lo=1, hi=104)
    redirect_share: Num = param(0.6, "share", "argued: China and Turkey absorb most dropped barrels", lo=0, hi=1)
    redirect_discount: Num = param(5.0, "$/bbl", "argued: market power of the remaining buyers", lo=0, hi=100)
    export_volume: Num = param(7.3, "mb/d", "calibrated: crude and products exports giving $1.45bn a week", lo=0, hi=30)
    tax_take: Num = param(0.55, "share", "argued: MET plus export duty equivalent (MinFin)", lo=0, hi=1)
    product_share: Num = param(0.3, "share", "argued: revenue lost per share of refining offline", lo=0, hi=1)


class FiscalParams(Group):
    """Russia's federal budget and its financing margins (sim/processes/fiscal.py)."""

    spending: Num = param(
        10.4,
        "$bn/week",
        "2026 budget law: spending 44.1 trn RUB (TASS, 29 Sep 2025) at ~81 RUB/$ (Bank of Russia, Oct 2025)",
        lo=0,
        hi=100,
    )
    other_revenue: Num = param(
        Uniform(low=7.8, high=8.4),
        "$bn/week",
        "2026 budget law: revenue 40.3 trn RUB of which oil and gas 8.9 trn: non-oil-and-gas 31.4 trn ($7.4bn/week) "
        "plus gas and condensate (~2.8 trn, $0.66bn/week); range for the ruble and the VAT rise to 22%",
        lo=0,
        hi=100,
    )
    borrow_cap: Num = param(
        Uniform(low=0.85, high=1.15),
        "$bn/week",
        "argued: the 2026 plan borrows its 3.8 trn RUB deficit ($0.89bn/week) and the budget rule pays oil "
        "shortfalls from the NWF; up to 30% more OFZ as in 2025, when a 5.7 trn deficit was mostly borrowed "
        "(TASS, 29 Sep 2025; Global Source Partners, Nov 2025): 3.6-4.9 trn RUB a year",
        lo=0,
        hi=100,
    )
    horizon: Num = param(
        Uniform(low=52, high=156),
        "weeks",
        "argued: Russia's budget is planned three years ahead (2026-28 law); fiscal exhaustion within one to "
        "three budget years weighs on the decision to fight on",
        lo=1,
        hi=520,
    )
    cut_cap: Num = param(
        Uniform(low=0.03, high=0.08),
        "share of spending",
        "argued: cuts of non-war items; non-defence, non-security spending is ~60% of the budget and 2026 froze "
        "indexation; 3-8% of total spending is 5-13% of the civilian part",
        lo=0,
        hi=1,
    )
    war_share: Num = param(
        0.37,
        "share of spending",
        "2026 budget: defence 12.9 and security 3.9 trn RUB of 44.1 trn (Reuters/SIPRI reading of the draft)",
        lo=0.01,
        hi=1,
    )


class StrikeParams(Group):
    """Strike intensities in Richardson form (process 3)."""

    m: Num = param(
        0.5, "1/week", "Richardson (1960); size argued: a reaction half-life of 1.4 weeks (range 0.2-1)", lo=1e-6, hi=10
    )
    n: Num = param(
        0.5, "1/week", "Richardson (1960); size argued: a reaction half-life of 1.4 weeks (range 0.2-1)", lo=1e-6, hi=10
    )
    a: Num = param(0.3, "1/week", "argued: Russia's reaction to Ukrainian deep strikes", lo=0, hi=10)
    b: Num = param(0.05, "1/week", "argued: Ukraine's reaction to Russian strikes", lo=0, hi=10)
    salvo_prob: Num = param(
        0.25, "probability/week", "Sep-Oct 2025: salvos of 28 Sep, 3 Oct, 10 Oct, 16 Oct", lo=0, hi=1
    )
    salvo_size: Num = param(
        800.0, "drone-equivalents", "28 Sep: 595 drones + 48 missiles (a missile ~4 drones)", lo=0, hi=1e5
    )
    interception: Num = param(0.85, "share", "Ukrainian Air Force reports 2025", lo=0, hi=1)

    @model_validator(mode="after")
    def _stable(self) -> StrikeParams:
        # Richardson's spiral is stable iff m n > a b; check it for every value the distributions allow.
        (m_lo, _), (n_lo, _), (_, a_hi), (_, b_hi) = (_bounds(v) for v in (self.m, self.n, self.a, self.b))
        if not m_lo * n_lo > a_hi * b_hi:
            raise ValueError(
                f"m, n, a, b: strike intensities run away unless m*n > a*b; here min m*n = "
                f"{m_lo * n_lo:g} and max a*b = {a_hi * b_hi:g}"
            )
        return self


def _bounds(value: Any) -> tuple[float, float]:
    return value.support() if isinstance(value, DIST_TYPES) else (float(value), float(value))


class EnergyParams(Group):
    """Ukraine's grid (process 3)."""

    damage_per_hit: Num = param(0.004, "GW/hit", "calibrated: steady state near 16 GW available", lo=0, hi=10)
    repair_rate: Num = param(0.08, "1/week", "argued: MODEL.md prototype value", lo=0, hi=1)
    capacity_target: Num = param(
        22.0, "GW", "argued: repairable capacity (55 GW pre-war, <20 GW by mid-2024)", lo=0, hi=100
    )
    demand_mean: Num = param(14.5, "GW", "Ukrenergo: winter peak about 18 GW", lo=0, hi=100)
    demand_amplitude: Num = param(3.5, "GW", "Ukrenergo: winter peak about 18 GW", lo=0, hi=100)
    peak_day: Num = param(15.0, "day of year", "Ukrenergo: demand peaks in mid-January", lo=1, hi=366)


class RefiningParams(Group):
    """Russian refining under Ukrainian deep strikes (process 3)."""

    penetration: Num = param(
        0.25,
        "share",
        "argued: Russia claims to down most Ukrainian drones; a quarter reaching refineries gives the 17-38% offline "
        "of Aug-Sep 2025 (Reuters) at the default damage (range 0.1-0.5)",
        lo=0,
        hi=1,
    )
    damage_per_hit: Num = param(
        0.0015, "share/hit", "calibrated: ~24% offline in steady state (Reuters: 17-38% idle Aug-Sep 2025)", lo=0, hi=1
    )
    repair_half_life: Num = param(4.0, "weeks", "Reuters: refineries restart in weeks", lo=0.1, hi=520)
    tomahawk_hits: Num = param(
        8.0, "drone hits/missile", "argued: ~450 kg warhead vs ~50 kg drone payloads", lo=0, hi=1000
    )
    tomahawks_per_week: Num = param(6.0, "missiles/week", "argued: a few dozen a quarter", lo=0, hi=1000)
    tomahawk_lag: Num = param(10.0, "weeks", "argued: training, launchers, delivery", lo=0, hi=104)


class EscalationParams(Group):
    """Escalation pressure and the hazard of direct NATO-Russia confrontation (process 6)."""

    decay: Num = param(
        0.9,
        "1/week",
        "argued: a provocation is remembered for ~10 weeks, a half-life of 6.6 (range 0.8-0.97)",
        lo=0,
        hi=1,
    )
    tomahawk_weight: Num = param(0.08, "pressure/missile", "argued: Kremlin 'qualitatively new stage'", lo=0, hi=100)
    salvo_weight: Num = param(
        0.05, "pressure/salvo", "argued: a massive salvo weighs like ~0.6 Tomahawks (range 0.01-0.2)", lo=0, hi=100
    )
    deep_strike_weight: Num = param(0.0002, "pressure/hit", "argued: strikes deep in Russia", lo=0, hi=100)
    base_hazard: Num = param(2e-5, "1/week", "argued: ~0.1% a year absent provocation", lo=0, hi=1)
    hazard_per_pressure: Num = param(
        Uniform(low=3e-5, high=9e-5),
        "1/week per pressure",
        "argued: with Tomahawks in use (pressure ~5) direct NATO-Russia confrontation becomes a ~1-2% a year risk, "
        "an order above the base hazard (range 1e-5 to 3e-4, swept in sobol_levers)",
        lo=0,
        hi=1,
    )


class CoercionParams(Group):
    """Punishment, denial and economic pressure (sim/processes/coercion.py)."""

    passthrough_ua: Num = param(
        Uniform(low=0.0, high=0.2),
        "share",
        "Pape (1996); Horowitz and Reiter (2001): punishment of civilians has no detectable effect on the "
        "decision to concede; the winters of 2022-23 and 2025-26 brought no Ukrainian concession",
        lo=0,
        hi=1,
    )
    punishment_erosion: Num = param(
        Uniform(low=1.0, high=3.0),
        "resolve per share of cost",
        "argued: a fifth to three fifths of the erosion of other costs (costs.resolve_erosion = 5): populations "
        "habituate to bombing (Pape 1996, ch. 3; Allen 2007 on campaigns that last)",
        lo=0,
        hi=1000,
    )
    rally_gain: Num = param(
        Uniform(low=5.0, high=15.0),
        "resolve per share of cost above adaptation",
        "argued: a rise in punishment first hardens the target (rally effects: Mueller 1970; Lambert et al. "
        "2010); gain 1-3x the erosion so that a doubling of strikes lowers resolve only after some weeks",
        lo=0,
        hi=1000,
    )
    adaptation_half_life: Num = param(
        Uniform(low=4.0, high=12.0),
        "weeks",
        "argued: rally effects fade in one to three months (Mueller 1970; Baker and Oneal 2001)",
        lo=0.1,
        hi=520,
    )


class EuropeParams(Group):
    """Europe's aid, financing, sanctions packages and gas ban (sim/processes/europe.py; sim.agents.Europe)."""

    aid_weight: Num = param(
        Uniform(low=0.25, high=0.35),
        "1",
        "Kiel Ukraine Support Tracker (Dec 2025): Europe allocated most of 2025's EUR 32.5bn of aid after the US "
        "halt; with the US lever's 40% and mobilisation's 10%, Europe funds 25-35% of Ukraine's replenishment and "
        "Ukraine's own budget and industry the rest (about 40% of its weapons made at home, Zelensky 2025)",
        lo=0,
        hi=1,
    )
    loan_ratio: Num = param(
        0.64,
        "1",
        "European Council, 19 Dec 2025: EUR 90bn for 2026-27 against the EUR 140bn reparations loan proposed in "
        "Sep 2025: 90/140 = 0.64 of its funding",
        lo=0,
        hi=2,
    )
    package_step: Num = param(
        Uniform(low=0.0, high=0.04),
        "enforcement per package",
        "argued: packages 10-18 (2023-25) list vessels and close loopholes about as fast as the shadow fleet "
        "grows: the Urals discount narrowed from ~40% of Brent (early 2023) to 15-17% (2025; KSE Institute, Bank "
        "of Russia); a package's net effect is at most 0.6 points of Brent (0.04 x oil.enforcement_slope)",
        lo=0,
        hi=1,
    )
    gas_revenue: Num = param(
        Uniform(low=0.02, high=0.06),
        "$bn/week",
        "argued: Russia's gas to the EU in 2025, ~16 bcm by pipeline (TurkStream) at ~$300/1000 m3 with the 30% "
        "export duty and ~20 bcm of LNG (Yamal, no export duty; Novatek's profit tax), is ~$1-3bn a year of "
        "budget revenue (Bruegel and CREA import figures, MinFin duty rates)",
        lo=0,
        hi=10,
    )


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    front: FrontParams = FrontParams()
    attrition: AttritionParams = AttritionParams()
    beliefs: BeliefParams = BeliefParams()
    negotiation: NegotiationParams = NegotiationParams()
    costs: CostParams = CostParams()
    oil: OilParams = OilParams()
    strikes: StrikeParams = StrikeParams()
    energy: EnergyParams = EnergyParams()
    refining: RefiningParams = RefiningParams()
    escalation: EscalationParams = EscalationParams()
    fiscal: FiscalParams = FiscalParams()
    coercion: CoercionParams = CoercionParams()
    europe: EuropeParams = EuropeParams()


class Initial(Group):
    """The state at week 0 (16 October 2025)."""

    front: Num = param(
        0.83,
        "share",
        "ISW/DeepState Oct 2025: Crimea, ~99% Luhansk, ~77% Donetsk, ~73% Zaporizhzhia and Kherson",
        lo=0,
        hi=1,
    )
    mil_ru: Num = param(1.0, "index", "definition: Oct 2025 = 1", lo=0, hi=10)
    mil_ua: Num = param(1.0, "index", "definition: Oct 2025 = 1", lo=0, hi=10)
    resolve_ru: Num = param(0.7, "index", "argued: near the stationary value", lo=0, hi=1)
    resolve_ua: Num = param(0.7, "index", "argued: near the stationary value", lo=0, hi=1)
    brent: Num = param(62.0, "$/bbl", "ICE Brent, 16 Oct 2025", lo=1, hi=300)
    india_share: Num = param(0.36, "share", "Kpler: ~1.8 of ~5 mb/d early Oct 2025", lo=0, hi=1)
    buffer_ru: Num = param(
        Uniform(low=48, high=56),
        "$bn",
        "MinFin: National Wealth Fund liquid assets ~4.2 trn RUB in Oct 2025, 4.1 trn at the start of 2026 "
        "(Moscow Times, 16 Jan 2026), at 78-83 RUB/$",
        lo=0,
        hi=1000,
    )
    refining_ru: Num = param(0.8, "share online", "Reuters: 17-38% idle Aug-Sep 2025", lo=0, hi=1)
    grid_ua: Num = param(16.0, "GW", "MODEL.md: under 20 GW available by mid-2024, 2025 strikes", lo=0, hi=100)
    strikes_ru: Num = param(
        600.0, "drone-equivalents/week", "Ukrainian Air Force: ~4,000-6,000 drones a month in 2025", lo=0, hi=1e5
    )
    strikes_ua: Num = param(
        150.0, "drone-equivalents/week", "argued: Ukrainian long-range drone launches", lo=0, hi=1e5
    )
    escalation: Num = param(0.0, "pressure", "definition", lo=0, hi=1e6)


def iter_params(model: BaseModel, prefix: str) -> list[tuple[str, Any, dict[str, Any], str]]:
    """(dotted path, value, extra, description) for every parameter below ``model``."""
    out: list[tuple[str, Any, dict[str, Any], str]] = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}.{name}"
        if isinstance(value, Group) or isinstance(value, BaseModel) and not isinstance(value, DIST_TYPES):
            out += iter_params(value, path)
        else:
            out.append((path, value, dict(field.json_schema_extra or {}), field.description or ""))  # type: ignore[arg-type]
    return out
