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
DECISIONS = ("tomahawk_deliveries", "india_purchases", "termination")
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
    # The United States: tariffs, Tomahawks, sanctions, aid, assets, mediation, and the carrots of a deal.
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
            ("attrition",),
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
            "assets",
            0.0,
            0,
            1,
            "0/1",
            "Frozen assets mobilised",
            "frozen Russian assets mobilised for Ukraine (G7 reparations loan)",
            "European Commission proposal of Sep 2025: a EUR 140bn reparations loan from the EUR 185-194bn at "
            "Euroclear, not agreed by Oct 2025 (0 = not agreed)",
            ("attrition",),
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
            0.25,
            0,
            1,
            "strength",
            "Security guarantees for Ukraine",
            "security guarantees for Ukraine in a deal (0 none, 0.25 partial, 0.8 strong)",
            "argued range (MODEL.md; Powell 2006 commitment problem): 0 none, 0.25 partial (a European "
            "'coalition of the willing' without a US backstop, as discussed in 2025), 0.8 strong (an Article "
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
    # Russia: strikes on Ukraine's energy, offensive intensity, negotiating demand.
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
            ("attrition",),
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
}
