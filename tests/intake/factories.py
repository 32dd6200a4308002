"""Small builders for intake tests: form fields, JSON bodies, files."""

from __future__ import annotations

import re
import uuid
from typing import Any

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def facts(**overrides: Any) -> dict[str, Any]:
    """A dyeing project in KCN An Nghiệp that meets the sensitive-sector conditions."""
    body = {
        "sectors": ["1313"],
        "zone": "kcn-an-nghiep",
        "inside_zone": True,
        "land_ha": 5,
        "equipment_condition": "new",
        "equipment_year": 2024,
        "technology_level": "high",
        "treatment": "advanced",
        "environmental_measures": True,
        "wastewater_m3_day": 120,
        "hazardous_waste": False,
        "capacity": {"amount": 5_000_000, "unit": "m2", "per": "year"},
        "sensitive_factors": [],
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def proposal_json(**overrides: Any) -> dict[str, Any]:
    body = {
        "company_name": "Công ty TNHH Dệt Mekong",
        "investor_country": "Việt Nam",
        "contact_name": "Trần Thị B",
        "contact_email": "b@example.vn",
        "contact_phone": "+84 299 123 456",
        "project_name": "Nhà máy dệt nhuộm",
        "project_description": "Dệt nhuộm vải cotton, 5 triệu m/năm.",
        "sectors": ["1313"],
        "zone": "kcn-an-nghiep",
        "land_ha": 5,
        "capital_amount": 250_000_000_000,
        "capital_currency": "VND",
        "jobs": 300,
        "equipment_condition": "new",
        "equipment_year": 2024,
        "technology_level": "high",
        "treatment": "advanced",
        "wastewater_m3_day": 120,
        "emissions": "Hơi nước lò hơi",
        "hazardous_waste": False,
        "environmental_measures": "Trạm xử lý nước thải riêng đạt QCVN 40:2025 trước khi xả vào hệ thống của KCN.",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def proposal_form(csrf: str, key: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Form fields as a browser sends them (strings; sectors a list)."""
    fields: dict[str, Any] = {
        "csrf_token": csrf,
        "idempotency_key": key or str(uuid.uuid4()),
        "company_name": "Mekong Textiles Ltd",
        "investor_country": "Singapore",
        "contact_name": "Lee Wei",
        "contact_email": "lee@example.sg",
        "contact_phone": "+65 6123 4567",
        "project_name": "Dyeing plant",
        "project_description": "Cotton dyeing, 5 million m a year.",
        "sectors": ["1313"],
        "location": "kcn-an-nghiep",
        "land_ha": "5",
        "capital_amount": "12000000",
        "capital_currency": "USD",
        "jobs": "300",
        "equipment_condition": "new",
        "equipment_year": "2024",
        "technology_level": "high",
        "treatment": "advanced",
        "wastewater_m3_day": "120",
        "emissions": "Boiler steam",
        "hazardous_waste": "no",
        "environmental_measures": "Own wastewater plant meeting QCVN 40:2025 before discharge.",
    }
    fields.update(overrides)
    return fields


def token_from(location: str) -> str:
    match = re.search(r"/proposals/(?:receipt|status)/([A-Za-z0-9_-]+)$", location)
    assert match, location
    return match.group(1)
