"""Every state change in programmes: keyword-only functions, validated, in a transaction.

Views, admin actions, tasks and commands call these; nothing here renders or reads a
request. Bad input raises `django.core.exceptions.ValidationError` with a translatable
message (field-keyed where a form field matches the model field name). `by` is the
acting user (None for the system); it is written to the audit log.

Registration capacity is guarded by a row lock on the session (`select_for_update`)
and counted in the database inside the same transaction, so no amount of concurrent
sign-ups can confirm more than `capacity` people. `REGISTRATION_LOCKING` exists only
so a test can show that the concurrency test fails without the lock.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes import tasks
from programmes.models import (
    Commitment,
    Contributor,
    Material,
    Measure,
    Programme,
    ProgrammeEnrolment,
    Registration,
    Session,
    WaitlistChange,
)
from toppleder import reference
from toppleder.models import Leader, LeaderGroup, Organisation

audit = logging.getLogger("toppleder.audit")

# Switch the session row lock off ONLY in the control run of the concurrency test.
REGISTRATION_LOCKING = getattr(settings, "REGISTRATION_LOCKING", True)
# How long a sign-up waits for the session lock before telling the user to try again.
REGISTRATION_LOCK_TIMEOUT_MS = getattr(settings, "REGISTRATION_LOCK_TIMEOUT_MS", 5000)


class RegistrationBusy(Exception):
    """The session was locked by other sign-ups for too long: the user should try again."""

    message = _("Many people are signing up right now. Please try again.")

    def __str__(self):
        return str(self.message)


def _log(by, action: str, obj, **extra) -> None:
    audit.info(
        "%s %s %s:%s %s",
        getattr(by, "email", "system"),
        action,
        type(obj).__name__,
        getattr(obj, "pk", None),
        extra or "",
    )


def _on_commit(task, pk: int) -> None:
    transaction.on_commit(lambda: task.delay(pk))


# ---------------------------------------------------------------------------
# Programmes
# ---------------------------------------------------------------------------

PROGRAMME_FIELDS = {
    "name",
    "period",
    "goal",
    "sub_goals",
    "description",
    "enrolment_opens",
    "enrolment_closes",
    "eligible_levels",
    "eligible_org_kinds",
}
PROGRAMME_M2M = {"eligible_organisations"}
STATUS_ORDER = [
    Programme.Status.DRAFT,
    Programme.Status.OPEN,
    Programme.Status.RUNNING,
    Programme.Status.CLOSED,
]


def default_programme_goal() -> tuple[str, list[dict]]:
    """The goal and sub-goals from reference.yaml `programme_goal`."""
    goal = reference.load()["programme_goal"]
    return goal["title_nb"], [dict(sg) for sg in goal.get("sub_goals", [])]


def _check_fields(fields: dict, allowed: set[str], what: str) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"{what}: unknown field(s) {', '.join(sorted(unknown))}")


def _validate_programme(programme: Programme) -> None:
    errors = {}
    if not (programme.name or "").strip():
        errors["name"] = _("Give the programme a name.")
    if not (programme.period or "").strip():
        errors["period"] = _("Give the programme a period, for example 2026/27.")
    if programme.enrolment_opens and programme.enrolment_closes:
        if programme.enrolment_closes < programme.enrolment_opens:
            errors["enrolment_closes"] = _("Enrolment must close after it opens.")
    levels = programme.eligible_levels or []
    if any(lv not in (1, 2, 3) for lv in levels):
        errors["eligible_levels"] = _("Leader levels are 1, 2 or 3.")
    kinds = programme.eligible_org_kinds or []
    if any(k not in Organisation.Kind.values for k in kinds):
        errors["eligible_org_kinds"] = _("Unknown organisation kind.")
    if errors:
        raise ValidationError(errors)


def programme_create(*, by, name: str, period: str, **fields) -> Programme:
    """Create a draft programme; goal and sub-goals default to reference.yaml's programme goal."""
    _check_fields(fields, PROGRAMME_FIELDS | PROGRAMME_M2M | {"status"}, "programme_create")
    m2m = {k: fields.pop(k) for k in list(fields) if k in PROGRAMME_M2M}
    goal, sub_goals = default_programme_goal()
    fields.setdefault("goal", goal)
    fields.setdefault("sub_goals", sub_goals)
    if not fields.get("goal"):
        fields["goal"] = goal
    if "eligible_levels" in fields:
        fields["eligible_levels"] = [int(x) for x in fields["eligible_levels"] or []]
    programme = Programme(name=(name or "").strip(), period=(period or "").strip(), **fields)
    if programme.status not in Programme.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    _validate_programme(programme)
    with transaction.atomic():
        programme.save()
        if m2m.get("eligible_organisations") is not None:
            programme.eligible_organisations.set(m2m["eligible_organisations"])
    _log(by, "programme_create", programme)
    return programme


