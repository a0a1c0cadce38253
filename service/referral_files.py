"""The referral document for people: an XLSX workbook, a PDF evidence document, a plain text.

All three are made from the referral document (`service.referral_documents`), so they say the
same as the JSON that is delivered. The workbook has one sheet each for the referral, the
vendor (with its affiliates), the evidence (one row per finding: the entry as matched, its list
version and publisher's date), the decisions and the screenings; text cells that a
spreadsheet would read as a formula start with '. The PDF is laid out with ReportLab's
platypus (tables that wrap and break across pages); its built-in Helvetica covers Western
European text, so names in other scripts are shown transliterated (marked so) and kept exact
in the JSON.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from anyascii import anyascii
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from service.referral_documents import sanction_text
from service.spreadsheets.reports import MAX_CELL_CHARS, neutralize

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
_BOLD = Font(bold=True)


def _words(value: str) -> str:
    return value.replace("_", " ")


def _names(entry: dict[str, Any]) -> list[str]:
    return [f"{n['value']} ({_words(n.get('type') or 'name')})" for n in entry.get("names", [])]


def _identifiers(items: Iterable[dict[str, Any]]) -> list[str]:
    return [
        f"{i.get('type')}: {i.get('value')}" + (f" ({i['country']})" if i.get("country") else "")
        for i in items
    ]


def vendor_rows(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) lines identifying the vendor."""
    v = document["vendor"]
    rows = [
        ("Legal name", v.get("legal_name")),
        ("Other names", "; ".join(v.get("other_names") or [])),
        ("Former names", "; ".join(v.get("former_names") or [])),
        ("Original script name", v.get("original_script_name")),
        ("UNGM vendor number", v.get("ungm_vendor_number")),
        ("Supplier ref", v.get("supplier_ref")),
        ("Kind", v.get("kind")),
        ("Registration numbers", "; ".join(v.get("registration_numbers") or [])),
        ("Tax number", v.get("tax_id")),
        ("Country", v.get("country")),
        ("Address", v.get("address")),
        ("Owners and directors", "; ".join(o.get("name", "") for o in v.get("owners") or [])),
    ]
    return [(label, str(value)) for label, value in rows if value]


def referral_rows(document: dict[str, Any], status: str | None = None) -> list[tuple[str, str]]:
    """(label, value) lines of the referral itself: who refers what, and who approved it."""
    org = document["referring_organisation"]
    approval = document["approval"]
    rows = [
        ("Referral", str(document["referral_id"])),
        ("Status", _words(status) if status else ""),
        ("Idempotency key", document["key"]),
        ("Referring organisation", org["name"]),
        ("Focal point", f"{org['focal_point']['name']} <{org['focal_point']['email']}>"),
        ("Proscribed practices", ", ".join(_words(p) for p in document["practices"])),
        ("Sanction recommended", sanction_text(document["sanction"])),
        ("Created", f"{document['created_at']} by {document.get('created_by')}"),
        (
            "Submitted",
            f"{approval['submitted_at']} by {approval['submitted_by']}" if approval["submitted_by"] else "",
        ),
        (
            "Approved",
            f"{approval['approved_at']} by {approval['approved_by']}" if approval["approved_by"] else "",
        ),
        ("Document made", document["generated_at"]),
        ("Schema", f"{document['schema']}"),
    ]
    return [(label, value) for label, value in rows if value]


def document_text(document: dict[str, Any]) -> str:
    """The referral as plain text (the body of a referral e-mail)."""
    lines = [f"Referral {document['referral_id']}: {document['vendor']['legal_name']}", ""]
    lines += [f"{label}: {value}" for label, value in referral_rows(document) + vendor_rows(document)]
    for affiliate in document["affiliates"]:
        lines.append(
            f"Affiliate: {affiliate['name']} ({affiliate['relationship']}, {affiliate.get('country') or '-'})"
        )
    lines += ["", "Narrative:", document["narrative"], "", "Evidence:"]
    for item in document["evidence"]:
        version = item["list_version"]
        published = version.get("published_at") or "undated"
        lines.append(
            f"- {item['source']} {item['entry_id']} {item.get('listed_name') or ''} (list version "
            f"{version['version']}, published {published}), score {item['score']:.2f}"
        )
    lines += ["", "The JSON document (the authoritative record) and a PDF are attached.", ""]
    return "\n".join(lines)


# --- XLSX -------------------------------------------------------------------------------------


