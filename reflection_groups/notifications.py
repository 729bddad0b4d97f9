"""Introductions by e-mail when a reflection/network group or a mentor pair is published.

Each member (and the facilitator) gets one introduction per group, each side of a pair
one per pair: the key `group_introduction:<group>:<user>` makes a re-run a no-op.
Nothing confidential goes into these e-mails: names, titles, organisations, the link.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from reflection_groups.models import GroupMeeting, MentorPair, PairAppointment, ReflectionGroup
from reflection_groups.selectors import note_readers
from toppleder.models import OutboxMessage, User
from toppleder.outbox.enqueue import Item, mail_enqueue_many
from toppleder.outbox.rendering import Email, Skip, absolute_url, render_email, renderer

Kind = OutboxMessage.Kind


def _members(group: ReflectionGroup):
    return list(group.members.select_related("user", "organisation").order_by("user__name"))


def group_introductions_queue(*, group_id: int) -> int:
    group = ReflectionGroup.objects.filter(pk=group_id, status=ReflectionGroup.Status.PUBLISHED).first()
    if group is None:
        return 0
    people = [m.user for m in _members(group)]
    if group.facilitator_id and group.facilitator not in people:
        people.append(group.facilitator)
    with transaction.atomic():
        return mail_enqueue_many(
            Item(
                kind=Kind.GROUP_INTRODUCTION,
                user=user,
                key=f"group_introduction:{group.pk}:{user.pk}",
                obj=group,
                object_ref=group.name,
            )
            for user in people
        )


def facilitator_invitation_queue(*, user_id: int) -> int:
    """One invitation per facilitator account (a second invitation to the same person is a no-op:
    they can ask for a new link on the sign-in page)."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    with transaction.atomic():
        return mail_enqueue_many(
            [Item(kind=Kind.FACILITATOR_INVITATION, user=user, key=f"facilitator_invitation:{user.pk}", obj=user)]
        )


def pair_introductions_queue(*, pair_id: int) -> int:
    pair = (
        MentorPair.objects.select_related("mentor__user", "mentee__user")
        .filter(pk=pair_id, status=MentorPair.Status.ACTIVE)
        .first()
    )
    if pair is None:
        return 0
    with transaction.atomic():
        return mail_enqueue_many(
            Item(
                kind=Kind.PAIR_INTRODUCTION,
                user=leader.user,
                key=f"pair_introduction:{pair.pk}:{leader.user_id}",
                obj=pair,
                object_ref=f"{pair.mentor} – {pair.mentee}",
            )
            for leader in (pair.mentor, pair.mentee)
        )


def meeting_invitations_queue(*, meeting_id: int) -> int:
    meeting = (
        GroupMeeting.objects.select_related("group__facilitator")
        .filter(pk=meeting_id, group__status=ReflectionGroup.Status.PUBLISHED)
        .first()
    )
    if meeting is None:
        return 0
    people = [m.user for m in _members(meeting.group)]
    if meeting.group.facilitator_id and meeting.group.facilitator not in people:
        people.append(meeting.group.facilitator)
    # One message per person and version of the entry: the invitation (SEQUENCE 0), an
    # update after each change, and the CANCEL once the meeting is called off.
    cancelled = meeting.cancelled_at is not None
    with transaction.atomic():
        return mail_enqueue_many(
            Item(
                kind=Kind.MEETING_CANCELLED if cancelled else Kind.MEETING_INVITATION,
                user=user,
                key=f"meeting_{'cancelled' if cancelled else 'invitation'}:{meeting.pk}:{user.pk}:{meeting.sequence}",
                obj=meeting,
                object_ref=meeting.group.name,
                params={"sequence": meeting.sequence},
            )
            for user in people
        )