def programme_update(*, programme: Programme, by, **fields) -> Programme:
    """Change a programme's fields (not its status: use programme_set_status)."""
    _check_fields(fields, PROGRAMME_FIELDS | PROGRAMME_M2M, "programme_update")
    m2m = {k: fields.pop(k) for k in list(fields) if k in PROGRAMME_M2M}
    if "eligible_levels" in fields:
        fields["eligible_levels"] = [int(x) for x in fields["eligible_levels"] or []]
    for key, value in fields.items():
        setattr(programme, key, value.strip() if isinstance(value, str) and key in ("name", "period") else value)
    _validate_programme(programme)
    with transaction.atomic():
        programme.save()
        if m2m.get("eligible_organisations") is not None:
            programme.eligible_organisations.set(m2m["eligible_organisations"])
    _log(by, "programme_update", programme, fields=sorted(fields) + sorted(m2m))
    return programme


def programme_set_status(*, programme: Programme, status: str, by) -> Programme:
    """Move a programme forward: draft → open → running → closed (never back)."""
    if status not in Programme.Status.values:
        raise ValidationError(_("Unknown status."))
    with transaction.atomic():
        current = Programme.objects.select_for_update().get(pk=programme.pk)
        if STATUS_ORDER.index(status) <= STATUS_ORDER.index(current.status):
            raise ValidationError(
                _("A programme can only move forward: draft, open, running, closed."), code="backwards"
            )
        current.status = status
        current.save(update_fields=["status", "updated_at"])  # save(), so the audit log sees it
    programme.status = status
    _log(by, "programme_set_status", programme, status=status)
    return programme


# ---------------------------------------------------------------------------
# Enrolment
# ---------------------------------------------------------------------------


def _ineligible(programme: Programme, leaders: list[Leader]) -> list[Leader]:
    levels = set(programme.eligible_levels or [])
    kinds = set(programme.eligible_org_kinds or [])
    org_ids = set(programme.eligible_organisations.values_list("pk", flat=True))
    bad = []
    for leader in leaders:
        if levels and leader.level not in levels:
            bad.append(leader)
        elif kinds and leader.organisation.kind not in kinds:
            bad.append(leader)
        elif org_ids and leader.organisation_id not in org_ids:
            bad.append(leader)
    return bad


