"""Recognise an officer's column headers: synonyms per supplier field, in English and French.

Headers compare by `header_key`: casefolded, accents and every non-alphanumeric character
removed, with "N°", "Nº" and "#" read as "no" ("N° fournisseur" = "No. fournisseur",
"Vendor #" = "Vendor no."). Within a field the synonyms are listed most specific first, and the first
synonym present in the header wins, so "Supplier name" beats a "Name" column elsewhere.
No key belongs to two fields (a test checks it), so one column never maps twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

FIELDS = (
    *("name", "ref", "country", "kind", "other_names", "original_script_name"),
    *("registration_numbers", "tax_id", "address", "owners"),
)
HEADER_SCAN_ROWS = 20  # the header is among the first 20 non-empty rows

SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        *("Supplier name", "Vendor name", "Company name", "Name of firm", "Firm name", "Legal name"),
        *("Nom du fournisseur", "Raison sociale", "Dénomination sociale", "Nom de l'entreprise"),
        *("Supplier", "Vendor", "Company", "Firm", "Fournisseur", "Entreprise", "Société", "Name", "Nom"),
    ),
    "ref": (
        *("Vendor no.", "Vendor number", "Vendor ID", "Vendor code", "Supplier no.", "Supplier number"),
        *("Supplier ID", "Supplier code", "UNGM number", "UNGM no", "UNGM ID", "Reference", "Ref"),
        *("N° fournisseur", "N° de fournisseur", "Numéro fournisseur", "Numéro de fournisseur"),
        *("Code fournisseur", "Identifiant fournisseur", "Référence"),
    ),
    "country": (
        *("Country", "Country code", "Country of registration", "Country of incorporation"),
        *("Registration country", "Pays", "Code pays", "Pays d'enregistrement", "Pays d'immatriculation"),
    ),
    "kind": ("Type", "Kind", "Entity type", "Supplier type", "Type d'entité", "Type de fournisseur"),
    "other_names": (
        *("Other names", "Also known as", "AKA", "Alias", "Aliases", "Trading name", "Trading names"),
        *("Former names", "Autres noms", "Nom commercial", "Noms commerciaux", "Anciens noms"),
    ),
    "original_script_name": (
        *("Original script name", "Name in original script", "Name (original script)", "Native name"),
        *("Nom en écriture originale", "Nom dans l'écriture d'origine"),
    ),
    "registration_numbers": (
        *("Registration no.", "Registration number", "Company number", "Company registration number"),
        *("Business registration number", "N° d'enregistrement", "Numéro d'enregistrement"),
        *("N° d'immatriculation", "Numéro d'immatriculation", "SIRET", "SIREN", "N° RCS"),
    ),
    "tax_id": (
        *("Tax ID", "Tax number", "Tax identification number", "VAT number", "VAT no.", "VAT ID"),
        *("TIN", "EIN", "N° TVA", "N° de TVA", "Numéro de TVA", "NIF", "Numéro fiscal", "Identifiant fiscal"),
    ),
    "address": (
        "Address",
        "Registered address",
        "Postal address",
        "Adresse",
        "Adresse postale",
        "Siège social",
    ),
    "owners": (
        *("Owners", "Owner", "Beneficial owners", "Beneficial owner", "Directors", "Director"),
        *("Shareholders", "Propriétaires", "Bénéficiaires effectifs", "Dirigeants", "Administrateurs"),
        "Actionnaires",
    ),
}

# The owner's role, told by the owners column's header.
_OWNER_ROLES = {
    "owner": ("Owners", "Owner", "Propriétaires"),
    "beneficial owner": ("Beneficial owners", "Beneficial owner", "Bénéficiaires effectifs"),
    "director": ("Directors", "Director", "Dirigeants", "Administrateurs"),
    "shareholder": ("Shareholders", "Actionnaires"),
}
_READ_AS_NO = re.compile(r"n\s*[°º]|[°º#]", re.IGNORECASE)  # "N°", "Nº", "#": all "no"


def header_key(text: str) -> str:
    """Comparison form of a header: casefolded letters and digits only, accents dropped."""
    decomposed = unicodedata.normalize("NFKD", _READ_AS_NO.sub("no", text).casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


_FIELD_KEYS: dict[str, dict[str, int]] = {
    field: {header_key(s): rank for rank, s in reversed(list(enumerate(synonyms)))}
    for field, synonyms in SYNONYMS.items()
}
_ROLES = {header_key(h): role for role, headers in _OWNER_ROLES.items() for h in headers}


def propose_mapping(header: Sequence[str]) -> dict[str, int]:
    """Field -> 0-based column index for every field whose synonym heads a column."""
    keys = [header_key(text) for text in header]
    mapping: dict[str, int] = {}
    for field, ranks in _FIELD_KEYS.items():
        found = [(ranks[key], column) for column, key in enumerate(keys) if key in ranks]
        if found:
            mapping[field] = min(found)[1]
    return mapping


def owner_role(header_text: str) -> str | None:
    """ "director" for a "Directors" column, "owner" for "Owners"...; None for other headers."""
    return _ROLES.get(header_key(header_text))


def accepted_names(field: str = "name") -> str:
    """The headers recognised for `field`, quoted, for an error message."""
    return ", ".join(f'"{s}"' for s in SYNONYMS[field])


def find_header(rows: Sequence[Sequence[str]]) -> int | None:
    """The position in `rows` of the header: the row with a name column and the most fields.

    Only the first `HEADER_SCAN_ROWS` rows are considered, so a title row above the header
    is skipped; ties go to the earlier row. None when no row has a name column.
    """
    best: tuple[int, int] | None = None  # (fields mapped, -position)
    for position, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping = propose_mapping(cells)
        if "name" in mapping and (best is None or (len(mapping), -position) > best):
            best = (len(mapping), -position)
    return None if best is None else -best[1]