def pair_appointment_invitations_queue(*, appointment_id: int) -> int:
    """The mentor and the mentee get a planned meeting's entry as it stands: a REQUEST for each
    version (SEQUENCE), or the CANCEL. A re-run of the same version sends nothing."""
    appointment = (
        PairAppointment.objects.select_related("pair__mentor__user", "pair__mentee__user")
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        return 0
    cancelled = appointment.cancelled_at is not None
    kind = Kind.PAIR_MEETING_CANCELLED if cancelled else Kind.PAIR_MEETING_INVITATION
    pair = appointment.pair
    with transaction.atomic():
        return mail_enqueue_many(
            Item(
                kind=kind,
                user=leader.user,
                key=f"{kind}:{appointment.pk}:{leader.user_id}:{appointment.sequence}",
                obj=appointment,
                object_ref=str(pair),
                params={"sequence": appointment.sequence},
            )
            for leader in (pair.mentor, pair.mentee)
        )


def _recipient(message: OutboxMessage) -> User:
    if message.recipient is None:
        raise Skip("The recipient no longer exists.")
    return message.recipient


@renderer(Kind.GROUP_INTRODUCTION)
def render_group_introduction(message: OutboxMessage) -> Email:
    group = ReflectionGroup.objects.select_related("facilitator", "programme").filter(pk=message.object_id).first()
    if group is None or group.status != ReflectionGroup.Status.PUBLISHED:
        raise Skip("Not sent: the group is no longer published.")
    context = {
        "user": _recipient(message),
        "group": group,
        "members": _members(group),
        "note_readers": note_readers(group),
        "group_url": absolute_url("reflection_groups:group_detail", group.pk, fallback=f"/groups/{group.pk}/"),
    }
    return render_email("group-introduction", context, language=message.language)


@renderer(Kind.MEETING_INVITATION)
def render_meeting_invitation(message: OutboxMessage) -> Email:
    meeting = GroupMeeting.objects.select_related("group").filter(pk=message.object_id).first()
    if meeting is None or meeting.group.status != ReflectionGroup.Status.PUBLISHED:
        raise Skip("Not sent: the meeting or its group is gone.")
    if meeting.starts_at <= timezone.now():
        raise Skip("Not sent: the meeting has already started.")
    _check_current(message, meeting)
    return _meeting_email("meeting-invitation", message, meeting, "REQUEST")


def _check_current(message: OutboxMessage, meeting) -> None:
    """An invitation to a meeting that has since been cancelled or changed again is not sent:
    the newer message (a CANCEL, or the entry with the higher SEQUENCE) replaces it."""
    if meeting.cancelled_at is not None:
        raise Skip("Superseded: the meeting was cancelled.")
    if message.params.get("sequence", 0) < meeting.sequence:
        raise Skip("Superseded: the meeting was changed again.")


def _meeting_email(name: str, message: OutboxMessage, meeting: GroupMeeting, method: str) -> Email:
    """A group meeting's e-mail with the recipient's own calendar entry (REQUEST or CANCEL)."""
    from reflection_groups.calendar import group_meeting_event

    context = {
        "meeting": meeting,
        "group": meeting.group,
        "group_url": absolute_url(
            "reflection_groups:group_detail", meeting.group_id, fallback=f"/groups/{meeting.group_id}/"
        ),
    }
    return _with_calendar_entry(name, message, context, group_meeting_event(meeting), method)


def _with_calendar_entry(name: str, message: OutboxMessage, context: dict, event, method: str) -> Email:
    """An e-mail with the recipient's own copy of a meeting's entry (REQUEST or CANCEL)."""
    from programmes.calendar import attendee_ics

    user = _recipient(message)
    email = render_email(name, {"user": user, **context}, language=message.language)
    email.ics = attendee_ics(event, method, name=user.get_full_name(), email=user.email).decode()
    email.ics_method = method
    return email


def _pair_appointment_email(name: str, message: OutboxMessage, method: str) -> Email:
    from reflection_groups.calendar import pair_appointment_event

    appointment = (
        PairAppointment.objects.select_related("pair__mentor__user", "pair__mentee__user")
        .filter(pk=message.object_id)
        .first()
    )
    if appointment is None:
        raise Skip("Not sent: the meeting is gone.")
    if method == "REQUEST":
        if appointment.pair.status != MentorPair.Status.ACTIVE:
            raise Skip("Not sent: the pair is no longer active.")
        if appointment.starts_at <= timezone.now():
            raise Skip("Not sent: the meeting has already started.")
        _check_current(message, appointment)
    elif appointment.cancelled_at is None:
        raise Skip("Not sent: the meeting is not cancelled.")
    pair = appointment.pair
    user = _recipient(message)
    context = {
        "meeting": appointment,
        "pair": pair,
        "other": pair.mentee if pair.mentor.user_id == user.pk else pair.mentor,
        "pair_url": absolute_url("reflection_groups:pair_detail", pair.pk, fallback=f"/mentoring/pairs/{pair.pk}/"),
    }
    return _with_calendar_entry(name, message, context, pair_appointment_event(appointment), method)


@renderer(Kind.PAIR_MEETING_INVITATION)
def render_pair_meeting_invitation(message: OutboxMessage) -> Email:
    return _pair_appointment_email("pair-meeting-invitation", message, "REQUEST")


@renderer(Kind.PAIR_MEETING_CANCELLED)
def render_pair_meeting_cancelled(message: OutboxMessage) -> Email:
    return _pair_appointment_email("pair-meeting-cancelled", message, "CANCEL")


@renderer(Kind.MEETING_CANCELLED)
def render_meeting_cancelled(message: OutboxMessage) -> Email:
    meeting = GroupMeeting.objects.select_related("group").filter(pk=message.object_id).first()
    if meeting is None or meeting.cancelled_at is None:
        raise Skip("Not sent: the meeting is not cancelled.")
    return _meeting_email("meeting-cancelled", message, meeting, "CANCEL")


@renderer(Kind.PAIR_INTRODUCTION)
def render_pair_introduction(message: OutboxMessage) -> Email:
    pair = (
        MentorPair.objects.select_related(
            "mentor__user", "mentor__organisation", "mentee__user", "mentee__organisation"
        )
        .filter(pk=message.object_id)
        .first()
    )
    if pair is None or pair.status != MentorPair.Status.ACTIVE:
        raise Skip("Not sent: the pair is no longer active.")
    user = _recipient(message)
    is_mentor = pair.mentor.user_id == user.pk
    context = {
        "user": user,
        "pair": pair,
        "is_mentor": is_mentor,
        "other": pair.mentee if is_mentor else pair.mentor,
        "pair_url": absolute_url("reflection_groups:pair_detail", pair.pk, fallback=f"/mentoring/pairs/{pair.pk}/"),
    }
    return render_email("pair-introduction", context, language=message.language)


@renderer(Kind.FACILITATOR_INVITATION)
def render_facilitator_invitation(message: OutboxMessage) -> Email:
    """The link to choose a password is made at send time and never stored in the outbox."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = _recipient(message)
    if not user.is_active:
        raise Skip("The account is deactivated.")
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    url = absolute_url(
        "account_reset_password_from_key", "UID", "KEY", fallback="/accounts/password/reset/key/UID-KEY/"
    )
    url = url.replace("UID-KEY", key)
    email = render_email("facilitator-invitation", {"user": user, "set_password_url": url}, language=message.language)
    email.secrets.append(key)
    return email
