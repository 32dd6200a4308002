"""Proposals for review tests, inserted directly (screened with the real engine), with their tokens."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from portal.catalogue.models import Zone
from portal.intake.models import Attachment, Proposal
from portal.intake.service import token_hash
from portal.screening import ScreeningFacts
from portal.screening import service as screening

_n = itertools.count(1)


def make_proposal(
    session,
    *,
    zone: str | None = "kcn-an-nghiep",
    sectors=("1020",),
    status: str = "submitted",
    age_days: int = 0,
    locale: str = "vi",
    company: str | None = None,
    commit: bool = True,
    **facts,
) -> tuple[Proposal, str]:
    """A screened proposal and its tracking token. `facts` override ScreeningFacts fields."""
    n = next(_n)
    zone_row = session.exec(select(Zone).where(Zone.slug == zone)).first() if zone else None
    base = {
        "sectors": list(sectors),
        "zone": zone,
        "inside_zone": True,
        "land_ha": 5.0,
        "equipment_condition": "new",
        "technology_level": "advanced",
        "treatment": "advanced",
        "environmental_measures": True,
        "wastewater_m3_day": 50.0,
        "hazardous_waste": False,
    }
    base.update(facts)
    model = ScreeningFacts.model_validate(base)
    result = screening.screen_facts(session, model)
    token = secrets.token_urlsafe(32)
    created = datetime.now(UTC) - timedelta(days=age_days)
    proposal = Proposal(
        status=status,
        locale=locale,
        channel="form",
        company_name=company or f"Công ty Thử nghiệm {n}",
        investor_country="VN",
        contact_name="Nguyễn Văn A",
        contact_email=f"a{n}@example.vn",
        project_name=f"Nhà máy chế biến {n}",
        project_description="Chế biến thủy sản xuất khẩu.",
        sectors=list(model.sectors),
        zone_id=zone_row.id if zone_row else None,
        inside_zone=model.inside_zone,
        land_ha=model.land_ha,
        capital_amount=100_000_000_000,
        capital_currency="VND",
        jobs=200,
        equipment_condition=model.equipment_condition,
        technology_level=model.technology_level,
        treatment=model.treatment,
        wastewater_m3_day=model.wastewater_m3_day,
        hazardous_waste=model.hazardous_waste,
        environmental_measures="Trạm xử lý nước thải riêng.",
        facts=model.model_dump(mode="json"),
        screening=result.as_dict(),
        verdict=result.verdict,
        ruleset_id=result.ruleset_id,
        ruleset_version=result.ruleset_version,
        tracking_token_hash=token_hash(token),
        idempotency_key=secrets.token_hex(32),
        request_hash=secrets.token_hex(32),
        created_at=created,
        updated_at=created,
    )
    session.add(proposal)
    session.flush()
    proposal.reference = f"ST-TEST-{proposal.id:06d}"
    if commit:
        session.commit()
    return proposal, token


def make_attachment(
    session,
    proposal: Proposal,
    upload_dir,
    *,
    name: str = "Báo cáo ĐTM.pdf",
    content: bytes = b"%PDF-1.4\n% test\n",
    stored_name: str | None = None,
    content_type: str = "application/pdf",
) -> Attachment:
    stored = stored_name or f"{secrets.token_hex(16)}.pdf"
    upload_dir.mkdir(parents=True, exist_ok=True)
    if "/" not in stored and ".." not in stored:
        (upload_dir / stored).write_bytes(content)
    att = Attachment(
        proposal_id=proposal.id,
        stored_name=stored,
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256="0" * 64,
    )
    session.add(att)
    session.commit()
    return att
