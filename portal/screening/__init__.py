"""Pre-screening of investment proposals: a pure rule engine over rules kept as data.

catalog = load_sectors(SECTORS_PATH)
ruleset = load_ruleset(DEFAULT_RULESET, catalog)
facts = ScreeningFacts.model_validate(body, context={"catalog": catalog})
result = screen(facts, zone_facts_or_none, ruleset, as_of=date.today())
result.localized("vi")  # the API's JSON shape
"""

from portal.screening.engine import (
    LANGS,
    OUTCOMES,
    PLACEHOLDERS,
    VERDICTS,
    Citation,
    Finding,
    Reference,
    Result,
    Rule,
    Ruleset,
    Text,
    screen,
)
from portal.screening.facts import ScreeningFacts, ZoneFacts, validate_sectors
from portal.screening.loader import DEFAULT_RULESET, RULESETS_DIR, RulesetError, load_ruleset, parse_ruleset
from portal.screening.sectors import SECTORS_PATH, SectorCatalog, SectorInfo, load_sectors

__all__ = [
    "DEFAULT_RULESET",
    "LANGS",
    "OUTCOMES",
    "PLACEHOLDERS",
    "RULESETS_DIR",
    "SECTORS_PATH",
    "VERDICTS",
    "Citation",
    "Finding",
    "Reference",
    "Result",
    "Rule",
    "Ruleset",
    "RulesetError",
    "ScreeningFacts",
    "SectorCatalog",
    "SectorInfo",
    "Text",
    "ZoneFacts",
    "load_ruleset",
    "load_sectors",
    "parse_ruleset",
    "screen",
    "validate_sectors",
]
