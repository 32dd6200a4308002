"""Where the portal's files are, installed or not.

Templates, data, rulesets and migrations are package data of `portal`. The translation catalogues and
the static files live at the top of the repository (`locales/`, `static/`: the tooling expects them
there) and the build puts them into the wheel as `portal/locales` and `portal/static` (setup.py).
`asset_dir` finds them with importlib.resources in an installed package, and in the checkout otherwise
(an editable install), so `portal serve` works the same from a wheel, a container or `make run`.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from portal import ROOT_DIR


def package_dir() -> Path:
    return Path(str(files("portal")))


def asset_dir(name: str) -> Path:
    """`locales` or `static`: the installed package's copy, or the checkout's top-level folder."""
    packaged = files("portal").joinpath(name)
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = ROOT_DIR / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"portal/{name} is missing from this installation (looked in {packaged} and {checkout})")
