"""The pages' `_`, `gettext` and `ngettext` (portal/web/render.py, cheaper than Jinja's) give what Jinja's
newstyle gettext gives: escaped keywords in autoescaped templates, `%%` formatted, plurals with `num`; and so
do the literal texts the pages' environment translates when it compiles a template (PageEnvironment)."""

from __future__ import annotations

import pytest
from jinja2 import Environment

from portal.i18n import get_translations
from portal.web.render import PageEnvironment, _gettext_callables, environment

SOURCES = [
    '{{ _("Filter") }}|{{ _("Filter") }}',
    '{{ _("Page %(page)s of %(pages)s", page="<b>", pages=3) }}',
    '{{ gettext("%(n)s%% of the land for lease", n="97") }}',
    '{{ _("not in the catalogue & <x>") }} {{ _("50%% & 20%%") }}',
    '{{ ngettext("%(num)d zone", "%(num)d zones", 1) }} {{ ngettext("%(num)d zone", "%(num)d zones", 21) }}',
    '{% autoescape false %}{{ _("Page %(page)s of %(pages)s", page="<b>", pages=1) }}{% endautoescape %}',
    '{% autoescape false %}{{ _("not in the catalogue & <x>") }}{% endautoescape %}{{ _("Filter") }}',
    '{% set t = _("Add to compare") %}{% for i in [1, 2] %}{% set j = i %}{{ t }}{{ _("Filter") ~ j }}{% endfor %}',
    '{% trans %}Filter{% endtrans %} {% trans n="<i>" %}Page {{ n }} of {{ n }}{% endtrans %}',
    '{{ _("Filter")|upper }} {{ gettext("Show all zones") }} {{ _("no such text in the catalogue") }}',
]
#: templates that bind `_` or `gettext` themselves: their calls are the template's own (never folded)
SHADOWING = [
    '{% for _ in ["a"] %}{{ _ }}{% endfor %}{{ _("Filter") }}',
    '{% macro m(gettext) %}{{ gettext }}{% endmacro %}{{ m("x") }}{{ gettext("Filter") }}',
    '{% set _ = "y" %}{{ _ }}',
]


def _environment(lang: str, autoescape: bool, *, ours: bool, folding: bool = False) -> Environment:
    kind = PageEnvironment if folding else Environment
    env = kind(extensions=["jinja2.ext.i18n"], autoescape=autoescape)  # both ways compared
    env.install_gettext_translations(get_translations(lang), newstyle=True)
    if ours:
        gettext, ngettext = _gettext_callables(lang)
        env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    if folding:
        env.translate_text = get_translations(lang).ugettext
    return env


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_same_text_as_jinjas_newstyle_gettext(lang, autoescape):
    stock, ours = _environment(lang, autoescape, ours=False), _environment(lang, autoescape, ours=True)
    folding = _environment(lang, autoescape, ours=True, folding=True)
    for source in SOURCES + SHADOWING:
        expected = stock.from_string(source).render()
        for _twice in range(2):  # the second time from the per-process memo
            assert ours.from_string(source).render() == expected, source
            assert folding.from_string(source).render() == expected, source


def test_literal_texts_are_translated_when_compiled():
    folding = _environment("vi", True, ours=True, folding=True)
    translated = get_translations("vi").ugettext("Filter")
    assert translated != "Filter"
    code = folding.compile('<h2>{{ _("Filter") }}</h2>{% set t = gettext("Filter") %}', raw=True)
    assert "context.call" not in code  # no call left at render time
    assert f"<h2>{translated}</h2>" in code  # in the template's static text
    kept = folding.compile('{{ _("50%% & 20%%") }}{{ _(name) }}{{ _("Page %(page)s", page=1) }}', raw=True)
    assert kept.count("context.call") == 3  # a "%" in the text, a variable, keywords: translated at render
    for source in SHADOWING:
        assert "context.call" in folding.compile(source, raw=True) or "_(" not in source, source


def test_the_pages_environment_uses_them():
    env = environment("vi")
    assert env.globals["_"].__module__ == "portal.web.render"
    assert isinstance(env, PageEnvironment) and env.translate_text is not None
    assert (
        env.from_string('{{ _("Filter") }}').render()
        == _environment("vi", True, ours=False).from_string('{{ _("Filter") }}').render()
    )
