"""Labels of the fields staff edit (English msgids, translated where shown)."""

from portal.i18n import N_

FIELD = {
    "name_vi": N_("Name in Vietnamese"),
    "name_en": N_("Name in English"),
    "description_vi": N_("Description in Vietnamese"),
    "description_en": N_("Description in English"),
    "infrastructure_vi": N_("Infrastructure in Vietnamese"),
    "infrastructure_en": N_("Infrastructure in English"),
    "locality": N_("Locality"),
    "status": N_("Status"),
    "total_area_ha": N_("Total area (ha)"),
    "industrial_land_ha": N_("Industrial land (ha)"),
    "wastewater_status": N_("Wastewater treatment plant"),
    "wastewater_capacity_m3_day": N_("Plant capacity (m³/day)"),
    "lat": N_("Latitude"),
    "lon": N_("Longitude"),
    "location_approximate": N_("Location is approximate"),
    "contact_org_vi": N_("Contact organisation in Vietnamese"),
    "contact_org_en": N_("Contact organisation in English"),
    "contact_phone": N_("Contact phone"),
    "contact_email": N_("Contact email"),
    "verified_on": N_("Checked on"),
    "priority_sectors": N_("Priority sectors"),
    "published": N_("Published"),
    "code": N_("Plot code"),
    "area_ha": N_("Area (ha)"),
    "price_amount": N_("Price"),
    "price_currency": N_("Currency"),
    "price_unit": N_("Price unit"),
    "geometry": N_("Boundary (GeoJSON)"),
    "zone_slug": N_("Zone"),
    "file": N_("File"),
    "plot": N_("Plot"),
}

ACTION = {
    "create": N_("Created"),
    "update": N_("Changed"),
    "delete": N_("Deleted"),
    "publish": N_("Published"),
    "unpublish": N_("Taken off the public pages"),
    "unchanged": N_("Unchanged"),
    "error": N_("Error"),
}

AUDIT_ACTION = {
    "zone.updated": N_("Zone changed"),
    "zone.published": N_("Zone published"),
    "zone.unpublished": N_("Zone taken off the public pages"),
    "plot.created": N_("Plot added"),
    "plot.updated": N_("Plot changed"),
    "plot.deleted": N_("Plot deleted"),
    "import.applied": N_("Import applied"),
    "project.created": N_("Registry project added"),
    "project.updated": N_("Registry project changed"),
}
