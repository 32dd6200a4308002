"""The review state machine, as data. Pure: no database, no web.

    submitted ──start_review──▶ in_review ──request_info──▶ info_requested
                                in_review ◀──answer / resume── info_requested
                                in_review ──accept / refuse──▶ accepted | refused
    submitted | in_review | info_requested ──withdraw──▶ withdrawn

`transition(state, action, actor=...)` returns the next state or raises `IllegalTransition`.
`Proposal.status` holds the state (a plain string); unknown strings are treated as states with no
way out, so a proposal in a state this module does not know can never be moved by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.i18n import N_


class State(StrEnum):
    submitted = "submitted"
    in_review = "in_review"
    info_requested = "info_requested"
    accepted = "accepted"
    refused = "refused"
    withdrawn = "withdrawn"


class Action(StrEnum):
    start_review = "start_review"
    request_info = "request_info"
    answer = "answer"
    resume = "resume"
    accept = "accept"
    refuse = "refuse"
    withdraw = "withdraw"


class Actor(StrEnum):
    screener = "screener"
    investor = "investor"


class Needs(StrEnum):
    """What an action must carry besides the actor."""

    nothing = "nothing"
    message = "message"  # a text for the investor in both languages (information request)
    answer = "answer"  # the investor's own text
    reason = "reason"  # a reason in both languages (decision, withdrawal recorded by a screener)


@dataclass(frozen=True, slots=True)
class Transition:
    action: Action
    sources: frozenset[State]
    target: State
    actors: frozenset[Actor]
    needs: Needs = Needs.nothing
    investor_needs: Needs | None = None  # when the investor acts with different requirements


OPEN: frozenset[State] = frozenset({State.submitted, State.in_review, State.info_requested})
FINAL: frozenset[State] = frozenset({State.accepted, State.refused, State.withdrawn})
SCREENER = frozenset({Actor.screener})
INVESTOR = frozenset({Actor.investor})

TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.start_review, frozenset({State.submitted}), State.in_review, SCREENER),
        Transition(Action.request_info, frozenset({State.in_review}), State.info_requested, SCREENER, Needs.message),
        Transition(Action.answer, frozenset({State.info_requested}), State.in_review, INVESTOR, Needs.answer),
        Transition(Action.resume, frozenset({State.info_requested}), State.in_review, SCREENER),
        Transition(Action.accept, frozenset({State.in_review}), State.accepted, SCREENER, Needs.reason),
        Transition(Action.refuse, frozenset({State.in_review}), State.refused, SCREENER, Needs.reason),
        Transition(Action.withdraw, OPEN, State.withdrawn, SCREENER | INVESTOR, Needs.reason, Needs.nothing),
    )
}

#: Labels shown in pages (translated at render time).
STATE_LABELS: dict[str, str] = {
    State.submitted: N_("Submitted"),
    State.in_review: N_("Under review"),
    State.info_requested: N_("Information requested"),
    State.accepted: N_("Accepted"),
    State.refused: N_("Refused"),
    State.withdrawn: N_("Withdrawn"),
}
ACTION_LABELS: dict[str, str] = {
    Action.start_review: N_("Start review"),
    Action.request_info: N_("Request information"),
    Action.answer: N_("Answer"),
    Action.resume: N_("Resume review"),
    Action.accept: N_("Accept"),
    Action.refuse: N_("Refuse"),
    Action.withdraw: N_("Withdraw"),
    "assign": N_("Assign"),
    "rescreen": N_("Screen again"),
    "comment": N_("Internal comment"),
}
#: Audit actions of a case that are not a review step (the case page's history labels them too).
OTHER_EVENT_LABELS: dict[str, str] = {"proposal.submitted": N_("Proposal submitted")}
OTHER_EVENT = N_("Other change")


def event_label(action: str) -> str:
    """The msgid naming an audit action in a case's history: `review.<step>` by the step's label
    (ACTION_LABELS), the proposal's own events by theirs; never the raw dotted code."""
    domain, _, step = action.partition(".")
    if domain == "review" and step in ACTION_LABELS:
        return ACTION_LABELS[step]
    return OTHER_EVENT_LABELS.get(action, OTHER_EVENT)


class IllegalTransition(Exception):
    """`action` is not allowed from `state` (or not for this actor)."""

    def __init__(self, state: str, action: str, actor: str | None = None) -> None:
        self.state = str(state)
        self.action = str(action)
        self.actor = str(actor) if actor is not None else None
        who = f" by {self.actor}" if self.actor else ""
        super().__init__(f"cannot {self.action}{who} from {self.state}")


def _state(value: str) -> State | None:
    try:
        return State(value)
    except ValueError:
        return None


def transition(state: str, action: str, *, actor: str = Actor.screener) -> State:
    """The state after `action` from `state`, or IllegalTransition."""
    spec = TRANSITIONS.get(action) if action in Action.__members__ else None
    current = _state(state)
    if spec is None or current is None or current not in spec.sources:
        raise IllegalTransition(state, action)
    if actor not in spec.actors:
        raise IllegalTransition(state, action, actor)
    return spec.target


def needs(action: str, *, actor: str = Actor.screener) -> Needs:
    spec = TRANSITIONS[Action(action)]
    if actor == Actor.investor and spec.investor_needs is not None:
        return spec.investor_needs
    return spec.needs


def allowed(state: str, *, actor: str = Actor.screener) -> list[Action]:
    """Actions `actor` may take from `state`, in declaration order."""
    current = _state(state)
    return [a for a, t in TRANSITIONS.items() if current in t.sources and actor in t.actors]


def is_open(state: str) -> bool:
    return _state(state) in OPEN


def legal_pairs() -> set[tuple[State, Action]]:
    return {(s, a) for a, t in TRANSITIONS.items() for s in t.sources}
