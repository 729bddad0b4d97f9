"""Sessions: create, change, publish, cancel, complete; their measures, contributors and materials."""

from __future__ import annotations

import os
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes import tasks
from programmes.models import Contributor, Material, Measure, Programme, Session
from programmes.services.common import KEEP, given
from programmes.services.registrations import lock_session, promote_waiting
from toppleder import audit, reference
from toppleder.celery import queue_after_commit

# A change to any of these makes calendars out of date: bump SEQUENCE.
NOTE_MAX = 1000  # characters in HR's message to the leaders of a cancelled session
SEQUENCE_FIELDS = ("starts_at", "ends_at", "place", "video_link", "format")


def _validate(session: Session) -> None:
    errors: dict[str, list] = {}

    def add(field, msg):
        errors.setdefault(field, []).append(msg)

    if not (session.title or "").strip():
        add("title", _("Give the session a title."))
    kinds = {e["key"] for e in reference.entries("activity_kinds")}
    if session.kind not in kinds:
        add("kind", _("Choose an activity kind."))
    if not session.starts_at:
        add("starts_at", _("Give a start time."))
    if not session.ends_at:
        add("ends_at", _("Give an end time."))
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        add("ends_at", _("The session must end after it starts."))
    if session.capacity is None or int(session.capacity) < 1:
        add("capacity", _("Capacity must be at least 1."))
    if session.format != Session.Format.HYBRID:
        session.online_capacity = None  # only a hybrid session has online seats
    elif session.online_capacity is not None and int(session.online_capacity) < 1:
        add("online_capacity", _("Online seats must be at least 1, or empty for no limit."))
    if session.format not in Session.Format.values:
        add("format", _("Choose a format."))
    if session.format in (Session.Format.IN_PERSON, Session.Format.HYBRID) and not (session.place or "").strip():
        add("place", _("A session in person or hybrid needs a place."))
    if session.format in (Session.Format.DIGITAL, Session.Format.HYBRID) and not (session.video_link or "").strip():
        add("video_link", _("A digital or hybrid session needs a video link."))
    if session.registration_deadline and session.starts_at and session.registration_deadline > session.starts_at:
        add("registration_deadline", _("The registration deadline must be before the session starts."))
    if errors:
        raise ValidationError(errors)


def _ids(objects: Iterable) -> list[int]:
    return sorted({getattr(o, "pk", o) for o in objects})


def _set_m2m(session: Session, name: str, objects: Iterable, changes: dict) -> None:
    old = sorted(getattr(session, name).values_list("pk", flat=True))
    new = _ids(objects)
    getattr(session, name).set(new)
    if old != new:
        changes[name] = [old, new]


def session_create(
    *,
    programme: Programme,
    by,
    kind: str,
    title: str,
    starts_at,
    ends_at,
    capacity: int,
    online_capacity: int | None = None,
    theme: str = "",
    description: str = "",
    format: str = Session.Format.IN_PERSON,  # noqa: A002  (the model field's name)
    place: str = "",
    video_link: str = "",
    registration_deadline=None,
    reserved_for_groups: Iterable = (),
    measures: Iterable = (),
) -> Session:
    """Create a draft session in a programme."""
    session = Session(
        programme=programme,
        kind=kind,
        title=title,
        theme=theme,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        format=format,
        place=place,
        video_link=video_link,
        capacity=capacity,
        online_capacity=online_capacity,
        registration_deadline=registration_deadline,
    )
    _validate(session)
    with transaction.atomic():
        session.save()
        changes = audit.created(session)
        _set_m2m(session, "reserved_for_groups", reserved_for_groups, changes)
        _set_m2m(session, "measures", measures, changes)
        audit.record(by, audit.CREATE, [session], changes, event="session_create")
    return session