def _as_leaders(leaders: Iterable) -> list[Leader]:
    ids = [getattr(x, "pk", x) for x in leaders]
    return list(Leader.objects.with_org().filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def enrolment_add(*, programme: Programme, leaders: Iterable, by, via_group: LeaderGroup | None = None) -> int:
    """Enrol leaders (objects or ids). Idempotent; a withdrawn leader is enrolled again.

    Every leader must meet the programme's eligibility (levels, organisation kinds,
    organisations), otherwise nothing is enrolled and the error names them.
    Returns how many were newly enrolled (or re-enrolled).
    """
    if programme.status == Programme.Status.CLOSED:
        raise ValidationError(_("The programme is closed."))
    leaders = _as_leaders(leaders)
    bad = _ineligible(programme, leaders)
    if bad:
        names = ", ".join(str(le) for le in bad)
        raise ValidationError(
            _("Not eligible for this programme: %(names)s."), code="ineligible", params={"names": names}
        )
    existing = {e.leader_id: e for e in ProgrammeEnrolment.objects.filter(programme=programme, leader__in=leaders)}
    now = timezone.now()
    new, back = [], []
    for leader in leaders:
        enrolment = existing.get(leader.pk)
        if enrolment is None:
            new.append(ProgrammeEnrolment(programme=programme, leader=leader, via_group=via_group, enrolled_at=now))
        elif enrolment.status == ProgrammeEnrolment.Status.WITHDRAWN:
            enrolment.status = ProgrammeEnrolment.Status.ENROLLED
            enrolment.withdrawn_at = None
            enrolment.enrolled_at = now
            enrolment.via_group = via_group or enrolment.via_group
            back.append(enrolment)
    ProgrammeEnrolment.objects.bulk_create(new, ignore_conflicts=True)
    if back:
        ProgrammeEnrolment.objects.bulk_update(back, ["status", "withdrawn_at", "enrolled_at", "via_group"])
    _log(by, "enrolment_add", programme, count=len(new) + len(back))
    added = [e.leader_id for e in (*new, *back)]
    if added and programme.sessions.filter(status=Session.Status.PUBLISHED).exists():
        # Sessions published before these leaders joined still reach them.
        transaction.on_commit(lambda: tasks.enrolment_invitations.delay(programme.pk, added))
    return len(new) + len(back)


def _eligible_only(programme: Programme, leaders: list[Leader]) -> list[Leader]:
    bad = {le.pk for le in _ineligible(programme, leaders)}
    return [le for le in leaders if le.pk not in bad]


@transaction.atomic
def enrolment_add_groups(*, programme: Programme, groups: Iterable[LeaderGroup], by) -> int:
    """Enrol every member of the given leader groups.

    Members who are not eligible (e.g. level-2 leaders in a level-1 programme) are
    skipped rather than blocking the whole group. Returns how many were newly enrolled.
    """
    total = 0
    for group in groups:
        members = _eligible_only(programme, list(group.members.with_org()))
        total += enrolment_add(programme=programme, leaders=members, by=by, via_group=group)
    return total


@transaction.atomic
def enrolment_add_organisations(*, programme: Programme, organisations: Iterable[Organisation], by) -> int:
    """Enrol every top leader group of the given organisations (eligible members only)."""
    org_ids = [getattr(o, "pk", o) for o in organisations]
    groups = LeaderGroup.objects.filter(organisation__in=org_ids, is_top_leader_group=True).order_by("pk")
    return enrolment_add_groups(programme=programme, groups=groups, by=by)


@transaction.atomic
def enrolment_withdraw(*, enrolment: ProgrammeEnrolment, by) -> ProgrammeEnrolment:
    """Withdraw a leader from a programme; their upcoming registrations are cancelled."""
    enrolment = ProgrammeEnrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status == ProgrammeEnrolment.Status.WITHDRAWN:
        return enrolment
    enrolment.status = ProgrammeEnrolment.Status.WITHDRAWN
    enrolment.withdrawn_at = timezone.now()
    enrolment.save(update_fields=["status", "withdrawn_at"])
    upcoming = Registration.objects.filter(
        leader_id=enrolment.leader_id,
        session__programme_id=enrolment.programme_id,
        session__starts_at__gt=timezone.now(),
        status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED],
    ).order_by("pk")
    for registration in upcoming:
        registration_cancel(registration=registration, by=by)
    _log(by, "enrolment_withdraw", enrolment)
    return enrolment


# ---------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------

SESSION_FIELDS = {
    "kind",
    "title",
    "theme",
    "description",
    "starts_at",
    "ends_at",
    "format",
    "place",
    "video_link",
    "capacity",
    "registration_deadline",
}
SESSION_M2M = {"reserved_for_groups", "measures"}
# A change to any of these makes calendars out of date: bump SEQUENCE.
SEQUENCE_FIELDS = ("starts_at", "ends_at", "place", "video_link", "format")


