"""The registry of published list formats: which parser reads which files.

A format reads either one file (part name ``file``) or a named set of files (the OFAC CSV
set: ``primary``, ``alt``, ``add``, ``comments``). `parse_format` gives every parser the same
shape, `(files, report, source) -> entries`, so refresh code needs no per-format branches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from watchlists.errors import ParseError
from watchlists.parsers import (
    au_dfat,
    ca_sema,
    custom,
    ebrd,
    eu_fsf,
    gb_ofsi,
    iadb,
    ofac_csv,
    ofac_xml,
    opensanctions,
    un_sc_xml,
    us_bis_dpl,
    us_csl,
    worldbank,
)
from watchlists.types import ListEntry, ParseReport

SINGLE_FILE = "file"
Options = Mapping[str, Any]  # per-source parser options, e.g. a custom list's column mapping
SingleParser = Callable[[bytes, ParseReport], Iterator[ListEntry]]
MultiParser = Callable[[Mapping[str, bytes], ParseReport, str, Options], Iterator[ListEntry]]


@dataclass(frozen=True)
class Format:
    """One published format. `parts` maps part name → required (single-file: {"file": True})."""

    name: str
    description: str
    read: MultiParser
    parts: Mapping[str, bool] = field(default_factory=lambda: {SINGLE_FILE: True})

    @property
    def multi_file(self) -> bool:
        return set(self.parts) != {SINGLE_FILE}


def _single(parser: SingleParser) -> MultiParser:
    def read(
        files: Mapping[str, bytes], report: ParseReport, source: str, options: Options
    ) -> Iterator[ListEntry]:
        return parser(files[SINGLE_FILE], report)

    return read


def _ofac_xml(
    files: Mapping[str, bytes], report: ParseReport, source: str, options: Options
) -> Iterator[ListEntry]:
    return ofac_xml.parse(files[SINGLE_FILE], report, source=source)


def _ofac_csv(
    files: Mapping[str, bytes], report: ParseReport, source: str, options: Options
) -> Iterator[ListEntry]:
    return ofac_csv.parse_files(files, report, source=source)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("un_sc_xml", "UN Security Council Consolidated List XML", _single(un_sc_xml.parse)),
        Format("ofac_xml", "OFAC sdn.xml schema (SDN and consolidated lists)", _ofac_xml),
        Format("ofac_csv", "OFAC legacy CSV set (sdn/alt/add/comments)", _ofac_csv, ofac_csv.FILE_PARTS),
        Format("eu_fsf_xml", "EU Financial Sanctions Files XML", _single(eu_fsf.parse)),
        Format("gb_ofsi", "UK OFSI consolidated list, XLSX or CSV", _single(gb_ofsi.parse)),
        Format("au_dfat_xlsx", "Australia DFAT consolidated list XLSX", _single(au_dfat.parse)),
        Format("ca_sema_xml", "Canada SEMA consolidated autonomous sanctions XML", _single(ca_sema.parse)),
        Format(
            "worldbank_xlsx", "World Bank ineligible firms and individuals XLSX", _single(worldbank.parse)
        ),
        Format("worldbank_json", "World Bank debarred firms JSON feed", _single(worldbank.parse_json)),
        Format("ebrd_csv", "EBRD ineligible entities CSV", _single(ebrd.parse)),
        Format("iadb_xlsx", "IDB sanctioned firms and individuals XLSX", _single(iadb.parse)),
        Format("us_bis_dpl_tsv", "BIS Denied Persons List (tab-separated)", _single(us_bis_dpl.parse)),
        Format("us_csl_csv", "US Consolidated Screening List CSV", _single(us_csl.parse)),
        Format(
            "opensanctions_ftm", "OpenSanctions FollowTheMoney JSON lines", _single(opensanctions.parse_ftm)
        ),
        Format(
            "opensanctions_csv", "OpenSanctions targets.simple.csv", _single(opensanctions.parse_targets_csv)
        ),
        Format("custom", "Organisation's own list, CSV or XLSX (columns in config)", custom.reader(None)),
        Format("custom_csv", "Organisation's own list, CSV (columns in config)", custom.reader("csv")),
        Format("custom_xlsx", "Organisation's own list, XLSX (columns in config)", custom.reader("xlsx")),
    )
}


def get_format(name: str) -> Format:
    """The format called `name`; ValueError naming the known formats otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown list format {name!r} (known: {', '.join(sorted(FORMATS))})") from None


def parse_format(
    fmt: Format, source: str, files: Mapping[str, bytes], report: ParseReport, options: Options | None = None
) -> Iterator[ListEntry]:
    """Parse `files` (part name → bytes) as `fmt`; ParseError when a required part is missing."""
    missing = [part for part, required in fmt.parts.items() if required and part not in files]
    unknown = sorted(set(files) - set(fmt.parts))
    if missing or unknown:
        expected = ", ".join(f"{p}{'' if r else ' (optional)'}" for p, r in fmt.parts.items())
        raise ParseError(
            source, f"format {fmt.name} reads the parts {expected}; got {', '.join(sorted(files)) or 'none'}"
        )
    return fmt.read(files, report, source, options or {})