def session_update(
    *,
    session: Session,
    by,
    kind: str = KEEP,
    title: str = KEEP,
    theme: str = KEEP,
    description: str = KEEP,
    starts_at=KEEP,
    ends_at=KEEP,
    format: str = KEEP,  # noqa: A002  (the model field's name)
    place: str = KEEP,
    video_link: str = KEEP,
    capacity: int = KEEP,
    online_capacity=KEEP,
    registration_deadline=KEEP,
    reserved_for_groups: Iterable = KEEP,
    measures: Iterable = KEEP,
) -> Session:
    """Change a session; arguments not given keep their value. Time/place/format changes bump
    SEQUENCE (and notify the registered leaders if published).

    Capacity cannot go below the number already confirmed; raising it promotes from the
    waiting list, in order, in the same transaction.
    """
    fields = given(
        kind=kind,
        title=title,
        theme=theme,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        format=format,
        place=place,
        video_link=video_link,
        capacity=capacity,
        online_capacity=online_capacity,
        registration_deadline=registration_deadline,
    )
    with transaction.atomic():
        locked = lock_session(session.pk)
        before = audit.values(locked)
        for key, value in fields.items():
            setattr(locked, key, value)
        _validate(locked)
        confirmed = locked.confirmed_count  # the row is locked: exact
        if locked.capacity < confirmed:
            raise ValidationError(
                {"capacity": _("Capacity cannot be below the %(n)s leaders already confirmed.") % {"n": confirmed}}
            )
        online = locked.online_confirmed_count
        if (
            locked.format == Session.Format.HYBRID
            and locked.online_capacity is not None
            and locked.online_capacity < online
        ):
            raise ValidationError(
                {
                    "online_capacity": _("Online seats cannot be below the %(n)s leaders already confirmed online.")
                    % {"n": online}
                }
            )
        if locked.format != Session.Format.HYBRID and (
            online or locked.online_waitlist_count or locked.online_offered_count
        ):
            raise ValidationError(
                {"format": _("Leaders take part online: the session stays hybrid until they have moved or cancelled.")}
            )
        moved = [f for f in SEQUENCE_FIELDS if audit.plain(getattr(locked, f)) != before[f]]
        if moved:
            locked.sequence += 1  # the row is locked: no lost update
        locked.save()
        changes = audit.diff(before, locked)
        if reserved_for_groups is not KEEP:
            _set_m2m(locked, "reserved_for_groups", reserved_for_groups, changes)
        if measures is not KEEP:
            _set_m2m(locked, "measures", measures, changes)
        audit.record(by, audit.UPDATE, [locked], changes, event="session_update")
        promote_waiting(locked, by=by, event="session_update")
        if moved and locked.status == Session.Status.PUBLISHED:
            queue_after_commit(tasks.session_changed, locked.pk)
    for key in fields:
        setattr(session, key, getattr(locked, key))
    session.sequence = locked.sequence
    return locked


def _set_status(
    session: Session, *, by, allowed_from: tuple, to: str, message, event: str, extra: dict | None = None
) -> Session:
    with transaction.atomic():
        locked = lock_session(session.pk)
        if locked.status not in allowed_from:
            raise ValidationError(message)
        before = audit.values(locked)
        locked.status = to
        if to == Session.Status.CANCELLED:
            locked.sequence += 1
        locked.save(update_fields=["status", "sequence", "updated_at"])
        audit.record(by, audit.UPDATE, [locked], {**audit.diff(before, locked), **(extra or {})}, event=event)
    session.status, session.sequence = locked.status, locked.sequence
    return locked


def session_publish(*, session: Session, by) -> Session:
    """draft → published; invites the eligible leaders (task on commit)."""
    with transaction.atomic():
        locked = _set_status(
            session,
            by=by,
            allowed_from=(Session.Status.DRAFT,),
            to=Session.Status.PUBLISHED,
            message=_("Only a draft session can be published."),
            event="session_publish",
        )
        queue_after_commit(tasks.session_published, locked.pk)
    return locked


