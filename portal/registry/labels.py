"""Display labels of the registry (English msgids, translated at render time)."""

from portal.i18n import N_

STATUS = {
    "in_principle": N_("Accepted in principle"),
    "licensed": N_("Licensed"),
    "building": N_("Under construction"),
    "operating": N_("Operating"),
}

FIELD = {
    "investor_name": N_("Investor"),
    "investor_country": N_("Investor's country"),
    "name_vi": N_("Project name in Vietnamese"),
    "name_en": N_("Project name in English"),
    "sector_code": N_("Sector"),
    "zone": N_("Zone"),
    "zone_id": N_("Zone"),
    "plot_id": N_("Plot (optional)"),
    "land_ha": N_("Land (ha)"),
    "capital_amount": N_("Registered capital"),
    "capital_currency": N_("Currency"),
    "jobs": N_("Jobs"),
    "status": N_("Status"),
    "published": N_("Published"),
}
