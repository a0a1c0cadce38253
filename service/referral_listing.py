"""After delivery: the referred supplier joins the organisation's own list (`custom:referred`).

Each delivered referral becomes an entry `referral-<id>` (the vendor's names, country,
identifiers and address; the practices as programmes; the practices and sanction as the
reason) in a new version of `referrals.list_source`, stored like any list version, so every
process's index picks it up and every later screening and sweep alerts on the supplier.
A referral is claimed for listing by a conditional UPDATE in the same transaction as the new
version: a listing that fails (another process stored a version at the same moment) rolls
back whole and is taken up by the next outbox run.
"""

from __future__ import annotations

import hashlib
import json
import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.models import ListEntryRow, ListVersion, Referral, utcnow
from service.referral_documents import sanction_text
from service.referrals import record_system_step
from service.store import get_current_version, store_snapshot
from watchlists import ListEntry, Snapshot
from watchlists.types import Address, Identifier, Name

log = logging.getLogger(__name__)


def list_delivered(factory: sessionmaker[Session], settings: Settings) -> int:
    """Add every delivered, not yet listed referral's supplier to `referrals.list_source`."""
    with factory.begin() as session:
        ids = list(
            session.scalars(
                select(Referral.id)
                .where(Referral.status == "delivered", Referral.listed_at.is_(None))
                .order_by(Referral.id)
            )
        )
    listed = 0
    for referral_id in ids:
        try:
            with factory.begin() as session:
                listed += _list_one(session, settings, referral_id)
        except IntegrityError as exc:  # another process stored a version of the list meanwhile
            log.warning("referral %d: listing postponed to the next run: %s", referral_id, exc.orig)
    return listed


def _list_one(session: Session, settings: Settings, referral_id: int) -> int:
    # Claimed by a conditional UPDATE first: one process lists it; a failure rolls the claim back.
    claimed = session.execute(
        update(Referral)
        .where(Referral.id == referral_id, Referral.status == "delivered", Referral.listed_at.is_(None))
        .values(listed_at=utcnow())
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return 0
    referral = session.get(Referral, referral_id, populate_existing=True)
    assert referral is not None
    version = add_to_referred_list(session, settings, referral)
    referral.listed_version_id = version.id
    details = {"source": version.source, "entry_id": referred_entry_id(referral), "version": version.version}
    record_system_step(session, referral, "list", "delivered", details)
    return 1


def referred_entry_id(referral: Referral) -> str:
    return f"referral-{referral.id}"


def add_to_referred_list(session: Session, settings: Settings, referral: Referral) -> ListVersion:
    """A new version of the referred-suppliers list with this referral's supplier; returns the
    version that holds it (the current one when it held it already)."""
    source = settings.referrals.list_source
    current = get_current_version(session, source)
    entries: dict[str, ListEntry] = {}
    if current is not None:
        rows = session.scalars(select(ListEntryRow.data).where(ListEntryRow.list_version_id == current.id))
        entries = {data["entry_id"]: ListEntry.from_dict(data) for data in rows}
    entry = referred_entry(source, referral)
    entries[entry.entry_id] = entry
    ordered = tuple(entries[k] for k in sorted(entries))
    canonical = json.dumps([e.to_dict() for e in ordered], sort_keys=True, ensure_ascii=False)
    snapshot = Snapshot(
        source,
        ordered,
        published_at=utcnow().isoformat(),
        checksum=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
    )
    version = store_snapshot(session, snapshot, origin=f"referral {referral.id}")
    if version is None:
        assert current is not None  # an unchanged checksum means a current version exists
        return current
    log.info(
        "%s v%d: referral %d's supplier %s added", source, version.version, referral.id, referral.supplier.ref
    )
    return version


def referred_entry(source: str, referral: Referral) -> ListEntry:
    """The list entry for a delivered referral: the vendor's names, country, identifiers, and why."""
    vendor = referral.content["vendor"]
    country = vendor.get("country")
    names = [Name(vendor["legal_name"], "primary")]
    names += [Name(n, "alias") for n in vendor.get("other_names", [])]
    names += [Name(n, "former") for n in vendor.get("former_names", [])]
    if vendor.get("original_script_name"):
        names.append(Name(vendor["original_script_name"], "original_script"))
    unique: dict[str, Name] = {}
    for name in names:
        unique.setdefault(name.value.casefold(), name)  # the first type given wins
    identifiers = [
        Identifier("registration_number", v, country) for v in vendor.get("registration_numbers", [])
    ]
    if vendor.get("tax_id"):
        identifiers.append(Identifier("tax_id", vendor["tax_id"], country))
    delivered = (referral.delivered_at or utcnow()).date().isoformat()
    return ListEntry(
        source=source,
        entry_id=referred_entry_id(referral),
        kind=vendor.get("kind") or "unknown",
        names=tuple(unique.values()),
        countries=(country,) if country else (),
        identifiers=tuple(identifiers),
        addresses=(Address(full=vendor["address"], country=country),) if vendor.get("address") else (),
        programs=tuple(referral.content["practices"]),
        listed_on=delivered,
        remarks=referred_reason(referral, delivered),
        properties={
            "referral_id": (str(referral.id),),
            "referral_key": (referral.key,),
            "supplier_ref": (referral.supplier.ref,),
            "sanction": (referral.content["sanction"]["type"],),
            "ungm_vendor_number": (str(vendor.get("ungm_vendor_number") or referral.supplier.ref),),
        },
    )


def referred_reason(referral: Referral, delivered: str) -> str:
    """Why the supplier is on the list: practices and sanction, in one sentence."""
    content = referral.content
    practices = ", ".join(p.replace("_", " ") for p in content["practices"])
    organisation = content["referring_organisation"]["name"]
    return (
        f"Referred by {organisation} on {delivered} (referral {referral.id}) for {practices}; "
        f"recommended sanction: {sanction_text(content['sanction'])}."
    )
