"""Normalisation: folding of scripts and punctuation, legal forms, abbreviations, idempotence."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening import normalize_name, normalize_text
from screening.legal_forms import ABBREVIATIONS, LEADING_FORMS, LEGAL_FORMS
from screening.types import Kind

KINDS: list[Kind] = ["person", "organization", "vessel", "aircraft", "unknown"]
LATIN_WORD = re.compile(r"[a-z0-9]+")


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Đoàn Anh Dũng", "doan anh dung"),
        ("MÜLLER  GmbH", "muller gmbh"),
        ("Straße", "strasse"),
        ("O'Brien", "obrien"),
        ("AL-SHA’ARI", "al shaari"),
        ("‘ABD AL-RAHMAN", "abd al rahman"),
        ("Johnson & Johnson", "johnson and johnson"),
        ("ＡＣＭＥ　Ｃｏ．", "acme co"),  # full-width forms, NFKC
        ("  many\t\nspaces  ", "many spaces"),
        ("Газпром нефть", "gazprom neft"),
    ],
)
def test_normalize_text_folds_case_diacritics_punctuation_and_script(raw: str, folded: str) -> None:
    assert normalize_text(raw) == folded


@pytest.mark.parametrize(
    "raw",
    ["القاعدة", "北京华为技术有限公司", "삼성전자", "Ιράν", "भारत", "ისლამური", "株式会社トヨタ"],
)
def test_any_script_becomes_latin_tokens(raw: str) -> None:
    tokens = normalize_name(raw).tokens
    assert tokens
    assert all(LATIN_WORD.fullmatch(token) for token in tokens)


def test_hyphen_space_and_joined_variants_share_a_joined_form() -> None:
    forms = [normalize_name(name) for name in ("AL-QAIDA", "Al Qaida", "ALQAIDA", "al–qaida")]
    assert {form.joined for form in forms} == {"alqaida"}
    assert forms[0].compare == forms[1].compare == forms[3].compare == "al qaida"


@pytest.mark.parametrize(
    ("raw", "legal_class"),
    [
        ("Romashka Ltd", "llc"),
        ("ROMASHKA LIMITED", "llc"),
        ("Romashka LLC", "llc"),
        ("Romashka Limited Liability Company", "llc"),
        ("OOO Romashka", "llc"),
        ("ООО «Ромашка»", "llc"),
        ("ТОВ Ромашка", "llc"),
        ("Romashka GmbH", "llc"),
        ("Romashka S.A.R.L.", "llc"),
        ("Romashka Co., Ltd.", "llc"),
        ("Romashka Sdn. Bhd.", "llc"),
        ("Romashka d.o.o.", "llc"),
        ("Obshchestvo s Ogranichennoy Otvetstvennostyu Romashka", "llc"),
        ("Romashka JSC", "jsc"),
        ("AO Romashka", "jsc"),
        ("ПАО Ромашка", "jsc"),
        ("ЗАО Ромашка", "jsc"),
        ("ОАО Ромашка", "jsc"),
        ("Romashka AG", "jsc"),
        ("Romashka S.A.", "jsc"),
        ("Romashka Sociedad Anonima", "jsc"),
        ("Public Joint Stock Company Romashka", "jsc"),
        ("Romashka PLC", "plc"),
        ("Romashka LLP", "partnership"),
        ("Romashka GmbH & Co. KG", "partnership"),
        ("Romashka Inc.", "corporation"),
        ("Romashka Corporation", "corporation"),
    ],
)
def test_legal_forms_are_folded_across_languages(raw: str, legal_class: str) -> None:
    name = normalize_name(raw, "organization")
    assert name.tokens == ("romashka",)
    assert name.legal_classes == {legal_class}
    assert name.display == raw


def test_a_legal_form_alone_leaves_nothing_to_compare() -> None:
    for raw in ("Ltd", "Corp", "Corporation", "LLC", "Co., Ltd."):
        name = normalize_name(raw)
        assert name.tokens == ()
        assert name.legal_forms


def test_short_latin_legal_forms_are_only_removed_at_the_end() -> None:
    # "As", "Sa", "Ab" open many Arabic names; only a trailing one is a legal form.
    assert normalize_name("As Salam Trading AS").tokens == ("as", "salam", "trading")


def test_abbreviations_are_expanded_to_one_canonical_form() -> None:
    short = normalize_name("Acme Intl Trdg Mfg Svcs Grp Corp", "organization")
    long = normalize_name("ACME INTERNATIONAL TRADING MANUFACTURING SERVICES GROUP", "organization")
    assert short.tokens == long.tokens


def test_person_names_keep_legal_words_and_lose_titles() -> None:
    assert normalize_name("Ali As", "person").tokens == ("ali", "as")
    assert normalize_name("Mr. John Smith", "person").tokens == ("john", "smith")
    assert normalize_name("Dr", "person").tokens == ("dr",)


def test_chinese_legal_form_glued_to_the_name_is_removed() -> None:
    name = normalize_name("北京华为技术有限公司", "organization")
    assert name.legal_classes == {"llc"}
    assert not name.joined.endswith("youxiangongsi")


def test_word_tables_are_written_in_their_own_normal_form() -> None:
    # A phrase that normalisation cannot produce would never match anything.
    for phrase in [*LEGAL_FORMS, *LEADING_FORMS]:
        assert normalize_text(phrase) == phrase
        assert all(ABBREVIATIONS.get(word, word) == word for word in phrase.split())
    assert set(LEADING_FORMS) <= set(LEGAL_FORMS)
    for canonical in ABBREVIATIONS.values():
        assert ABBREVIATIONS.get(canonical, canonical) == canonical


@given(st.text(max_size=60))
def test_normalize_text_is_idempotent(raw: str) -> None:
    once = normalize_text(raw)
    assert normalize_text(once) == once
    assert all(LATIN_WORD.fullmatch(token) for token in once.split())


@given(st.text(max_size=60), st.sampled_from(KINDS))
def test_compare_form_is_idempotent_and_deterministic(raw: str, kind: Kind) -> None:
    name = normalize_name(raw, kind)
    again = normalize_name(name.compare, kind)
    assert again.compare == name.compare
    assert again.tokens == name.tokens
    assert normalize_name.__wrapped__(raw, kind) == name  # the cache changes nothing
    assert name.joined == "".join(name.tokens)


@given(
    st.lists(st.sampled_from(["ltd", "co", "llc", "ooo", "jsc", "sa", "s a", "inc", "corp"])),
    st.lists(st.from_regex(r"[a-z]{3,8}", fullmatch=True), min_size=1, max_size=3),
)
def test_legal_form_soup_is_idempotent(forms: list[str], words: list[str]) -> None:
    raw = " ".join([*forms, *words, *forms])
    name = normalize_name(raw, "organization")
    assert normalize_name(name.compare, "organization").compare == name.compare