def session_cancel(*, session: Session, by, note: str = "") -> Session:
    """Cancel a draft or published session; registered leaders get METHOD:CANCEL (task),
    with `note` (HR's message to them) in the e-mail when given."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(_("The message can be at most %(max)d characters."), params={"max": NOTE_MAX})
    with transaction.atomic():
        locked = _set_status(
            session,
            by=by,
            allowed_from=(Session.Status.DRAFT, Session.Status.PUBLISHED),
            to=Session.Status.CANCELLED,
            message=_("Only a draft or published session can be cancelled."),
            event="session_cancel",
            extra={"message_to_leaders": [None, note]} if note else None,
        )
        queue_after_commit(tasks.session_cancelled, locked.pk, note)
    return locked


def session_complete(*, session: Session, by) -> Session:
    """published → completed (once it has started; attendance can then be marked)."""
    if session.starts_at > timezone.now():
        raise ValidationError(_("A session can be marked as completed once it has started."))
    return _set_status(
        session,
        by=by,
        allowed_from=(Session.Status.PUBLISHED,),
        to=Session.Status.COMPLETED,
        message=_("Only a published session can be completed."),
        event="session_complete",
    )


@transaction.atomic
def session_set_measures(*, session: Session, measures: Iterable, by) -> Session:
    """Link a session to the measures it serves (replaces the previous set)."""
    ids = _ids(measures)
    if Measure.objects.filter(pk__in=ids).count() != len(ids):
        raise ValidationError(_("Unknown measure."))
    changes: dict = {}
    _set_m2m(session, "measures", ids, changes)
    audit.record(by, audit.UPDATE, [session], changes, event="session_set_measures")
    return session


@transaction.atomic
def contributor_add(*, session: Session, name: str, kind: str, by, affiliation: str = "") -> Contributor:
    """Add a contributor (kind from reference.yaml external_contributor_kinds)."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Give the contributor's name.")
    if kind not in {e["key"] for e in reference.entries("external_contributor_kinds")}:
        errors["kind"] = _("Choose what kind of contributor this is.")
    if errors:
        raise ValidationError(errors)
    contributor = Contributor.objects.create(
        session=session, name=name.strip(), affiliation=(affiliation or "").strip(), kind=kind
    )
    audit.record(by, audit.CREATE, [contributor], audit.created(contributor), event="contributor_add")
    return contributor


@transaction.atomic
def contributor_remove(*, contributor: Contributor, by) -> None:
    audit.record(by, audit.DELETE, [contributor], audit.values(contributor), event="contributor_remove")
    contributor.delete()


MATERIAL_MAX_BYTES = 20 * 1024 * 1024
# Extension → the magic bytes its content must start with (None: plain text).
MATERIAL_TYPES = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "txt": None,
}
_HTML_MARKERS = (b"<!doctype", b"<html", b"<script", b"<svg", b"<body", b"<head", b"<iframe", b"<?xml")


def _check_material_file(file) -> None:
    name = getattr(file, "name", "") or ""
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    if ext not in MATERIAL_TYPES:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("Allowed file types: PDF, Word, PowerPoint, Excel, PNG, JPG and text."), code="type"
                )
            }
        )
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    if size > MATERIAL_MAX_BYTES:
        raise ValidationError({"file": ValidationError(_("The file is larger than 20 MB."), code="size")})
    if size == 0:
        raise ValidationError({"file": ValidationError(_("The file is empty."), code="empty")})
    file.seek(0)
    head = file.read(2048)
    file.seek(0)
    if isinstance(head, str):
        head = head.encode("utf-8", "replace")
    lowered = head.lstrip().lower()
    magic = MATERIAL_TYPES[ext]
    looks_html = any(lowered.startswith(m) for m in _HTML_MARKERS) or b"<script" in lowered
    if magic is None:
        if looks_html or b"\x00" in head:
            raise ValidationError(
                {"file": ValidationError(_("The file's content does not match its type."), code="content")}
            )
    elif not head.startswith(magic):
        raise ValidationError(
            {"file": ValidationError(_("The file's content does not match its type."), code="content")}
        )


def material_add(*, session: Session, title: str, url: str = "", file=None, by) -> Material:
    """Add a link or an uploaded file (type checked by extension AND content, ≤ 20 MB)."""
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Give the material a title.")
    if not url and not file:
        errors["url"] = _("Give a link or upload a file.")
    if url and not url.lower().startswith(("https://", "http://")):
        errors["url"] = _("The link must start with https://.")
    if errors:
        raise ValidationError(errors)
    if file:
        _check_material_file(file)
    material = Material(session=session, title=title.strip(), url=url or "")
    with transaction.atomic():
        if file:
            material.file.save(os.path.basename(file.name), file, save=False)
        material.save()
        audit.record(by, audit.CREATE, [material], audit.created(material), event="material_add")
    return material


@transaction.atomic
def material_remove(*, material: Material, by) -> None:
    audit.record(by, audit.DELETE, [material], audit.values(material), event="material_remove")
    if material.file:
        material.file.delete(save=False)
    material.delete()
