"""What the audit log's codes mean, in words (translated at render time).

The log stores stable codes (`zone.published`, `review.accept`, …): filters, exports and tests rely on them.
People read labels. Every code any domain records is listed here (tests/audit/test_labels.py finds the codes
in the sources and fails on one without a label); the audit log sits below the domains, so it holds the
table itself rather than importing theirs.
"""

from __future__ import annotations

from portal.i18n import N_

ACTIONS: dict[str, str] = {
    # accounts
    "user.created": N_("Account created"),
    "user.roles_changed": N_("Roles changed"),
    "user.activated": N_("Account activated"),
    "user.deactivated": N_("Account deactivated"),
    "user.password_changed": N_("Password changed"),
    "user.password_set": N_("Password set by an administrator"),
    "user.sessions_reset": N_("Signed out everywhere"),
    "login.succeeded": N_("Signed in"),
    "login.failed": N_("Sign-in failed"),
    "logout": N_("Signed out"),
    # catalogue and public facts
    "zone.published": N_("Zone published"),
    "zone.unpublished": N_("Zone unpublished"),
    "zone.updated": N_("Zone updated"),
    "plot.created": N_("Plot added"),
    "plot.updated": N_("Plot updated"),
    "plot.deleted": N_("Plot deleted"),
    "import.applied": N_("Spreadsheet imported"),
    "fact.confirmed": N_("Public fact confirmed"),
    "fact.corrected": N_("Public fact corrected"),
    "fact.withdrawn": N_("Public fact withdrawn"),
    "fact.unconfirmed": N_("Public fact reopened"),
    # registry
    "project.created": N_("Registry project added"),
    "project.updated": N_("Registry project updated"),
    # investors and screeners
    "proposal.submitted": N_("Proposal submitted"),
    "review.start_review": N_("Review started"),
    "review.request_info": N_("Information requested"),
    "review.answer": N_("Investor answered"),
    "review.resume": N_("Review resumed"),
    "review.accept": N_("Proposal accepted"),
    "review.refuse": N_("Proposal refused"),
    "review.withdraw": N_("Proposal withdrawn"),
    "review.assign": N_("Case assigned"),
    "review.rescreen": N_("Screened again"),
    "review.comment": N_("Internal comment"),
    "enquiry.created": N_("Enquiry received"),
    "enquiry.answered": N_("Enquiry answered"),
    "notify.retry": N_("E-mail sent again"),
}

OBJECT_TYPES: dict[str, str] = {
    "user": N_("Account"),
    "zone": N_("Zone"),
    "plot": N_("Plot"),
    "import": N_("Import"),
    "fact": N_("Public fact"),
    "project": N_("Registry project"),
    "proposal": N_("Proposal"),
    "enquiry": N_("Enquiry"),
    "notification": N_("E-mail"),
}

#: a code recorded by a newer version (or an older one since renamed): shown as it is, marked
UNKNOWN = N_("Other event")


def action_label(code: str) -> str:
    """The msgid naming an action code (UNKNOWN when the table does not know it)."""
    return ACTIONS.get(code, UNKNOWN)


def object_type_label(code: str) -> str:
    return OBJECT_TYPES.get(code, code)
