"""Database models: SQLAlchemy 2.x typed declarative mapping.

Datetimes are stored and returned timezone-aware in UTC on every backend (`UTCDateTime`).
The schema is owned by Alembic (`service/migrations`); `flask --app service db upgrade`
creates and migrates it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A random opaque identifier for public records (screenings)."""
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes, also on SQLite which stores them naive."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSONType}


class StatusEvent:
    """The columns of one step of a status history (`finding_event`, `referral_event`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(254))  # user:<email> | apikey:<id>:<name> | system
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ListVersion(Base):
    """One successful import or refresh of one source; at most one per source is current."""

    __tablename__ = "list_version"
    __table_args__ = (
        UniqueConstraint("source", "version", name="uq_list_version_source_version"),
        Index("ix_list_version_source_current", "source", "is_current"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str] = mapped_column(Text)  # URL or file path(s) it came from
    checksum: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    parse_stats: Mapped[dict[str, Any]] = mapped_column(default=dict)

    entries: Mapped[list[ListEntryRow]] = relationship(back_populates="list_version")


class ListEntryRow(Base):
    """One entry of one list version, stored whole as JSON plus the columns we search by."""

    __tablename__ = "list_entry"
    __table_args__ = (
        UniqueConstraint("list_version_id", "entry_id", name="uq_list_entry_version_entry"),
        Index("ix_list_entry_source_entry", "source", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_version_id: Mapped[int] = mapped_column(ForeignKey("list_version.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    primary_name: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column()

    list_version: Mapped[ListVersion] = relationship(back_populates="entries")


class ListChange(Base):
    """One entry added, changed or removed by a list version (its diff, stored)."""

    __tablename__ = "list_change"
    __table_args__ = (Index("ix_list_change_version", "list_version_id", "change"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_version_id: Mapped[int] = mapped_column(ForeignKey("list_version.id", ondelete="CASCADE"))
    entry_id: Mapped[str] = mapped_column(String(255))
    change: Mapped[str] = mapped_column(String(8))  # added | changed | removed


class SourceStatus(Base):
    """Latest state of each source: what serves now, and the outcome of the last attempt."""

    __tablename__ = "source_status"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    current_version_id: Mapped[int | None] = mapped_column(ForeignKey("list_version.id"))
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    last_success_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    # new_version | unchanged | not_modified | failed
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    # part → {"etag", "last_modified"} of the files behind the current version
    http_cache: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Set while a refresh runs, so a manual "refresh now" never overlaps a scheduled one.
    refreshing_since: Mapped[datetime | None] = mapped_column()


class ApiKey(Base):
    """A key for a calling system. Only the SHA-256 of the secret is stored."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()

    def is_active(self, now: datetime) -> bool:
        """Neither revoked nor expired at `now`."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Screening(Base):
    """One screening request: what was asked, what was answered, against which lists."""

    __tablename__ = "screening"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(16))  # api | upload | sweep | cli
    actor: Mapped[str] = mapped_column(String(200))  # "apikey:<id>:<name>", "cli", ...
    request_id: Mapped[str | None] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(64))
    threshold: Mapped[float] = mapped_column(Float)
    list_versions: Mapped[dict[str, Any]] = mapped_column()
    request: Mapped[dict[str, Any]] = mapped_column()
    response: Mapped[dict[str, Any]] = mapped_column()
    alert_count: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)


class Supplier(Base):
    """The organisation's own supplier record, keyed by its vendor number (`ref`)."""

    __tablename__ = "supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="unknown")
    country: Mapped[str | None] = mapped_column(String(2))
    other_names: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"names": [...]} and the rest
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # registration, tax id, address, owners
    screened_hash: Mapped[str] = mapped_column(String(64))  # hash of the fields screening reads
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column()
    last_screened_at: Mapped[datetime | None] = mapped_column()

    findings: Mapped[list[Finding]] = relationship(back_populates="supplier")


