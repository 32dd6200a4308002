"""`rank_page` orders a whole catalogue by `points` and scores only the page's zones: the same page, zone for
zone and reason for reason, as slicing the full `rank`, on random catalogues and projects."""

from __future__ import annotations

import dataclasses
import random

import pytest

from portal.intake.matching import WEIGHTS, Access, Candidate, Need, points, rank, rank_page, score

STATUSES = ("operating", "building", "approved", "planned", "expansion_planned", None, "closed")
VERDICTS = ("eligible", "conditional", "needs_information", "refuse")
CODES = ("1020", "1410", "2511", "3512", "10201", "2410")


def catalogue(rng: random.Random, n: int) -> list[Candidate]:
    zones = []
    for i in range(n):
        total = rng.choice((None, 5.0, 20.0, 100.0, 400.0))
        zones.append(
            Candidate(
                slug=f"z-{rng.randrange(10**6):06d}-{i}",
                kind=rng.choice(("kcn", "ccn")),
                name_vi=f"Khu {i}",
                name_en=f"Zone {i}",
                status=rng.choice(STATUSES),
                total_area_ha=total,
                available_ha=rng.choice((None, 0.0, 3.0, 10.0, 50.0)) if total is not None else None,
                wastewater_plant=rng.choice((None, "working", "building", "planned", "none")),
                priority_sectors=frozenset(rng.sample(CODES[:4], rng.randrange(3))),
                province_priorities=frozenset(rng.sample(CODES[:4], rng.randrange(3))),
                verdict=rng.choice(VERDICTS),
                port_km=rng.choice((None, 3.0, 15.0, 27.5, 40.0, 80.0)),
                access=(Access("a road", "a source", {"vi": "1/2026", "en": "1/2026"}),) * rng.randrange(2),
            )
        )
    return zones


def need(rng: random.Random) -> Need:
    return Need(
        sectors=tuple(rng.sample(CODES, rng.randrange(1, 3))),
        land_ha=rng.choice((None, 1.0, 10.0, 60.0)),
        wastewater_m3_day=rng.choice((None, 0.0, 30.0)),
        near_port=rng.random() < 0.5,
    )


@pytest.mark.parametrize("seed", range(12))
def test_a_page_is_the_slice_of_the_full_ranking(seed):
    rng = random.Random(seed)
    zones = catalogue(rng, rng.randrange(1, 60))
    weights = WEIGHTS if seed % 3 else {**WEIGHTS, "access_public": 1, "status_unknown": 2}
    for _ in range(5):
        project = need(rng)
        include_planned = rng.random() < 0.5
        per_page = rng.choice((1, 5, 7))
        shown = [z for z in zones if include_planned or not z.planned]
        ranked = rank(project, shown, weights)
        for m in ranked:
            assert points(project, m.candidate, weights) == m.score
        for page in (1, 2, 3, 1000):
            got = rank_page(
                project, zones, page=page, per_page=per_page, include_planned=include_planned, weights=weights
            )
            first = (got.page - 1) * per_page
            assert got.matches == ranked[first : first + per_page]
            assert (got.total, got.planned_hidden) == (len(shown), len(zones) - len(shown))


def test_verdicts_given_apart_rank_as_if_the_zones_carried_them():
    rng = random.Random(99)
    zones = catalogue(rng, 40)
    verdicts = [rng.choice(VERDICTS) for _ in zones]
    carried = [dataclasses.replace(z, verdict=v) for z, v in zip(zones, verdicts, strict=True)]
    blank = [dataclasses.replace(z, verdict="") for z in zones]
    project = need(rng)
    for page in (1, 2, 4):
        expected = rank_page(project, carried, page=page, include_planned=True)
        assert rank_page(project, blank, page=page, include_planned=True, verdicts=verdicts) == expected
    assert [m.refused for m in rank_page(project, blank, per_page=40, include_planned=True, verdicts=verdicts).matches]
    assert score(project, carried[0]).score == points(project, blank[0], verdict=verdicts[0])
    with pytest.raises(ValueError):
        rank_page(project, blank, verdicts=verdicts[:-1])
