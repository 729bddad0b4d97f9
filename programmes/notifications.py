"""Who gets which e-mail about sessions and registrations, and what it says.

The `*_queue` functions (called by programmes/tasks.py) decide the recipients and put
one outbox row per person under a key naming the event. The `@renderer` functions run
at send time: they render the session as it is *now*, and raise Skip when the message
has been overtaken (the session changed again, was cancelled, the seat is gone).

Keys carry what makes an event distinct: a registration's `created_at` (a cancelled
registration that is re-used gets a new one), the session's SEQUENCE for anything with
a calendar entry (a change produces a new message; the old one is superseded).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from programmes import email_actions
from programmes.calendar import registration_ics, session_ics
from programmes.models import (
    Commitment,
    GuestInvitation,
    Participant,
    ProgrammeEnrolment,
    Registration,
    Session,
    SessionDecline,
)
from toppleder.models import Leader, OutboxMessage
from toppleder.outbox.enqueue import Item, mail_enqueue, mail_enqueue_many
from toppleder.outbox.rendering import Email, Skip, absolute_url, render_email, renderer

Kind = OutboxMessage.Kind
# Invitations are queued in chunks of this many people per task, so a big programme
# never becomes one long task, and each message is then delivered by its own task.
INVITATION_CHUNK = 100
# Reminders go to sessions starting between 24 and 48 hours from now; the beat job runs
# every 15 minutes and the key makes a repeat a no-op.
REMINDER_WINDOW = (timedelta(hours=24), timedelta(hours=48))
ACTIVE = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)


def _ts(value) -> int:
    return int(value.timestamp() * 1000) if value else 0


def session_url(session: Session) -> str:
    return absolute_url("programmes:session_detail", session.pk, fallback=f"/sessions/{session.pk}/")


def eligible_leaders(session: Session):
    """Enrolled, active leaders the session is open to (reserved sessions: their groups)."""
    leaders = Leader.objects.filter(
        enrolments__programme_id=session.programme_id,
        enrolments__status=ProgrammeEnrolment.Status.ENROLLED,
        user__is_active=True,
    )
    groups = list(session.reserved_for_groups.values_list("pk", flat=True))
    if groups:
        leaders = leaders.filter(leader_groups__in=groups)
    return leaders.distinct()


def invitees(session: Session):
    """Who publishing the session invites: the eligible leaders not already signed up or waiting.
    (The confirmation page counts these; the invitation task sends to them.)"""
    already = Registration.objects.filter(session=session, status__in=ACTIVE).values_list("leader_id", flat=True)
    return eligible_leaders(session).exclude(pk__in=already)


def invitation_preview(session: Session, user) -> Email:
    """The invitation as `user` will receive it, rendered without sending or storing anything."""
    message = OutboxMessage(kind=Kind.SESSION_INVITATION, recipient=user, object_id=session.pk, params={})
    # The one-click buttons as each invitee gets them, but pointing at the session page: a
    # preview mints no personal links.
    actions = [
        {"url": session_url(session), "label": email_actions.LABELS[action]}
        for action in (email_actions.SIGN_UP, email_actions.DECLINE)
    ]
    return _email("session-invitation", message, session, method="PUBLISH", actions=actions)


# --- Queueing ----------------------------------------------------------------------
def session_invitations_queue(*, session_id: int) -> list[list[int]]:
    """Split the eligible leaders of a published session into chunks (one task each)."""
    session = Session.objects.filter(pk=session_id, status=Session.Status.PUBLISHED).first()
    if session is None:
        return []
    ids = list(invitees(session).order_by("pk").values_list("pk", flat=True))
    return [ids[i : i + INVITATION_CHUNK] for i in range(0, len(ids), INVITATION_CHUNK)]


def session_invitations_send(*, session_id: int, leader_ids: list[int]) -> int:
    """Queue one invitation per leader in the chunk (idempotent: keyed per session and person)."""
    session = Session.objects.filter(pk=session_id, status=Session.Status.PUBLISHED).first()
    if session is None:
        return 0
    leaders = Leader.objects.filter(pk__in=leader_ids).select_related("user")
    with transaction.atomic():
        return mail_enqueue_many(
            Item(
                kind=Kind.SESSION_INVITATION,
                user=leader.user,
                key=f"session_invitation:{session.pk}:{leader.user_id}",
                obj=session,
                object_ref=session.title,
            )
            for leader in leaders
        )


def guest_invitations_send(*, session_id: int) -> int:
    """Queue the invitation to everyone HR invited to a published session by name
    (programmes/services/guests.py) who has not answered yet. The key is the leaders' one
    (per session and person), so a leader invited both ways gets one e-mail, and a re-run
    adds nothing."""
    session = Session.objects.filter(pk=session_id, status=Session.Status.PUBLISHED).first()
    if session is None or not session.is_open_for_registration:
        return 0
    invitations = (
        GuestInvitation.objects.filter(session=session, declined_at__isnull=True)
        .select_related("participant__user", "leader__user")
        .order_by("pk")
    )
    with transaction.atomic():
        return mail_enqueue_many(
            Item(
                kind=Kind.SESSION_INVITATION,
                user=invitation.person.user,
                key=f"session_invitation:{session.pk}:{invitation.person.user_id}",
                obj=session,
                object_ref=session.title,
            )
            for invitation in invitations
        )


def invited_person(session: Session, user_id: int):
    """The recipient of a session invitation as the one who would sign up: their leader
    profile, else the participant HR invited to this session (None: neither)."""
    leader = Leader.objects.filter(user_id=user_id).first()
    if leader is not None:
        return leader
    return Participant.objects.filter(
        user_id=user_id, invitations__session=session, invitations__declined_at__isnull=True
    ).first()


def enrolment_invitations_queue(*, programme_id: int, leader_ids: list[int]) -> int:
    """Leaders enrolled after sessions were published are invited to those still open.

    The per-session invitation keys make this safe to repeat: someone already invited to a
    session (or re-enrolled after withdrawing) gets nothing twice.
    """
    now = timezone.now()
    sessions = Session.objects.filter(programme_id=programme_id, status=Session.Status.PUBLISHED, starts_at__gt=now)
    queued = 0
    for session in sessions:
        if session.registration_deadline and session.registration_deadline <= now:
            continue
        ids = list(eligible_leaders(session).filter(pk__in=leader_ids).values_list("pk", flat=True))
        if ids:
            queued += session_invitations_send(session_id=session.pk, leader_ids=ids)
    return queued


def _registration(registration_id: int) -> Registration | None:
    return (
        Registration.objects.select_related("session", "session__programme", "leader__user", "participant__user")
        .filter(pk=registration_id)
        .first()
    )


def registration_confirmed_queue(*, registration_id: int) -> OutboxMessage | None:
    reg = _registration(registration_id)
    if reg is None or reg.status not in ACTIVE:
        return None
    waitlisted = reg.status == Registration.Status.WAITLISTED
    return mail_enqueue(
        kind=Kind.REGISTRATION_WAITLISTED if waitlisted else Kind.REGISTRATION_CONFIRMED,
        user=reg.person.user,
        key=f"registration_confirmed:{reg.pk}:{reg.session.sequence}:{_ts(reg.created_at)}",
        obj=reg,
        object_ref=reg.session.title,
        params={"sequence": reg.session.sequence, "status": reg.status},
    )


def registration_cancelled_queue(*, registration_id: int) -> OutboxMessage | None:
    reg = _registration(registration_id)
    if reg is None or reg.status != Registration.Status.CANCELLED:
        return None
    return mail_enqueue(
        kind=Kind.REGISTRATION_CANCELLED,
        user=reg.person.user,
        key=f"registration_cancelled:{reg.pk}:{_ts(reg.cancelled_at)}",
        obj=reg,
        object_ref=reg.session.title,
    )


def registration_promoted_queue(*, registration_id: int) -> OutboxMessage | None:
    reg = _registration(registration_id)
    if reg is None or reg.status != Registration.Status.CONFIRMED:
        return None
    return mail_enqueue(
        kind=Kind.REGISTRATION_PROMOTED,
        user=reg.person.user,
        key=f"registration_promoted:{reg.pk}:{_ts(reg.promoted_at)}",
        obj=reg,
        object_ref=reg.session.title,
    )


def waitlist_offer_queue(*, registration_id: int) -> OutboxMessage | None:
    reg = _registration(registration_id)
    if reg is None or reg.status != Registration.Status.OFFERED:
        return None
    return mail_enqueue(
        kind=Kind.WAITLIST_OFFER,
        user=reg.person.user,
        key=f"waitlist_offer:{reg.pk}:{_ts(reg.offered_at)}",
        obj=reg,
        object_ref=reg.session.title,
        params={"offered_at": _ts(reg.offered_at)},
    )


def seat_open_queue(*, session_id: int, seat: str) -> int:
    """A seat free close to the start: one message to each leader waiting, keyed per seat."""
    session = Session.objects.filter(pk=session_id, status=Session.Status.PUBLISHED).first()
    if session is None:
        return 0
    return _to_registrants(session, Kind.SEAT_OPEN, f"seat_open:{seat}", [Registration.Status.WAITLISTED], {})


def _to_registrants(session: Session, kind: str, key_prefix: str, statuses, params: dict) -> int:
    regs = Registration.objects.filter(session=session, status__in=statuses).select_related(
        "leader__user", "participant__user"
    )
    with transaction.atomic():
        return mail_enqueue_many(
            Item(
                kind=kind,
                user=reg.person.user,
                key=f"{key_prefix}:{reg.pk}",
                obj=reg,
                object_ref=session.title,
                params=params,
            )
            for reg in regs
        )


def session_changed_queue(*, session_id: int) -> int:
    """The time or place changed: everyone signed up or waiting hears the new facts, and so
    does everyone whose invitation already went out with the old ones. (Invitations still
    queued need nothing: they are written when sent, with the new facts.)"""
    session = Session.objects.filter(pk=session_id, status=Session.Status.PUBLISHED).first()
    if session is None:
        return 0
    count = _to_registrants(
        session,
        Kind.SESSION_CHANGED,
        f"session_changed:{session.pk}:{session.sequence}",
        ACTIVE,
        {"sequence": session.sequence},
    )
    registered = Registration.objects.filter(session=session, status__in=ACTIVE).values_list(
        Coalesce("leader__user_id", "participant__user_id"), flat=True
    )
    invited = (
        OutboxMessage.objects.filter(
            kind=Kind.SESSION_INVITATION,
            status=OutboxMessage.Status.SENT,
            content_type__model="session",
            content_type__app_label="programmes",
            object_id=session.pk,
            recipient__isnull=False,
        )
        .exclude(recipient_id__in=registered)
        .select_related("recipient")
    )
    with transaction.atomic():
        count += mail_enqueue_many(
            Item(
                kind=Kind.SESSION_CHANGED,
                user=message.recipient,
                key=f"session_changed:{session.pk}:{session.sequence}:u{message.recipient_id}",
                obj=session,
                object_ref=session.title,
                params={"sequence": session.sequence, "invited": True},
            )
            for message in invited
        )
    return count


def session_cancelled_queue(*, session_id: int, note: str = "") -> int:
    """METHOD:CANCEL to everyone signed up or waiting, with HR's message if one was written;
    queued invitations and reminders for the session are skipped when their turn comes (their
    renderers see the status)."""
    session = Session.objects.filter(pk=session_id, status=Session.Status.CANCELLED).first()
    if session is None:
        return 0
    params = {"note": note} if note else {}
    return _to_registrants(session, Kind.SESSION_CANCELLED, f"session_cancelled:{session.pk}", ACTIVE, params)


def session_reminders_queue(*, now=None) -> int:
    """Reminders for confirmed seats in sessions starting 24–48 hours from now.

    Also those beat missed while it was away (stopped for a day, a long deploy): a seat in a
    session that has not begun, whose 24-hour mark passed with the seat already held. A seat
    taken after that mark gets none (its confirmation came that close to the start), and a
    session that has begun gets none. The key makes every reminder one e-mail however often
    this runs.
    """
    now = now or timezone.now()
    mark = F("session__starts_at") - REMINDER_WINDOW[0]
    regs = (
        Registration.objects.filter(
            status=Registration.Status.CONFIRMED,
            session__status=Session.Status.PUBLISHED,
            session__starts_at__gt=now,
            session__starts_at__lte=now + REMINDER_WINDOW[1],
        )
        .filter(
            Q(session__starts_at__gt=now + REMINDER_WINDOW[0])
            | Q(created_at__lte=mark, promoted_at__isnull=True)
            | Q(created_at__lte=mark, promoted_at__lte=mark)
        )
        .select_related("session", "leader__user", "participant__user")
        .order_by("pk")
    )
    with transaction.atomic():
        return mail_enqueue_many(
            Item(
                kind=Kind.SESSION_REMINDER,
                user=reg.person.user,
                key=f"reminder48:{reg.pk}:{reg.session.sequence}",
                obj=reg,
                object_ref=reg.session.title,
                params={"sequence": reg.session.sequence},
            )
            for reg in regs
        )


def _nudge_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "INVITATION_NUDGE_DAYS", 3))


def invitation_nudges_queue(*, now=None) -> int:
    """One reminder to invitees who have neither answered nor said "Jeg kan ikke", once the
    registration deadline is INVITATION_NUDGE_DAYS away (default 3). The key is per session
    and person, so the hourly beat sends it once; answering in any way stops it."""
    now = now or timezone.now()
    window = timedelta(days=_nudge_days())
    sessions = Session.objects.filter(status=Session.Status.PUBLISHED, starts_at__gt=now).filter(
        Q(registration_deadline__gt=now, registration_deadline__lte=now + window)
        | Q(registration_deadline__isnull=True, starts_at__lte=now + window)
    )
    queued = 0
    for session in sessions:
        answered = Registration.objects.filter(session=session).values_list(
            Coalesce("leader__user_id", "participant__user_id"), flat=True
        )
        declined = SessionDecline.objects.filter(session=session).values("leader__user_id")
        guests_declined = GuestInvitation.objects.filter(session=session, declined_at__isnull=False).values(
            "participant__user_id"
        )
        invited = (
            OutboxMessage.objects.filter(
                kind=Kind.SESSION_INVITATION,
                status=OutboxMessage.Status.SENT,
                content_type__app_label="programmes",
                content_type__model="session",
                object_id=session.pk,
                recipient__isnull=False,
            )
            .exclude(recipient_id__in=answered)
            .exclude(recipient_id__in=declined)
            .exclude(recipient_id__in=guests_declined)
            .select_related("recipient")
        )
        with transaction.atomic():
            queued += mail_enqueue_many(
                Item(
                    kind=Kind.INVITATION_NUDGE,
                    user=message.recipient,
                    key=f"invitation_nudge:{session.pk}:{message.recipient_id}",
                    obj=session,
                    object_ref=session.title,
                )
                for message in invited
            )
    return queued


def commitment_reminders_queue(*, today=None) -> int:
    """A reminder to each party of an open commitment due within COMMITMENT_REMINDER_DAYS
    (default 7), once per due date (a new due date gets a new reminder)."""
    from django.conf import settings

    today = today or timezone.localdate()
    days = int(getattr(settings, "COMMITMENT_REMINDER_DAYS", 7))
    due = Commitment.objects.filter(
        status__in=[Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS],
        due_date__gte=today,
        due_date__lte=today + timedelta(days=days),
    ).prefetch_related("parties__user")
    with transaction.atomic():
        return mail_enqueue_many(
            Item(
                kind=Kind.COMMITMENT_REMINDER,
                user=party.user,
                key=f"commitment_due:{c.pk}:{c.due_date.isoformat()}:{party.user_id}",
                obj=c,
                object_ref=c.text[:200],
                params={"due_date": c.due_date.isoformat()},
            )
            for c in due
            for party in c.parties.all()
        )


# --- Rendering (at send time) -------------------------------------------------------
def _email(
    name: str, message: OutboxMessage, session: Session, *, method: str = "", registration=None, **extra
) -> Email:
    """Render e-mail `name`; `method` attaches a calendar: PUBLISH (the session, no attendee)
    or REQUEST/CANCEL (the registration's own entry, the leader as attendee)."""
    if message.recipient is None:
        raise Skip("The recipient no longer exists.")
    context = {
        "user": message.recipient,
        "session": session,
        "session_url": session_url(session),
        "programme_url": absolute_url(
            "programmes:programme_detail", session.programme_id, fallback=f"/programmes/{session.programme_id}/"
        ),
        "registration": registration,
        **extra,
    }
    secrets = []
    guest = _guest(message.recipient_id)
    if guest is not None:
        # A guest cannot sign in: "See the session" is their own signed page (details, status,
        # calendar file, give up the place), and no link leads to a page behind the sign-in.
        context["session_url"], token = email_actions.guest_page_link(guest, session)
        context["programme_url"] = ""
        context["preferences_url"] = ""
        secrets.append(token)
    email = render_email(name, context, language=message.language)
    email.secrets = secrets
    if method:
        email.ics = _ics(session, method, registration)
        email.ics_method = method
    return email


def _guest(user_id: int) -> Participant | None:
    """The recipient as a participant who is not a leader (None: a leader, or neither), in one
    query: every e-mail asks, a fan-out to 5,000 leaders included."""
    return Participant.objects.filter(user_id=user_id, user__leader__isnull=True).first()


# Building a calendar (VTIMEZONE included) costs tens of milliseconds; an invitation's
# .ics is the same for every invitee, so a worker builds it once per version of the
# session. The key includes updated_at and sequence: any change to the session misses.
_ics_cache: dict[tuple, str] = {}


def _ics(session: Session, method: str, registration) -> str:
    if method in ("REQUEST", "CANCEL"):
        return registration_ics(registration, method).decode()
    key = (session.pk, session.updated_at, session.sequence, session.status, method)
    if key not in _ics_cache:
        if len(_ics_cache) > 100:
            _ics_cache.clear()
        _ics_cache[key] = session_ics(session, method).decode()
    return _ics_cache[key]


def _check_sequence(message: OutboxMessage, session: Session) -> None:
    wanted = message.params.get("sequence")
    if wanted is not None and wanted != session.sequence:
        raise Skip(f"Superseded: the session changed (sequence {wanted} → {session.sequence}).")


def _check_open(session: Session) -> None:
    if session.status != Session.Status.PUBLISHED:
        raise Skip(f"Not sent: the session is {session.status}.")
    if session.starts_at <= timezone.now():
        raise Skip("Not sent: the session has already started.")


def _load_registration(message: OutboxMessage) -> Registration:
    reg = _registration(message.object_id)
    if reg is None:
        raise Skip("The registration no longer exists.")
    return reg


@renderer(Kind.SESSION_INVITATION)
def render_invitation(message: OutboxMessage) -> Email:
    session = Session.objects.select_related("programme").filter(pk=message.object_id).first()
    if session is None:
        raise Skip("The session no longer exists.")
    _check_open(session)
    actions, secrets = _invitation_actions(message, session)
    email = _email("session-invitation", message, session, method="PUBLISH", actions=actions)
    email.secrets += secrets
    return email


def _invitation_actions(message: OutboxMessage, session: Session) -> tuple[list[dict], list[str]]:
    """ "Meld meg på" (or "Sett meg på ventelisten" when full) and "Jeg kan ikke" for the
    recipient: a leader, or a participant HR invited (the same links)."""
    leader = invited_person(session, message.recipient_id)
    actions, secrets = [], []
    if leader is not None and session.is_open_for_registration:
        expires_at = session.registration_deadline or session.starts_at
        full = Registration.objects.filter(session=session, status=Registration.Status.CONFIRMED).count() >= (
            session.capacity
        )
        for action in (email_actions.WAITLIST if full else email_actions.SIGN_UP, email_actions.DECLINE):
            url, token = email_actions.make_link(action, leader=leader, session=session, expires_at=expires_at)
            actions.append({"url": url, "label": email_actions.LABELS[action]})
            secrets.append(token)
    return actions, secrets


@renderer(Kind.INVITATION_NUDGE)
def render_invitation_nudge(message: OutboxMessage) -> Email:
    session = Session.objects.select_related("programme").filter(pk=message.object_id).first()
    if session is None:
        raise Skip("The session no longer exists.")
    _check_open(session)
    if not session.is_open_for_registration:
        raise Skip("Not sent: registration has closed.")
    person = invited_person(session, message.recipient_id)
    if person is None:
        raise Skip("The recipient is no longer a leader or an invited guest.")
    if isinstance(person, Participant):
        answered = Registration.objects.filter(session=session, participant=person).exists()
    else:
        answered = Registration.objects.filter(session=session, leader=person).exists() or (
            SessionDecline.objects.filter(session=session, leader=person).exists()
        )
    if answered:
        raise Skip("Not sent: the leader has answered since.")
    actions, secrets = _invitation_actions(message, session)
    nudge = _email("invitation-nudge", message, session, actions=actions)
    nudge.secrets += secrets
    return nudge


@renderer(Kind.COMMITMENT_REMINDER)
def render_commitment_reminder(message: OutboxMessage) -> Email:
    commitment = Commitment.objects.select_related("programme").filter(pk=message.object_id).first()
    if commitment is None:
        raise Skip("The commitment no longer exists.")
    if commitment.status not in (Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS):
        raise Skip(f"Not sent: the commitment is {commitment.status}.")
    if commitment.due_date is None or commitment.due_date.isoformat() != message.params.get("due_date"):
        raise Skip("Superseded: the due date changed.")
    if message.recipient is None:
        raise Skip("The recipient no longer exists.")
    context = {
        "user": message.recipient,
        "commitment": commitment,
        "dashboard_url": absolute_url("dashboard", fallback="/"),
    }
    return render_email("commitment-reminder", context, language=message.language)


@renderer(Kind.REGISTRATION_CONFIRMED)
@renderer(Kind.REGISTRATION_WAITLISTED)
def render_confirmation(message: OutboxMessage) -> Email:
    reg = _load_registration(message)
    if reg.status != message.params.get("status"):
        raise Skip(f"Superseded: the registration is now {reg.status}.")
    _check_open(reg.session)
    _check_sequence(message, reg.session)
    if reg.status == Registration.Status.WAITLISTED:
        return _email("registration-confirmed", message, reg.session, registration=reg, waitlisted=True)
    return _email("registration-confirmed", message, reg.session, method="REQUEST", registration=reg)


@renderer(Kind.REGISTRATION_PROMOTED)
def render_promotion(message: OutboxMessage) -> Email:
    reg = _load_registration(message)
    if reg.status != Registration.Status.CONFIRMED:
        raise Skip(f"Superseded: the registration is now {reg.status}.")
    _check_open(reg.session)
    return _email("registration-promoted", message, reg.session, method="REQUEST", registration=reg)


@renderer(Kind.REGISTRATION_CANCELLED)
def render_cancellation(message: OutboxMessage) -> Email:
    reg = _load_registration(message)
    if reg.status != Registration.Status.CANCELLED:
        raise Skip("Superseded: the leader signed up again.")
    return _email("registration-cancelled", message, reg.session, method="CANCEL", registration=reg)


def _offer_actions(reg: Registration, expires_at) -> tuple[list[dict], list[str]]:
    actions, secrets = [], []
    for action in (email_actions.OFFER_ACCEPT, email_actions.OFFER_DECLINE):
        url, token = email_actions.make_link(
            action, leader=reg.person, session=reg.session, registration=reg, expires_at=expires_at
        )
        actions.append({"url": url, "label": email_actions.LABELS[action]})
        secrets.append(token)
    return actions, secrets


@renderer(Kind.WAITLIST_OFFER)
def render_waitlist_offer(message: OutboxMessage) -> Email:
    reg = _load_registration(message)
    if reg.status != Registration.Status.OFFERED or _ts(reg.offered_at) != message.params.get("offered_at"):
        raise Skip(f"Superseded: the registration is now {reg.status}.")
    _check_open(reg.session)
    if reg.offer_expires_at <= timezone.now():
        raise Skip("Not sent: the offer has already run out.")
    actions, secrets = _offer_actions(reg, reg.offer_expires_at)
    email = _email("waitlist-offer", message, reg.session, registration=reg, actions=actions)
    email.secrets += secrets
    return email


@renderer(Kind.SEAT_OPEN)
def render_seat_open(message: OutboxMessage) -> Email:
    reg = _load_registration(message)
    if reg.status != Registration.Status.WAITLISTED:
        raise Skip(f"Not sent: the registration is {reg.status}.")
    _check_open(reg.session)
    actions, secrets = _offer_actions(reg, reg.session.starts_at)
    email = _email("seat-open", message, reg.session, registration=reg, actions=actions)
    email.secrets += secrets
    return email


@renderer(Kind.SESSION_CHANGED)
def render_change(message: OutboxMessage) -> Email:
    if message.params.get("invited"):
        session = Session.objects.select_related("programme").filter(pk=message.object_id).first()
        if session is None:
            raise Skip("The session no longer exists.")
        _check_open(session)
        _check_sequence(message, session)
        return _email("session-changed", message, session, method="PUBLISH", invited=True)
    reg = _load_registration(message)
    if reg.status not in ACTIVE:
        raise Skip(f"Not sent: the registration is {reg.status}.")
    _check_open(reg.session)
    _check_sequence(message, reg.session)
    confirmed = reg.status == Registration.Status.CONFIRMED
    return _email(
        "session-changed",
        message,
        reg.session,
        method="REQUEST" if confirmed else "",
        registration=reg,
    )


@renderer(Kind.SESSION_CANCELLED)
def render_session_cancelled(message: OutboxMessage) -> Email:
    reg = _load_registration(message)
    if reg.session.status != Session.Status.CANCELLED:
        raise Skip(f"Not sent: the session is {reg.session.status}.")
    return _email(
        "session-cancelled",
        message,
        reg.session,
        method="CANCEL",
        registration=reg,
        note=message.params.get("note", ""),
    )


@renderer(Kind.SESSION_REMINDER)
def render_reminder(message: OutboxMessage) -> Email:
    reg = _load_registration(message)
    if reg.status != Registration.Status.CONFIRMED:
        raise Skip(f"Not sent: the registration is {reg.status}.")
    _check_open(reg.session)
    _check_sequence(message, reg.session)
    # "Gi fra meg plassen": one click gives the seat to the waiting list (valid until the start).
    url, token = email_actions.make_link(
        email_actions.SEAT_GIVE_UP,
        leader=reg.person,
        session=reg.session,
        registration=reg,
        expires_at=reg.session.starts_at,
    )
    email = _email(
        "session-reminder",
        message,
        reg.session,
        registration=reg,
        actions=[{"url": url, "label": email_actions.LABELS[email_actions.SEAT_GIVE_UP]}],
    )
    email.secrets.append(token)
    return email