class Finding(Base):
    """A supplier matched to a list entry at or above the alert threshold: one per (supplier, entry)."""

    __tablename__ = "finding"
    __table_args__ = (
        UniqueConstraint("supplier_id", "source", "entry_id", name="uq_finding_supplier_entry"),
        Index("ix_finding_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"))
    source: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32), default="new")  # see service.findings.STATUSES
    score: Mapped[float] = mapped_column(Float)
    list_version_id: Mapped[int] = mapped_column(ForeignKey("list_version.id"))
    entry_hash: Mapped[str] = mapped_column(String(64))  # the entry's content when matched
    entry_snapshot: Mapped[dict[str, Any]] = mapped_column()  # the entry as it was when matched
    supplier_hash: Mapped[str] = mapped_column(String(64))  # the supplier's screened fields then
    supplier_snapshot: Mapped[dict[str, Any] | None] = mapped_column()  # those fields, for the diff
    explanation: Mapped[dict[str, Any]] = mapped_column()
    algorithm: Mapped[str] = mapped_column(String(64))
    screening_id: Mapped[str] = mapped_column(String(32))  # the latest screening that raised it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    assignee: Mapped[str | None] = mapped_column(String(254))  # user:<email> or apikey:<id>:<name>
    proposed_by: Mapped[str | None] = mapped_column(String(254))  # who asked for the second decision
    proposed_action: Mapped[str | None] = mapped_column(String(16))  # confirm | reverse
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)  # confirmed, then delisted
    decided_at: Mapped[datetime | None] = mapped_column()  # the last human decision

    supplier: Mapped[Supplier] = relationship(back_populates="findings")
    events: Mapped[list[FindingEvent]] = relationship(back_populates="finding", order_by="FindingEvent.id")
    attachments: Mapped[list[FindingAttachment]] = relationship(
        back_populates="finding", order_by="FindingAttachment.id"
    )


class FindingEvent(StatusEvent, Base):
    """One step of a finding's history: append-only, never updated or deleted.

    Every human decision is also an audit event (`service.audit`); this table is the
    finding's own readable history, and what `reject` reads to restore the earlier status.
    """

    __tablename__ = "finding_event"
    __table_args__ = (Index("ix_finding_event_finding", "finding_id", "id"),)

    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id"))

    finding: Mapped[Finding] = relationship(back_populates="events")


class FindingAttachment(Base):
    """Evidence attached to a finding: stored in the database, type-checked and size-limited."""

    __tablename__ = "finding_attachment"
    __table_args__ = (Index("ix_finding_attachment_finding", "finding_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id"))
    filename: Mapped[str] = mapped_column(String(255))  # sanitised
    content_type: Mapped[str] = mapped_column(String(100))  # from the content, not the name
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only to download
    uploaded_by: Mapped[str] = mapped_column(String(254))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    finding: Mapped[Finding] = relationship(back_populates="attachments")


class User(Base):
    """A person who signs in to the web pages. Passwords are stored as scrypt hashes."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()


class Batch(Base):
    """One uploaded spreadsheet screened in the background; resumable after a restart."""

    __tablename__ = "batch"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(254))  # "user:<email>" or "apikey:<id>:<name>"
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)  # the upload, kept until the report is made
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)  # field → column index
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|done|failed
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    done_rows: Mapped[int] = mapped_column(Integer, default=0)
    alert_rows: Mapped[int] = mapped_column(Integer, default=0)
    error_rows: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"rows": [{row, column, message}]}
    error: Mapped[str | None] = mapped_column(Text)  # why the whole batch failed
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)  # lists, thresholds, algorithm
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the worker running it
    heartbeat_at: Mapped[datetime | None] = mapped_column()  # renewed with every chunk


class BatchRow(Base):
    """The result of one row of a batch (written in chunks as the job advances)."""

    __tablename__ = "batch_row"
    __table_args__ = (UniqueConstraint("batch_id", "row_number", name="uq_batch_row_batch_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batch.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))  # alert | clear | error
    result: Mapped[dict[str, Any]] = mapped_column()


class AuditEvent(Base):
    """One append-only audit event. Each carries the hash of the one before it, so editing or
    deleting any event breaks the chain (`flask --app service audit verify`)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))  # apikey:<id>:<name> | user:<email> | cli | system
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """A single row holding the newest event's hash; writers lock it to append in order."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))


class SchedulerLease(Base):
    """Who runs the scheduled jobs: one row per lease name, renewed by its holder.

    A scheduler acts only while it holds an unexpired lease; another takes over once the
    holder stops renewing (it died) and `expires_at` passes.
    """

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))  # host:pid:random
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    renewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class JobRun(Base):
    """One run of a scheduled (or manually started) job: the run history and its outcome."""

    __tablename__ = "job_run"
    __table_args__ = (Index("ix_job_run_job_started", "job", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(16))  # schedule | catch-up | manual
    holder: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | success | failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class SweepRun(Base):
    """One re-screening of the registry; committed in chunks, so a killed sweep resumes.

    A delta sweep screens the suppliers added or changed since the last finished sweep
    against every list (phase "suppliers"), then every supplier against the entries added
    or changed since then (phase "entries"). A full sweep screens every supplier against
    every list. `cursor` is the last supplier id done in the current phase.
    """

    __tablename__ = "sweep_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # delta | full
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | done | failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    since: Mapped[datetime | None] = mapped_column()  # changes after this are swept (delta)
    until: Mapped[datetime] = mapped_column()  # the watermark the next delta sweep starts from
    phase: Mapped[str] = mapped_column(String(16), default="suppliers")  # suppliers | entries
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    screening_id: Mapped[str | None] = mapped_column(String(32))
    list_versions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    suppliers_screened: Mapped[int] = mapped_column(Integer, default=0)
    entries_considered: Mapped[int] = mapped_column(Integer, default=0)
    new_findings: Mapped[int] = mapped_column(Integer, default=0)
    reopened_findings: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class Notification(Base):
    """An outbox message (webhook or e-mail), delivered by the outbox job with retries."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # idempotency key sent to receivers
    kind: Mapped[str] = mapped_column(String(32))  # new_alert | changed_finding | refresh_failed | digest
    channel: Mapped[str] = mapped_column(String(16))  # webhook | email
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column()


