"""Write portal/data/zone_places.yaml: for each zone, the units the sources place it in before the
2025 reform (old commune and district), the commune it belongs to since 1 July 2025, and the point
the map shows it at until staff set an exact location.

    .venv/bin/python scripts/merger.py            # write the file
    .venv/bin/python scripts/merger.py --check    # exit 1 when the file is not what the script writes

Where the data come from:
- which old commune each zone is in: the public facts (reference/data/zone-public-facts.yaml, topic
  `location_pre_merger`) or the resolutions; the table below names the source of each row. A zone
  whose commune no source states keeps only its district, and gets no point on the map;
- old → 2025 commune: PyPI `vietnam-address-converter` (its mapping of the old district-based
  addresses to the 2025 units, Resolution 1668/NQ-UBTVQH15 for Cần Thơ);
- the 2025 commune's official code and name: PyPI `vietnam-provinces`;
- the point: reference/data/places-approximate.yaml (the entry named in the table), with its source.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "portal" / "data" / "zone_places.yaml"
PLACES = ROOT / "reference" / "data" / "places-approximate.yaml"

# zone slug → (old units [(commune, district)], old district(s) when no commune is stated, source, place name_vi)
AN_NGHIEP = [
    ("Xã An Hiệp", "Huyện Châu Thành"),
    ("Xã Phú Tân", "Huyện Châu Thành"),
    ("Phường 7", "Thành phố Sóc Trăng"),
]
ZONES: dict[str, dict] = {
    "kcn-an-nghiep": {
        "old": AN_NGHIEP,
        "source": "public fact location_pre_merger: Tiền Phong, 11/2023",
        "place": "Xã An Hiệp (cũ), huyện Châu Thành",
    },
    "kcn-an-nghiep-mo-rong": {
        "old": AN_NGHIEP[:2],
        "source": "public fact expansion_plan: Báo Xây dựng reprint (low confidence)",
        "place": "Xã An Hiệp (cũ), huyện Châu Thành",
    },
    "kcn-tran-de": {
        "old": [("Thị trấn Trần Đề", "Huyện Trần Đề")],
        "source": "public fact location_pre_merger: Kinh tế Chứng khoán, 2020",
        "place": "Xã Trần Đề (2025)",
    },
    "kcn-tran-de-mo-rong": {"districts": ["Huyện Trần Đề"], "source": "Resolution 03-NQ/TU III.1 (park in Trần Đề)"},
    "kcn-song-hau": {
        "old": [("Thị trấn An Lạc Thôn", "Huyện Kế Sách")],
        "source": "public fact location_pre_merger: nso.com.vn, 2021-08-02",
        "place": "An Lạc Thôn (thị trấn cũ) / xã An Lạc Thôn (2025), huyện Kế Sách",
    },
    "kcn-dai-ngai": {
        "old": [("Xã Long Đức", "Huyện Long Phú")],
        "source": "public fact location_pre_merger (high confidence); Doanh nghiệp & Tiếp thị, 2025-12-06",
        "place": "Xã Đại Ngãi (2025) — gồm xã Long Đức (cũ)",
    },
    "kcn-my-thanh": {
        "districts": ["Thị xã Vĩnh Châu"],
        "probable": "Xã Vĩnh Hải",
        "source": "public fact location_pre_merger: VCCI, 2020-03-18 (commune not stated)",
    },
    "kcn-moi-tran-de": {"districts": ["Huyện Trần Đề"], "source": "Resolution 03-NQ/TU III.1"},
    "kcn-moi-vinh-chau": {"districts": ["Thị xã Vĩnh Châu"], "source": "Resolution 03-NQ/TU III.1"},
    "kcn-moi-nga-nam": {"districts": ["Thị xã Ngã Năm"], "source": "Resolution 03-NQ/TU III.1"},
    "kkt-tran-de": {
        "districts": ["Huyện Trần Đề", "Huyện Long Phú", "Huyện Cù Lao Dung", "Thị xã Vĩnh Châu"],
        "source": "public facts location (2023, 2025 and 2026 reports; they disagree on the districts)",
    },
    "ccn-nga-nam": {"districts": ["Thị xã Ngã Năm"], "source": "Resolution 03-NQ/TU III.2"},
    "ccn-xay-da-b": {
        "old": [("Xã Hồ Đắc Kiện", "Huyện Châu Thành")],
        "source": "public fact location_pre_merger (high confidence), 2025",
        "place": "Xã Hồ Đắc Kiện (cũ & 2025), huyện Châu Thành — ấp Xây Đá B",
    },
    "ccn-an-lac-thon-1": {
        "old": [("Thị trấn An Lạc Thôn", "Huyện Kế Sách")],
        "source": "public fact location_pre_merger (low confidence)",
        "place": "An Lạc Thôn (thị trấn cũ) / xã An Lạc Thôn (2025), huyện Kế Sách",
    },
    "ccn-an-lac-thon-2": {"districts": ["Huyện Kế Sách"], "source": "Resolution 03-NQ/TU III.2"},
    "ccn-long-duc-1": {
        "old": [("Xã Long Đức", "Huyện Long Phú")],
        "source": "public fact location_pre_merger (high confidence), 2024",
        "place": "Xã Đại Ngãi (2025) — gồm xã Long Đức (cũ)",
    },
    "ccn-long-duc-2": {
        "old": [("Xã Long Đức", "Huyện Long Phú")],
        "source": "public fact location_pre_merger (high confidence), 2024",
        "place": "Xã Đại Ngãi (2025) — gồm xã Long Đức (cũ)",
    },
    "ccn-thanh-pho-soc-trang": {"districts": ["Thành phố Sóc Trăng"], "source": "industry resolution 2020–2025 II.2.2"},
    "ccn-thanh-phu": {"districts": ["Huyện Mỹ Xuyên"], "source": "industry resolution 2020–2025 II.2.2"},
    "ccn-ap-nhi": {"districts": ["Huyện Long Phú"], "source": "industry resolution 2020–2025 II.2.2"},
    "ccn-vinh-chau": {"districts": ["Thị xã Vĩnh Châu"], "source": "industry resolution 2020–2025 II.2.2"},
}
#: the places shown on every map for orientation (name_vi in places-approximate.yaml)
REFERENCE_PLACES = {  # key: (name_vi in places-approximate.yaml, short label vi, short label en)
    "soc-trang": ("Thành phố Sóc Trăng (cũ)", "TP Sóc Trăng (cũ)", "Sóc Trăng (former city)"),
    "tran-de-port": ("Cảng Trần Đề", "Cảng Trần Đề", "Trần Đề port"),
    "can-tho": ("Thành phố Cần Thơ (mới, từ 2025)", "TP Cần Thơ (điểm nhãn bản đồ)", "Cần Thơ city (map label point)"),
}


def _wards_2025() -> dict[str, int]:
    from vietnam_provinces import Province, Ward

    can_tho = next(p for p in Province.iter_all() if p.name == "Thành phố Cần Thơ")
    return {w.name: int(w.code) for w in Ward.iter_all() if w.province_code == can_tho.code}


def _place(name_vi: str, places: dict) -> dict:
    p = places[name_vi]
    return {
        "name_vi": p["name_vi"],
        "name_en": p["name_en"],
        "lat": p["lat"],
        "lon": p["lon"],
        "source": p.get("source") or p.get("source_url"),
        "quote": p.get("quote"),
        "confidence": p["confidence"],
    }


def build() -> dict:
    from vietnam_address_converter import convert_address_text

    places = {p["name_vi"]: p for p in yaml.safe_load(PLACES.read_text(encoding="utf-8"))["places"]}
    wards = _wards_2025()
    zones = {}
    for slug, row in ZONES.items():
        out: dict = {"source": row["source"]}
        if row.get("old"):
            old, new = [], []
            for commune, district in row["old"]:
                result = convert_address_text(f"{commune}, {district}, Tỉnh Sóc Trăng")
                ward = result["converted"]["ward"]["name_with_type"]
                if result["converted"]["province"]["name_with_type"] != "Thành phố Cần Thơ" or ward not in wards:
                    raise SystemExit(f"{slug}: {commune}, {district} → {ward}: not a 2025 unit of Cần Thơ")
                old.append({"commune": commune, "district": district})
                if not any(n["name"] == ward for n in new):
                    new.append({"name": ward, "code": wards[ward]})
            out["old"], out["new"] = old, new
        else:
            out["districts"] = row["districts"]
        if row.get("probable"):
            out["probable_commune"] = row["probable"]
        if row.get("place"):
            out["point"] = _place(row["place"], places)
        zones[slug] = out
    return {
        "city": {"name_vi": "Thành phố Cần Thơ", "name_en": "Cần Thơ city", "code": 92},
        "reference_places": {
            key: {**_place(name, places), "label_vi": vi, "label_en": en}
            for key, (name, vi, en) in REFERENCE_PLACES.items()
        },
        "zones": zones,
    }


HEADER = "# Generated by scripts/merger.py (vietnam-address-converter, vietnam-provinces, places-approximate.yaml).\n"
HEADER += "# Do not edit: change the table in the script and run it again.\n"


def render() -> str:
    return HEADER + yaml.safe_dump(build(), allow_unicode=True, sort_keys=False, width=120)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is not what scripts/merger.py writes: run it again", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
