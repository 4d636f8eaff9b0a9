"""Levers: what each agent can pull, declared once with its default, unit, admissible range, source and the
channels it acts through.

``LEVERS[agent][name]`` is a frozen ``Lever``. The scenario schema validates ``agents.<agent>.levers.<name>``,
policies and events against it; the agents build their lever arrays from it; ``sim params`` lists it beside
the parameters; the report reads the same declaration. A channel is a process of the week
(``sim.model.SCHEDULE``) or one of the agents' decisions and termination (``DECISIONS``) that reads the lever;
``tests/test_processes_contract.py`` checks that the processes and decisions read exactly the levers whose
channels name them.

Standard library only: the command line imports this without the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Where a lever can act besides the processes: the agents' decisions (sim.agents) and termination (sim.model).
DECISIONS = ("tomahawk_deliveries", "india_purchases", "europe_support", "termination")
PROCESSES = ("oil", "salvos", "strikes", "battle", "attrition", "learning", "escalation", "resolve", "negotiation")


@dataclass(frozen=True)
class Lever:
    """One lever of one agent. ``default`` None means "none" (only the demand levers take null)."""

    agent: str
    name: str
    default: float | None
    lo: float
    hi: float
    unit: str
    label: str
    doc: str
    source: str
    channels: tuple[str, ...]

    @property
    def path(self) -> str:
        """The lever's dotted path in a scenario file."""
        return f"agents.{self.agent}.levers.{self.name}"

    def admits(self, value: float) -> bool:
        return self.lo <= value <= self.hi and not math.isnan(value)


def _table(
    agent: str, *levers: tuple[str, float | None, float, float, str, str, str, str, tuple[str, ...]]
) -> dict[str, Lever]:
    return {name: Lever(agent, name, *rest) for name, *rest in levers}  # type: ignore[arg-type]


