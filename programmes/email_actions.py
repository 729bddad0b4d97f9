"""One-click links from e-mails: signed, per recipient and action, expiring, single use.

A link is `/e/<action>/<token>/`. The token is `django.core.signing` over
{user, session, registration, expiry, nonce} with a salt per action, so a token made for one
action (or person, or session) does not verify as another, and no part can be changed
without the signature failing. Opening the link (GET) only reads: mail scanners such as
Microsoft Safe Links open every link, so the GET shows what will happen and one button. The
POST does that one thing, as the person the e-mail was sent to, without a password
(`services.email_action_perform`, audited, in one transaction with an `EmailActionUse` row
whose unique digest makes the link single use).

`read` is the access helper for these pages: it returns a Ticket or raises LinkInvalid with
a reason the page explains (tampered, expired, used, another person's link).

The recipient is a leader or a participant who is not a leader (a politician, a union
representative: programmes/services/guests.py); the token names the user either way, and
`Ticket.person` is whichever they are.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from programmes.models import EmailActionUse, Participant, Registration, Session
from toppleder.models import Leader
from toppleder.outbox.rendering import absolute_url

# action → the button's words (the same in the e-mail and on the page).
SIGN_UP = "signup"
DECLINE = "decline"
WAITLIST = "waitlist"
OFFER_ACCEPT = "keep"
OFFER_DECLINE = "release"
SEAT_GIVE_UP = "giveup"  # a confirmed seat, from the reminder
LABELS = {
    SIGN_UP: _("Sign me up"),
    DECLINE: _("I cannot come"),
    WAITLIST: _("Put me on the waiting list"),
    OFFER_ACCEPT: _("Keep the seat"),
    OFFER_DECLINE: _("Give up the seat"),
    SEAT_GIVE_UP: _("Give up the seat"),
}
# No link lives longer than this, whatever the session (a forwarded e-mail found a year on).
MAX_AGE = timedelta(days=getattr(settings, "EMAIL_ACTION_MAX_AGE_DAYS", 60))
LINK_PATTERN = r"[A-Za-z0-9_:-]{20,400}"
# A guest's own page about a session (`/guest/<token>/`): the "See the session" link of every
# e-mail to a participant who is not a leader, who cannot sign in. The same signed token, but
# not single use: it is opened again and again; each POST on it is one change
# (programmes/views/guest_page.py).
GUEST_PAGE = "guest"


class LinkInvalid(Exception):
    """The link cannot be used; `reason` is tampered, expired, used or other_person."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Ticket:
    action: str
    token: str
    user_id: int
    leader: Leader | None  # the recipient's leader profile, or None for a participant
    session: Session
    registration: Registration | None
    expires_at: datetime
    nonce: int
    participant: Participant | None = None

    @property
    def person(self):
        """The leader or the participant the link was made for (both have `user`, `name`)."""
        return self.leader if self.leader is not None else self.participant

    @property
    def person_filter(self) -> dict:
        """Their registrations: `Registration.objects.filter(**ticket.person_filter)`."""
        return person_filter(self.person)

    @property
    def digest(self) -> str:
        return digest(self.token)

    @property
    def label(self):
        return LABELS[self.action]


def person_filter(person) -> dict:
    """A leader's or a participant's rows (registrations, invitations) as filter arguments."""
    if isinstance(person, Participant):
        return {"participant_id": person.pk}
    return {"leader_id": person.pk}


def _salt(action: str) -> str:
    return f"programmes.email_action.{action}"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_token(
    action: str, *, leader, session: Session, expires_at: datetime, registration=None, nonce: int = 0
) -> str:
    """`leader`: the recipient, a Leader or a Participant (the token names their user)."""
    if action not in LABELS and action != GUEST_PAGE:
        raise ValueError(f"unknown e-mail action {action!r}")
    payload = {
        "u": leader.user_id,
        "s": session.pk,
        "r": registration.pk if registration is not None else None,
        "e": int(expires_at.timestamp()),
        "n": nonce,
    }
    return signing.dumps(payload, salt=_salt(action), compress=True)


def make_link(action: str, **kwargs) -> tuple[str, str]:
    """(absolute URL, token) for an e-mail; the token goes in Email.secrets."""
    token = make_token(action, **kwargs)
    return absolute_url("programmes:email_action", action, token, fallback=f"/e/{action}/{token}/"), token


def guest_page_link(participant: Participant, session: Session) -> tuple[str, str]:
    """(absolute URL, token) of the participant's own page about the session, valid until a
    day after it ends (and at most MAX_AGE after the e-mail)."""
    token = make_token(GUEST_PAGE, leader=participant, session=session, expires_at=session.ends_at + timedelta(days=1))
    return absolute_url("programmes:guest_page", token, fallback=f"/guest/{token}/"), token


