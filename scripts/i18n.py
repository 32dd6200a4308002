"""Catalog maintenance: extract → update → fill English → compile, under a file lock.

Messages are written in English in the code (msgid); `locales/en` repeats them (msgstr = msgid,
kept so the English catalog is complete and translators can polish wording), `locales/vi` carries the
Vietnamese text. Several people (and helpers) update the catalogs at once, hence the lock.

    python scripts/i18n.py update            # extract, merge into both catalogs, fill en, compile
    python scripts/i18n.py missing           # list vi entries without a translation (JSON to stdout)
    python scripts/i18n.py translate F.json  # merge {"msgid": "bản dịch", ...} into vi, then compile
    python scripts/i18n.py check             # exit 1 when any catalog is incomplete or stale
    python scripts/i18n.py compile           # .po → .mo only
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
LANGS = ("vi", "en")


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / "messages.po"


@contextmanager
def locked():
    LOCALES.mkdir(exist_ok=True)
    with open(LOCALES / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _read(path: Path):
    with open(path, "rb") as fh:
        return read_po(fh)


def _write(catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, sort_output=True, include_lineno=False)


def extract() -> Path:
    pot = Path(tempfile.mkdtemp()) / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "N_",
            "-k",
            "translate:2",
            "-k",
            "ntranslate:2,3",
            "--no-location",
            "--sort-output",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    return pot


def compile_all() -> None:
    for lang in LANGS:
        path = po_path(lang)
        catalog = _read(path)
        with open(path.with_suffix(".mo"), "wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)


def update() -> None:
    from babel.messages.catalog import Catalog

    pot = extract()
    template = _read(pot)
    for lang in LANGS:
        path = po_path(lang)
        catalog = _read(path) if path.exists() else Catalog(locale=lang, project="soctrang-portal")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        for message in catalog:
            if not message.id:
                continue
            message.flags.discard("fuzzy")
            if lang == "en":
                if isinstance(message.id, tuple | list):
                    message.string = tuple(message.id)
                elif not message.string:
                    message.string = message.id
        _write(catalog, path)
    compile_all()


def missing() -> dict[str, str]:
    catalog = _read(po_path("vi"))
    out = {}
    for m in catalog:
        if not m.id:
            continue
        s = m.string
        if (isinstance(s, str) and not s) or (isinstance(s, tuple | list) and not all(s)):
            out[m.id if isinstance(m.id, str) else m.id[0]] = ""
    return out


def translate(mapping_file: str) -> None:
    mapping = json.loads(Path(mapping_file).read_text(encoding="utf-8"))
    catalog = _read(po_path("vi"))
    unknown = []
    for key, value in mapping.items():
        message = catalog.get(key)
        if message is None:
            unknown.append(key)
            continue
        if isinstance(message.id, tuple | list):
            message.string = tuple(value) if isinstance(value, list) else (value, value)
        else:
            message.string = value
    _write(catalog, po_path("vi"))
    compile_all()
    if unknown:
        print(f"{len(unknown)} msgids not in the catalog (run update first?):", *unknown[:10], sep="\n  ")


def check() -> int:
    template_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _read(extract()) if m.id}
    bad = 0
    for lang in LANGS:
        catalog = _read(po_path(lang))
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        empty = [
            m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
        ]
        stale = template_ids - ids
        if empty or stale:
            bad += 1
            print(f"{lang}: {len(empty)} untranslated, {len(stale)} not yet in the catalog", file=sys.stderr)
            for x in list(stale)[:10] + empty[:10]:
                print(f"   {x!r}", file=sys.stderr)
    return 1 if bad else 0


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "update"
    with locked():
        if cmd == "update":
            update()
            print(json.dumps({"untranslated_vi": len(missing())}))
        elif cmd == "missing":
            print(json.dumps(missing(), ensure_ascii=False, indent=1))
        elif cmd == "translate":
            translate(argv[2])
        elif cmd == "compile":
            compile_all()
        elif cmd == "check":
            return check()
        else:
            print(__doc__)
            return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
