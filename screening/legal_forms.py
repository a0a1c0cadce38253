"""Word tables for normalisation: legal forms and their classes, abbreviations, titles.

All phrases are written in folded form (`normalize_text` output) with abbreviations already
canonical, so "Limited Liability Company" is stored as "limited liability co".

Legal-form classes:
    llc          private company with limited liability (Ltd, LLC, OOO, GmbH, SARL, BV, ...)
    jsc          joint-stock or share company (JSC, AO, PJSC, AG, S.A., N.V., AS, AB, ...)
    plc          public limited company (PLC)
    partnership  LP, LLP, KG and friends
    corporation  generic "company" words (Inc, Corp, Co): compatible with every class
"""

from __future__ import annotations

# One canonical spelling per business abbreviation, applied to organisation names only.
# Every value maps to itself or is absent as a key, so applying the table twice changes nothing.
ABBREVIATIONS: dict[str, str] = {
    "intl": "international",
    "int": "international",
    "trdg": "trading",
    "corporation": "corp",
    "company": "co",
    "mfg": "manufacturing",
    "ind": "industries",
    "inds": "industries",
    "industry": "industries",
    "bros": "brothers",
    "assn": "association",
    "assoc": "association",
    "svcs": "services",
    "svc": "services",
    "technologies": "technology",
    "grp": "group",
    "hldg": "holding",
    "hldgs": "holdings",
    "natl": "national",
    "mgmt": "management",
    "mgt": "management",
    "dept": "department",
    "const": "construction",
    "constr": "construction",
    "dev": "development",
    "devt": "development",
    "org": "organization",
    "organisation": "organization",
    "engg": "engineering",
    "gen": "general",
    "univ": "university",
    "inst": "institute",
    "equip": "equipment",
    "eqpt": "equipment",
    "sys": "systems",
    "centre": "center",
    # Ordinals as numbers, so that "First Ocean" and "Fourth Ocean" differ as 1 and 4 do.
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
    "fifth": "5th",
    "sixth": "6th",
    "seventh": "7th",
    "eighth": "8th",
    "ninth": "9th",
    "tenth": "10th",
    "ent": "enterprise",
    "ents": "enterprises",
    "entp": "enterprise",
    "res": "research",
    "engr": "engineering",
    "eng": "engineering",
    "elec": "electronics",
    "elect": "electronics",
    "comms": "communications",
    "sci": "scientific",
    "prod": "production",
    "prods": "products",
    "distr": "distribution",
    "transp": "transport",
    "invt": "investment",
    "pharm": "pharmaceutical",
    "pharma": "pharmaceutical",
    "chem": "chemical",
    "agri": "agricultural",
}


def _variants(pattern: str) -> tuple[str, ...]:
    """Expand one "{a,b}" group per call site: transliteration variants of a phrase."""
    head, rest = pattern.split("{", 1)
    options, tail = rest.split("}", 1)
    expanded = tuple(" ".join(f"{head}{option}{tail}".split()) for option in options.split(","))
    return tuple(p for e in expanded for p in (_variants(e) if "{" in e else (e,)))


def _phrases(text: str) -> tuple[str, ...]:
    """Comma-separated phrases of a table below, whitespace collapsed."""
    return tuple(" ".join(part.split()) for part in text.split(",") if part.strip())


_CLASSES: dict[str, tuple[str, ...]] = {
    "llc": _phrases(
        """ltd, limited, llc, l l c, ooo, tov, gmbh, sarl, s a r l, srl, s r l, bv, b v, pty,
        pty ltd, pte, pte ltd, pvt, pvt ltd, private limited, bhd, sdn, sdn bhd, kft, doo,
        d o o, co ltd, limited liability co, ltd liability co, sp z o o, spolka z o o, eood,
        ood, sro, s r o, too, ltda, limitada, sociedad de responsabilidad limitada, mbh,
        gesellschaft mbh, gesellschaft mit beschrankter haftung, youxiangongsi,
        youxianzerengongsi, fze, fzco, fzc, fz llc, fz co, fze llc, sociedad de responsabilidad,
        sas, s a s, eirl"""
    )
    + _variants("obshchestvo s ogranichenno{i,y,j} otvetstvennost{iu,yu,ju}"),
    "jsc": _phrases(
        """jsc, ojsc, pjsc, cjsc, ao, oao, zao, pao, ag, sa, s a, spa, s p a, nv, n v, as, ab,
        oy, oyj, pt, tbk, pt tbk, sa de cv, s a de c v, joint stock co, open joint stock co,
        closed joint stock co, public joint stock co, public jsc, open jsc, closed jsc,
        sociedad anonima, sociedade anonima, societe anonyme, aktiengesellschaft,
        gufenyouxiangongsi, zhushihuishe, kabushiki kaisha"""
    )
    + _variants("{,otkrytoe ,zakrytoe ,publichnoe }aktsionernoe obshchestvo"),
    "plc": _phrases("plc, public limited co, public co ltd, public co"),
    "partnership": _phrases(
        """lp, llp, kg, gmbh co kg, gmbh and co kg, ag co kg, ag and co kg, limited partnership,
        limited liability partnership, partnership"""
    ),
    "corporation": _phrases("inc, incorporated, corp, co, and co"),
}