def _validate_session(session: Session) -> None:
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


def session_create(*, programme: Programme, by, **fields) -> Session:
    """Create a draft session in a programme (M2M: reserved_for_groups, measures)."""
    _check_fields(fields, SESSION_FIELDS | SESSION_M2M, "session_create")
    m2m = {k: fields.pop(k) for k in list(fields) if k in SESSION_M2M}
    session = Session(programme=programme, **fields)
    _validate_session(session)
    with transaction.atomic():
        session.save()
        for key, value in m2m.items():
            if value is not None:
                getattr(session, key).set(value)
    _log(by, "session_create", session)
    return session


def _lock_session(pk: int) -> Session:
    """Lock the session row for the rest of the transaction (bounded wait on PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = %s", [f"{int(REGISTRATION_LOCK_TIMEOUT_MS)}ms"])
    return Session.objects.select_for_update(of=("self",)).get(pk=pk)


def session_update(*, session: Session, by, **fields) -> Session:
    """Change a session. Time/place/format changes bump SEQUENCE (and notify if published).

    Capacity cannot go below the number already confirmed; raising it promotes from the
    waiting list, in order, in the same transaction.
    """
    _check_fields(fields, SESSION_FIELDS | SESSION_M2M, "session_update")
    m2m = {k: fields.pop(k) for k in list(fields) if k in SESSION_M2M}
    with transaction.atomic():
        locked = _lock_session(session.pk)
        before = {f: getattr(locked, f) for f in SEQUENCE_FIELDS}
        for key, value in fields.items():
            setattr(locked, key, value)
        _validate_session(locked)
        confirmed = _count_confirmed(locked)
        if locked.capacity < confirmed:
            raise ValidationError(
                {"capacity": _("Capacity cannot be below the %(n)s leaders already confirmed.") % {"n": confirmed}}
            )
        changed = [f for f in SEQUENCE_FIELDS if getattr(locked, f) != before[f]]
        if changed:
            locked.sequence = F("sequence") + 1
        locked.save()
        locked.refresh_from_db(fields=["sequence"])
        for key, value in m2m.items():
            if value is not None:
                getattr(locked, key).set(value)
        promoted = _promote(locked)
        if changed and locked.status == Session.Status.PUBLISHED:
            _on_commit(tasks.session_changed, locked.pk)
    _log(by, "session_update", locked, changed=changed, promoted=len(promoted))
    for key in fields:
        setattr(session, key, getattr(locked, key))
    session.sequence = locked.sequence
    return locked


def _set_session_status(session: Session, *, allowed_from: tuple, to: str, message) -> Session:
    with transaction.atomic():
        locked = _lock_session(session.pk)
        if locked.status not in allowed_from:
            raise ValidationError(message)
        locked.status = to
        if to == Session.Status.CANCELLED:
            locked.sequence = F("sequence") + 1
        locked.save(update_fields=["status", "sequence", "updated_at"])
        locked.refresh_from_db(fields=["sequence"])
    session.status, session.sequence = locked.status, locked.sequence
    return locked


def session_publish(*, session: Session, by) -> Session:
    """draft → published; invites the eligible leaders (task on commit)."""
    with transaction.atomic():
        locked = _set_session_status(
            session,
            allowed_from=(Session.Status.DRAFT,),
            to=Session.Status.PUBLISHED,
            message=_("Only a draft session can be published."),
        )
        _on_commit(tasks.session_published, locked.pk)
    _log(by, "session_publish", locked)
    return locked


def session_cancel(*, session: Session, by) -> Session:
    """Cancel a draft or published session; registered leaders get METHOD:CANCEL (task)."""
    with transaction.atomic():
        locked = _set_session_status(
            session,
            allowed_from=(Session.Status.DRAFT, Session.Status.PUBLISHED),
            to=Session.Status.CANCELLED,
            message=_("Only a draft or published session can be cancelled."),
        )
        _on_commit(tasks.session_cancelled, locked.pk)
    _log(by, "session_cancel", locked)
    return locked


def session_complete(*, session: Session, by) -> Session:
    """published → completed (after it has taken place; attendance can then be marked)."""
    locked = _set_session_status(
        session,
        allowed_from=(Session.Status.PUBLISHED,),
        to=Session.Status.COMPLETED,
        message=_("Only a published session can be completed."),
    )
    _log(by, "session_complete", locked)
    return locked


@transaction.atomic
def session_set_measures(*, session: Session, measures: Iterable, by) -> Session:
    """Link a session to the measures it serves (replaces the previous set)."""
    ids = [getattr(m, "pk", m) for m in measures]
    found = set(Measure.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if len(found) != len(set(ids)):
        raise ValidationError(_("Unknown measure."))
    session.measures.set(found)
    _log(by, "session_set_measures", session, measures=sorted(found))
    return session


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
    _log(by, "contributor_add", contributor, session=session.pk)
    return contributor


def contributor_remove(*, contributor: Contributor, by) -> None:
    _log(by, "contributor_remove", contributor, session=contributor.session_id)
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
    if file:
        material.file.save(os.path.basename(file.name), file, save=False)
    material.save()
    _log(by, "material_add", material, session=session.pk)
    return material


def material_remove(*, material: Material, by) -> None:
    _log(by, "material_remove", material, session=material.session_id)
    if material.file:
        material.file.delete(save=False)
    material.delete()


# ---------------------------------------------------------------------------
# Registration and the waiting list
# ---------------------------------------------------------------------------


def _count_confirmed(session: Session) -> int:
    return Registration.objects.filter(session_id=session.pk, status=Registration.Status.CONFIRMED).count()


def _renumber_waitlist(session: Session) -> None:
    """Keep waiting-list positions 1..n without gaps, in their current order."""
    rows = list(
        Registration.objects.filter(session_id=session.pk, status=Registration.Status.WAITLISTED)
        .order_by("waitlist_position", "created_at", "pk")
        .only("pk", "waitlist_position")
    )
    changed = []
    for position, reg in enumerate(rows, start=1):
        if reg.waitlist_position != position:
            reg.waitlist_position = position
            changed.append(reg)
    if changed:
        Registration.objects.bulk_update(changed, ["waitlist_position"])


def _promote(session: Session) -> list[Registration]:
    """Fill every free seat from the top of the waiting list (caller holds the lock).

    Only while the session is published and has not started: nobody is promoted into a
    cancelled, completed or past session.
    """
    if session.status != Session.Status.PUBLISHED or session.starts_at <= timezone.now():
        return []
    free = session.capacity - _count_confirmed(session)
    if free <= 0:
        return []
    first = list(
        Registration.objects.filter(session_id=session.pk, status=Registration.Status.WAITLISTED).order_by(
            "waitlist_position", "created_at", "pk"
        )[:free]
    )
    if not first:
        return []
    now = timezone.now()
    for reg in first:
        reg.status = Registration.Status.CONFIRMED
        reg.waitlist_position = None
        reg.promoted_at = now
        reg.updated_at = now
    Registration.objects.bulk_update(first, ["status", "waitlist_position", "promoted_at", "updated_at"])
    _renumber_waitlist(session)
    for reg in first:
        _on_commit(tasks.registration_promoted, reg.pk)
    return first


def _registration_refusal(session: Session, leader: Leader, existing: Registration | None):
    if existing is not None and existing.status != Registration.Status.CANCELLED:
        if existing.status == Registration.Status.WAITLISTED:
            return _("You are already on the waiting list for this session.")
        return _("You are already signed up for this session.")
    if session.status == Session.Status.DRAFT:
        return _("This session is not open for registration yet.")
    if session.status == Session.Status.CANCELLED:
        return _("This session has been cancelled.")
    if session.status == Session.Status.COMPLETED:
        return _("This session has already taken place.")
    deadline = session.registration_deadline or session.starts_at
    if timezone.now() >= deadline:
        return _("The registration deadline for this session has passed.")
    enrolled = ProgrammeEnrolment.objects.active().filter(programme_id=session.programme_id, leader=leader).exists()
    if not enrolled:
        return _("You are not enrolled in the programme this session belongs to.")
    groups = list(session.reserved_for_groups.values_list("pk", flat=True))
    if groups and not leader.leader_groups.filter(pk__in=groups).exists():
        return _("This session is reserved for particular leader groups.")
    return None


def registration_create(*, session: Session, leader: Leader, by=None) -> Registration:
    """Sign a leader up in one click: a confirmed seat if one is free, else the waiting list.

    The session row is locked for the transaction and confirmed seats are counted in
    the database, so capacity holds under any concurrency. If the lock cannot be had in
    REGISTRATION_LOCK_TIMEOUT_MS, raises RegistrationBusy ("try again"), never a 500.
    A cancelled registration is reused. Refusals raise ValidationError.
    """
    try:
        with transaction.atomic():
            if REGISTRATION_LOCKING:
                session = _lock_session(session.pk)
            else:
                session = Session.objects.get(pk=session.pk)
            existing = Registration.objects.filter(session_id=session.pk, leader_id=leader.pk).first()
            refusal = _registration_refusal(session, leader, existing)
            if refusal:
                raise ValidationError(refusal, code="refused")
            confirmed = _count_confirmed(session)
            registration = existing or Registration(session=session, leader=leader)
            registration.created_at = timezone.now()
            registration.cancelled_at = None
            registration.promoted_at = None
            registration.attendance = Registration.Attendance.UNKNOWN
            if confirmed < session.capacity:
                registration.status = Registration.Status.CONFIRMED
                registration.waitlist_position = None
            else:
                last = Registration.objects.filter(
                    session_id=session.pk, status=Registration.Status.WAITLISTED
                ).aggregate(m=Max("waitlist_position"))["m"]
                registration.status = Registration.Status.WAITLISTED
                registration.waitlist_position = (last or 0) + 1
            registration.save()
            _on_commit(tasks.registration_confirmed, registration.pk)
    except IntegrityError as exc:
        # Same leader twice at once without the lock: the unique constraint catches it.
        raise ValidationError(_("You are already signed up for this session."), code="duplicate") from exc
    except DatabaseError as exc:
        if _is_lock_error(exc):
            raise RegistrationBusy() from exc
        raise
    _log(by, "registration_create", registration, status=registration.status)
    return registration


def _is_lock_error(exc: Exception) -> bool:
    cause = getattr(exc, "__cause__", None)
    code = getattr(cause, "pgcode", None)
    # 55P03 lock_not_available, 40001 serialization_failure, 40P01 deadlock, 57014 canceled
    return code in {"55P03", "40001", "40P01", "57014"} or "database is locked" in str(exc)


def registration_cancel(*, registration: Registration, by=None) -> Registration:
    """Cancel a seat or leave the waiting list. A freed seat goes to the first waiting."""
    try:
        with transaction.atomic():
            session = _lock_session(registration.session_id)
            reg = Registration.objects.select_for_update().get(pk=registration.pk)
            if reg.status == Registration.Status.CANCELLED:
                raise ValidationError(_("This registration is already cancelled."), code="cancelled")
            if session.status in (Session.Status.COMPLETED, Session.Status.CANCELLED) or (
                session.starts_at <= timezone.now()
            ):
                raise ValidationError(_("The session has already started or is closed."), code="closed")
            was = reg.status
            reg.status = Registration.Status.CANCELLED
            reg.waitlist_position = None
            reg.cancelled_at = timezone.now()
            reg.save(update_fields=["status", "waitlist_position", "cancelled_at", "updated_at"])
            if was == Registration.Status.CONFIRMED:
                _promote(session)
            else:
                _renumber_waitlist(session)
            _on_commit(tasks.registration_cancelled, reg.pk)
    except DatabaseError as exc:
        if _is_lock_error(exc):
            raise RegistrationBusy() from exc
        raise
    registration.status, registration.waitlist_position = reg.status, None
    registration.cancelled_at = reg.cancelled_at
    _log(by, "registration_cancel", reg, was=was)
    return reg


# Leaving the waiting list is cancelling a waitlisted registration.
registration_leave_waitlist = registration_cancel


def waitlist_reorder(*, registration: Registration, new_position: int, reason: str, by) -> Registration:
    """HR moves someone on the waiting list; the reason is required and recorded."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for moving someone on the waiting list.")})
    with transaction.atomic():
        session = _lock_session(registration.session_id)
        regs = list(
            Registration.objects.filter(session_id=session.pk, status=Registration.Status.WAITLISTED).order_by(
                "waitlist_position", "created_at", "pk"
            )
        )
        target = next((r for r in regs if r.pk == registration.pk), None)
        if target is None:
            raise ValidationError(_("This leader is not on the waiting list."))
        new_position = int(new_position)
        if not 1 <= new_position <= len(regs):
            raise ValidationError({"new_position": _("Choose a position between 1 and %(n)s.") % {"n": len(regs)}})
        old_position = regs.index(target) + 1
        regs.remove(target)
        regs.insert(new_position - 1, target)
        for pos, reg in enumerate(regs, start=1):
            reg.waitlist_position = pos
        Registration.objects.bulk_update(regs, ["waitlist_position"])
        WaitlistChange.objects.create(
            registration=target,
            changed_by=by,
            old_position=old_position,
            new_position=new_position,
            reason=reason.strip()[:300],
        )
    _log(by, "waitlist_reorder", target, old=old_position, new=new_position)
    return target


