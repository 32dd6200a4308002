"""Folding is the contract both engines share: indexed text and queries go through it alike."""

from __future__ import annotations

import html
import random
import re
import unicodedata

import pytest

from search.query import (
    Terms,
    fts_match,
    has_match,
    highlight,
    meili_filter,
    meili_q,
    parse_filters,
    parse_terms,
)
from search.text import fold, slugify, tokens


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Trần Đề", "tran de"),
        ("TRAN ĐE", "tran de"),
        ("đường", "duong"),
        ("Đại Ngãi", "dai ngai"),
        ("Sông Hậu", "song hau"),
        ("Nhơn Mỹ", "nhon my"),
        ("ẞtraße", "sstrasse"),  # casefold, not lower(): ẞ and ß → ss
        ("Ðð", "dd"),  # Icelandic eth looks like Đ and is typed for it
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_nfd_and_nfc_fold_the_same() -> None:
    for word in ["Trần Đề", "Kế Sách", "Thạnh Trị", "Ngã Năm"]:
        assert fold(unicodedata.normalize("NFD", word)) == fold(unicodedata.normalize("NFC", word)) != word


def test_combining_marks_are_dropped() -> None:
    assert fold("e\u0301\u0323") == "e"  # e + acute + dot below
    assert fold("\u0301") == ""
    assert tokens("\u0301 \u0303") == []


def test_d_with_stroke_in_nfd_input() -> None:
    # Đ has no decomposition: NFD leaves it alone, so it must be mapped explicitly
    assert unicodedata.normalize("NFD", "Đ") == "Đ"
    assert fold(unicodedata.normalize("NFD", "Đề")) == "de"


def test_tokens_split_on_everything_but_letters_and_digits() -> None:
    assert tokens('"Trần*Đề" -NEAR(a) 1020; DROP') == ["tran", "de", "near", "a", "1020", "drop"]
    assert tokens("%_'\"()*") == []


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("An Lạc Thôn 1", "an-lac-thon-1"),
        ("Xây Đá B", "xay-da-b"),
        ("Khu công nghiệp Trần Đề", "khu-cong-nghiep-tran-de"),
        ("Cụm công nghiệp  Đại Ngãi – giai đoạn 2", "cum-cong-nghiep-dai-ngai-giai-doan-2"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


# --- pure query building (search/query.py) --------------------------------------------------------


def test_terms_prefix_rule() -> None:
    assert parse_terms("Trần Đề") == Terms(("tran", "de"), prefix=True)
    assert parse_terms("tran d") == Terms(("tran", "d"), prefix=False)
    assert not parse_terms('"*"')
    assert len(parse_terms("x " * 500).words) == 32


def test_fts_match_quotes_every_word() -> None:
    assert fts_match(parse_terms('Trần "Đề')) == '"tran" "de"*'
    assert fts_match(parse_terms("near a")) == '"near" "a"'


def test_meili_query_and_filters_are_escaped() -> None:
    assert meili_q(parse_terms("tran de")) == '"tran" de'
    assert meili_q(parse_terms("tran d")) == '"tran" "d"'
    spec = parse_filters({"kind": ["kcn", 'a"b\\c'], "min_available_ha": "5"})
    assert meili_filter(spec) == ['kind IN ["a\\"b\\\\c", "kcn"]', "available_ha >= 5.0"]


@pytest.mark.parametrize("bad", [{"min_available_ha": "nan"}, {"min_available_ha": "inf"}, {"nope": ["x"]}])
def test_bad_filters(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        parse_filters(bad)  # type: ignore[arg-type]


def test_highlight_window_and_escaping() -> None:
    text = " ".join(f"w{i}" for i in range(100)) + " Trần <b>Đề</b>"
    snippet = highlight(text, parse_terms("tran de"))
    assert snippet.startswith("…w92 ")
    assert snippet.endswith("<mark>Trần</mark> &lt;b&gt;<mark>Đề</mark>&lt;/b&gt;")
    assert highlight("a < b", parse_terms("zzz")) == "a &lt; b"


def test_highlight_keeps_the_text_and_marks_exactly_the_matching_words() -> None:
    rng = random.Random(11)
    vocab = ["Trần", "Đề", "tran", "de", "dệt", "<b>", "&", "x'y", "—", "cảng", "  ", "Cảng,", "đê", "a_b"]
    for _ in range(2_000):
        text = " ".join(rng.choices(vocab, k=rng.randint(0, 60)))
        terms = parse_terms(rng.choice(["tran de", "cang", "de", "zzz", "", "x y"]))
        snippet = highlight(text, terms)
        marked = re.findall(r"<mark>(.*?)</mark>", snippet)
        shown = html.unescape(re.sub(r"</?mark>", "", snippet)).strip("…")
        assert shown.strip() in text  # the original characters, escaped, nothing added or reordered
        assert "<" not in re.sub(r"</?mark>", "", snippet)
        assert len(marked) == sum(has_match(w, terms) for w in re.findall(r"[^\W_]+", shown))
        assert all(has_match(html.unescape(m), terms) for m in marked)
        if has_match(text, terms):
            assert marked  # the window is placed around the first match