def build_xlsx(document: dict[str, Any], status: str | None = None) -> bytes:
    """The referral as a workbook: Referral, Vendor, Evidence, Decisions, Screenings."""
    workbook = Workbook(write_only=True)
    summary = [*referral_rows(document, status), ("Narrative", document["narrative"])]
    _sheet(workbook, "Referral", ["Field", "Value"], [28, 100], summary)
    vendor = _sheet(workbook, "Vendor", ["Field", "Value"], [28, 80], vendor_rows(document))
    vendor.append([])
    vendor.append(_row(vendor, ["Affiliate", "Relationship", "Country"], bold=True))
    for a in document["affiliates"]:
        vendor.append(_row(vendor, [a["name"], a["relationship"], a.get("country") or ""]))
    evidence = [_evidence_line(item) for item in document["evidence"]]
    _sheet(workbook, "Evidence", list(EVIDENCE_COLUMNS), EVIDENCE_WIDTHS, evidence)
    decisions = [
        [item["finding_id"], d["at"], d["actor"], _words(d["action"])]
        + [d.get("from_status") or "", d["to_status"], d.get("reason") or ""]
        for item in document["evidence"]
        for d in item["decisions"]
    ]
    _sheet(workbook, "Decisions", list(DECISION_COLUMNS), [10, 26, 36, 18, 20, 20, 60], decisions)
    screenings = [
        [item["finding_id"], s["id"], s["created_at"], s["channel"], s["actor"]]
        + [s.get("algorithm") or "", s.get("threshold")]
        for item in document["evidence"]
        for s in item["screenings"]
    ]
    _sheet(workbook, "Screenings", list(SCREENING_COLUMNS), [10, 34, 26, 10, 36, 20, 10], screenings)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


DECISION_COLUMNS = ("Finding", "When", "Who", "Action", "From", "To", "Reason")
SCREENING_COLUMNS = ("Finding", "Screening", "When", "Channel", "Who", "Algorithm", "Threshold")
EVIDENCE_WIDTHS = (10, 14, 12, 9, 22, 22, 40, 40, 12, 30, 30, 22, 60, 50)
EVIDENCE_COLUMNS = (
    *("Finding", "List", "Entry ID", "Version", "Publisher's date", "Loaded", "Listed name", "Names"),
    *("Score", "Matched name", "Supplier name", "Listed on", "Remarks", "Why it matched"),
)


def _evidence_line(item: dict[str, Any]) -> list[Any]:
    entry, version = item["entry"], item["list_version"]
    return [
        item["finding_id"],
        item["source"],
        item["entry_id"],
        version["version"],
        version.get("published_at") or "",
        version.get("fetched_at") or "",
        item.get("listed_name") or "",
        "; ".join(_names(entry)),
        item["score"],
        item.get("matched_name") or "",
        item.get("query_name") or "",
        entry.get("listed_on") or "",
        entry.get("remarks") or "",
        item.get("summary") or "",
    ]


def _sheet(
    workbook: Any, title: str, header: list[str], widths: Sequence[int], lines: Iterable[Sequence[Any]]
) -> Any:
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(_row(sheet, header, bold=True))
    for line in lines:
        sheet.append(_row(sheet, line))
    return sheet


def _row(sheet: Any, values: Sequence[Any], bold: bool = False) -> list[Any]:
    cleaned = [_cell(v) for v in values]
    if not bold:
        return cleaned
    cells = []
    for value in cleaned:
        cell = WriteOnlyCell(sheet, value)
        cell.font = _BOLD
        cells.append(cell)
    return cells


def _cell(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text: str = ILLEGAL_CHARACTERS_RE.sub("", neutralize(value))
    return text[:MAX_CELL_CHARS] or None


# --- PDF --------------------------------------------------------------------------------------

_STYLES = getSampleStyleSheet()
_TITLE = ParagraphStyle("title", parent=_STYLES["Title"], fontSize=16, leading=20)
_H2 = ParagraphStyle("h2", parent=_STYLES["Heading2"], fontSize=12.5, leading=15, keepWithNext=1)
_H3 = ParagraphStyle("h3", parent=_STYLES["Heading3"], fontSize=10.5, leading=13)
_BODY = ParagraphStyle("body", parent=_STYLES["BodyText"], fontSize=9, leading=11.5)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8, leading=10)
_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf2")),
    ]
)
_FIELDS = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")])


def pdf_text(value: Any) -> str:
    """Escaped for a Paragraph; characters Helvetica cannot show are transliterated, and marked."""
    text = "" if value is None else str(value)
    shown = "".join(c if _latin(c) else anyascii(c) for c in text)
    marked = f"{shown} [transliterated]" if shown != text else shown
    return escape(marked).replace("\n", "<br/>")