def waitlist_favour_newcomers(*, session: Session, by, reason: str) -> int:
    """Put leaders who have not yet attended a session of this kind first (stable).

    Each moved leader gets a WaitlistChange with the reason. Returns how many moved.
    """
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for moving someone on the waiting list.")})
    with transaction.atomic():
        session = _lock_session(session.pk)
        regs = list(
            Registration.objects.filter(session_id=session.pk, status=Registration.Status.WAITLISTED).order_by(
                "waitlist_position", "created_at", "pk"
            )
        )
        veterans = set(
            Registration.objects.filter(
                leader_id__in=[r.leader_id for r in regs],
                session__kind=session.kind,
                attendance=Registration.Attendance.ATTENDED,
            )
            .exclude(session_id=session.pk)
            .values_list("leader_id", flat=True)
        )
        ordered = [r for r in regs if r.leader_id not in veterans] + [r for r in regs if r.leader_id in veterans]
        moved, changes = [], []
        for pos, reg in enumerate(ordered, start=1):
            old = regs.index(reg) + 1
            if old != pos:
                changes.append(
                    WaitlistChange(
                        registration=reg, changed_by=by, old_position=old, new_position=pos, reason=reason.strip()[:300]
                    )
                )
                moved.append(reg)
            reg.waitlist_position = pos
        Registration.objects.bulk_update(ordered, ["waitlist_position"])
        WaitlistChange.objects.bulk_create(changes)
    _log(by, "waitlist_favour_newcomers", session, moved=len(moved))
    return len(moved)