LEVERS: dict[str, dict[str, Lever]] = {
    # The United States: tariffs, Tomahawks, sanctions, aid, mediation, and the carrots of a deal.
    "us": _table(
        "us",
        (
            "penalty_tariff",
            25.0,
            0,
            100,
            "points",
            "US penalty tariff on India",
            "Russia-oil penalty tariff on India on top of the 25% reciprocal rate (0 or 25 in 2025)",
            "White House executive order of 6 Aug 2025: +25 points on Indian goods for buying Russian oil, in force "
            "27 Aug 2025, on top of the 25% reciprocal rate of 7 Aug (50% in all; calibration §12)",
            ("india_purchases",),
        ),
        (
            "tomahawks",
            0.0,
            0,
            1,
            "0/1",
            "Tomahawks approved",
            "Tomahawk approval; deliveries start after refining.tomahawk_lag",
            "not approved on 16 Oct 2025: under consideration before Zelensky's White House visit of 17 Oct "
            "(Reuters, Oct 2025); a yes/no decision",
            ("tomahawk_deliveries",),
        ),
        (
            "sanctions",
            0.2,
            0,
            1,
            "enforcement",
            "Sanctions enforcement on Russian oil",
            "enforcement of sanctions on Russian oil (0 none, 1 full)",
            "argued: 0.2 = a loosely enforced price cap in Oct 2025, the reference oil.enforcement_ref at which "
            "the Urals discount is its Oct 2025 share of Brent (17%, Bank of Russia); 1 = full enforcement, as "
            "the price cap and EU embargo from Dec 2022 (Urals ~$35-40 under Brent early 2023, KSE Institute)",
            ("oil", "india_purchases"),
        ),
        (
            "aid",
            1.0,
            0,
            3,
            "x Oct 2025",
            "US military aid",
            "US military aid and intelligence (1 = Oct 2025 level)",
            "definition: 1 = US aid, intelligence sharing and sales as of Oct 2025, funding attrition.aid_weight "
            "(~40%) of Ukraine's replenishment (Kiel Ukraine Support Tracker); 0 = none, up to 3x",
            ("attrition", "europe_support", "negotiation"),
        ),
        (
            "air_defence",
            0.0,
            0,
            0.15,
            "share",
            "Added air defence",
            "added interception share from air-defence deliveries",
            "definition: interception added to the 85% of 2025 (Ukrainian Air Force reports); at most 0.15 so "
            "that interception stays a share",
            ("strikes",),
        ),
        (
            "mediation",
            1.0,
            0,
            10,
            "x",
            "US mediation effort",
            "multiplier on the weekly chance of talks",
            "definition: 1 = the 2025 pace of talks (Istanbul x3, Alaska: negotiation.talks_rate); 0 stops "
            "unscheduled talks, 10 makes them near-weekly",
            ("negotiation",),
        ),
        (
            "guarantees",
            0.0,
            0,
            1,
            "strength",
            "US backstop to guarantees",
            "the US part of Ukraine's security guarantees in a deal (0 none, 0.25 partial, 0.8 strong); combined "
            "with europe.guarantees as g = 1 - (1 - g_us)(1 - g_eu)",
            "record to 16 Oct 2025: US support 'in the air' was mentioned (Aug 2025) but no backstop was "
            "committed, 0; argued scale (Powell 2006 commitment problem): 0.25 partial, 0.8 strong (an Article "
            "5-like commitment)",
            ("negotiation",),
        ),
        (
            "relief",
            1.0,
            0,
            1,
            "share",
            "Sanctions relief on offer",
            "share of negotiation.relief_worth on offer to Russia in a deal",
            "argued: the US has named sanctions relief as part of a settlement in 2025, so the whole of "
            "negotiation.relief_worth is on offer by default; 0 withdraws the carrot (calibration §12)",
            ("negotiation",),
        ),
        (
            "designations",
            0.0,
            0,
            1,
            "share of exports",
            "Producers designated",
            "share of Russia's oil exports by designated producers (Rosneft and Lukoil, 22 Oct 2025: about 0.45)",
            "US Treasury (OFAC) designations of Rosneft and Lukoil on 22 Oct 2025, about half of Russia's crude "
            "exports (MODEL.md: Rosneft plus Lukoil ~3.1 mb/d); 0 before them, as in the baseline of 16 Oct",
            ("oil", "india_purchases"),
        ),
        (
            "waiver",
            0.0,
            0,
            1,
            "share",
            "Waivers for India",
            "share of India's designated purchases exempted by licences or waivers",
            "definition: 0 = no licence or waiver for India's purchases from designated producers (none granted "
            "by Oct 2025); 1 = all of them exempted",
            ("india_purchases",),
        ),
    ),
    # Russia: strikes on Ukraine's energy, offensive intensity, negotiating demand, mobilisation.
    "russia": _table(
        "russia",
        (
            "strike_forcing",
            255.0,
            0,
            1e5,
            "drone-eq/week",
            "Russian strikes on energy",
            "forcing r of Russia's strikes on Ukraine's energy",
            "derived: with ukraine.deep_strike_forcing = 45 the Richardson equilibrium is x* = (0.5*255 + "
            "0.3*45)/0.235 = 600 drone-equivalents a week, the Ukrainian Air Force's ~4,000-6,000 drones a "
            "month in 2025 (calibration §12)",
            ("strikes",),
        ),
        (
            "offensive",
            1.0,
            0,
            3,
            "x Oct 2025",
            "Russian offensive intensity",
            "offensive intensity (scales attrition of both sides)",
            "definition: 1 = the 2025 offensive tempo (about 1,000 Russian casualties a day, UK MoD 2025); "
            "scales attrition of both sides and both sides' casualty costs",
            ("attrition", "resolve", "negotiation"),
        ),
        (
            "demand",
            None,
            0,
            1,
            "share",
            "Russia's demand",
            "least territory share Russia accepts (null: its reservation value)",
            "argued (MODEL.md precise rules): null = no demand beyond its reservation value, not binding; a "
            "maximalist number (e.g. 0.9) can make settlement impossible and is a scenario's choice",
            ("negotiation", "termination"),
        ),
        (
            "mobilisation",
            1.0,
            0,
            3,
            "x Oct 2025",
            "Russian mobilisation",
            "recruitment and mobilisation effort (funds replenishment; scheduled changes are anticipated)",
            "definition: 1 = recruitment as of Oct 2025 (contract soldiers, about 30,000 a month: Medvedev, "
            "Security Council, 2025), funding attrition.mobilisation_weight (10%) of Russia's replenishment; "
            "2 = a wave the size of Sep 2022's partial mobilisation (300,000 in about three months, i.e. twice "
            "the monthly intake over a year); 0 = none, up to 3x",
            ("attrition", "negotiation"),
        ),
    ),
    # Ukraine: deep strikes on refineries, mobilisation, negotiating demand.
    "ukraine": _table(
        "ukraine",
        (
            "deep_strike_forcing",
            45.0,
            0,
            1e5,
            "drone-eq/week",
            "Ukrainian deep strikes",
            "forcing s of Ukraine's strikes on refineries",
            "derived: the Richardson equilibrium y* = (0.5*45 + 0.05*255)/0.235 = 150 drone-equivalents a week "
            "of long-range drone launches, which keeps ~24% of Russian refining offline (Reuters: 17-38% idle "
            "Aug-Sep 2025; calibration §12)",
            ("strikes",),
        ),
        (
            "mobilisation",
            1.0,
            0,
            3,
            "x Oct 2025",
            "Ukrainian mobilisation",
            "mobilisation effort (funds replenishment)",
            "definition: 1 = mobilisation as of Oct 2025, funding attrition.mobilisation_weight (10%) of "
            "Ukraine's replenishment; 0 = none, up to 3x",
            ("attrition", "negotiation"),
        ),
        (
            "demand",
            None,
            0,
            1,
            "share",
            "Ukraine's demand",
            "most territory share Ukraine concedes (null: its reservation value)",
            "argued (MODEL.md precise rules): null = no demand beyond its reservation value, not binding; a "
            "number below Russia's reservation can make settlement impossible and is a scenario's choice",
            ("negotiation",),
        ),
    ),
    # India: the cap on its Russian purchases (the share itself is India's decision).
    "india": _table(
        "india",
        (
            "purchase_cap",
            1.0,
            0,
            1,
            "share",
            "India's cap on Russian crude",
            "cap on the Russian share of India's crude imports (0: stop)",
            "definition: 1 = no cap, the share follows India's costs and benefits (Kpler: 34-41% in 2025); "
            "0 = India stops buying Russian crude",
            ("india_purchases", "oil"),
        ),
    ),
    # Europe (the EU, its member states and the UK): aid, the financing of Ukraine from the immobilised assets or
    # EU borrowing, sanctions packages and the gas ban. Its decision (sim.agents.Europe) replaces part of a US aid
    # cut and adopts sanctions packages at its own pace.
    "europe": _table(
        "europe",
        (
            "aid",
            1.0,
            0,
            3,
            "x Oct 2025",
            "European military aid",
            "European military aid to Ukraine (1 = Oct 2025 level), before it replaces any US cut",
            "definition: 1 = European military aid as of Oct 2025 (Kiel Ukraine Support Tracker: Europe allocated "
            "most of 2025's EUR 32.5bn after the US halt), funding europe.aid_weight of Ukraine's replenishment; "
            "0 = none, up to 3x",
            ("europe_support", "negotiation"),
        ),
        (
            "substitution",
            0.5,
            0,
            1,
            "share",
            "Europe replaces US aid",
            "share of a US aid cut (below us.aid = 1) that Europe replaces",
            "Kiel Ukraine Support Tracker (10 Dec 2025): after the US halt, 2025 allocations were EUR 32.5bn "
            "against EUR 41.6bn a year in 2022-24, so Europe replaced about 55-60% of the US share; a cut below "
            "the Oct 2025 level (intelligence, PURL sales) is harder to replace: 0.5, argued range 0.3-0.7",
            ("europe_support", "negotiation"),
        ),
        (
            "assets",
            0.0,
            0,
            1,
            "0/1",
            "Reparations loan (frozen assets)",
            "the EU reparations loan from the immobilised Russian assets (was agents.us.levers.assets)",
            "European Commission proposal of Sep 2025: a EUR 140bn reparations loan from the EUR 185-194bn at "
            "Euroclear, not agreed by Oct 2025 (0 = not agreed); left unresolved by the European Council of "
            "18-19 Dec 2025, the assets immobilised indefinitely (about EUR 210bn)",
            ("attrition", "negotiation"),
        ),
        (
            "loan",
            0.0,
            0,
            1,
            "0/1",
            "EU EUR 90bn loan",
            "the EU's EUR 90bn interest-free loan for 2026-27 from EU borrowing (funds what the reparations "
            "loan would have, at europe.loan_ratio of its size)",
            "European Council of 19 Dec 2025 (agreed after the window's start: 0 on 16 Oct 2025; "
            "https://particle.news/story/eu-approves-90-billion-loan-for-ukraine-leaves-frozen-assets-plan-unresolved)",
            ("attrition", "negotiation"),
        ),
        (
            "sanctions",
            0.0,
            0,
            1,
            "enforcement",
            "EU enforcement added",
            "enforcement of the oil sanctions added by EU packages after Oct 2025 (adds to us.sanctions, the "
            "G7 level of Oct 2025; the sum is capped at 1); each package Europe adopts raises it",
            "definition: 0 = the 18 packages in force on 16 Oct 2025 (their enforcement is in us.sanctions = 0.2, "
            "oil.enforcement_ref); the 19th package (23 Oct 2025: Rosneft and Gazprom Neft transaction ban, 117 "
            "more shadow-fleet vessels, 557 in all) is the first the decision rule adopts",
            ("oil",),
        ),
        (
            "package_rate",
            4.0,
            0,
            12,
            "packages/year",
            "EU sanctions packages a year",
            "the pace at which the EU adopts sanctions packages while the war goes on (0: no more packages)",
            "Council of the EU: the 16th (24 Feb 2025), 17th (20 May), 18th (18 Jul) and 19th (23 Oct 2025) "
            "packages, four a year; unanimity (Hungary, Slovakia) delays but has not stopped them",
            ("europe_support",),
        ),
        (
            "guarantees",
            0.25,
            0,
            1,
            "strength",
            "Coalition's guarantees",
            "the European 'coalition of the willing' part of Ukraine's security guarantees in a deal (0 none, "
            "0.25 partial, 0.8 strong); combined with us.guarantees as g = 1 - (1 - g_us)(1 - g_eu)",
            "Paris meeting of 4 Sep 2025: 26 countries pledged a reassurance force after a ceasefire, without a "
            "US backstop: partial, 0.25 on the argued scale of us.guarantees (the value the single guarantee "
            "lever had before issue 12 split it)",
            ("negotiation",),
        ),
        (
            "gas_ban",
            0.0,
            0,
            1,
            "share",
            "EU ban on Russian gas",
            "share of the budget revenue Russia earns on gas sold to the EU that a ban cuts off (LNG about 0.25 "
            "of it, pipeline gas the rest)",
            "definition: 0 = no ban on 16 Oct 2025; the 19th package bans Russian LNG from 1 Jan 2027 and the "
            "REPowerEU regulation (Council-Parliament deal of 3 Dec 2025) pipeline gas from autumn 2027; LNG pays "
            "no export duty, hence its small share of the budget revenue (europe.gas_revenue)",
            ("oil", "negotiation"),
        ),
    ),
}

# Levers that moved to another agent: old (agent, name) -> new (agent, name). A scenario may still name the old
# path (agents.us.levers.assets, an event with agent: us and lever: assets); sim.scenario maps it.
MOVED: dict[tuple[str, str], tuple[str, str]] = {("us", "assets"): ("europe", "assets")}


def moved_path(path: str) -> str:
    """A dotted path at a lever's new agent: ``agents.us.levers.assets`` -> ``agents.europe.levers.assets``."""
    parts = path.strip().split(".")
    if len(parts) >= 4 and parts[0] == "agents" and parts[2] == "levers":
        new = MOVED.get((parts[1], parts[3]))
        if new is not None:
            return ".".join(["agents", new[0], "levers", new[1], *parts[4:]])
    return path
