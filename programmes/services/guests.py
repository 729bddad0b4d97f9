"""Participants who are not leaders: HR invites politicians, political secretaries, union
representatives, guests and contributors to a session, or to every coming session of a kind
(the autumn "Byrådets ledersamling"), one by one or from a CSV/Excel file.

A person is one person: an e-mail (case-insensitive) that belongs to a leader attaches that
leader profile (they are invited as the leader they are, and count as one); an e-mail seen
before as a participant reuses that participant. Invited people get the session invitation
with the same one-click links as leaders ("Meld meg på", "Jeg kan ikke"), sign up under the
same session row lock and waiting list (`registrations.registration_create(participant=…)`),
and get the same confirmations, calendar entries and reminders.

The file: columns in any order, Norwegian or English headers (the leader import's reading,
header normalisation and formula marks: programmes/services/imports.py): name/navn,
e-mail/e-post, category/kategori, organisation/virksomhet, union/fagforening. Every bad line
is reported with its number in Norwegian; "all or nothing" (the default) writes nothing
while any line is wrong, "valid lines only" invites the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programmes import tasks
from programmes.models import GuestInvitation, Participant, Programme, Session
from programmes.services import imports
from toppleder import audit, reference
from toppleder.celery import queue_after_commit
from toppleder.models import Leader, User

Category = Participant.Category

COLUMNS = {
    "name": (gettext_lazy("Name"), ["navn", "fullt navn", "full name"]),
    "email": (gettext_lazy("E-mail"), ["email", "e-mail", "e-post", "epost", "e-postadresse", "email address"]),
    "category": (gettext_lazy("Category"), ["kategori", "deltakerkategori", "rolle", "role"]),
    "organisation": (gettext_lazy("Organisation"), ["organization", "virksomhet", "organisasjon"]),
    "union": (
        gettext_lazy("Union"),
        ["fagforening", "forbund", "hovedsammenslutning", "fagforbund", "main union", "trade union"],
    ),
}
REQUIRED = ("name", "email", "category")
# Sessions a "kind" invitation covers: those still ahead that can take sign-ups.
OPEN_STATUSES = (Session.Status.DRAFT, Session.Status.PUBLISHED)


@dataclass
class Person:
    """One person to invite, as HR typed them or as a line of the file."""

    name: str
    email: str
    category: str
    organisation: str = ""
    union: str = ""
    line: int = 0

    @property
    def category_label(self) -> str:
        return Category(self.category).label if self.category in Category.values else self.category


@dataclass
class InviteResult:
    """What an invitation did: new participants, leaders attached, invitations written."""

    participants_created: int = 0
    leaders_attached: list[str] = field(default_factory=list)  # "Name <e-mail>" of each leader found
    invitations: int = 0
    already_invited: int = 0
    sessions: list[Session] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    partial: bool = False
    # A check (dry run) of a file: nothing written; who is new and who the portal knows.
    dry_run: bool = False
    new: list[Person] = field(default_factory=list)
    known: list[tuple[Person, str]] = field(default_factory=list)  # (person, how they are known)

    @property
    def ok(self) -> bool:
        return not self.errors


def _aliases(columns: dict) -> dict[str, str]:
    found = {}
    for key, (label, names) in columns.items():
        found[imports._norm(key)] = key
        for name in names:
            found[imports._norm(name)] = key
        for language in ("en", "nb"):
            with translation.override(language):
                found[imports._norm(label)] = key
    return found


def _categories() -> dict[str, str]:
    """ "politician", "Politiker", "union representative", "Tillitsvalgt" … → the category."""
    found = {}
    for category in Category:
        found[imports._norm(category.value)] = category.value
        for language in ("en", "nb"):
            with translation.override(language):
                found[imports._norm(category.label)] = category.value
    return found


def _unions() -> dict[str, str]:
    """A union's key or its name in either language ("Unio", "LO Kommune") → its key."""
    found = {}
    for entry in reference.entries("unions"):
        found[imports._norm(entry["key"])] = entry["key"]
        for language in ("nb", "en"):
            if entry.get(language):
                found[imports._norm(entry[language])] = entry["key"]
    return found


