"""The model's vocabulary: outcomes and their codes, the state variables reported every week with their
histogram ranges, the number of histogram bins.

Only the standard library here, so that what reads or aggregates the model's output (a sweep's parent process,
the CLI) can name outcomes and variables without importing the model (Mesa, scipy, pandas: about a second).
"""

from __future__ import annotations

# A collapse is a state's army (strength) or resolve below its floor; one side holding the whole disputed
# territory is an outcome of its own (the front reached 1 or 0).
OUTCOMES = (
    "ongoing",
    "settlement",
    "ukraine_collapse",
    "russia_collapse",
    "escalation",
    "russia_takes_all",
    "ukraine_retakes_all",
)
ONGOING, SETTLEMENT, UA_COLLAPSE, RU_COLLAPSE, ESCALATION, RU_TAKES_ALL, UA_RETAKES_ALL = range(7)

# State variables reported every week, with the fixed histogram range used for their weekly quantiles.
STATE_VARIABLES: dict[str, tuple[float, float, str]] = {
    "front": (0.0, 1.0, "share of the disputed territory held by Russia"),
    "mil_ru": (0.0, 2.0, "Russian military strength (Oct 2025 = 1)"),
    "mil_ua": (0.0, 2.0, "Ukrainian military strength (Oct 2025 = 1)"),
    "belief_ru": (0.0, 1.0, "Russia's belief: mean of p"),
    "belief_ua": (0.0, 1.0, "Ukraine's belief: mean of p"),
    "resolve_ru": (0.0, 1.0, "Russian resolve"),
    "resolve_ua": (0.0, 1.0, "Ukrainian resolve"),
    "brent": (0.0, 200.0, "Brent, $/bbl"),
    "discount": (0.0, 60.0, "Urals FOB discount, $/bbl"),
    "india_share": (0.0, 1.0, "Russia's share of India's crude imports"),
    "revenue_ru": (0.0, 5.0, "Russia's oil budget revenue, $bn/week"),
    "buffer_ru": (0.0, 200.0, "Russia's National Wealth Fund, liquid assets, $bn"),
    "strain_ru": (0.0, 1.0, "Russia's fiscal strain (unfunded share of war spending)"),
    "cut_ru": (0.0, 0.25, "Russia's spending cut, share of budget spending"),
    "refining_ru": (0.0, 1.0, "Russian refining online, share of normal"),
    "grid_ua": (0.0, 40.0, "Ukraine's available generation, GW"),
    "energy_deficit": (0.0, 1.0, "Ukraine's unmet share of demand"),
    "strikes_ru": (0.0, 5000.0, "Russian strikes on energy, drone-equivalents/week"),
    "strikes_ua": (0.0, 2000.0, "Ukrainian deep strikes, drone-equivalents/week"),
    "escalation": (0.0, 50.0, "escalation pressure"),
    "tomahawks_delivered": (0.0, 2000.0, "Tomahawks delivered, cumulative"),
    "talks_held": (0.0, 200.0, "rounds of talks held, cumulative"),
    "penalty_tariff": (0.0, 100.0, "US penalty tariff on India, points"),
}
VARIABLE_NAMES = tuple(STATE_VARIABLES)
N_BINS = 1000

# Columns of the outcome table (``sim.outcomes.outcome_table``) after replicate, outcome, week, terms,
# co_triggered and the sampled parameters: the state at the end (or at the horizon) and cumulative figures.
END_STATE = (
    "front",
    "mil_ru",
    "mil_ua",
    "resolve_ru",
    "resolve_ua",
    "belief_ru",
    "belief_ua",
    "brent",
    "india_share",
    "buffer_ru",
    "strain_ru",
    "refining_ru",
    "grid_ua",
    "escalation",
)
CUMULATIVE = (
    "revenue_ru",
    "revenue_ru_per_week",
    "energy_deficit_weeks",
    "tomahawks_delivered",
    "escalation_peak",
    "talks_held",
    "salvos",
)
END_COLUMNS = tuple(f"end.{v}" for v in END_STATE) + tuple(f"cum.{v}" for v in CUMULATIVE)
