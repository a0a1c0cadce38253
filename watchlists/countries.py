"""Map the country strings publishers print to ISO 3166-1 alpha-2 codes.

`to_alpha2` accepts English and French names (short, official and UN long forms such as
"Iran (Islamic Republic of)"), alpha-2 and alpha-3 codes, bilingual "Russia / Russie"
forms, the spellings list publishers print ("Hong Kong SAR, China", "Man, Isle of", "PRC")
and demonyms ("Russian" -> RU, "Saudi Arabian" -> SA), which DFAT, OFAC and others print
in nationality and citizenship fields. Matching ignores case, diacritics, punctuation,
"&" vs "and", "St" vs "Saint" and the word "the". Unknown strings give None so the caller
can count them.

The table is pycountry's ISO data (names, official and common names, their French
translations, plus "Name, Qualifier" inversions and unambiguous short heads) under an
explicit `_OVERRIDES` table of names that publishers really use and a `_DEMONYMS` table.
Both are written in the comparison form of `_key`.

Historic and unofficial names:
    * Renamed states with one successor map to it: Burma -> MM, Zaire -> CD,
      Swaziland -> SZ, East Timor -> TL, Turkey -> TR, Macedonia -> MK.
    * Kosovo -> XK, the user-assigned code used by the EU, OFAC, UK and OpenSanctions.
    * States that split with no single successor give None, as does any other unknown
      string: USSR / (former) Soviet Union, Yugoslavia, Czechoslovakia, Serbia and
      Montenegro, East Germany, Netherlands Antilles (split into CW, SX and BQ in 2010;
      its old code AN is no longer assigned). Guessing a successor would assert a
      nationality the list does not state, and a retired code would match nothing
      downstream.
"""

from __future__ import annotations

import functools
import gettext
import re
import unicodedata
from collections.abc import Iterable, Iterator

import pycountry

# Names publishers print that pycountry does not derive, or derives ambiguously.
_OVERRIDES: dict[str, str] = {
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "united states": "US",
    "us": "US",
    "u s": "US",
    "u s a": "US",
    "russia": "RU",
    "russie": "RU",
    "north korea": "KP",
    "korea north": "KP",
    "dprk": "KP",
    "coree du nord": "KP",
    "south korea": "KR",
    "korea south": "KR",
    "republic of korea": "KR",
    "coree du sud": "KR",
    "syria": "SY",
    "syrie": "SY",
    "turkey": "TR",
    "burma": "MM",
    "birmanie": "MM",
    "ivory coast": "CI",
    "cape verde": "CV",
    "swaziland": "SZ",
    "macedonia": "MK",
    "former yugoslav republic of macedonia": "MK",
    "east timor": "TL",
    "zaire": "CD",
    "drc": "CD",
    "dr congo": "CD",
    "congo kinshasa": "CD",
    "congo democratic republic": "CD",  # OFSI: "Congo (Democratic Republic)"
    "congo democratic republic of": "CD",  # "Congo, Democratic Republic of the"
    "congo republic": "CG",
    "congo brazzaville": "CG",
    "republic of congo": "CG",
    "palestine": "PS",
    "palestinian territory": "PS",
    "occupied palestinian territory": "PS",
    "palestinian territories": "PS",
    "gaza strip": "PS",
    "west bank": "PS",
    "holy see": "VA",
    "vatican": "VA",
    "vatican city": "VA",
    "vatican city state": "VA",
    "china hong kong special administrative region": "HK",
    "hong kong sar": "HK",
    "hong kong china": "HK",
    "china macao special administrative region": "MO",
    "macau": "MO",
    "macao sar": "MO",
    "brunei": "BN",
    "bosnia": "BA",
    "bosnia herzegovina": "BA",
    "holland": "NL",
    "kosovo": "XK",
    "republic of kosovo": "XK",
    "xk": "XK",
    "xkx": "XK",
    "laos": "LA",
    # World Bank economy names ("Hong Kong SAR, China") and other spellings the
    # spreadsheet publishers (OFSI, DFAT, World Bank, IDB) print.
    "hong kong sar china": "HK",
    "macao sar china": "MO",
    "taiwan china": "TW",
    "congo republic of": "CG",  # also OFAC's "Congo, Republic of the"
    "egypt arab republic of": "EG",
    "venezuela republica bolivariana de": "VE",
    "yemen republic of": "YE",
    "korea dem peoples rep": "KP",
    "lao pdr": "LA",
    "micronesia fed sts": "FM",
    "united kingdom of great britain": "GB",
    "uae": "AE",
    "occupied palestinian territories": "PS",
    "gaza": "PS",
    "north gaza": "PS",
    "northern gaza": "PS",
    "west bank and gaza": "PS",
    # OFAC's inverted names, and BIS's "PRC".
    "north macedonia republic of": "MK",
    "macedonia former yugoslav republic of": "MK",
    "cote d ivoire": "CI",
    "man isle of": "IM",
    "prc": "CN",
}