def _union_names() -> str:
    return ", ".join(f"«{e['nb']}»" for e in reference.entries("unions"))


def _check_person(person: Person, categories: dict, unions: dict) -> tuple[Person | None, list[str]]:
    """The person normalised (category and union as keys, e-mail lower case), or the errors."""
    errors = []
    name = (person.name or "").strip()
    if not name:
        errors.append(_("%(column)s: %(message)s") % {"column": _("Name"), "message": _("missing.")})
    email = (person.email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors.append(
            _("%(column)s: %(message)s")
            % {
                "column": _("E-mail"),
                "message": _("“%(email)s” is not a valid e-mail address.") % {"email": person.email},
            }
        )
    category = categories.get(imports._norm(person.category or ""))
    if category is None:
        errors.append(
            _("%(column)s: %(message)s")
            % {
                "column": _("Category"),
                "message": _("unknown category “%(value)s”: use %(names)s.")
                % {"value": person.category, "names": ", ".join(f"«{c.label}»" for c in Category)},
            }
        )
    union = ""
    if (person.union or "").strip():
        union = unions.get(imports._norm(person.union))
        if union is None:
            errors.append(
                _("%(column)s: %(message)s")
                % {
                    "column": _("Union"),
                    "message": _("unknown union “%(value)s”: use %(names)s.")
                    % {"value": person.union, "names": _union_names()},
                }
            )
            union = ""
    elif category == Category.UNION_REPRESENTATIVE:
        errors.append(
            _("%(column)s: %(message)s")
            % {
                "column": _("Union"),
                "message": _("a union representative needs a union (%(names)s).") % {"names": _union_names()},
            }
        )
    organisation = (person.organisation or "").strip()
    if len(name) > 200 or len(organisation) > 200:
        errors.append(_("Name and organisation can be at most 200 characters."))
    if errors:
        return None, errors
    return Person(name, email, category, organisation, union, person.line), []


def guest_sessions(*, programme: Programme, session: Session | None = None, kind: str = "") -> list[Session]:
    """The sessions an invitation is for: one session of the programme, or every coming
    session of `kind` in it (drafts and published ones that have not started)."""
    if session is not None:
        if session.programme_id != programme.pk:
            raise ValidationError({"session": _("Choose a session of this programme.")})
        if session.status not in OPEN_STATUSES or session.starts_at <= timezone.now():
            raise ValidationError({"session": _("Guests can only be invited to a session that is still ahead.")})
        return [session]
    if not kind:
        raise ValidationError({"session": _("Choose a session or a kind of session.")})
    if kind not in dict(reference.choices("activity_kinds")):
        raise ValidationError({"kind": _("Unknown kind of session.")})
    sessions = list(
        Session.objects.filter(
            programme=programme, kind=kind, status__in=OPEN_STATUSES, starts_at__gt=timezone.now()
        ).order_by("starts_at", "pk")
    )
    if not sessions:
        raise ValidationError({"kind": _("The programme has no coming session of this kind.")})
    return sessions


def _known(people: list[Person]) -> tuple[dict, dict, dict]:
    """The users (by lower-case e-mail), leader profiles and participants (by user id) the
    portal already has for these people. Reads only."""
    emails = [p.email for p in people]
    users = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
    # E-mails are stored as typed: look up the rest case-insensitively, one query each only
    # for those not found exactly (a file rarely has many).
    for email in emails:
        if email not in users:
            found = User.objects.filter(email__iexact=email).first()
            if found is not None:
                users[email] = found
    leaders = {le.user_id: le for le in Leader.objects.filter(user__in=list(users.values())).select_related("user")}
    participants = {p.user_id: p for p in Participant.objects.filter(user__in=list(users.values()))}
    return users, leaders, participants


def _preview(people: list[Person], result: InviteResult) -> None:
    """What importing would do, line by line: new guests, and people the portal knows already
    (a leader is invited as that leader; a guest invited before keeps being the same person)."""
    users, leaders, participants = _known(people)
    for person in people:
        user = users.get(person.email)
        if user is not None and user.pk in leaders:
            result.known.append((person, _("a leader in the portal: invited as that leader")))
        elif user is not None and user.pk in participants:
            result.known.append((person, _("invited before: the same person")))
        else:
            result.new.append(person)


def _invite(people: list[Person], sessions: list[Session], *, by, result: InviteResult) -> None:
    """Write the people and their invitations (the caller validated them), in one transaction."""
    users, leaders, participants = _known(people)
    invitees: list[tuple[str, object]] = []  # ("leader" | "participant", the row)
    for person in people:
        user = users.get(person.email)
        leader = leaders.get(user.pk) if user else None
        if leader is not None:
            result.leaders_attached.append(f"{leader.name} <{user.email}>")
            invitees.append(("leader", leader))
            continue
        participant = participants.get(user.pk) if user else None
        if participant is None:
            if user is None:
                user = User.objects.create(email=person.email, name=person.name, password=make_password(None))
                audit.record(by, audit.CREATE, [user], audit.created(user), event="guest_invite")
            participant = Participant.objects.create(
                user=user, category=person.category, organisation=person.organisation, union=person.union
            )
            audit.record(by, audit.CREATE, [participant], audit.created(participant), event="guest_invite")
            participants[user.pk] = participant
            result.participants_created += 1
        else:
            before = audit.values(participant, ["category", "organisation", "union"])
            wanted = {"category": person.category, "organisation": person.organisation, "union": person.union}
            if any(getattr(participant, k) != v for k, v in wanted.items()):
                for key, value in wanted.items():
                    setattr(participant, key, value)
                participant.save(update_fields=list(wanted))
                audit.record(by, audit.UPDATE, [participant], audit.diff(before, participant), event="guest_invite")
        invitees.append(("participant", participant))
    new = []
    for session in sessions:
        have = set(GuestInvitation.objects.filter(session=session).values_list("participant_id", "leader_id"))
        seen = set()
        for role, row in invitees:
            key = (row.pk, None) if role == "participant" else (None, row.pk)
            if key in have or key in seen:
                result.already_invited += 1
                continue
            seen.add(key)
            new.append(GuestInvitation(session=session, invited_by=by, **{role: row}))
    GuestInvitation.objects.bulk_create(new)
    audit.record(by, audit.CREATE, new, audit.created, event="guest_invite")
    result.invitations = len(new)
    result.sessions = sessions
    for session in sessions:
        if session.status == Session.Status.PUBLISHED:
            # Draft sessions: the invitations go out when the session is published.
            queue_after_commit(tasks.guest_invitations, session.pk)


def guest_invite(
    *,
    programme: Programme,
    name: str,
    email: str,
    category: str,
    by,
    organisation: str = "",
    union: str = "",
    session: Session | None = None,
    kind: str = "",
) -> InviteResult:
    """Invite one person to a session, or to every coming session of a kind in the programme.

    A leader's e-mail (in any case) attaches that leader: `result.leaders_attached` names
    them, no participant is made. Bad input raises ValidationError and changes nothing.
    """
    sessions = guest_sessions(programme=programme, session=session, kind=kind)
    person, errors = _check_person(Person(name, email, category, organisation, union), _categories(), _unions())
    if errors:
        raise ValidationError(errors)
    result = InviteResult()
    with transaction.atomic():
        _invite([person], sessions, by=by, result=result)
    return result


def guests_invite_known(
    *,
    programme: Programme,
    participants: list[Participant],
    by,
    session: Session | None = None,
    kind: str = "",
) -> InviteResult:
    """Invite participants already in the portal (chosen from the list of people invited
    before) to a session, or every coming session of a kind; their details stay as they are."""
    sessions = guest_sessions(programme=programme, session=session, kind=kind)
    if not participants:
        raise ValidationError({"participants": _("Choose at least one person.")})
    people = [
        Person(p.name, p.user.email.lower(), p.category, p.organisation, p.union)
        for p in Participant.objects.filter(pk__in=[getattr(p, "pk", p) for p in participants]).select_related("user")
    ]
    result = InviteResult()
    with transaction.atomic():
        _invite(people, sessions, by=by, result=result)
    return result


def _parse(table: list[list[str]], result: InviteResult) -> list[Person]:
    errors = result.errors
    if not table or not any(c.strip() for c in table[0]):
        errors.append((1, _("The file is empty.")))
        return []
    aliases = _aliases(COLUMNS)
    columns = [aliases.get(imports._norm(cell)) for cell in table[0]]
    missing = [str(COLUMNS[c][0]) for c in REQUIRED if c not in columns]
    if missing:
        errors.append(
            (
                1,
                _("The file has no column for: %(columns)s. The first row must name the columns.")
                % {"columns": ", ".join(missing)},
            )
        )
    dupes = sorted({str(COLUMNS[c][0]) for c in columns if c and columns.count(c) > 1})
    if dupes:
        errors.append((1, _("These columns appear more than once: %(columns)s.") % {"columns": ", ".join(dupes)}))
    if errors:
        return []
    categories, unions = _categories(), _unions()
    people, seen = [], {}
    for line, cells in enumerate(table[1:], start=2):
        if not any((c or "").strip() for c in cells):
            continue
        if len(people) + len({ln for ln, _m in errors}) >= imports.MAX_ROWS:
            errors.append((line, _("Too many rows: at most %(n)s per file.") % {"n": imports.MAX_ROWS}))
            break
        data = {col: imports._text(cell) for col, cell in zip(columns, cells, strict=False) if col}
        person, row_errors = _check_person(
            Person(
                data.get("name", ""),
                data.get("email", ""),
                data.get("category", ""),
                data.get("organisation", ""),
                data.get("union", ""),
                line,
            ),
            categories,
            unions,
        )
        if person is not None:
            if person.email in seen:
                row_errors.append(
                    _("%(column)s: %(message)s")
                    % {
                        "column": _("E-mail"),
                        "message": _("%(email)s also appears on line %(line)s.")
                        % {"email": person.email, "line": seen[person.email]},
                    }
                )
            else:
                seen[person.email] = line
        if row_errors:
            errors.extend((line, message) for message in row_errors)
            continue
        people.append(person)
    if not people and not errors:
        errors.append((2, _("The file has no rows.")))
    return people


def guests_import(
    *,
    programme: Programme,
    file,
    by,
    session: Session | None = None,
    kind: str = "",
    partial: bool = False,
    dry_run: bool = False,
) -> InviteResult:
    """Invite everyone in a CSV or Excel file to a session (or every coming session of a kind).

    Every bad line (no name, an invalid e-mail, an unknown category or union, an e-mail twice)
    is reported with its number; with errors nothing is written, unless `partial`: then the
    valid lines are invited and the others listed. A leader's e-mail attaches the leader.
    `dry_run` (HR's "Sjekk") writes nothing: `result.new`, `result.known` and the errors say
    what importing would do.
    """
    sessions = guest_sessions(programme=programme, session=session, kind=kind)
    result = InviteResult(partial=partial, dry_run=dry_run)
    try:
        table = imports._read_table(file)
    except ValidationError as exc:
        result.errors.append((1, exc.messages[0]))
        return result
    people = _parse(table, result)
    result.errors.sort(key=lambda e: e[0])
    if dry_run:
        _preview(people, result)
        result.sessions = sessions
        return result
    if result.errors and not (partial and people):
        return result
    with transaction.atomic():
        _invite(people, sessions, by=by, result=result)
    return result