class Referral(Base):
    """Confirmed findings of one supplier packaged for the shared marketplace (UNGM).

    draft → submitted_for_approval → approved (another person) → queued → delivered | failed;
    withdrawn before delivery. `content` holds what people wrote (practices, sanction,
    narrative, vendor, affiliates, organisation); `document` is the referral document frozen
    at approval: what was approved is exactly what is delivered, byte for byte, on every try.
    """

    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_status", "status"),
        Index("ix_referral_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # Idempotency-Key sent to receivers
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    status: Mapped[str] = mapped_column(String(32), default="draft")  # see service.referrals.STATUSES
    content: Mapped[dict[str, Any]] = mapped_column()
    document: Mapped[dict[str, Any] | None] = mapped_column()  # frozen at approval
    created_by: Mapped[str] = mapped_column(String(254))  # user:<email> | apikey:<id>:<name>
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by: Mapped[str | None] = mapped_column(String(254))
    submitted_at: Mapped[datetime | None] = mapped_column()
    approved_by: Mapped[str | None] = mapped_column(String(254))
    approved_at: Mapped[datetime | None] = mapped_column()
    withdrawn_by: Mapped[str | None] = mapped_column(String(254))
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    # Delivery (the outbox): channel chosen when queued; a claim is held while an attempt runs.
    channel: Mapped[str | None] = mapped_column(String(16))  # webhook | email | manual
    queued_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    claimed_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column()
    delivery_reference: Mapped[str | None] = mapped_column(Text)  # receiver's answer or case number
    failed_at: Mapped[datetime | None] = mapped_column()
    # After delivery the supplier joins the organisation's own list (referrals.list_source).
    listed_at: Mapped[datetime | None] = mapped_column()
    listed_version_id: Mapped[int | None] = mapped_column(ForeignKey("list_version.id"))

    supplier: Mapped[Supplier] = relationship()
    links: Mapped[list[ReferralFinding]] = relationship(
        back_populates="referral", order_by="ReferralFinding.finding_id"
    )
    events: Mapped[list[ReferralEvent]] = relationship(back_populates="referral", order_by="ReferralEvent.id")
    delivery_attempts: Mapped[list[ReferralAttempt]] = relationship(
        back_populates="referral", order_by="ReferralAttempt.id"
    )


class ReferralFinding(Base):
    """One confirmed finding a referral is built on."""

    __tablename__ = "referral_finding"
    __table_args__ = (UniqueConstraint("referral_id", "finding_id", name="uq_referral_finding_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"))
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id"), index=True)

    referral: Mapped[Referral] = relationship(back_populates="links")
    finding: Mapped[Finding] = relationship()


class ReferralEvent(StatusEvent, Base):
    """One step of a referral's history: append-only (each is also an audit event)."""

    __tablename__ = "referral_event"
    __table_args__ = (Index("ix_referral_event_referral", "referral_id", "id"),)

    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"))

    referral: Mapped[Referral] = relationship(back_populates="events")


class ReferralAttempt(Base):
    """One delivery attempt: written when claimed, completed with its outcome."""

    __tablename__ = "referral_attempt"
    __table_args__ = (Index("ix_referral_attempt_referral", "referral_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ...
    channel: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(128))  # host:pid of the sending process
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    # in_progress | delivered | retry | failed | abandoned (its process stopped mid-way)
    outcome: Mapped[str] = mapped_column(String(16), default="in_progress")
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship(back_populates="delivery_attempts")
