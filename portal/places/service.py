"""The 2025 merger as the pages need it. Data: `data/zone_places.yaml`, written by scripts/merger.py
(old → 2025 communes by vietnam-address-converter, official codes by vietnam-provinces, points from
places-approximate.yaml), and the public facts about the authority (Doanh nghiệp & Tiếp thị, 2025-12-06).

Names of units are Vietnamese proper names; in English they keep their name and put the unit type in
English after it ("Xã An Ninh" → "An Ninh commune", "Phường 7" → "Ward 7")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from portal import data as refdata

#: Vietnamese unit prefixes → English type (after the name; before a number)
UNIT_TYPES = (
    ("Thành phố", "city"),
    ("Thị trấn", "township"),
    ("Thị xã", "town"),
    ("Huyện", "district"),
    ("Phường", "ward"),
    ("Xã", "commune"),
    ("Tỉnh", "province"),
)

#: the authority that runs the parks and the economic zone since the merger (public fact, high confidence)
AUTHORITY = {
    "name_vi": "Ban Quản lý các khu chế xuất và công nghiệp Cần Thơ",
    "name_en": "Cần Thơ Export Processing and Industrial Zones Authority",
    "before_vi": "Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng",
    "before_en": "Sóc Trăng Industrial Zones Authority",
    "quote": "Ban Quản lý các khu chế xuất và công nghiệp Cần Thơ giới thiệu Khu công nghiệp Đại Ngãi để công khai "
    "thông tin kêu gọi nhà đầu tư.",
    "source_title": "Cần Thơ kêu gọi nhà đầu tư Dự án đầu tư xây dựng và kinh doanh kết cấu hạ tầng khu công nghiệp "
    "Đại Ngãi (Doanh nghiệp & Tiếp thị)",
    "source_url": "https://doanhnghieptiepthi.vn/can-tho-keu-goi-nha-dau-tu-du-an-dau-tu-xay-dung-va-kinh-doanh-ket-cau-"
    "ha-tang-khu-cong-nghiep-dai-ngai-161251205181401158.htm",
    "source_date": "2025-12-06",
    #: the fact names parks (KCN) and the economic zone; clusters (CCN) are not said to be under it
    "kinds": ("kcn", "kkt"),
}


def unit_en(name: str) -> str:
    for prefix, kind in UNIT_TYPES:
        if name.startswith(prefix + " "):
            rest = name[len(prefix) + 1 :]
            if re.fullmatch(r"\d+", rest):
                return f"{kind.capitalize()} {rest}"
            return f"{rest} {kind}"
    return name


def unit_name(name: str, lang: str) -> str:
    return name if lang == "vi" else unit_en(name)


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    name_vi: str
    name_en: str
    source: str
    confidence: str
    label_vi: str | None = None  # short label on the map (reference places)
    label_en: str | None = None

    def label(self, lang: str) -> str:
        return (self.label_vi if lang == "vi" else self.label_en) or (self.name_vi if lang == "vi" else self.name_en)


@dataclass(frozen=True)
class ZonePlace:
    slug: str
    old: list[tuple[str, str]] = field(default_factory=list)  # (commune, district) before 1 July 2025
    districts: list[str] = field(default_factory=list)  # when no source states the commune
    new: list[str] = field(default_factory=list)  # 2025 communes of Cần Thơ city
    new_codes: list[int] = field(default_factory=list)
    probable: str | None = None
    point: Point | None = None
    source: str = ""

    @property
    def old_districts(self) -> list[str]:
        out: list[str] = []
        for _c, d in self.old:
            if d not in out:
                out.append(d)
        return out or list(self.districts)

    def new_label(self, lang: str) -> str | None:
        return ", ".join(unit_name(n, lang) for n in self.new) if self.new else None

    def old_label(self, lang: str) -> str:
        """'Xã An Hiệp, Xã Phú Tân (Huyện Châu Thành); Phường 7 (Thành phố Sóc Trăng)'."""
        if not self.old:
            return ", ".join(unit_name(d, lang) for d in self.districts)
        groups: dict[str, list[str]] = {}
        for commune, district in self.old:
            groups.setdefault(district, []).append(unit_name(commune, lang))
        return "; ".join(f"{', '.join(cs)} ({unit_name(d, lang)})" for d, cs in groups.items())

    def point_label(self, lang: str) -> str | None:
        return (self.point.name_vi if lang == "vi" else self.point.name_en) if self.point else None

    def search_terms(self) -> list[str]:
        names = [c for c, _d in self.old] + self.old_districts + self.new + ([self.probable] if self.probable else [])
        return [*names, city()["name_vi"]]


@cache
def _data() -> dict:
    return refdata.load("zone_places")


def city() -> dict:
    return _data()["city"]


def city_name(lang: str) -> str:
    return city()[f"name_{lang}"]


def _point(raw: dict | None) -> Point | None:
    if not raw or raw.get("lat") is None:
        return None
    return Point(
        raw["lat"],
        raw["lon"],
        raw["name_vi"],
        raw["name_en"],
        str(raw.get("source") or ""),
        raw["confidence"],
        raw.get("label_vi"),
        raw.get("label_en"),
    )


def zone_place(slug: str) -> ZonePlace | None:
    raw = _data()["zones"].get(slug)
    if raw is None:
        return None
    return ZonePlace(
        slug=slug,
        old=[(o["commune"], o["district"]) for o in raw.get("old", [])],
        districts=list(raw.get("districts", [])),
        new=[n["name"] for n in raw.get("new", [])],
        new_codes=[n["code"] for n in raw.get("new", [])],
        probable=raw.get("probable_commune"),
        point=_point(raw.get("point")),
        source=raw.get("source", ""),
    )


def all_zone_places() -> dict[str, ZonePlace]:
    return {slug: p for slug in _data()["zones"] if (p := zone_place(slug)) is not None}


def reference_places() -> list[tuple[str, Point]]:
    return [(key, p) for key, raw in _data()["reference_places"].items() if (p := _point(raw)) is not None]


def authority(kind: str) -> dict | None:
    return AUTHORITY if kind in AUTHORITY["kinds"] else None