# Demonyms, for the nationality and citizenship fields publishers fill with them ("Russian",
# "a) Pakistani b) Saudi Arabian" on DFAT, "Palestinian" on OFAC). "Congolese" is read as
# the DR Congo, as DFAT means it.
_DEMONYMS: dict[str, str] = {
    "afghan": "AF", "afghani": "AF", "albanian": "AL", "algerian": "DZ", "american": "US",
    "argentine": "AR", "armenian": "AM", "australian": "AU", "austrian": "AT", "azerbaijani": "AZ",
    "bahraini": "BH", "bangladeshi": "BD", "belarusian": "BY", "belarussian": "BY", "belgian": "BE",
    "bosnian": "BA", "brazilian": "BR", "british": "GB", "bulgarian": "BG", "burmese": "MM",
    "burundian": "BI", "cameroonian": "CM", "canadian": "CA", "chadian": "TD", "chinese": "CN",
    "colombian": "CO", "congolese": "CD", "croatian": "HR", "cuban": "CU", "cypriot": "CY",
    "czech": "CZ", "danish": "DK", "dutch": "NL", "egyptian": "EG", "emirati": "AE", "eritrean": "ER",
    "estonian": "EE", "ethiopian": "ET", "filipino": "PH", "finnish": "FI", "french": "FR",
    "georgian": "GE", "german": "DE", "ghanaian": "GH", "greek": "GR", "indian": "IN",
    "indonesian": "ID", "iranian": "IR", "iraqi": "IQ", "irish": "IE", "israeli": "IL",
    "italian": "IT", "japanese": "JP", "jordanian": "JO", "kazakh": "KZ", "kazakhstani": "KZ",
    "kenyan": "KE", "kuwaiti": "KW", "kyrgyz": "KG", "latvian": "LV", "lebanese": "LB",
    "libyan": "LY", "lithuanian": "LT", "malaysian": "MY", "malian": "ML", "mauritanian": "MR",
    "mauritian": "MU", "mexican": "MX", "moldovan": "MD", "moroccan": "MA", "nepalese": "NP",
    "nigerian": "NG", "nigerien": "NE", "north korean": "KP", "norwegian": "NO", "omani": "OM",
    "pakistani": "PK", "palestinian": "PS", "polish": "PL", "portuguese": "PT", "qatari": "QA",
    "romanian": "RO", "russian": "RU", "rwandan": "RW", "saudi": "SA", "saudi arabian": "SA",
    "senegalese": "SN", "serbian": "RS", "singaporean": "SG", "slovak": "SK", "slovenian": "SI",
    "somali": "SO", "south african": "ZA", "south korean": "KR", "south sudanese": "SS",
    "spanish": "ES", "sri lankan": "LK", "sudanese": "SD", "swedish": "SE", "swiss": "CH",
    "syrian": "SY", "tajik": "TJ", "tanzanian": "TZ", "thai": "TH", "tunisian": "TN",
    "turkish": "TR", "turkiyish": "TR", "turkmen": "TM", "ugandan": "UG", "ukrainian": "UA",
    "ukranian": "UA", "uzbek": "UZ", "uzbekistani": "UZ", "venezuelan": "VE", "vietnamese": "VN",
    "yemeni": "YE", "zimbabwean": "ZW",
}  # fmt: skip

# States that dissolved with no single successor: always None (see module docstring).
_DISSOLVED: frozenset[str] = frozenset(
    {
        "ussr",
        "soviet union",
        "former soviet union",
        "union of soviet socialist republics",
        "yugoslavia",
        "former yugoslavia",
        "czechoslovakia",
        "serbia and montenegro",
        "east germany",
        "german democratic republic",
        "netherlands antilles",
    }
)

