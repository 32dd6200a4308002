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
CAPACITY_UNITS = {
    "t_product": N_("tonnes of product"),
    "t_ore": N_("tonnes of ore input"),
    "m2": N_("m² of product"),
    "t_waste": N_("tonnes of waste"),
    "mw": N_("MW (installed power)"),
    "kwh": N_("kWh"),
    "m3_gas": N_("m³ of gas"),
}
CAPACITY_PER = {
    "year": N_("year"),
    "day": N_("day"),
    "hour": N_("hour"),
    "none": N_("no period (power)"),
}
SENSITIVE_FACTORS = {
    "residential_area": N_("Concentrated residential area"),
    "water_supply_source": N_("Water source used for domestic supply"),
    "nature_reserve": N_("Nature reserve"),
    "forest": N_("Forest"),
    "heritage": N_("Cultural or natural heritage"),
    "rice_land": N_("Land growing two or more rice crops a year"),
    "wetland": N_("Important wetland"),
    "resettlement": N_("Relocation or resettlement of people"),
    "urban_area": N_("Inside an urban ward (inner city)"),
    "other": N_("Another environmentally sensitive factor"),
}
SECTOR_SYSTEMS = {
    "vsic-2025": N_("VSIC 2025 (Decision 36/2025/QĐ-TTg)"),
    "vsic-2018": N_("VSIC 2018 (Decision 27/2018/QĐ-TTg)"),
}
GROUP = {"I": N_("Group I"), "II": N_("Group II"), "III": N_("Group III"), "IV": N_("Group IV")}
PROCEDURES = {
    "eia": N_("Environmental impact assessment (EIA)"),
    "environmental_permit": N_("Environmental permit"),
    "environmental_registration": N_("Environmental registration"),
}
LEVELS = {"large": N_("large"), "medium": N_("medium"), "small": N_("small")}
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
    "positive": N_("In favour"),
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
