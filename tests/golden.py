"""Golden summaries of short seeded runs: they catch unintended changes to the model's numbers.

Regenerate on purpose, after a change to the model that is meant to move results:

    make baseline          # = python -m tests.golden --update
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import sim

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "golden_data"
CASES: dict[str, tuple[str, list[str]]] = {
    name: (f"scenarios/{name}.yaml", ["replicates=2000", "seed=11"])
    for name in ("baseline", "tomahawks_approved", "india_stops", "max_pressure", "us_steps_back", "winter_energy_war")
}


def compute(name: str) -> dict[str, Any]:
    path, overrides = CASES[name]
    result = sim.run(sim.load_scenario(ROOT / path, overrides))
    return result.summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--update", action="store_true", help="rewrite tests/golden_data/*.json")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    for name in CASES:
        summary = compute(name)
        path = DATA / f"{name}.json"
        if args.update:
            path.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
            print(f"wrote {path.relative_to(ROOT)}")
        else:
            same = path.exists() and json.loads(path.read_text()) == json.loads(json.dumps(summary))
            print(f"{name}: {'unchanged' if same else 'CHANGED'}")


if __name__ == "__main__":
    main()
