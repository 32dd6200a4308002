"""Pipeline figures per quarter (Vietnam time), from the proposals, their stored screening and the review's
audit events. No company or project names: counts only.

- received: proposals submitted in the quarter
- verdicts: their automatic pre-screening verdicts
- refused_by_rule: of those, the ones a rule refused, counted under each refusing rule (the rules are the
  province's environmental rules, Resolution 03-NQ/TU IV.7; a proposal two rules refuse counts under both)
- accepted: acceptances in principle decided in the quarter (screeners' decisions)
- decided / median_days: decisions (accepted or refused) in the quarter, and the median working days from
  submission to decision, waiting for the investor left out (the work queue's clock)
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from portal.audit.models import AuditEvent
from portal.intake.models import Proposal
from portal.review.queue import CLOSING, PAUSE_ENDS, PAUSE_STARTS, local_day, working_days
from portal.review.queue import pauses as pause_periods
from portal.screening import VERDICTS


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@dataclass
class Quarter:
    key: str
    received: int = 0
    verdicts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VERDICTS, 0))
    refused_by_rule: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    decided: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def year(self) -> int:
        return int(self.key[:4])

    @property
    def number(self) -> int:
        return int(self.key[-1])


@dataclass
class Pipeline:
    quarters: list[Quarter]
    rules: dict[str, dict]  # rule id → its title {vi, en}


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def figures(session: Session, *, holidays: frozenset[date] = frozenset()) -> Pipeline:
    proposals = list(session.exec(select(Proposal).order_by(col(Proposal.created_at))).all())
    quarters: dict[str, Quarter] = {}
    rules: dict[str, dict] = {}

    def q(key: str) -> Quarter:
        return quarters.setdefault(key, Quarter(key))

    for p in proposals:
        row = q(quarter_of(local_day(_aware(p.created_at))))
        row.received += 1
        if p.verdict in row.verdicts:
            row.verdicts[p.verdict] += 1
        refusing = {
            f.get("rule"): f.get("title")
            for f in (p.screening or {}).get("findings", [])
            if f.get("outcome") == "refuse" and f.get("rule")
        }
        for rule, title in refusing.items():
            row.refused_by_rule[rule] = row.refused_by_rule.get(rule, 0) + 1
            rules.setdefault(rule, title if isinstance(title, dict) else {"vi": str(title), "en": str(title)})
    actions = sorted(PAUSE_STARTS | PAUSE_ENDS | CLOSING)
    events = session.exec(
        select(AuditEvent.object_id, AuditEvent.at, AuditEvent.action)
        .where(AuditEvent.object_type == "proposal", col(AuditEvent.action).in_(actions))
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all()
    by_case: dict[str, list[tuple[datetime, str]]] = {}
    for object_id, at, action in events:
        by_case.setdefault(object_id, []).append((_aware(at), action))
    for p in proposals:
        case = by_case.get(str(p.id), [])
        decision = next(((at, a) for at, a in case if a in ("review.accept", "review.refuse")), None)
        if decision is None:
            continue
        at, action = decision
        row = q(quarter_of(local_day(at)))
        row.decided += 1
        if action == "review.accept":
            row.accepted += 1
        periods, _closed = pause_periods([e for e in case if e[0] <= at])
        row.days.append(working_days(local_day(_aware(p.created_at)), local_day(at), paused=periods, holidays=holidays))
    return Pipeline(sorted(quarters.values(), key=lambda r: r.key), rules)


CSV_COLUMNS = (
    "quarter",
    "received",
    *(f"verdict_{v}" for v in VERDICTS),
    "refused_by_rule",
    "accepted_in_principle",
    "decisions",
    "median_working_days_to_decision",
)


def csv_rows(pipeline: Pipeline) -> list[dict]:
    out = []
    for r in pipeline.quarters:
        out.append(
            {
                "quarter": r.key,
                "received": r.received,
                **{f"verdict_{v}": r.verdicts.get(v, 0) for v in VERDICTS},
                "refused_by_rule": " | ".join(f"{rule}: {n}" for rule, n in sorted(r.refused_by_rule.items())),
                "accepted_in_principle": r.accepted,
                "decisions": r.decided,
                "median_working_days_to_decision": "" if r.median_days is None else f"{r.median_days:g}",
            }
        )
    return out


# --- charts ----------------------------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    value: float
    x: float
    y: float
    height: float
    text: str


@dataclass
class Chart:
    id: str
    title: str
    bars: list[Bar]
    slot: float = 40.0
    width: int = 560
    height: int = 220
    base: float = 190.0


def bar_chart(chart_id: str, title: str, items: list[tuple[str, float | None, str]]) -> Chart:
    """Vertical bars, one per (label, value, value as text); a missing value draws no bar."""
    top = max([v for _, v, _ in items if v is not None] or [0]) or 1
    slot = min(90.0, 520 / max(1, len(items)))  # one quarter does not fill the chart with one bar
    bars = []
    for i, (label, value, text) in enumerate(items):
        h = 0.0 if value is None else 160 * value / top
        bars.append(Bar(label, value or 0, 30 + i * slot + slot * 0.15, 190 - h, h, text))
    return Chart(chart_id, title, bars, slot=slot * 0.7)
