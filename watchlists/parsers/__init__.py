"""Parsers for published watchlist files: one module per publisher or file format.

Parsers are pure: they take the raw bytes, do no I/O, raise `watchlists.errors.ParseError`
for a file that is not what its format promises, and record what they repaired or dropped
in the optional `ParseReport` (``published_at`` and counts by reason). They are generators,
so they raise on first iteration. There are two entry-point shapes:

* One file: ``parse(data: bytes, report: ParseReport | None = None) -> Iterator[ListEntry]``.
  A module that reads two formats names its functions (``worldbank.parse_json``,
  ``opensanctions.parse_ftm`` and ``parse_targets_csv``). A format that several sources
  publish takes the source id as a keyword (``ofac_xml.parse(data, report,
  source="us_ofac_cons")``). ``custom.parse_custom`` also takes the list's column mapping
  as ``options``.
* A set of files: ``parse_files(files: Mapping[str, bytes], report, *, source=...)``, the
  files keyed by part name (``ofac_csv.FILE_PARTS``: primary, alt, add, comments).

`watchlists.formats` records which function reads which format, and calls them all the
same way.

    un_sc_xml      UN Security Council Consolidated List XML (source "un_sc")
    ofac_xml       OFAC sdn.xml schema, SDN and Consolidated lists ("us_ofac_sdn", "us_ofac_cons")
    ofac_csv       OFAC legacy CSV set sdn/alt/add/comments, `parse_files` (the same sources)
    eu_fsf         EU Financial Sanctions Files XML ("eu_fsf")
    gb_ofsi        UK OFSI Consolidated List, XLSX or CSV ("gb_ofsi")
    au_dfat        Australia DFAT Consolidated List XLSX ("au_dfat_sanctions")
    ca_sema        Canada SEMA consolidated autonomous sanctions XML ("ca_sema_sanctions")
    worldbank      World Bank ineligible firms and individuals, XLSX and JSON feed
                   ("worldbank_debarred")
    iadb           IDB sanctioned firms and individuals XLSX ("iadb_sanctions")
    ebrd           EBRD ineligible entities CSV ("ebrd_ineligible")
    us_bis_dpl     BIS Denied Persons List, tab-separated ("us_bis_dpl")
    us_csl         US Consolidated Screening List CSV, 2019 and trade.gov layouts ("us_csl")
    opensanctions  OpenSanctions FtM JSON lines and targets.simple.csv ("opensanctions")
    custom         the organisation's own CSV or XLSX lists, columns mapped in config
                   ("custom:<name>")

Private helpers: `_common` (XML, text decoding, countries and de-duplication, for every
group), `_listkit` (Canada, EBRD, BIS, CSL, OpenSanctions), `_sheets` (OFSI, DFAT, World
Bank, IDB), and `_ofac_common` with `_ofac_remarks` (the two OFAC parsers).
"""