@transaction.atomic
def attendance_record(*, session: Session, marks: dict, by) -> int:
    """Mark attendance for a whole session at once: {registration id: attended/no_show/unknown}.

    Only confirmed registrations of this session may be marked; anything else is an
    error and nothing is saved. Returns how many registrations changed.
    """
    clean = {}
    for key, value in marks.items():
        try:
            clean[int(key)] = value
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Unknown registration.")) from exc
    if any(v not in Registration.Attendance.values for v in clean.values()):
        raise ValidationError(_("Attendance must be attended, did not attend or not recorded."))
    if session.status in (Session.Status.DRAFT, Session.Status.CANCELLED):
        raise ValidationError(_("Attendance can only be recorded for a published or completed session."))
    regs = {
        r.pk: r
        for r in Registration.objects.select_for_update().filter(
            pk__in=clean, session_id=session.pk, status=Registration.Status.CONFIRMED
        )
    }
    missing = set(clean) - set(regs)
    if missing:
        raise ValidationError(
            _("Only confirmed registrations for this session can be marked (%(ids)s)."),
            params={"ids": ", ".join(str(i) for i in sorted(missing))},
        )
    changed = [r for pk, r in regs.items() if r.attendance != clean[pk]]
    now = timezone.now()
    for reg in changed:
        reg.attendance = clean[reg.pk]
        reg.updated_at = now
    Registration.objects.bulk_update(changed, ["attendance", "updated_at"])
    _log(by, "attendance_record", session, changed=len(changed))
    return len(changed)