# Priorities of derived keys: a lower number wins; a tie between countries drops the key.
_CODE, _NAME, _FRENCH, _INVERTED, _HEAD = range(1, 6)

_APOSTROPHES = re.compile(r"['’ʼ`´]")
_SEPARATORS = re.compile(r"[\W_]+")
_PARENTHESES = re.compile(r"\([^()]*\)")


def _key(text: str) -> str:
    """Comparison form: casefolded, no diacritics or punctuation, no "the"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _APOSTROPHES.sub("", plain).replace("&", " and ")
    tokens = ("saint" if t == "st" else t for t in _SEPARATORS.split(plain))
    return " ".join(t for t in tokens if t and t != "the")


def _variants(name: str) -> Iterator[tuple[int, str]]:
    """Derived spellings of one ISO name: "A, B of" -> "B of A", and the head "A"."""
    head, comma, tail = name.partition(",")
    if comma:
        tail = tail.strip()
        # French "Iran, République islamique d'" inverts to "... d'Iran", no space.
        glue = "" if _APOSTROPHES.match(tail[-1:]) else " "
        yield _INVERTED, f"{tail}{glue}{head}"
        yield _HEAD, head
    if "(" in name:
        yield _HEAD, _PARENTHESES.sub(" ", name)


def _country_names(country: object) -> Iterator[str]:
    """The English names pycountry holds for one country."""
    for attr in ("name", "official_name", "common_name"):
        value = getattr(country, attr, None)
        if isinstance(value, str) and value:
            yield value


def _candidates() -> Iterator[tuple[int, str, str]]:
    """Every (priority, spelling, alpha-2) the ISO data suggests."""
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    for country in pycountry.countries:
        alpha2: str = country.alpha_2
        yield _CODE, alpha2, alpha2
        yield _CODE, country.alpha_3, alpha2
        for name in _country_names(country):
            for priority, spelling in _named(name, _NAME):
                yield priority, spelling, alpha2
            for priority, spelling in _named(french.gettext(name), _FRENCH):
                yield priority, spelling, alpha2


def _named(name: str, priority: int) -> Iterable[tuple[int, str]]:
    """A name at `priority` followed by its derived variants."""
    return [(priority, name), *_variants(name)]


@functools.cache
def _table() -> dict[str, str]:
    """Build the lookup table once, on first use (pycountry loads its data lazily too)."""
    best: dict[str, tuple[int, set[str]]] = {}
    for priority, spelling, alpha2 in _candidates():
        key = _key(spelling)
        current = best.get(key)
        if current is None or priority < current[0]:
            best[key] = (priority, {alpha2})
        elif priority == current[0]:
            current[1].add(alpha2)
    # A derived key two countries share at the same priority ("Korea") is ambiguous.
    table = {key: codes.pop() for key, (_, codes) in best.items() if len(codes) == 1}
    table.update(_OVERRIDES)
    table.update(_DEMONYMS)
    for key in _DISSOLVED:
        table.pop(key, None)
    return table


@functools.lru_cache(maxsize=4096)
def to_alpha2(value: str) -> str | None:
    """Return the ISO 3166-1 alpha-2 code (upper case) for a country name or code.

    Args:
        value: a name in English or French, an alpha-2 or alpha-3 code, or a bilingual
            "English / French" form.

    Returns:
        The code, or None when the value is empty, unknown, ambiguous, or a dissolved
        state with no single successor.
    """
    table = _table()
    found = table.get(_key(value))
    if found is not None:
        return found
    if "/" in value:
        # Bilingual "Russia / Russie" names one country twice; "Kenya/Somalia border"
        # names a region, so every part must resolve, and to the same code.
        return _agreed([to_alpha2(part) for part in value.split("/")])
    if "(" in value:
        # "Myanmar (Burma)": the bracket qualifies the name before it.
        return table.get(_key(_PARENTHESES.sub(" ", value)))
    return None


def _agreed(codes: list[str | None]) -> str | None:
    """The one code every part of "A / B" resolves to, else None."""
    found = set(codes)
    return found.pop() if len(found) == 1 else None