def read(action: str, token: str, *, user=None) -> Ticket:
    """The ticket behind a link, or LinkInvalid. Reads only. A guest page's token
    (GUEST_PAGE) is the participant's, never a leader's, and is not single use."""
    if action not in LABELS and action != GUEST_PAGE:
        raise LinkInvalid("tampered")
    try:
        payload = signing.loads(token, salt=_salt(action), max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkInvalid("expired") from exc
    except signing.BadSignature as exc:
        raise LinkInvalid("tampered") from exc
    try:
        user_id, session_id, reg_id = int(payload["u"]), int(payload["s"]), payload["r"]
        expires_at = datetime.fromtimestamp(int(payload["e"]), tz=UTC)
        nonce = int(payload.get("n", 0))
    except (KeyError, TypeError, ValueError) as exc:
        raise LinkInvalid("tampered") from exc
    if user is not None and user.is_authenticated and user.pk != user_id:
        raise LinkInvalid("other_person")
    leader = Leader.objects.select_related("user").filter(user_id=user_id, user__is_active=True).first()
    participant = None
    if leader is None:
        participant = Participant.objects.select_related("user").filter(user_id=user_id, user__is_active=True).first()
    session = Session.objects.select_related("programme").filter(pk=session_id).first()
    if (leader is None and participant is None) or session is None:
        raise LinkInvalid("tampered")
    registration = None
    if reg_id is not None:
        registration = Registration.objects.filter(
            pk=int(reg_id), session_id=session.pk, **person_filter(leader or participant)
        ).first()
        if registration is None and leader is not None:
            # A guest who became a leader later (the leader import): a link about the seat they
            # had as a participant still names that seat.
            registration = (
                Registration.objects.filter(pk=int(reg_id), session_id=session.pk, participant__user_id=user_id)
                .select_related("participant__user")
                .first()
            )
            if registration is not None:
                leader, participant = None, registration.participant
        if registration is None:
            raise LinkInvalid("tampered")
    if action == GUEST_PAGE:
        if participant is None:
            # A guest who became a leader signs in and uses the session page.
            raise LinkInvalid("tampered")
    elif EmailActionUse.objects.filter(digest=digest(token)).exists():
        raise LinkInvalid("used")
    if timezone.now() >= expires_at:
        raise LinkInvalid("expired")
    return Ticket(action, token, user_id, leader, session, registration, expires_at, nonce, participant)


@dataclass
class Preview:
    """What the button will do, for the page the GET shows; `possible` False: no button."""

    possible: bool
    outcome: str  # confirmed, waitlisted, declined, or the reason it cannot be done
    position: int | None = None


def preview(ticket: Ticket) -> Preview:
    """Reads only: what pressing the button would do now."""
    session = ticket.session
    existing = Registration.objects.filter(session_id=session.pk, **ticket.person_filter).first()
    active = existing is not None and existing.status in (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)
    if ticket.action in (SIGN_UP, WAITLIST):
        if active:
            return Preview(False, existing.status)
        if not session.is_open_for_registration:
            return Preview(False, "closed")
        counts = Registration.objects.filter(session_id=session.pk).aggregate(
            confirmed=models.Count("pk", filter=models.Q(status=Registration.Status.CONFIRMED)),
            waiting=models.Count("pk", filter=models.Q(status=Registration.Status.WAITLISTED)),
        )
        if counts["confirmed"] < session.capacity and not counts["waiting"]:
            return Preview(True, "confirmed")
        return Preview(True, "waitlisted", position=counts["waiting"] + 1)
    if ticket.action == DECLINE:
        if active:
            return Preview(False, "active")
        if ticket.participant is not None:
            declined = session.guest_invitations.filter(
                participant_id=ticket.participant.pk, declined_at__isnull=False
            ).exists()
        else:
            declined = session.declines.filter(leader_id=ticket.leader.pk).exists()
        if declined:
            return Preview(False, "declined")
        return Preview(True, "declined")
    reg = ticket.registration
    if reg is None:
        return Preview(False, "closed")
    if session.status != Session.Status.PUBLISHED or session.starts_at <= timezone.now():
        return Preview(False, "closed")
    if ticket.action == OFFER_ACCEPT:
        if reg.status == Registration.Status.CONFIRMED:
            return Preview(False, "confirmed")
        if reg.status == Registration.Status.OFFERED and reg.offer_expires_at > timezone.now():
            return Preview(True, "offer_confirmed")
        if reg.status == Registration.Status.WAITLISTED:
            held = Registration.objects.filter(
                session_id=session.pk, status__in=[Registration.Status.CONFIRMED, Registration.Status.OFFERED]
            ).count()
            if held < session.capacity:
                return Preview(True, "offer_confirmed")
        return Preview(False, "offer_gone")
    if ticket.action == OFFER_DECLINE and reg.status in (Registration.Status.OFFERED, Registration.Status.WAITLISTED):
        return Preview(True, "released")
    if ticket.action == SEAT_GIVE_UP:
        if reg.status == Registration.Status.CONFIRMED:
            return Preview(True, "seat_given_up")  # apologies: the seat goes to an offer
        return Preview(False, "seat_gone")
    return Preview(False, "offer_gone")
