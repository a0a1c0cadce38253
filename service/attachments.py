"""Evidence attached to findings: size-limited, type-checked by content, stored in the database.

The type comes from the file's first bytes (and, for XLSX/DOCX, the zip's table of contents),
never from the name or the browser's Content-Type; the name's extension must agree with it.
Names are reduced to safe ASCII (werkzeug `secure_filename`). Downloads are always sent as
attachments with `X-Content-Type-Options: nosniff`, so a browser never renders one inline.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from service.errors import PayloadTooLargeError, ValidationError
from service.findings import record_action
from service.models import Finding, FindingAttachment, utcnow

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_FILENAME_STEM = 120
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# content type → the extensions a file of that type may carry
EXTENSIONS = {
    "application/pdf": ("pdf",),
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg"),
    "text/plain": ("txt",),
    "text/csv": ("csv",),
    XLSX: ("xlsx",),
    DOCX: ("docx",),
}
ALLOWED = "PDF, PNG, JPEG, plain text or CSV (UTF-8), XLSX or DOCX"


class AttachmentError(ValidationError):
    """The upload is not an accepted file; `details` name the `file` field."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [{"field": "file", "message": message}])


def sniff_type(content: bytes, extension: str) -> str | None:
    """The content type the bytes really are, among the accepted ones; None otherwise."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"PK\x03\x04"):
        return _office_type(content)
    if b"\x00" not in content:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/csv" if extension == "csv" else "text/plain"
    return None


def _office_type(content: bytes) -> str | None:
    """XLSX or DOCX by the parts the package holds (names only: nothing is extracted)."""
    try:
        names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "xl/workbook.xml" in names:
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    return None


def safe_filename(filename: str) -> tuple[str, str]:
    """(sanitised name, lower-case extension); the stem falls back to 'attachment'."""
    stem, dot, extension = filename.replace("\\", "/").rsplit("/", 1)[-1].rpartition(".")
    if not dot:
        stem, extension = extension, ""
    extension = secure_filename(extension).lower()
    stem = secure_filename(stem)[:MAX_FILENAME_STEM] or "attachment"
    return (f"{stem}.{extension}" if extension else stem), extension


def check_upload(filename: str, content: bytes) -> tuple[str, str]:
    """(safe name, content type) of an acceptable upload; AttachmentError or 413 otherwise."""
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise PayloadTooLargeError(
            f"the file is {len(content) / 1024 / 1024:.1f} MB; attachments may have at most "
            f"{MAX_ATTACHMENT_BYTES // 1024 // 1024} MB",
            [{"field": "file", "message": f"larger than {MAX_ATTACHMENT_BYTES} bytes"}],
        )
    if not content:
        raise AttachmentError("the file is empty")
    name, extension = safe_filename(filename)
    content_type = sniff_type(content, extension)
    if content_type is None:
        raise AttachmentError(f"{name}: not an accepted file type; attach {ALLOWED}")
    if extension not in EXTENSIONS[content_type]:
        expected = " or ".join(f".{e}" for e in EXTENSIONS[content_type])
        raise AttachmentError(
            f"{name}: the content is {content_type} but the name does not end in {expected}"
        )
    return name, content_type


def add_attachment(
    session: Session, finding: Finding, *, filename: str, content: bytes, actor: str
) -> FindingAttachment:
    """Check and store one file on `finding`, with a history event naming it."""
    name, content_type = check_upload(filename, content)
    attachment = FindingAttachment(
        finding=finding,
        filename=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_by=actor,
        uploaded_at=utcnow(),
    )
    session.add(attachment)
    session.flush()
    details = {"attachment_id": attachment.id, "filename": name, "sha256": attachment.sha256}
    record_action(session, finding, actor, "attach", details)  # history and audit trail
    return attachment


def attachment_json(attachment: FindingAttachment) -> dict[str, Any]:
    """Metadata of one attachment (never its content)."""
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_by": attachment.uploaded_by,
        "uploaded_at": attachment.uploaded_at.isoformat(),
    }
