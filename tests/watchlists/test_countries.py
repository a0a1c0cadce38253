"""The publisher spellings and demonyms `to_alpha2` knows for every parser.

The ISO names, codes and the dissolved states are tested with the UN parser, which was
the table's first user (test_un_sc_xml.py).
"""

from __future__ import annotations

import pytest

from watchlists.countries import _DEMONYMS, _OVERRIDES, _key, to_alpha2


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Hong Kong SAR, China", "HK"),  # World Bank economy names
        ("Macao SAR, China", "MO"),
        ("Korea, Dem. People's Rep.", "KP"),
        ("Micronesia, Fed. Sts.", "FM"),
        ("Lao PDR", "LA"),
        ("Occupied Palestinian Territories", "PS"),  # DFAT
        ("UAE", "AE"),
        ("Man, Isle of", "IM"),  # OFAC
        ("Cote d Ivoire", "CI"),
        ("Congo, Republic of the", "CG"),
        ("North Macedonia, The Republic of", "MK"),
        ("Northern Gaza", "PS"),
        ("PRC", "CN"),  # BIS
    ],
)
def test_publisher_spellings(value: str, code: str) -> None:
    assert to_alpha2(value) == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Russian", "RU"),
        ("Saudi Arabian", "SA"),
        ("Palestinian", "PS"),
        ("Türkiyish", "TR"),
        ("south korean", "KR"),
        ("Russian (as at 2003)", "RU"),  # the bracket qualifies the name
        ("Russian / Russia", "RU"),
    ],
)
def test_demonyms(value: str, code: str) -> None:
    assert to_alpha2(value) == code


def test_demonyms_of_two_countries_give_none() -> None:
    assert to_alpha2("Russian/Ukrainian") is None  # a list: _sheets.country_codes splits it


def test_table_keys_are_in_comparison_form() -> None:
    # A key `_key` would never produce is never looked up: the entry would be dead.
    assert [k for k in [*_OVERRIDES, *_DEMONYMS] if _key(k) != k] == []


def test_demonyms_agree_with_iso_names() -> None:
    # "argentine" is also the French name of Argentina; no demonym may overrule a country name.
    assert {k: v for k, v in _DEMONYMS.items() if to_alpha2(k.title()) not in (None, v)} == {}
