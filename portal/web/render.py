"""Template rendering: one Jinja environment per locale (gettext installed), shared helpers.

Every page gets: `lang`, `other_lang`, `alternates` (hreflang URLs for vi and en of the same page,
query string kept), `csrf_token`, `current_user` (when accounts set it), formatters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, nodes, pass_eval_context, select_autoescape
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from portal import PACKAGE_DIR
from portal import data as refdata
from portal.i18n import LOCALES, fmt_area, fmt_date, fmt_number, fmt_percent, get_translations
from portal.resources import asset_dir
from portal.settings import get_settings
from portal.web.csrf import csrf_token_for

TEMPLATE_DIR = PACKAGE_DIR / "templates"

STATIC_DIR = asset_dir("static")  # the checkout's static/, or the installed wheel's


@cache
def static_manifest() -> dict[str, str]:
    """{path under static/: first 12 hex digits of its SHA-256}, read once per process. A changed file gets a
    new URL (`static_url`), so browsers and proxies may cache every static file for as long as they like."""
    return {
        p.relative_to(STATIC_DIR).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()[:12]
        for p in sorted(STATIC_DIR.rglob("*"))
        if p.is_file()
    }


def static_url(path: str) -> str:
    """/static/<path>?v=<content hash>; a path not in the manifest is a template error, not a silent 404."""
    return f"/static/{path}?v={static_manifest()[path]}"


def _development() -> bool:
    try:
        return get_settings().env == "development"
    except ValueError:  # settings that do not validate: the app refuses to start elsewhere
        return False


#: the template names of the gettext callables (`ngettext` is never folded: its text depends on the number)
TRANSLATE_NAMES = frozenset({"_", "gettext"})


class PageEnvironment(Environment):
    """The pages' environment: a `_("text")` or `gettext("text")` whose text is a literal, without keywords
    and whose translation has no `%`, is translated when the template is compiled (the translation is
    constant for the environment's language: one environment per language), so it costs nothing per render
    and lands in the template's static text. Exactly what the call gives at render time: the translation
    as Markup in an autoescaped template (`%`-formatting with no keywords leaves a text without `%` as it
    is). A template that binds `_` or `gettext` itself (a loop or macro variable, an import) is left alone.
    Never share a bytecode cache between the languages' environments: compiled code holds translations."""

    translate_text: Callable[[str], str] | None = None

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        if self.translate_text is None or _binds_translate_names(tree):
            return tree
        return _FoldTranslations(self.translate_text).visit(tree)


def _binds_translate_names(tree: nodes.Template) -> bool:
    for node in tree.find_all((nodes.Name, nodes.Import, nodes.FromImport)):
        if isinstance(node, nodes.Name) and node.name in TRANSLATE_NAMES and node.ctx != "load":
            return True
        if isinstance(node, nodes.Import) and node.target in TRANSLATE_NAMES:
            return True
        if isinstance(node, nodes.FromImport) and any(
            (alias if isinstance(alias, str) else alias[-1]) in TRANSLATE_NAMES for alias in node.names
        ):
            return True
    return False


class _FoldTranslations(NodeTransformer):
    def __init__(self, translate_text: Callable[[str], str]) -> None:
        self.translate_text = translate_text

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        if (
            isinstance(node.node, nodes.Name)
            and node.node.name in TRANSLATE_NAMES
            and len(node.args) == 1
            and isinstance(node.args[0], nodes.Const)
            and isinstance(node.args[0].value, str)
            and not node.kwargs
            and node.dyn_args is None
            and node.dyn_kwargs is None
        ):
            text = self.translate_text(node.args[0].value)
            if "%" not in text:
                return nodes.MarkSafeIfAutoescape(nodes.Const(text, lineno=node.lineno), lineno=node.lineno)
        return node


@cache
def environment(lang: str) -> Environment:
    env = PageEnvironment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        auto_reload=_development(),  # elsewhere templates are read once, not stat()ed on every render
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(get_translations(lang), newstyle=True)  # type: ignore[attr-defined]
    gettext, ngettext = _gettext_callables(lang)
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    env.translate_text = get_translations(lang).ugettext  # before any template is compiled
    env.globals.update(
        lang=lang,
        other_lang="en" if lang == "vi" else "vi",
        locales=LOCALES,
        num=lambda v, digits=2: fmt_number(v, lang, digits),
        area=lambda v: fmt_area(v, lang),
        pct=lambda v: fmt_percent(v, lang),
        fdate=lambda v: fmt_date(v, lang),
        loc=lambda obj, name: (
            getattr(obj, f"{name}_{lang}", None) if not isinstance(obj, dict) else obj.get(f"{name}_{lang}")
        ),
        locality_name=lambda key: refdata.locality_name(key, lang),
        source_short=lambda key: refdata.source_short(key, lang),
        source_title=lambda key: refdata.source_title(key, lang),
        static_url=static_url,
    )
    env.filters["qs"] = _qs
    return env


MEMO_LIMIT = 4096  # texts without keywords remembered per language (the templates hold some 1,000)


def _gettext_callables(lang: str):
    """Jinja's newstyle `_`, `gettext` and `ngettext` (the same results: the text escaped as Markup in an
    autoescaped template, then always %-formatted with the keywords), without its three context calls per
    `_()`; a text without keywords is translated and formatted once per process. They take the evaluation
    context (all they read is its autoescape flag), not the template context: Jinja derives a new context
    for every call of a context function made after a `{% set %}` in a loop or block (a zone list row)."""
    translations = get_translations(lang)
    ugettext, ungettext = translations.ugettext, translations.ungettext

    def marked(text: str, autoescape: bool) -> str:
        # the catalogue's own texts, trusted as Jinja trusts them; the keywords are escaped by `%`
        return Markup(text) if autoescape else text  # noqa: S704

    plain: dict[tuple[str, bool], str] = {}

    @pass_eval_context
    def gettext(__eval_ctx, __string: str, **variables) -> str:
        autoescape = __eval_ctx.autoescape
        if not variables:
            key = (__string, autoescape)
            rv = plain.get(key)
            if rv is None:
                rv = marked(ugettext(__string), autoescape) % {}
                if len(plain) < MEMO_LIMIT:  # a text from a query string (an unknown field's name) must not grow it
                    plain[key] = rv
            return rv
        text = ugettext(__string)
        return marked(text, autoescape) % variables

    @pass_eval_context
    def ngettext(__eval_ctx, __singular: str, __plural: str, __num: int, **variables) -> str:
        variables.setdefault("num", __num)
        text = ungettext(__singular, __plural, __num)
        return marked(text, __eval_ctx.autoescape) % variables

    return gettext, ngettext


def _qs(items) -> str:
    return urlencode(list(items))


def switch_lang_url(request: Request, target: str) -> str:
    parts = request.url.path.split("/")
    if len(parts) > 1 and parts[1] in LOCALES:
        parts[1] = target
        path = "/".join(parts)
    else:
        path = f"/{target}/"
    query = request.url.query
    return path + (f"?{query}" if query else "")


def _base_url(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None)
    return (getattr(settings, "base_url", "") or "").rstrip("/")


def render(
    request: Request,
    lang: str,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    env = environment(lang)
    ctx = {
        "request": request,
        "alternates": {code: switch_lang_url(request, code) for code in LOCALES},
        # absolute, from PORTAL_BASE_URL: search engines ignore relative hreflang and canonical links
        "alternate_urls": {code: _base_url(request) + switch_lang_url(request, code) for code in LOCALES},
        "canonical_url": _base_url(request) + request.url.path,
        "canonical": str(request.url.replace(query=request.url.query)),
        "csrf_token": csrf_token_for(request),
        "current_user": getattr(request.state, "user", None),
        "path": request.url.path,
    }
    ctx.update(context or {})
    html = env.get_template(template).render(ctx)
    return HTMLResponse(html, status_code=status_code, headers=headers)
