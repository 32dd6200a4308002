"""Throughput of the pure screening engine (a script, not a test).

    .venv/bin/python tests/bench/screening_bench.py [-n 200000] [--seed 7]

Builds a deterministic mix of proposals (every sector class, missing facts, each wastewater-plant state,
no zone, capacities in and out of the Appendix II rows, sensitive factors, imported scrap, both
environmental regimes), screens them all with the shipped ruleset (the national classification
included) and prints proposals per second. As a baseline it
times `facts.model_dump()` over the same inputs and prints the ratio. Target: ≥ 20,000 proposals/s.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from portal.screening import DEFAULT_RULESET, SECTORS_PATH, ScreeningFacts, ZoneFacts, load_ruleset, load_sectors

FIXTURE = Path(__file__).resolve().parents[1] / "screening" / "sectors_fixture.yaml"
AS_OF = date(2025, 6, 1)
SECTORS = [
    "1313",
    "1511",
    "1701",
    "2394",
    "2410",
    "2592",
    "2720",
    "3511",
    "2011",
    "2420",
    "1020",
    "1410",
    "3512",
    "2220",
    "2012",
    "3822",
    "1062",
    "1080",
]
OPTIONAL = {
    "inside_zone": [True, True, True, False, None],
    "equipment_condition": ["new", "new", "used", None],
    "equipment_year": [2024, 2018, 2015, 2014, 2005, None],
    "technology_level": ["high", "source", "advanced", "standard", "outdated", None],
    "treatment": ["none", "basic", "advanced", "advanced", None],
    "environmental_measures": [True, True, True, False, None],
    "wastewater_m3_day": [0, 10, 120, 2500.5, None],
    "hazardous_waste": [False, False, True, None],
    "land_ha": [1, 5, 42.5, 120, None],
    "capacity": [
        None,
        {"amount": 6000, "unit": "t_product", "per": "year"},
        {"amount": 20, "unit": "t_product", "per": "day", "operating_days": 300},
        {"amount": 60_000_000, "unit": "m2", "per": "year"},
        {"amount": 50, "unit": "mw"},
    ],
    "sensitive_factors": [None, [], [], ["residential_area"], ["rice_land"]],
    "imports_scrap": [None, False, False, True],
}
DATES = [AS_OF, date(2026, 6, 1)]


def make_zones() -> list[ZoneFacts | None]:
    zones: list[ZoneFacts | None] = [None]
    for i, plant in enumerate(["working", "building", "planned", "none", None]):
        for priorities in (frozenset(), frozenset({"1020", "1410", "2220"})):
            zones.append(
                ZoneFacts(
                    f"kcn-{i}", "kcn", f"Khu công nghiệp {i}", f"Industrial Park {i}", "operating", plant, priorities
                )
            )
    return zones


def make_inputs(n: int, seed: int) -> list[tuple[ScreeningFacts, ZoneFacts | None, date]]:
    rng = random.Random(seed)
    zones = make_zones()
    distinct = []
    for _ in range(min(n, 5_000)):  # a pool of distinct proposals, repeated to reach n
        data = {"sectors": rng.sample(SECTORS, rng.choice([1, 1, 1, 2, 3]))}
        data.update({name: rng.choice(values) for name, values in OPTIONAL.items()})
        zone = rng.choice(zones)
        data["zone"] = zone.slug if zone else None
        distinct.append((ScreeningFacts.model_validate(data, context={"as_of": AS_OF}), zone, rng.choice(DATES)))
    return [distinct[i % len(distinct)] for i in range(n)]


def timed(label: str, fn: Callable[[], object], n: int) -> tuple[float, float]:
    """Run fn once; print and return (wall seconds, CPU seconds of this process). On a shared machine the
    CPU figure is the engine's own cost; the wall figure includes waiting for the CPU."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<30} {n:>9,}: wall {wall:7.3f} s = {n / wall:>9,.0f}/s | cpu {cpu:7.3f} s = {n / cpu:>9,.0f}/s")
    return wall, cpu


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200_000, help="proposals to screen (default 200,000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from portal.screening import screen

    catalog = load_sectors(SECTORS_PATH if SECTORS_PATH.exists() else FIXTURE)
    ruleset = load_ruleset(DEFAULT_RULESET, catalog)
    inputs = make_inputs(args.n, args.seed)
    print(f"ruleset {ruleset.id} v{ruleset.version}: {len(ruleset.rules)} rules; {len(catalog)} sectors")

    verdicts: Counter[str] = Counter()
    findings = 0

    def run_engine() -> None:  # results are consumed, not kept: one proposal at a time, as in the app
        nonlocal findings
        for facts, zone, day in inputs:
            result = screen(facts, zone, ruleset, as_of=day)
            verdicts[result.verdict] += 1
            findings += len(result.findings)

    def run_baseline() -> None:
        for facts, _zone, _day in inputs:
            facts.model_dump()

    def run_localized() -> None:
        for facts, zone, day in inputs:
            screen(facts, zone, ruleset, as_of=day).localized("vi")

    engine = timed("screen()", run_engine, args.n)
    baseline = timed("baseline facts.model_dump()", run_baseline, args.n)
    localized = timed("screen() + localized('vi')", run_localized, args.n)

    ratio, ratio_json = engine[1] / baseline[1], localized[1] / baseline[1]
    print(f"screen() costs {ratio:.1f}× a model_dump() (cpu); with localized('vi') {ratio_json:.1f}×")
    print("verdicts:", ", ".join(f"{k} {v / args.n:.0%}" for k, v in verdicts.most_common()))
    print(f"findings per proposal: {findings / args.n:.1f}")
    for name, seconds in (("wall", engine[0]), ("cpu", engine[1])):
        rate = args.n / seconds
        print(f"target 20,000/s ({name}): {'met' if rate >= 20_000 else 'NOT met'} ({rate:,.0f}/s)")


if __name__ == "__main__":
    main()
