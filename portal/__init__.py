"""Investment-attraction portal and project registry for Sóc Trăng province."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_DIR = PACKAGE_DIR.parent