def _latin(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _p(value: Any, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(pdf_text(value), style)


def _fields(rows: Sequence[tuple[str, str]]) -> Table:
    data = [[_p(label, _SMALL), _p(value)] for label, value in rows]
    table = Table(data, colWidths=[45 * mm, 130 * mm])
    table.setStyle(_FIELDS)
    return table


def _grid(header: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[float]) -> Table:
    data = [[_p(h, _SMALL) for h in header]] + [[_p(v, _SMALL) for v in row] for row in rows]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(_GRID)
    return table


def build_pdf(document: dict[str, Any], status: str | None = None) -> bytes:
    """The evidence document: the referral, the vendor, then each finding's evidence and decisions."""
    buffer = io.BytesIO()
    title = f"Referral {document['referral_id']}: {document['vendor']['legal_name']}"
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=anyascii(title),
        author=anyascii(document["referring_organisation"]["name"]),
        subject="Supplier referral to the shared marketplace (UNGM)",
        leftMargin=17 * mm,
        rightMargin=17 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
    )
    story: list[Flowable] = [_p(title, _TITLE), _fields(referral_rows(document, status))]
    story += [_p("Vendor", _H2), _fields(vendor_rows(document))]
    if document["affiliates"]:
        rows = [(a["name"], a["relationship"], a.get("country") or "") for a in document["affiliates"]]
        story += [
            _p("Known affiliates", _H3),
            _grid(["Name", "Relationship", "Country"], rows, [80, 70, 25]),
        ]
    story += [_p("Narrative", _H2), _p(document["narrative"])]
    story.append(_p(f"Evidence ({len(document['evidence'])} confirmed finding(s))", _H2))
    for item in document["evidence"]:
        story += _evidence_story(item)
    pdf.build(story, onFirstPage=_footer(document), onLaterPages=_footer(document))
    return buffer.getvalue()


def _evidence_story(item: dict[str, Any]) -> list[Flowable]:
    entry, version = item["entry"], item["list_version"]
    heading = (
        f"Finding {item['finding_id']}: {item['source']} {item['entry_id']} {item.get('listed_name') or ''}"
    )
    facts = [
        (
            "List version",
            f"{item['source']} version {version['version']}, loaded {version.get('fetched_at')}",
        ),
        ("Publisher's date", version.get("published_at") or "not given by the publisher"),
        ("Score", f"{item['score']:.2f} ({item.get('algorithm')})"),
        ("Matched", f"supplier name {item.get('query_name')!r} met listed name {item.get('matched_name')!r}"),
        ("Why", item.get("summary") or ""),
        ("Names (as matched)", "; ".join(_names(entry))),
        ("Kind", entry.get("kind") or ""),
        ("Countries", ", ".join(entry.get("countries") or [])),
        ("Identifiers", "; ".join(_identifiers(entry.get("identifiers") or []))),
        ("Programmes", "; ".join(entry.get("programs") or [])),
        ("Listed on", entry.get("listed_on") or ""),
        ("Remarks", entry.get("remarks") or ""),
        ("Publisher's page", entry.get("url") or ""),
    ]
    decisions = [
        (d["at"][:19].replace("T", " "), d["actor"], _words(d["action"]), _move(d), d.get("reason") or "")
        for d in item["decisions"]
    ]
    screenings = [
        (s["created_at"][:19].replace("T", " "), s["id"], s["channel"], s["actor"])
        for s in item["screenings"]
    ]
    return [
        KeepTogether([_p(heading, _H3), _fields([(k, v) for k, v in facts if v])]),
        Spacer(1, 3 * mm),
        _p("Screenings", _SMALL),
        _grid(["When (UTC)", "Screening", "Channel", "Who"], screenings, [32, 58, 18, 68]),
        Spacer(1, 3 * mm),
        _p("Decisions", _SMALL),
        _grid(["When (UTC)", "Who", "Action", "Status", "Reason"], decisions, [30, 48, 26, 34, 38]),
        Spacer(1, 5 * mm),
    ]


def _move(decision: dict[str, Any]) -> str:
    return f"{_words(decision.get('from_status') or '-')} -> {_words(decision['to_status'])}"


def _footer(document: dict[str, Any]) -> Any:
    label = anyascii(f"Referral {document['referral_id']} · key {document['key']} · {document['schema']}")

    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(17 * mm, 9 * mm, label)
        canvas.drawRightString(A4[0] - 17 * mm, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    return draw
