"""Display labels of the intake and pre-check forms (English msgids, translated at render time)."""

from portal.i18n import N_

TECHNOLOGY = {
    "high": N_("High technology"),
    "source": N_("Source technology"),
    "advanced": N_("Advanced technology"),
    "standard": N_("Standard technology"),
    "outdated": N_("Outdated technology"),
}
TREATMENT = {
    "advanced": N_("Advanced treatment"),
    "basic": N_("Basic treatment"),
    "none": N_("No treatment"),
}
EQUIPMENT = {
    "new": N_("New"),
    "used": N_("Used"),
}
YES_NO = {
    "yes": N_("Yes"),
    "no": N_("No"),
}
CURRENCIES = ("VND", "USD")
VERDICT = {
    "eligible": N_("Eligible"),
    "conditional": N_("Eligible with conditions"),
    "needs_information": N_("More information needed"),
    "refuse": N_("Cannot be accepted"),
}
VERDICT_HELP = {
    "eligible": N_("No rule stands in the way of this project. The competent authority still decides."),
    "conditional": N_("The project can be considered if it meets the conditions below."),
    "needs_information": N_("Some facts are missing; the findings below say which."),
    "refuse": N_("Under the province's rules this project cannot be accepted as described."),
}
OUTCOME = {
    "refuse": N_("Refusal"),
    "needs_information": N_("Information needed"),
    "conditional": N_("Condition"),
    "advisory": N_("Advice"),
}
STATUS = {
    "submitted": N_("Submitted"),
    "in_review": N_("Under review"),
    "info_requested": N_("Information requested"),
    "accepted": N_("Accepted"),
    "refused": N_("Refused"),
    "withdrawn": N_("Withdrawn"),
}
# The special values of the zone select (a zone slug never starts with "_").
HELP_ME_CHOOSE = ""
OUTSIDE = "_outside"