LEGAL_FORMS: dict[str, str] = {form: cls for cls, forms in _CLASSES.items() for form in forms}

# Forms that may also open a name ("OOO Romashka", "PJSC Gazprom Neft", "PT Bank ...").
# Short Latin forms (as, sa, ab, co) stay trailing-only: "As Salam" is an Arabic name.
LEADING_FORMS: frozenset[str] = frozenset(
    _phrases(
        """ooo, oao, zao, ao, pao, jsc, ojsc, pjsc, cjsc, tov, too, llc, pt, joint stock co,
        open joint stock co, closed joint stock co, public joint stock co, public jsc, open jsc,
        closed jsc, limited liability co, ltd liability co, zhushihuishe, kabushiki kaisha"""
    )
    + _variants("obshchestvo s ogranichenno{i,y,j} otvetstvennost{iu,yu,ju}")
    + _variants("{,otkrytoe ,zakrytoe ,publichnoe }aktsionernoe obshchestvo")
)

# Transliterated CJK names come out as one word ("huaweijishuyouxiangongsi"); these legal
# forms are cut from the end of such a word. Longest first, so the most specific wins.
GLUED_SUFFIXES: tuple[str, ...] = (
    "gufenyouxiangongsi",
    "youxianzerengongsi",
    "youxiangongsi",
    "zhushihuishe",
)

# Each legal-form class written as one token: what a legal form inside a name becomes.
CLASS_TOKENS: dict[str, str] = {
    "llc": "llc",
    "jsc": "jsc",
    "plc": "plc",
    "partnership": "lp",
    "corporation": "corp",
}

# Every word of a legal form: inside a name it weighs almost nothing, so "Tupolev Public" is
# "Tupolev" and an unanswered "Closed" costs little.
LEGAL_WORDS: frozenset[str] = frozenset(
    word
    for form in LEGAL_FORMS
    for word in form.split()
    if len(word) > 1 and word not in ("de", "and", "mit")
) | frozenset({"public", "open", "closed", "private", "company", "firm"})

# Legal-form words long and telling enough to be recognised through a typo on their own
# ("LIMITDE", "Cmopany"); the shorter or commoner ones ("stock", "public") only beside
# another legal-form word ("JOIGT STOCK").
TYPO_LEGAL_WORDS: frozenset[str] = frozenset(
    _phrases(
        """limited, company, corporation, incorporated, liability, sociedad, anonima, limitada,
        responsabilidad, aktsionernoe, obshchestvo, otkrytoe, zakrytoe, publichnoe,
        ogranichennoi, ogranichennoy, otvetstvennostiu, otvetstvennostyu, gesellschaft,
        partnership, aktiengesellschaft, sociedade, anonyme, beschrankter, haftung"""
    )
)
NEIGHBOUR_LEGAL_WORDS: frozenset[str] = frozenset(
    _phrases("joint, stock, public, closed, private, limited, company, societe")
)

# Single-token forms that are unambiguous anywhere in a name; shorter ones ("as", "sa", "co",
# "too", "spa") are legal forms only at an edge or when spelled out letter by letter (S.A.).
INTERIOR_SINGLE_FORMS: frozenset[str] = frozenset(
    form
    for form in LEGAL_FORMS
    if " " not in form and len(form) >= 3 and form not in {"too", "spa", "and", "ood"}
)

# Words of business names that supplier files abbreviate freely ("Engr", "Res", "Tech"): a
# token that starts like one of them and spells a subsequence of it is read as its short form.
BUSINESS_WORDS: frozenset[str] = frozenset(
    _phrases(
        """international, trading, corp, co, manufacturing, industries, industrial, brothers,
        association, services, technology, technical, group, holding, holdings, national,
        management, department, construction, development, organization, engineering, general,
        university, institute, equipment, systems, center, enterprise, enterprises, research,
        electronics, electrical, electric, communications, scientific, production, products,
        distribution, transport, transportation, investment, investments, financial,
        pharmaceutical, chemical, petroleum, machinery, agricultural, commercial, consulting,
        solutions, logistics, company, corporation, limited, incorporated, laboratory,
        laboratories, foundation, federation, committee, ministry, directorate, administration,
        government, marketing, shipping, maritime, navigation, insurance, import, export,
        imports, exports, global, resources, industry, factory, plant, works, network,
        software, hardware, medical, security, defense, defence, aviation, aerospace,
        petrochemical, telecommunications, telecom, energy, power, mining, metallurgical,
        automobile, automotive, import, cooperative, associates, partners, ventures"""
    )
)

MAX_FORM_TOKENS: int = max(form.count(" ") + 1 for form in LEGAL_FORMS)

PERSON_TITLES: frozenset[str] = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir"})

# Single-word legal forms: left unmatched inside a name they do not make a match "partial".
LEGAL_FORM_WORDS: frozenset[str] = frozenset(form for form in LEGAL_FORMS if " " not in form)
