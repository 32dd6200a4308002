"""Build configuration that pyproject.toml cannot express: the top-level `locales/` (catalogues that
babel and scripts/i18n.py keep there) and `static/` go into the wheel as `portal/locales` and
`portal/static`, package data found with importlib.resources (`portal.resources`). A checkout
(editable install) reads them where they are."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["portal", "portal.*", "search", "search.*"]), "portal.locales", "portal.static"],
    package_dir={"portal.locales": "locales", "portal.static": "static"},
    package_data={
        "portal": [
            "templates/**/*",
            "**/*.yaml",  # data, review reasons, screening rulesets
            "migrations/*",
            "migrations/**/*",
            "alembic.ini",
        ],
        "portal.locales": ["*/LC_MESSAGES/messages.mo", "*/LC_MESSAGES/messages.po"],
        "portal.static": ["**/*"],
    },
    include_package_data=False,
)
