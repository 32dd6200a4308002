"""The pages' `_`, `gettext` and `ngettext` (portal/web/render.py, cheaper than Jinja's) give what Jinja's
newstyle gettext gives: escaped keywords in autoescaped templates, `%%` formatted, plurals with `num`."""

from __future__ import annotations

import pytest
from jinja2 import Environment

from portal.i18n import get_translations
from portal.web.render import _gettext_callables, environment

SOURCES = [
    '{{ _("Filter") }}|{{ _("Filter") }}',
    '{{ _("Page %(page)s of %(pages)s", page="<b>", pages=3) }}',
    '{{ gettext("%(n)s%% of the land for lease", n="97") }}',
    '{{ _("not in the catalogue & <x>") }} {{ _("50%% & 20%%") }}',
    '{{ ngettext("%(num)d zone", "%(num)d zones", 1) }} {{ ngettext("%(num)d zone", "%(num)d zones", 21) }}',
    '{% autoescape false %}{{ _("Page %(page)s of %(pages)s", page="<b>", pages=1) }}{% endautoescape %}',
]


def _environment(lang: str, autoescape: bool, *, ours: bool) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)  # noqa: S701 - both ways compared
    env.install_gettext_translations(get_translations(lang), newstyle=True)
    if ours:
        gettext, ngettext = _gettext_callables(lang)
        env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    return env


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_same_text_as_jinjas_newstyle_gettext(lang, autoescape):
    stock, ours = _environment(lang, autoescape, ours=False), _environment(lang, autoescape, ours=True)
    for source in SOURCES:
        for _twice in range(2):  # the second time from the per-process memo
            assert ours.from_string(source).render() == stock.from_string(source).render(), source


def test_the_pages_environment_uses_them():
    env = environment("vi")
    assert env.globals["_"].__module__ == "portal.web.render"
    assert (
        env.from_string('{{ _("Filter") }}').render()
        == _environment("vi", True, ours=False).from_string('{{ _("Filter") }}').render()
    )
