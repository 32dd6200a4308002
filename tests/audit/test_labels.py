"""The audit log names its events in words, in the reader's language: every code the portal records has a
label (found in the sources, so a new code without one fails here), and the page shows labels, not codes."""

from __future__ import annotations

import ast
from pathlib import Path

import portal
from portal.audit import labels
from portal.audit import service as audit
from portal.facts.models import FactStatus
from portal.i18n import translate
from portal.review.workflow import ACTION_LABELS as REVIEW_STEPS
from tests.factories import make_user, signed_in

SOURCES = Path(portal.__file__).parent


def _recorded_actions() -> tuple[set[str], set[str]]:
    """The `action=` of every `audit.record(...)` call in the portal: literal codes (both sides of an `x if c
    else y`, the values of a dict it indexes), and the prefixes of f-strings (`f"review.{action}"`)."""
    codes, prefixes = set(), set()
    for path in SOURCES.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"):
                continue
            for kw in node.keywords:
                if kw.arg == "action":
                    _collect(kw.value, codes, prefixes, tree)
    return codes, prefixes


def _collect(value: ast.AST, codes: set, prefixes: set, tree: ast.AST) -> None:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        codes.add(value.value)
    elif isinstance(value, ast.IfExp):
        _collect(value.body, codes, prefixes, tree)
        _collect(value.orelse, codes, prefixes, tree)
    elif isinstance(value, ast.JoinedStr):
        head = value.values[0]
        assert isinstance(head, ast.Constant), ast.unparse(value)
        prefixes.add(head.value)
    elif isinstance(value, ast.Name):  # a local assigned from a dict literal indexed by the action
        found = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id == value.id
        ]
        assert found, f"cannot follow action={value.id}"
        for expr in found:
            target = expr.value if isinstance(expr, ast.Subscript) else expr
            if isinstance(target, ast.Dict):
                for item in target.values:
                    _collect(item, codes, prefixes, tree)
            else:
                _collect(target, codes, prefixes, tree)
    else:
        raise AssertionError(f"an audit action this test cannot read: {ast.unparse(value)}")


def test_every_recorded_action_has_a_label():
    codes, prefixes = _recorded_actions()
    assert len(codes) >= 25 and prefixes == {"review.", "fact."}
    # the f-string families: review steps and fact statuses
    codes |= {f"review.{step}" for step in REVIEW_STEPS if step not in ("assign", "rescreen", "comment")}
    codes |= {f"fact.{status.value}" for status in FactStatus}
    missing = sorted(code for code in codes if code not in labels.ACTIONS)
    assert not missing, f"audit codes without a label in portal/audit/labels.py: {missing}"


def test_labels_are_distinct_in_both_languages():  # scripts/i18n.py check: every one translated
    for table in (labels.ACTIONS, labels.OBJECT_TYPES):
        english = [translate("en", msgid) for msgid in table.values()]
        vietnamese = [translate("vi", msgid) for msgid in table.values()]
        assert len(set(english)) == len(english) and len(set(vietnamese)) == len(vietnamese)


def test_the_audit_page_shows_labels_in_both_languages(client, csrf, session):
    signed_in(client, csrf, session, roles=("admin",))
    actor = make_user(session, email="labels@soctrang.gov.vn")
    audit.record(session, actor=actor, action="zone.published", object_type="zone", object_id=7)
    audit.record(session, actor=actor, action="legacy.thing", object_type="widget", object_id=1)
    session.commit()
    en = client.get("/en/admin/audit").text
    assert '<td data-action="zone.published">Zone published</td>' in en
    assert "<td>Zone #7</td>" in en
    assert ">Other event <code>legacy.thing</code></td>" in en  # an unknown code: said so, and shown
    assert '<option value="zone.published">Zone published</option>' in en
    vi = client.get("/vi/admin/audit").text
    label_vi = translate("vi", labels.ACTIONS["zone.published"])
    assert f'<td data-action="zone.published">{label_vi}</td>' in vi and "zone.published</" not in vi
