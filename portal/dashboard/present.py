"""Targets in one language: texts with locale-formatted numbers, and the geometry of a server-rendered
SVG bar chart (current value vs target) — presentation attributes only, no inline styles, no JS."""

from __future__ import annotations

from dataclasses import dataclass

from babel.numbers import format_percent

from portal import data as refdata
from portal.dashboard.service import Measure, TargetProgress, Text
from portal.i18n import N_, fmt_number, translate

CHART_WIDTH = 540
LABEL_WIDTH = 110
BAR_AREA = 300
BAR_HEIGHT = 16
ROW_GAP = 14
LABEL_LINE = 20
COLOUR_CURRENT = "#0b5cad"
COLOUR_TARGET = "#9aa7b4"


def fmt_value(value: float | None, unit: str, lang: str) -> str | None:
    if value is None:
        return None
    if unit == "ratio":
        return format_percent(value, format="#,##0.##%", locale=lang)
    return fmt_number(value, lang, 0)


def text(t: Text, lang: str) -> str:
    params = {
        k: (fmt_number(v, lang, 0) if isinstance(v, int | float) and k not in _RAW_INTS else v)
        for k, v in t.params.items()
    }
    return translate(lang, t.msgid, **params)


_RAW_INTS = {"count", "counted", "total", "reporting", "projects"}  # used with %(x)d


def target_text(tp: TargetProgress, lang: str) -> str:
    t = tp.target
    if "kcn" in t and "ccn" in t:
        return translate(
            lang,
            "%(kcn)s industrial parks and %(ccn)s industrial clusters",
            kcn=fmt_number(t["kcn"], lang, 0),
            ccn=fmt_number(t["ccn"], lang, 0),
        )
    if "ratio" in t:
        return fmt_value(float(t["ratio"]), "ratio", lang) or ""
    if "min" in t:
        low, high = fmt_number(t["min"], lang, 0), fmt_number(t.get("max") or t["min"], lang, 0)
        span = low if low == high else f"{low}–{high}"
        if tp.metric == "jobs":
            return translate(lang, "%(span)s workers", span=span)
        return translate(lang, "%(span)s new industrial parks", span=span)
    if t.get("all_kcn"):
        return translate(lang, "Every industrial park")
    if "min_bn_vnd" in t:
        return translate(lang, "Above %(value)s billion VND", value=fmt_number(t["min_bn_vnd"], lang, 0))
    if "each_district" in t:
        return translate(
            lang,
            "At least %(n)s in each district, town and city without an industrial park",
            n=fmt_number(t["each_district"], lang, 0),
        )
    return translate(lang, "As quoted from the source")


@dataclass
class Bar:
    label: str
    kind: str  # current | target
    value_text: str
    y: int
    width: float
    fill: str


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    label_width: int
    bars: list[Bar]
    groups: list[tuple[str, int]]  # (measure label, y of its first bar)


@dataclass
class MeasureView:
    label: str
    current: str | None
    target: str
    reached: bool | None


@dataclass
class TargetView:
    id: str
    year: int
    title: str
    target: str
    source_short: str
    source_title: str
    ref: str
    quote: str
    measures: list[MeasureView]
    reason: str | None
    notes: list[str]
    chart: Chart | None
    computable: bool
    #: the deadline is past and no published figure measures the target: the page says so, never "not reached"
    no_figure_after_deadline: bool = False


def _target_span(m: Measure, lang: str) -> str:
    low = fmt_value(m.target, m.unit, lang) or ""
    if m.target_max is not None and m.target_max != m.target:
        return f"{low}–{fmt_value(m.target_max, m.unit, lang)}"
    return low


def chart(tp: TargetProgress, title: str, lang: str) -> Chart | None:
    measures = [m for m in tp.progress.measures if m.current is not None]
    if not measures:
        return None
    bars: list[Bar] = []
    groups: list[tuple[str, int]] = []
    desc_parts = []
    y = 8
    for m in measures:
        scale = max(m.target_max or m.target, m.current or 0.0, 1e-9)
        label = translate(lang, m.label)
        groups.append((label, y))
        y += LABEL_LINE
        current_text = fmt_value(m.current, m.unit, lang) or ""
        target_value = _target_span(m, lang)
        bars.append(
            Bar(
                translate(lang, "Current"),
                "current",
                current_text,
                y,
                round(BAR_AREA * (m.current or 0) / scale, 1),
                COLOUR_CURRENT,
            )
        )
        y += BAR_HEIGHT + 4
        bars.append(
            Bar(
                translate(lang, "Target"),
                "target",
                target_value,
                y,
                round(BAR_AREA * (m.target_max or m.target) / scale, 1),
                COLOUR_TARGET,
            )
        )
        y += BAR_HEIGHT + ROW_GAP
        desc_parts.append(
            translate(
                lang,
                "%(label)s: current %(current)s, target %(target)s",
                label=label,
                current=current_text,
                target=target_value,
            )
        )
    return Chart(
        id=f"chart-{tp.id}",
        title=translate(lang, "%(title)s: current value and target", title=title),
        desc="; ".join(desc_parts) + ".",
        width=CHART_WIDTH,
        height=y,
        label_width=LABEL_WIDTH,
        bars=bars,
        groups=groups,
    )


def target_view(tp: TargetProgress, lang: str, *, year: int | None = None, measured: bool = True) -> TargetView:
    """`year`: this year in the province; `measured`: the target's figures come from data staff keep
    current (a zone status they set, registry projects), not only from the resolutions' own lists."""
    title = tp.title_vi if lang == "vi" else tp.title_en
    measures = [
        MeasureView(translate(lang, m.label), fmt_value(m.current, m.unit, lang), _target_span(m, lang), m.reached)
        for m in tp.progress.measures
    ]
    return TargetView(
        id=tp.id,
        year=tp.year,
        title=title,
        target=target_text(tp, lang),
        source_short=refdata.source_short(tp.source, lang),
        source_title=refdata.source_title(tp.source, lang),
        ref=tp.ref,
        quote=tp.quote,
        measures=measures,
        reason=text(tp.progress.reason, lang) if tp.progress.reason else None,
        notes=[text(n, lang) for n in tp.progress.notes],
        chart=chart(tp, title, lang),
        computable=tp.progress.computable,
        no_figure_after_deadline=(
            year is not None
            and tp.year < year
            and not (measured and tp.progress.computable and all(m.reached for m in tp.progress.measures))
            and not (measured and tp.progress.computable and all(m.current is not None for m in tp.progress.measures))
        ),
    )


GROUP_TITLES = {
    "nq-03-2021": N_("Resolution 03-NQ/TU on industrial parks, clusters and the economic zone (2021–2030)"),
    "nq-cn-2020-2025": N_("Resolution on industrial development to 2020, orientation to 2025"),
}


def grouped(
    targets: list[TargetProgress], lang: str, *, year: int | None = None, measured: set[str] | None = None
) -> list[tuple[str, str, list[TargetView]]]:
    """[(source key, group title, views)] in the order sources first appear. `measured`: the metrics
    whose figures staff keep current (None: all)."""
    groups: dict[str, list[TargetView]] = {}
    for tp in targets:
        ok = measured is None or (tp.metric in measured)
        groups.setdefault(tp.source, []).append(target_view(tp, lang, year=year, measured=ok))
    return [
        (key, translate(lang, GROUP_TITLES[key]) if key in GROUP_TITLES else refdata.source_title(key, lang), views)
        for key, views in groups.items()
    ]
