"""The pure state machine: every legal transition, and every other state × action pair refused."""

from __future__ import annotations

import itertools

import pytest

from portal.review.workflow import (
    FINAL,
    Action,
    Actor,
    IllegalTransition,
    Needs,
    State,
    allowed,
    is_open,
    legal_pairs,
    needs,
    transition,
)

LEGAL = {
    (State.submitted, Action.start_review): State.in_review,
    (State.in_review, Action.request_info): State.info_requested,
    (State.info_requested, Action.answer): State.in_review,
    (State.info_requested, Action.resume): State.in_review,
    (State.in_review, Action.accept): State.accepted,
    (State.in_review, Action.refuse): State.refused,
    (State.submitted, Action.withdraw): State.withdrawn,
    (State.in_review, Action.withdraw): State.withdrawn,
    (State.info_requested, Action.withdraw): State.withdrawn,
}
ILLEGAL = sorted(set(itertools.product(State, Action)) - set(LEGAL))


def actor_for(action: Action) -> Actor:
    return Actor.investor if action == Action.answer else Actor.screener


def test_the_table_is_exactly_the_documented_one():
    assert legal_pairs() == set(LEGAL)
    assert len(ILLEGAL) == len(State) * len(Action) - 9 == 33


@pytest.mark.parametrize(("pair", "target"), sorted(LEGAL.items()), ids=lambda v: str(v))
def test_legal_transitions(pair, target):
    state, action = pair
    assert transition(state, action, actor=actor_for(action)) == target


@pytest.mark.parametrize(("state", "action"), ILLEGAL, ids=[f"{s}-{a}" for s, a in ILLEGAL])
@pytest.mark.parametrize("actor", list(Actor))
def test_every_illegal_pair_is_refused(state, action, actor):
    with pytest.raises(IllegalTransition) as err:
        transition(state, action, actor=actor)
    assert err.value.state == state and err.value.action == action


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (State.in_review, Action.accept),
        (State.in_review, Action.refuse),
        (State.in_review, Action.request_info),
        (State.info_requested, Action.resume),
        (State.submitted, Action.start_review),
    ],
)
def test_the_investor_cannot_take_screener_actions(state, action):
    with pytest.raises(IllegalTransition) as err:
        transition(state, action, actor=Actor.investor)
    assert err.value.actor == "investor"


def test_only_the_investor_answers():
    with pytest.raises(IllegalTransition):
        transition(State.info_requested, Action.answer, actor=Actor.screener)
    assert transition(State.info_requested, Action.answer, actor=Actor.investor) == State.in_review


@pytest.mark.parametrize("actor", list(Actor))
def test_both_may_withdraw_an_open_case(actor):
    for state in (State.submitted, State.in_review, State.info_requested):
        assert transition(state, Action.withdraw, actor=actor) == State.withdrawn


@pytest.mark.parametrize(
    ("state", "action"),
    [("screening", "accept"), ("", "withdraw"), ("in_review", "approve"), ("IN_REVIEW", "accept"), ("accepted", "")],
)
def test_unknown_states_and_actions_are_refused(state, action):
    with pytest.raises(IllegalTransition):
        transition(state, action)


def test_requirements():
    assert needs(Action.accept) == needs(Action.refuse) == Needs.reason
    assert needs(Action.request_info) == Needs.message
    assert needs(Action.answer, actor=Actor.investor) == Needs.answer
    assert needs(Action.withdraw) == Needs.reason
    assert needs(Action.withdraw, actor=Actor.investor) == Needs.nothing
    assert needs(Action.start_review) == Needs.nothing


def test_allowed_actions_per_state():
    assert allowed(State.submitted) == [Action.start_review, Action.withdraw]
    assert allowed(State.in_review) == [Action.request_info, Action.accept, Action.refuse, Action.withdraw]
    assert allowed(State.info_requested) == [Action.resume, Action.withdraw]
    assert allowed(State.info_requested, actor=Actor.investor) == [Action.answer, Action.withdraw]
    for state in FINAL:
        assert allowed(state) == [] and allowed(state, actor=Actor.investor) == []
        assert not is_open(state)
    assert is_open("submitted") and not is_open("nonsense")