# ---------------------------------------------------------------------------
# Commitments, measures, calendar
# ---------------------------------------------------------------------------


def commitment_create(
    *,
    programme: Programme,
    text: str,
    parties: Iterable,
    by,
    session: Session | None = None,
    organisations: Iterable = (),
    due_date=None,
) -> Commitment:
    """Record an agreement between top leaders (at a session or in the programme)."""
    parties = _as_leaders(parties)
    errors = {}
    if not (text or "").strip():
        errors["text"] = _("Write what was agreed.")
    if not parties:
        errors["parties"] = _("Choose at least one leader who is party to the commitment.")
    if session is not None and session.programme_id != programme.pk:
        errors["session"] = _("The session belongs to another programme.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        commitment = Commitment.objects.create(
            programme=programme, session=session, text=text.strip(), due_date=due_date, created_by=by
        )
        commitment.parties.set(parties)
        orgs = list(organisations) or sorted({p.organisation_id for p in parties})
        commitment.organisations.set(orgs)
    _log(by, "commitment_create", commitment)
    return commitment


def commitment_update_status(*, commitment: Commitment, status: str, by, follow_up: str = "") -> Commitment:
    """A party to the commitment (or HR) updates its status and follow-up note."""
    from toppleder.permissions import is_hr

    if status not in Commitment.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    leader = getattr(by, "leader", None) if by is not None and by.is_authenticated else None
    is_party = leader is not None and commitment.parties.filter(pk=leader.pk).exists()
    if by is not None and not (is_party or is_hr(by)):
        raise PermissionDenied(_("Only the parties to a commitment or HR can update it."))
    commitment.status = status
    if follow_up:
        commitment.follow_up = follow_up.strip()
    commitment.save(update_fields=["status", "follow_up", "updated_at"])
    _log(by, "commitment_update_status", commitment, status=status)
    return commitment


def measure_update(*, measure: Measure, by, status: str | None = None, owner: str | None = None) -> Measure:
    """HR sets a measure's status and/or owner."""
    fields = []
    if status is not None:
        if status not in Measure.Status.values:
            raise ValidationError({"status": _("Unknown status.")})
        measure.status = status
        fields.append("status")
    if owner is not None:
        measure.owner = owner.strip()[:200]
        fields.append("owner")
    if fields:
        measure.save(update_fields=fields)
    _log(by, "measure_update", measure, fields=fields)
    return measure


def calendar_token_reset(*, leader: Leader) -> str:
    """Give the leader a new secret feed URL; the old one stops working at once."""
    leader.calendar_token = secrets.token_urlsafe()
    leader.save(update_fields=["calendar_token"])
    _log(leader.user, "calendar_token_reset", leader)
    return leader.calendar_token


def leaders_import_csv(*, file, by, programme: Programme | None = None, dry_run: bool = False):
    """Import leaders from CSV (see programmes.imports)."""
    from programmes.imports import leaders_import_csv as _import

    return _import(file=file, by=by, programme=programme, dry_run=dry_run)
