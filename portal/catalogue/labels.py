"""Display labels of the catalogue's enumerations (English msgids, translated at render time)."""

from portal.i18n import N_

KIND = {
    "kcn": N_("Industrial park (KCN)"),
    "ccn": N_("Industrial cluster (CCN)"),
    "kkt": N_("Economic zone (KKT)"),
}
KIND_PLURAL = {
    "kcn": N_("Industrial parks"),
    "ccn": N_("Industrial clusters"),
    "kkt": N_("Economic zone"),
}
STATUS = {
    "operating": N_("Operating"),
    "building": N_("Infrastructure under construction"),
    "approved": N_("Planning approved"),
    "planned": N_("Proposed"),
    "expansion_planned": N_("Planned expansion"),
}
WASTEWATER = {
    "working": N_("Working"),
    "building": N_("Under construction"),
    "planned": N_("Planned"),
    "none": N_("None"),
}
PLOT_STATUS = {
    "available": N_("Available"),
    "reserved": N_("Reserved"),
    "leased": N_("Leased"),
}
SORT = {
    "kind": N_("Type"),
    "name": N_("Name"),
    "area_desc": N_("Area, largest first"),
    "area_asc": N_("Area, smallest first"),
}
FIELD = {
    "kind": N_("Type"),
    "locality": N_("Locality"),
    "status": N_("Status"),
    "sector": N_("Priority sector"),
    "min_area": N_("Minimum area (ha)"),
    "sort": N_("Sort by"),
}
SECTOR_CLASS = {
    "priority": N_("Priority sector"),
    "sensitive": N_("Environmentally sensitive sector"),
    "pollution_risk": N_("Production type with a risk of pollution"),
}
DOC_TYPE = {
    "zone": N_("Zone"),
    "plot": N_("Plot"),
    "sector": N_("Sector"),
}
