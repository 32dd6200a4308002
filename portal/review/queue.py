"""The work queue's rules, pure (no database): the clock of a case in working days, text matching without
diacritics, Vietnamese ordering of names.

Clock: the working days (Monday to Friday, less the holidays the province sets) from the day after
submission to today — or to the day of the decision or withdrawal — in Vietnam time. A day does not count
when, at its end, the case was waiting for the investor (between an information request and the answer,
or the screener resuming the review). A case is overdue once its clock passes the due time.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from search.text import fold

VN = timezone(timedelta(hours=7))
PAUSE_STARTS = {"review.request_info"}
PAUSE_ENDS = {"review.answer", "review.resume", "review.withdraw", "review.accept", "review.refuse"}
CLOSING = {"review.accept", "review.refuse", "review.withdraw"}


def local_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VN).date()


@dataclass(frozen=True)
class Clock:
    working_days: int
    due_days: int
    waiting: bool  # waiting for the investor now: the clock is paused
    closed: bool

    @property
    def overdue(self) -> bool:
        return not self.closed and self.working_days > self.due_days

    @property
    def days_left(self) -> int:
        return self.due_days - self.working_days


@dataclass(frozen=True)
class Rules:
    """The province's due times (PORTAL_REVIEW_DUE_DAYS, PORTAL_REVIEW_DUE_DAYS_BY_VERDICT) and holidays
    (PORTAL_REVIEW_HOLIDAYS)."""

    due_days: int = 15
    by_verdict: tuple[tuple[str, int], ...] = ()
    holidays: frozenset[date] = frozenset()

    @classmethod
    def from_settings(cls, settings) -> Rules:
        return cls(
            due_days=settings.review_due_days,
            by_verdict=tuple(sorted(settings.review_due_days_by_verdict.items())),
            holidays=frozenset(settings.review_holidays),
        )

    def due_for(self, verdict: str | None) -> int:
        return dict(self.by_verdict).get(verdict or "", self.due_days)


def pauses(events: Iterable[tuple[datetime, str]]) -> tuple[list[tuple[date, date | None]], date | None]:
    """From a case's (time, action) review events, oldest first: the waiting periods as local days
    [first, end) (end None: still waiting) and the day the case was closed, if it was."""
    out: list[tuple[date, date | None]] = []
    started: date | None = None
    closed: date | None = None
    for at, action in events:
        if action in PAUSE_STARTS and started is None:
            started = local_day(at)
        elif action in PAUSE_ENDS and started is not None:
            out.append((started, local_day(at)))
            started = None
        if action in CLOSING:
            closed = local_day(at)
    if started is not None:
        out.append((started, None))
    return out, closed


def _weekdays_through(day: date) -> int:
    """Mondays to Fridays from 1 January of year 1 (a Monday) through `day`."""
    o = day.toordinal()
    return o // 7 * 5 + min(o % 7, 5)


def _weekdays(after: date, through: date) -> int:
    """Mondays to Fridays d with after < d <= through (arithmetic, no loop over the days)."""
    return max(0, _weekdays_through(through) - _weekdays_through(after)) if through > after else 0


def working_days(
    submitted: date,
    until: date,
    *,
    paused: Iterable[tuple[date, date | None]] = (),
    holidays: frozenset[date] = frozenset(),
) -> int:
    """Working days d with submitted < d <= until, not a weekend or holiday, not waited for the investor.

    Computed from day ordinals (weekdays in a range, less the waiting periods' weekdays, less holidays not
    already in a waiting period), so a year-old case costs as little as a new one."""
    periods = [(start, end) for start, end in paused]

    def waited(day: date) -> bool:
        return any(start <= day and (end is None or day < end) for start, end in periods)

    count = _weekdays(submitted, until)
    for start, end in periods:  # the periods do not overlap (an answer ends one before the next request)
        last = until if end is None else min(until, end - timedelta(days=1))
        count -= _weekdays(max(submitted, start - timedelta(days=1)), last)
    for day in holidays:
        if submitted < day <= until and day.weekday() < 5 and not waited(day):
            count -= 1
    return max(0, count)


def clock(
    created_at: datetime,
    events: Iterable[tuple[datetime, str]],
    *,
    now: datetime,
    due_days: int,
    holidays: frozenset[date] = frozenset(),
) -> Clock:
    periods, closed = pauses(events)
    until = closed or local_day(now)
    days = working_days(local_day(created_at), until, paused=periods, holidays=holidays)
    waiting = bool(periods) and periods[-1][1] is None
    return Clock(days, due_days, waiting, closed is not None)


# --- text and order ---------------------------------------------------------------------------------------


def matches(query: str, haystack: Iterable[str | None]) -> bool:
    """Every word of the query appears in the folded text (diacritics and case ignored, đ = d)."""
    words = fold(query).split()
    text = " ".join(fold(part) for part in haystack if part)
    return all(word in text for word in words)


#: Vietnamese alphabet order: ă and â after a, đ after d, ê after e, ô and ơ after o, ư after u.
_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_ORDER = {ch: 100_000 + i for i, ch in enumerate(_LETTERS)}  # after spaces, digits and punctuation
_SHAPED = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô"}
_SHAPED |= {("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền, hỏi, ngã, sắc, nặng


def vi_key(text: str | None) -> tuple:
    """A sort key following Vietnamese order: letters first (ă â đ ê ô ơ ư are letters of their own), then
    tones (none, huyền, hỏi, ngã, sắc, nặng), then the text itself."""
    primary: list[int] = []
    tones: list[int] = []
    base = ""
    for ch in unicodedata.normalize("NFD", (text or "").casefold()):
        if unicodedata.combining(ch):
            if ch in _TONES and tones:
                tones[-1] = _TONES[ch]
            elif (base, ch) in _SHAPED and primary:
                primary[-1] = _ORDER[_SHAPED[(base, ch)]]
            continue
        base = ch
        primary.append(_ORDER.get(ch, ord(ch)))
        tones.append(0)
    return (tuple(primary), tuple(tones), text or "")
