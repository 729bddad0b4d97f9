"""Every state change of groups and pairs. Keyword-only, validating first, in a transaction,
recording what changed in the audit log (toppleder/audit.py). `by` is the acting user (None:
the system). Who may take part in a group or a pair is decided in selectors.py, once.

Views, admin actions, tasks and commands call these; nothing here renders or reads a request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from programmes.models import Programme, ProgrammeEnrolment
from reflection_groups import matching, tasks
from reflection_groups.models import (
    GroupMeeting,
    GroupMembership,
    GroupNote,
    MeetingAttendance,
    MenteeWish,
    MentoringScheme,
    MentorPair,
    MentorProfile,
    OnboardingPath,
    PairAppointment,
    PairMeeting,
    ReflectionGroup,
    ThemeChoice,
    ThemeWindow,
    prompt_questions,
    prompt_theme_choices,
)
from reflection_groups.selectors import can_take_part, is_pair_party
from toppleder import audit
from toppleder.celery import queue_after_commit
from toppleder.models import ROLE_FACILITATOR, Leader, Organisation, User
from toppleder.permissions import can_facilitate, is_hr, leader_of

Kind = ReflectionGroup.Kind


def _check_facilitator(facilitator: User | None) -> None:
    """Only a facilitator account or a top leader can be named (HR's role alone is not enough:
    the named facilitator reads the group's notes)."""
    if facilitator is not None and not can_facilitate(facilitator):
        raise ValidationError(
            _("%(name)s cannot facilitate groups: choose a facilitator account or a top leader.")
            % {"name": facilitator.get_full_name()}
        )


# Which leader level each composed kind draws from (network groups are open to every level).
KIND_LEVEL = {Kind.REFLECTION: Leader.Level.TOP, Kind.SELF_DRIVEN: Leader.Level.MIDDLE}


# --------------------------------------------------------------------------- helpers
def organisation_tree() -> tuple[dict[int, int | None], dict[int, str]]:
    rows = Organisation.objects.values_list("pk", "governed_by_id", "name")
    return {pk: parent for pk, parent, _n in rows}, {pk: name for pk, _p, name in rows}


def lines() -> matching.Lines:
    governed_by, names = organisation_tree()
    return matching.Lines(governed_by, names)


def _candidate(leader: Leader) -> matching.Candidate:
    return matching.Candidate(
        id=leader.pk,
        organisation_id=leader.organisation_id,
        sector_id=leader.organisation.sector_id,
        is_new=leader.is_new_top_leader,
        name=leader.name,
    )


def group_rule_warnings(members: list[Leader], the_lines: matching.Lines | None = None) -> list[str]:
    """Human-readable hard-rule breaks in a set of members (empty when the rules hold)."""
    the_lines = the_lines or lines()
    by_id = {m.pk: m for m in members}
    out = []
    for a, b, reason in matching.hard_rule_violations([[_candidate(m) for m in members]], the_lines):
        la, lb = by_id[a.id], by_id[b.id]
        if reason == "same_organisation":
            out.append(
                _("%(a)s and %(b)s are from the same organisation (%(org)s).")
                % {"a": la.name, "b": lb.name, "org": la.organisation.name}
            )
        else:
            out.append(
                _("%(a)s (%(org_a)s) and %(b)s (%(org_b)s) are in the same line of command.")
                % {"a": la.name, "org_a": la.organisation.name, "b": lb.name, "org_b": lb.organisation.name}
            )
    return out


# --------------------------------------------------------------------------- composing groups
@dataclass
class ComposeResult:
    groups: list[ReflectionGroup]
    proposal: matching.Proposal


def compose_pool(*, programme: Programme, kind: str, level: int | None = None) -> list[Leader]:
    """Enrolled leaders of the programme (of the kind's level) not already in an active group of the kind."""
    level = level if level is not None else KIND_LEVEL.get(kind)
    qs = Leader.objects.with_org().filter(
        enrolments__programme=programme, enrolments__status=ProgrammeEnrolment.Status.ENROLLED
    )
    if level:
        qs = qs.filter(level=level)
    busy = GroupMembership.objects.filter(programme=programme, kind=kind, active=True).exclude(
        group__status=ReflectionGroup.Status.PROPOSED
    )
    return list(qs.exclude(pk__in=busy.values("leader_id")).order_by("pk"))


@transaction.atomic
def group_compose(
    *,
    programme: Programme,
    kind: str = Kind.REFLECTION,
    size_min: int = 6,
    size_max: int = 8,
    level: int | None = None,
    facilitator: User | None = None,
    theme: str = "",
    seed: int = 0,
    by=None,
) -> ComposeResult:
    """Propose groups for the pool and save them as `proposed` (replacing earlier proposals).

    Raises ValidationError with the reasons when the hard rules cannot hold: nothing is saved then.
    """
    if kind not in Kind.values:
        raise ValidationError(_("Unknown group kind."))
    if kind == Kind.NETWORK and not theme.strip():
        raise ValidationError(_("A network group needs a theme."))
    if not (2 <= size_min <= size_max <= 20):
        raise ValidationError(_("The group size must be between 2 and 20, smallest first."))
    _check_facilitator(facilitator)
    pool = compose_pool(programme=programme, kind=kind, level=level)
    governed_by, names = organisation_tree()
    earlier = (
        GroupMembership.objects.filter(kind=kind)
        .exclude(group__status=ReflectionGroup.Status.PROPOSED)
        .values_list("group_id", "leader_id")
    )
    history: dict[int, list[int]] = {}
    for gid, lid in earlier:
        history.setdefault(gid, []).append(lid)
    proposal = matching.compose_groups(
        matching.Pool([_candidate(leader) for leader in pool], governed_by, names),
        size_min,
        size_max,
        history=history.values(),
        seed=seed,
    )
    if not proposal.feasible:
        raise ValidationError(proposal.problems)
    audit.delete(
        by,
        ReflectionGroup.objects.filter(programme=programme, kind=kind, status=ReflectionGroup.Status.PROPOSED),
        event="group_compose",
    )
    last_round = (
        ReflectionGroup.objects.filter(programme=programme, kind=kind, status=ReflectionGroup.Status.CLOSED).aggregate(
            r=Max("round_number")
        )["r"]
        or 0
    )
    label = {
        Kind.REFLECTION: _("Reflection group"),
        Kind.SELF_DRIVEN: _("Self-driven group"),
        Kind.NETWORK: _("Network group"),
    }[kind]
    groups = ReflectionGroup.objects.bulk_create(
        [
            ReflectionGroup(
                programme=programme,
                kind=kind,
                theme=theme.strip(),
                name=f"{label} {i}",
                facilitator=facilitator,
                round_number=last_round + 1,
                diversity_score=g.score,
            )
            for i, g in enumerate(proposal.groups, start=1)
        ]
    )
    now = timezone.now()
    memberships = GroupMembership.objects.bulk_create(
        [
            GroupMembership(group=grp, leader_id=lid, programme=programme, kind=kind, joined=now)
            for grp, g in zip(groups, proposal.groups, strict=True)
            for lid in g.member_ids
        ]
    )
    audit.record(by, audit.CREATE, groups, audit.created, event="group_compose")
    audit.record(by, audit.CREATE, memberships, audit.created, event="group_compose")
    return ComposeResult(groups=groups, proposal=proposal)


def _refresh_score(group: ReflectionGroup, *, by, event: str) -> None:
    members = list(Leader.objects.with_org().filter(group_memberships__group=group))
    # A lone group's score against its own pool: sectors and mix relative to the programme's groups.
    siblings = Leader.objects.with_org().filter(
        group_memberships__group__programme=group.programme_id,
        group_memberships__group__kind=group.kind,
        group_memberships__active=True,
    )
    sib = [_candidate(m) for m in siblings]
    new_fraction = sum(c.is_new for c in sib) / len(sib) if sib else 0.0
    ctx = matching._Context(lines(), len({c.sector_id for c in sib}) or 1, new_fraction, set())
    was = group.diversity_score
    group.diversity_score = matching.group_score([_candidate(m) for m in members], ctx)
    group.save(update_fields=["diversity_score"])
    if was != group.diversity_score:
        audit.record(by, audit.UPDATE, [group], {"diversity_score": [was, group.diversity_score]}, event=event)


@transaction.atomic
def group_move_member(
    *, leader: Leader, from_group: ReflectionGroup, to_group: ReflectionGroup, confirm: bool = False, by=None
) -> list[str]:
    """Move a member between two groups of the same programme and kind.

    If the move would break a hard rule the warnings are raised as a ValidationError and
    nothing changes, unless HR confirms (`confirm=True`): then the move happens and the
    warnings are returned so the page can show them.
    """
    if from_group.pk == to_group.pk:
        raise ValidationError(_("Choose another group to move to."))
    if (from_group.programme_id, from_group.kind) != (to_group.programme_id, to_group.kind):
        raise ValidationError(_("A member can only move between groups of the same programme and kind."))
    if ReflectionGroup.Status.CLOSED in (from_group.status, to_group.status):
        raise ValidationError(_("Closed groups cannot change."))
    membership = (
        GroupMembership.objects.select_for_update().filter(group=from_group, leader=leader, active=True).first()
    )
    if membership is None:
        raise ValidationError(_("%(name)s is not a member of %(group)s.") % {"name": leader.name, "group": from_group})
    target = list(Leader.objects.with_org().filter(group_memberships__group=to_group))
    warnings = group_rule_warnings([*target, leader])
    if warnings and not confirm:
        raise ValidationError([ValidationError(w, code="hard_rule") for w in warnings])
    before = audit.values(membership)
    membership.group = to_group
    membership.joined = timezone.now()
    membership.seen_at = None
    membership.save(update_fields=["group", "joined", "seen_at"])
    audit.record(by, audit.UPDATE, [membership], audit.diff(before, membership), event="group_move_member")
    _refresh_score(from_group, by=by, event="group_move_member")
    _refresh_score(to_group, by=by, event="group_move_member")
    return warnings


@transaction.atomic
def group_add_member(*, group: ReflectionGroup, leader: Leader, by=None) -> GroupMembership:
    """Add a leader to a group; one active group of a kind per programme (also a DB constraint)."""
    if group.status == ReflectionGroup.Status.CLOSED:
        raise ValidationError(_("Closed groups cannot change."))
    taken = (
        GroupMembership.objects.filter(programme=group.programme_id, kind=group.kind, leader=leader, active=True)
        .select_related("group")
        .first()
    )
    if taken:
        raise ValidationError(
            _("%(name)s is already in %(group)s, a group of the same kind in this programme.")
            % {"name": leader.name, "group": taken.group.name}
        )
    try:
        with transaction.atomic():
            membership = GroupMembership.objects.create(
                group=group, leader=leader, programme=group.programme, kind=group.kind
            )
    except IntegrityError as exc:  # a concurrent add won the race
        raise ValidationError(_("%(name)s is already in a group of this kind.") % {"name": leader.name}) from exc
    audit.record(by, audit.CREATE, [membership], audit.created(membership), event="group_add_member")
    return membership


@transaction.atomic
def group_create(
    *,
    programme: Programme,
    kind: str,
    name: str,
    theme: str = "",
    facilitator: User | None = None,
    meeting_rhythm: str = "",
    members: list[Leader] = (),
    by=None,
) -> ReflectionGroup:
    """A hand-made group (network groups are usually put together by interest, not composed)."""
    if kind == Kind.NETWORK and not theme.strip():
        raise ValidationError(_("A network group needs a theme."))
    _check_facilitator(facilitator)
    group = ReflectionGroup.objects.create(
        programme=programme,
        kind=kind,
        name=name.strip(),
        theme=theme.strip(),
        facilitator=facilitator,
        meeting_rhythm=meeting_rhythm,
    )
    audit.record(by, audit.CREATE, [group], audit.created(group), event="group_create")
    for leader in members:
        group_add_member(group=group, leader=leader, by=by)
    return group


@transaction.atomic
def group_publish(*, group: ReflectionGroup, facilitator: User | None = None, by=None) -> ReflectionGroup:
    """Publish a proposed group: members see it on their dashboard and get an introduction e-mail."""
    group = ReflectionGroup.objects.select_for_update().get(pk=group.pk)
    before = audit.values(group)
    if group.status != ReflectionGroup.Status.PROPOSED:
        raise ValidationError(_("Only a proposed group can be published."))
    if facilitator is not None:
        group.facilitator = facilitator
    _check_facilitator(group.facilitator)
    if group.kind != Kind.SELF_DRIVEN and group.facilitator_id is None:
        raise ValidationError(_("Choose a facilitator before publishing %(group)s.") % {"group": group.name})
    if not group.memberships.exists():
        raise ValidationError(_("A group without members cannot be published."))
    group.status = ReflectionGroup.Status.PUBLISHED
    group.published_at = timezone.now()
    group.save(update_fields=["status", "published_at", "facilitator"])
    audit.record(by, audit.UPDATE, [group], audit.diff(before, group), event="group_publish")
    queue_after_commit(tasks.group_published, group.pk)
    return group


@transaction.atomic
def groups_publish(*, programme: Programme, kind: str, facilitator: User | None = None, by=None) -> tuple[int, list]:
    """Publish every proposed group of a programme and kind; those without a facilitator get
    `facilitator`. All or nothing: if one group cannot be published (no facilitator, no members),
    none is, and the reasons are raised together."""
    groups = list(
        ReflectionGroup.objects.filter(programme=programme, kind=kind, status=ReflectionGroup.Status.PROPOSED)
        .order_by("name")
        .select_for_update()
    )
    problems = []
    for group in groups:
        try:
            with transaction.atomic():
                group_publish(group=group, facilitator=group.facilitator or facilitator, by=by)
        except ValidationError as exc:
            problems.extend(exc.messages)
    if problems:
        raise ValidationError(problems)
    return len(groups)


@transaction.atomic
def facilitator_invite(*, name: str, email: str, by) -> User:
    """HR invites an external facilitator (a coach from a consultancy or a university): an
    account with the facilitator role only (no HR rights, MFA like staff) and an e-mail with a
    link to choose a password. An address that already has an account gets the role added
    (and the invitation) instead of a second account."""
    name, email = (name or "").strip(), (email or "").strip().lower()
    if not name or not email or "@" not in email:
        raise ValidationError(_("Give the facilitator's name and e-mail address."))
    role, _created = Group.objects.get_or_create(name=ROLE_FACILITATOR)
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, name=name)
        user.set_unusable_password()
        user.save()
        user.groups.add(role)
        changes = {"email": [None, email], "name": [None, name], "groups": [None, [ROLE_FACILITATOR]]}
        audit.record(by, audit.CREATE, [user], changes, event="facilitator_invite")
    elif not user.is_active:
        raise ValidationError(_("The account for %(email)s is deactivated.") % {"email": email})
    elif not user.groups.filter(pk=role.pk).exists():
        roles = sorted(user.groups.values_list("name", flat=True))
        user.groups.add(role)
        audit.record(
            by,
            audit.UPDATE,
            [user],
            {"groups": [roles, sorted([*roles, ROLE_FACILITATOR])]},
            event="facilitator_invite",
        )
    queue_after_commit(tasks.facilitator_invited, user.pk)
    return user


@transaction.atomic
def group_close(*, group: ReflectionGroup, by=None) -> ReflectionGroup:
    """Close a group; its members are free for a group of the same kind in a later round."""
    locked = ReflectionGroup.objects.select_for_update().get(pk=group.pk)
    if locked.status == ReflectionGroup.Status.CLOSED:
        raise ValidationError(_("The group is already closed."))
    was = locked.status
    locked.status = group.status = ReflectionGroup.Status.CLOSED
    locked.save(update_fields=["status"])
    audit.record(by, audit.UPDATE, [locked], {"status": [was, locked.status]}, event="group_close")
    active = list(locked.memberships.filter(active=True))
    GroupMembership.objects.filter(pk__in=[m.pk for m in active]).update(active=False)
    audit.record(by, audit.UPDATE, active, {"active": [True, False]}, event="group_close")
    return locked


# --------------------------------------------------------------------------- meetings and notes
@transaction.atomic
def meeting_schedule(
    *,
    group: ReflectionGroup,
    actor: User,
    starts_at: datetime,
    place: str = "",
    video_link: str = "",
    prompt_key: str = "",
    prompt_question: str = "",
) -> GroupMeeting:
    if not can_take_part(actor, group):
        raise PermissionDenied(_("Only the group's members and facilitator can schedule its meetings."))
    if group.status != ReflectionGroup.Status.PUBLISHED:
        raise ValidationError(_("Meetings can only be scheduled for a published group."))
    if starts_at < group.created_at:
        raise ValidationError(_("A meeting cannot take place before the group exists."))
    if not place.strip() and not video_link.strip():
        raise ValidationError(_("Give a place or a video link."))
    if prompt_key and prompt_key not in dict(prompt_theme_choices()):
        raise ValidationError(_("Choose an agenda theme from the list."))
    if prompt_question and prompt_question not in prompt_questions(prompt_key):
        raise ValidationError(_("Choose an agenda question that belongs to the theme."))
    meeting = GroupMeeting.objects.create(
        group=group,
        starts_at=starts_at,
        place=place.strip(),
        video_link=video_link.strip(),
        prompt_key=prompt_key,
        prompt_question=prompt_question,
    )
    audit.record(actor, audit.CREATE, [meeting], audit.created(meeting), event="meeting_schedule")
    # Members and facilitator get the meeting in their calendars (REQUEST, same UID as the feed).
    queue_after_commit(tasks.meeting_scheduled, meeting.pk)
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: GroupMeeting, actor: User) -> GroupMeeting:
    """Call off a meeting that has not started: everyone invited gets a calendar CANCEL
    (same UID, higher SEQUENCE). Those who may schedule a meeting may cancel it."""
    meeting = GroupMeeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    if not can_take_part(actor, meeting.group):
        raise PermissionDenied(_("Only the group's members and facilitator can cancel its meetings."))
    audit.record(actor, audit.UPDATE, [meeting], _call_off(meeting), event="meeting_cancel")
    queue_after_commit(tasks.meeting_cancelled, meeting.pk)
    return meeting


@transaction.atomic
def meeting_change(
    *, meeting: GroupMeeting, actor: User, starts_at: datetime, place: str = "", video_link: str = ""
) -> GroupMeeting:
    """Move a meeting or change where it is: everyone invited gets the updated entry (REQUEST,
    same UID, higher SEQUENCE), which moves it in their calendars."""
    meeting = GroupMeeting.objects.select_for_update().select_related("group").get(pk=meeting.pk)
    if not can_take_part(actor, meeting.group):
        raise PermissionDenied(_("Only the group's members and facilitator can change its meetings."))
    _check_changeable(meeting)
    _check_time_and_place(starts_at, place, video_link)
    before = audit.values(meeting)
    if not _set_time_and_place(meeting, starts_at, place, video_link):
        return meeting
    audit.record(actor, audit.UPDATE, [meeting], audit.diff(before, meeting), event="meeting_change")
    queue_after_commit(tasks.meeting_scheduled, meeting.pk)
    return meeting


def _check_changeable(meeting) -> None:
    if meeting.cancelled_at is not None:
        raise ValidationError(_("The meeting is cancelled and cannot be changed."))
    if meeting.starts_at <= timezone.now():
        raise ValidationError(_("The meeting has already started and cannot be changed."))


def _call_off(meeting) -> dict:
    """Cancel a meeting (a group's or a pair's) that has not started; bump SEQUENCE so calendars
    take the CANCEL. Returns the audit diff."""
    if meeting.cancelled_at is not None:
        raise ValidationError(_("The meeting is already cancelled."))
    if meeting.starts_at <= timezone.now():
        raise ValidationError(_("The meeting has already started and cannot be cancelled."))
    before = audit.values(meeting)
    meeting.cancelled_at = timezone.now()
    meeting.sequence += 1
    meeting.save(update_fields=["cancelled_at", "sequence"])
    return audit.diff(before, meeting)


def _check_time_and_place(starts_at: datetime, place: str, video_link: str) -> None:
    if starts_at <= timezone.now():
        raise ValidationError(_("Choose a time that has not passed."))
    if not (place or "").strip() and not (video_link or "").strip():
        raise ValidationError(_("Give a place or a video link."))


def _set_time_and_place(meeting, starts_at: datetime, place: str, video_link: str) -> bool:
    """Apply a new time and place; bump SEQUENCE if anything changed (False: nothing did)."""
    new = {"starts_at": starts_at, "place": (place or "").strip(), "video_link": (video_link or "").strip()}
    if all(getattr(meeting, k) == v for k, v in new.items()):
        return False
    for k, v in new.items():
        setattr(meeting, k, v)
    meeting.sequence += 1
    meeting.save(update_fields=[*new, "sequence"])
    return True


@transaction.atomic
def attendance_record(*, meeting: GroupMeeting, actor: User, present: list[Leader]) -> int:
    """Set who attended (replaces the earlier record). Facilitator or members only."""
    if not can_take_part(actor, meeting.group):
        raise PermissionDenied(_("Only the group's members and facilitator can record attendance."))
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("Attendance can be recorded once the meeting has started."))
    member_ids = set(GroupMembership.objects.filter(group=meeting.group_id).values_list("leader_id", flat=True))
    wanted = {leader.pk for leader in present}
    if not wanted <= member_ids:
        raise ValidationError(_("Only members of the group can be marked as present."))
    audit.delete(
        actor,
        MeetingAttendance.objects.filter(meeting=meeting).exclude(leader_id__in=wanted),
        event="attendance_record",
    )
    have = set(MeetingAttendance.objects.filter(meeting=meeting).values_list("leader_id", flat=True))
    added = MeetingAttendance.objects.bulk_create(
        [MeetingAttendance(meeting=meeting, leader_id=i) for i in sorted(wanted - have)]
    )
    audit.record(actor, audit.CREATE, added, audit.created, event="attendance_record")
    return len(wanted)


@transaction.atomic
def note_create(*, group: ReflectionGroup, author: User, text: str, meeting: GroupMeeting | None = None) -> GroupNote:
    """A confidential note: only the group's members and facilitator may write (and read) them."""
    if not can_take_part(author, group):
        raise PermissionDenied(_("Only the group's members and facilitator can write notes."))
    if group.status != ReflectionGroup.Status.PUBLISHED:
        raise ValidationError(_("The group is closed: no new notes."))
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write something before saving the note."))
    if meeting is not None and meeting.group_id != group.pk:
        raise ValidationError(_("That meeting belongs to another group."))
    note = GroupNote.objects.create(group=group, meeting=meeting, author=author, text=text)
    # That a note was written, by whom and where; never what it says (a sensitive field).
    audit.record(author, audit.CREATE, [note], audit.created(note), event="note_create")
    return note


def group_mark_seen(*, leader: Leader, group: ReflectionGroup) -> int:
    """The member has opened the group page: the dashboard stops saying "New group". A
    member's own reading mark, asked for by the page (a POST), not a change to the group:
    not audited."""
    return GroupMembership.objects.filter(group=group, leader=leader, seen_at__isnull=True).update(
        seen_at=timezone.now()
    )


# --------------------------------------------------------------------------- mentoring
def _open_pair_counts(mentor_ids) -> dict[int, int]:
    out: dict[int, int] = {}
    for mid in MentorPair.objects.open().filter(mentor_id__in=mentor_ids).values_list("mentor_id", flat=True):
        out[mid] = out.get(mid, 0) + 1
    return out


@transaction.atomic
def mentor_profile_save(*, leader: Leader, capacity: int, themes: list[str], active: bool = True) -> MentorProfile:
    valid = dict(prompt_theme_choices())
    if any(t not in valid for t in themes):
        raise ValidationError(_("Choose themes from the list."))
    if capacity < 0 or capacity > 10:
        raise ValidationError(_("Capacity must be between 0 and 10."))
    current = _open_pair_counts([leader.pk]).get(leader.pk, 0)
    if capacity < current:
        raise ValidationError(_("You already have %(n)s mentees; capacity cannot be lower than that.") % {"n": current})
    existing = MentorProfile.objects.filter(leader=leader).first()
    before = audit.values(existing) if existing else None
    profile, created = MentorProfile.objects.update_or_create(
        leader=leader, defaults={"capacity": capacity, "themes": sorted(set(themes)), "active": active}
    )
    if created:
        audit.record(leader.user, audit.CREATE, [profile], audit.created(profile), event="mentor_profile_save")
    else:
        audit.record(leader.user, audit.UPDATE, [profile], audit.diff(before, profile), event="mentor_profile_save")
    return profile


@transaction.atomic
def mentee_wish_save(*, leader: Leader, scheme: str, themes: list[str], sectors=()) -> MenteeWish:
    if scheme not in MentoringScheme.values:
        raise ValidationError(_("Unknown mentoring scheme."))
    if scheme == MentoringScheme.PARTNER and not leader.is_new_top_leader:
        raise ValidationError(_("The Partner programme is for new top leaders (under 12 months in the role)."))
    valid = dict(prompt_theme_choices())
    if any(t not in valid for t in themes):
        raise ValidationError(_("Choose themes from the list."))
    existing = MenteeWish.objects.filter(leader=leader, scheme=scheme).first()
    before = audit.values(existing) if existing else None
    old_sectors = sorted(existing.sectors.values_list("pk", flat=True)) if existing else []
    wish, created = MenteeWish.objects.update_or_create(
        leader=leader, scheme=scheme, defaults={"themes": sorted(set(themes))}
    )
    new_sectors = sorted({getattr(s, "pk", s) for s in sectors})
    wish.sectors.set(new_sectors)
    changes = audit.created(wish) if created else audit.diff(before, wish)
    if new_sectors != old_sectors:
        changes["sectors"] = [old_sectors, new_sectors]
    audit.record(leader.user, audit.CREATE if created else audit.UPDATE, [wish], changes, event="mentee_wish_save")
    return wish


def _check_pair(*, mentor: Leader, mentee: Leader, scheme: str, programme: Programme, exclude_pk=None) -> None:
    if mentor.pk == mentee.pk:
        raise ValidationError(_("A mentor cannot mentor themselves."))
    if lines().same_line(mentor.organisation_id, mentee.organisation_id):
        raise ValidationError(
            _("%(mentor)s and %(mentee)s are in the same line of command; choose a mentor from elsewhere.")
            % {"mentor": mentor.name, "mentee": mentee.name}
        )
    if scheme == MentoringScheme.PARTNER and mentor.is_new_top_leader:
        raise ValidationError(_("A Partner mentor must be an experienced top leader."))
    profile = MentorProfile.objects.filter(leader=mentor, active=True).first()
    capacity = profile.capacity if profile else 0
    used = MentorPair.objects.open().filter(mentor=mentor).exclude(pk=exclude_pk).count()
    if used >= capacity:
        raise ValidationError(
            _("%(mentor)s has no capacity left (%(used)s of %(cap)s mentees).")
            % {"mentor": mentor.name, "used": used, "cap": capacity}
        )
    clash = MentorPair.objects.open().filter(programme=programme, scheme=scheme, mentee=mentee).exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(_("%(mentee)s already has a mentor in this scheme.") % {"mentee": mentee.name})


@transaction.atomic
def pair_create(
    *, programme: Programme, scheme: str, mentor: Leader, mentee: Leader, match_score: float | None = None, by=None
) -> MentorPair:
    """A proposed pair chosen by hand (HR adjusting a proposal). Same rules as the matching."""
    Leader.objects.select_for_update().filter(pk=mentor.pk).first()  # serialise capacity checks per mentor
    _check_pair(mentor=mentor, mentee=mentee, scheme=scheme, programme=programme)
    pair = MentorPair.objects.create(
        programme=programme, scheme=scheme, mentor=mentor, mentee=mentee, match_score=match_score
    )
    audit.record(by, audit.CREATE, [pair], audit.created(pair), event="pair_create")
    return pair


@transaction.atomic
def pair_discard(*, pair: MentorPair, by=None) -> None:
    """HR drops a proposed pair (to match the mentee by hand instead). Published pairs close instead."""
    proposed = MentorPair.objects.select_for_update().filter(pk=pair.pk, status=MentorPair.Status.PROPOSED)
    if not audit.delete(by, proposed, event="pair_discard"):
        raise ValidationError(_("Only a proposed pair can be removed; close an active pair instead."))


@dataclass
class PairMatchResult:
    pairs: list[MentorPair]
    unmatched: list[tuple[Leader, str]]
    considered: int = 0  # mentees in the pool: enrolled, wished for this scheme, no open pair
    skipped: list[tuple[Leader, str]] = field(default_factory=list)  # wished, but not in the pool
    mentors: int = 0  # mentors with free capacity for this scheme


@transaction.atomic
def pair_match(*, programme: Programme, scheme: str, by=None) -> PairMatchResult:
    """Replace the scheme's proposed pairs with an optimal assignment of mentees to mentors."""
    if scheme not in MentoringScheme.values:
        raise ValidationError(_("Unknown mentoring scheme."))
    audit.delete(
        by,
        MentorPair.objects.filter(programme=programme, scheme=scheme, status=MentorPair.Status.PROPOSED),
        event="pair_match",
    )
    paired = MentorPair.objects.open().filter(programme=programme, scheme=scheme).values("mentee_id")
    wishes = list(
        MenteeWish.objects.filter(
            scheme=scheme,
            leader__enrolments__programme=programme,
            leader__enrolments__status=ProgrammeEnrolment.Status.ENROLLED,
        )
        .exclude(leader_id__in=paired)
        .select_related("leader__user", "leader__organisation")
        .prefetch_related("sectors")
    )
    skipped = []
    if scheme == MentoringScheme.PARTNER:
        skipped = [(w.leader, _("Partner is for new top leaders")) for w in wishes if not w.leader.is_new_top_leader]
        wishes = [w for w in wishes if w.leader.is_new_top_leader]
    profiles = list(
        MentorProfile.objects.filter(active=True, capacity__gt=0).select_related("leader__user", "leader__organisation")
    )
    if scheme == MentoringScheme.PARTNER:
        profiles = [p for p in profiles if not p.leader.is_new_top_leader and p.leader.level == Leader.Level.TOP]
    used = _open_pair_counts([p.leader_id for p in profiles])
    mentors = [
        matching.Mentor(
            id=p.leader_id,
            organisation_id=p.leader.organisation_id,
            sector_id=p.leader.organisation.sector_id,
            themes=frozenset(p.themes),
            capacity=p.capacity - used.get(p.leader_id, 0),
        )
        for p in profiles
    ]
    mentees = [
        matching.Mentee(
            id=w.leader_id,
            organisation_id=w.leader.organisation_id,
            sector_id=w.leader.organisation.sector_id,
            themes=frozenset(w.themes),
            sectors=frozenset(s.pk for s in w.sectors.all()),
        )
        for w in wishes
    ]
    governed_by, _names = organisation_tree()
    result = matching.match_pairs(mentors, mentees, governed_by)
    pairs = MentorPair.objects.bulk_create(
        [
            MentorPair(
                programme=programme, scheme=scheme, mentor_id=p.mentor_id, mentee_id=p.mentee_id, match_score=p.score
            )
            for p in result.pairs
        ]
    )
    audit.record(by, audit.CREATE, pairs, audit.created, event="pair_match")
    by_id = {w.leader_id: w.leader for w in wishes}
    return PairMatchResult(
        pairs=pairs,
        unmatched=[(by_id[i], why) for i, why in result.unmatched],
        considered=len(mentees),
        skipped=skipped,
        mentors=sum(1 for m in mentors if m.capacity > 0),
    )


@transaction.atomic
def pair_publish(*, pair: MentorPair, period_start: date | None = None, by=None) -> MentorPair:
    pair = MentorPair.objects.select_for_update().get(pk=pair.pk)
    if pair.status != MentorPair.Status.PROPOSED:
        raise ValidationError(_("Only a proposed pair can be published."))
    before = audit.values(pair)
    pair.status = MentorPair.Status.ACTIVE
    pair.published_at = timezone.now()
    pair.period_start = pair.period_start or period_start or timezone.localdate()
    pair.save(update_fields=["status", "published_at", "period_start"])
    audit.record(by, audit.UPDATE, [pair], audit.diff(before, pair), event="pair_publish")
    queue_after_commit(tasks.pair_published, pair.pk)
    return pair


@transaction.atomic
def pairs_publish(*, programme: Programme, scheme: str, by=None) -> int:
    """Publish every proposed pair of a programme and scheme; returns how many."""
    pairs = list(
        MentorPair.objects.filter(programme=programme, scheme=scheme, status=MentorPair.Status.PROPOSED).order_by("pk")
    )
    for pair in pairs:
        pair_publish(pair=pair, by=by)
    return len(pairs)


@transaction.atomic
def pair_agreement_update(
    *,
    pair: MentorPair,
    actor: User,
    goals: str,
    meeting_frequency: str,
    period_start: date | None,
    period_end: date | None,
) -> MentorPair:
    if not is_pair_party(actor, pair):
        raise PermissionDenied(_("Only the mentor and the mentee can change their agreement."))
    if pair.status != MentorPair.Status.ACTIVE:
        raise ValidationError(_("Only an active pair's agreement can change."))
    if period_start and period_end and period_end < period_start:
        raise ValidationError(_("The period must end after it starts."))
    before = audit.values(pair)
    pair.goals, pair.meeting_frequency = goals.strip(), meeting_frequency.strip()
    pair.period_start, pair.period_end = period_start, period_end
    pair.save(update_fields=["goals", "meeting_frequency", "period_start", "period_end"])
    audit.record(actor, audit.UPDATE, [pair], audit.diff(before, pair), event="pair_agreement_update")
    return pair


@transaction.atomic
def pair_meeting_log(*, pair: MentorPair, actor: User, date: date, note: str = "") -> PairMeeting:
    """Log a meeting with a private note: only the mentor and the mentee can, and only they read it."""
    if not is_pair_party(actor, pair):
        raise PermissionDenied(_("Only the mentor and the mentee can log their meetings."))
    if pair.status != MentorPair.Status.ACTIVE:
        raise ValidationError(_("Meetings can only be logged for an active pair."))
    if date > timezone.localdate():
        raise ValidationError(_("Log a meeting once it has taken place."))
    if pair.published_at and date < timezone.localtime(pair.published_at).date() - timedelta(days=1):
        raise ValidationError(_("A meeting cannot take place before the pair was formed."))
    meeting = PairMeeting.objects.create(pair=pair, date=date, note=(note or "").strip(), author=actor)
    audit.record(actor, audit.CREATE, [meeting], audit.created(meeting), event="pair_meeting_log")
    # A meeting ends an inactivity warning (read from the row: the instance may predate it).
    warned = MentorPair.objects.filter(pk=pair.pk).values_list("inactivity_warned_at", flat=True).first()
    if warned is not None:
        MentorPair.objects.filter(pk=pair.pk).update(inactivity_warned_at=None)
        audit.record(actor, audit.UPDATE, [pair], {"inactivity_warned_at": [warned, None]}, event="pair_meeting_log")
    pair.inactivity_warned_at = None
    return meeting


@transaction.atomic
def pair_appointment_plan(
    *, pair: MentorPair, actor: User, starts_at: datetime, place: str = "", video_link: str = ""
) -> PairAppointment:
    """Plan the pair's next meeting: the mentor and the mentee get it in their calendars."""
    if not is_pair_party(actor, pair):
        raise PermissionDenied(_("Only the mentor and the mentee can plan their meetings."))
    if pair.status != MentorPair.Status.ACTIVE:
        raise ValidationError(_("Meetings can only be planned for an active pair."))
    _check_time_and_place(starts_at, place, video_link)
    appointment = PairAppointment.objects.create(
        pair=pair, starts_at=starts_at, place=place.strip(), video_link=video_link.strip(), created_by=actor
    )
    audit.record(actor, audit.CREATE, [appointment], audit.created(appointment), event="pair_appointment_plan")
    queue_after_commit(tasks.pair_appointment_changed, appointment.pk)
    return appointment


@transaction.atomic
def pair_appointment_change(
    *, appointment: PairAppointment, actor: User, starts_at: datetime, place: str = "", video_link: str = ""
) -> PairAppointment:
    """Move a planned meeting: both get the updated entry (same UID, higher SEQUENCE)."""
    appointment = PairAppointment.objects.select_for_update().select_related("pair").get(pk=appointment.pk)
    if not is_pair_party(actor, appointment.pair):
        raise PermissionDenied(_("Only the mentor and the mentee can change their meetings."))
    _check_changeable(appointment)
    _check_time_and_place(starts_at, place, video_link)
    before = audit.values(appointment)
    if not _set_time_and_place(appointment, starts_at, place, video_link):
        return appointment
    audit.record(actor, audit.UPDATE, [appointment], audit.diff(before, appointment), event="pair_appointment_change")
    queue_after_commit(tasks.pair_appointment_changed, appointment.pk)
    return appointment


@transaction.atomic
def pair_appointment_cancel(*, appointment: PairAppointment, actor: User) -> PairAppointment:
    """Call off a planned meeting: both get a calendar CANCEL (same UID, higher SEQUENCE)."""
    appointment = PairAppointment.objects.select_for_update().select_related("pair").get(pk=appointment.pk)
    if not is_pair_party(actor, appointment.pair):
        raise PermissionDenied(_("Only the mentor and the mentee can cancel their meetings."))
    audit.record(actor, audit.UPDATE, [appointment], _call_off(appointment), event="pair_appointment_cancel")
    queue_after_commit(tasks.pair_appointment_changed, appointment.pk)
    return appointment


@transaction.atomic
def pair_fit_check(*, pair: MentorPair, leader: Leader, fit: str) -> MentorPair:
    """ "Pairing fit" after the first meeting: each side answers for themselves."""
    if fit not in MentorPair.Fit.values:
        raise ValidationError(_("Choose one of the answers."))
    if leader.pk not in (pair.mentor_id, pair.mentee_id) or pair.status != MentorPair.Status.ACTIVE:
        raise PermissionDenied(_("Only the two in an active pair can answer the fit check."))
    if not pair.meetings.exists():
        raise ValidationError(_("The fit check opens after your first meeting."))
    field = "fit_mentor" if leader.pk == pair.mentor_id else "fit_mentee"
    was = getattr(pair, field)
    setattr(pair, field, fit)
    pair.save(update_fields=[field])
    audit.record(leader.user, audit.UPDATE, [pair], {field: [was, fit]}, event="pair_fit_check")
    return pair


@transaction.atomic
def pair_request_rematch(*, pair: MentorPair, leader: Leader) -> MentorPair:
    """Quietly ask HR for a new match. Only HR sees who asked; the other side sees nothing."""
    if leader.pk not in (pair.mentor_id, pair.mentee_id) or pair.status != MentorPair.Status.ACTIVE:
        raise PermissionDenied(_("Only the two in an active pair can ask for a new match."))
    before = audit.values(pair)
    pair.rematch_requested_by = leader
    pair.rematch_requested_at = timezone.now()
    pair.save(update_fields=["rematch_requested_by", "rematch_requested_at"])
    audit.record(leader.user, audit.UPDATE, [pair], audit.diff(before, pair), event="pair_request_rematch")
    return pair


@transaction.atomic
def pair_close(*, pair: MentorPair, reason: str, by=None) -> MentorPair:
    if reason not in MentorPair.CloseReason.values:
        raise ValidationError(_("Choose a reason for closing the pair."))
    locked = MentorPair.objects.select_for_update().get(pk=pair.pk)
    if locked.status == MentorPair.Status.CLOSED:
        raise ValidationError(_("The pair is already closed."))
    before = audit.values(locked)
    locked.status, locked.close_reason, locked.closed_at = MentorPair.Status.CLOSED, reason, timezone.now()
    locked.save(update_fields=["status", "close_reason", "closed_at"])
    audit.record(by, audit.UPDATE, [locked], audit.diff(before, locked), event="pair_close")
    pair.refresh_from_db()
    return pair


# When to warn and when to close a pair that has stopped meeting (see tasks.pairs_close_inactive).
INACTIVE_WARN_WEEKS = 8
INACTIVE_CLOSE_WEEKS = 12


@transaction.atomic
def pairs_close_inactive(
    *,
    today: date | None = None,
    warn_after_weeks: int = INACTIVE_WARN_WEEKS,
    close_after_weeks: int = INACTIVE_CLOSE_WEEKS,
) -> tuple[int, int]:
    """Periodic: warn active pairs with no meeting for `warn_after_weeks`, close those warned and
    silent for `close_after_weeks`. Returns (warned, closed). Safe to run twice."""
    today = today or timezone.localdate()
    now = timezone.now()
    warned = closed = 0
    pairs = MentorPair.objects.filter(status=MentorPair.Status.ACTIVE).annotate(last=Max("meetings__date"))
    for pair in pairs:
        started = pair.last or (
            timezone.localtime(pair.published_at).date() if pair.published_at else pair.period_start
        )
        if started is None:
            continue
        silent = (today - started).days
        if silent >= close_after_weeks * 7 and pair.inactivity_warned_at is not None:
            if MentorPair.objects.filter(pk=pair.pk, status=MentorPair.Status.ACTIVE).update(
                status=MentorPair.Status.CLOSED, close_reason=MentorPair.CloseReason.INACTIVE, closed_at=now
            ):
                closed += 1
                changes = {"status": ["active", "closed"], "close_reason": ["", "inactive"], "closed_at": [None, now]}
                audit.record(None, audit.UPDATE, [pair], changes, event="pairs_close_inactive")
        elif silent >= warn_after_weeks * 7 and pair.inactivity_warned_at is None:
            if MentorPair.objects.filter(pk=pair.pk, inactivity_warned_at__isnull=True).update(
                inactivity_warned_at=now
            ):
                warned += 1
                changes = {"inactivity_warned_at": [None, now]}
                audit.record(None, audit.UPDATE, [pair], changes, event="pairs_close_inactive")
    return warned, closed


def pair_mark_seen(*, leader: Leader, pair: MentorPair) -> int:
    """The mentor or mentee has opened the pair's page: the dashboard stops saying "New pair".
    Their own reading mark, asked for by the page (a POST): not audited."""
    if leader.pk == pair.mentor_id:
        return MentorPair.objects.filter(pk=pair.pk, mentor_seen_at__isnull=True).update(mentor_seen_at=timezone.now())
    if leader.pk == pair.mentee_id:
        return MentorPair.objects.filter(pk=pair.pk, mentee_seen_at__isnull=True).update(mentee_seen_at=timezone.now())
    return 0


# --------------------------------------------------------------------------- networks by interest
MAX_THEMES = 12


@transaction.atomic
def theme_window_open(
    *,
    programme: Programme,
    title: str,
    themes: list[str],
    opens_at: datetime,
    closes_at: datetime,
    by,
    max_choices: int = 2,
    size_min: int = 5,
    size_max: int = 8,
) -> ThemeWindow:
    """HR asks the programme's leaders to choose up to `max_choices` network themes (or "no
    preference") between `opens_at` and `closes_at`."""
    themes = list(dict.fromkeys(t.strip() for t in themes or () if t and t.strip()))
    errors: dict[str, list] = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the theme choice a title.")]
    if len(themes) < 2:
        errors["themes"] = [_("Give at least two themes, one per line.")]
    elif len(themes) > MAX_THEMES or any(len(t) > 200 for t in themes):
        errors["themes"] = [_("Give at most %(max)d themes of at most 200 characters.") % {"max": MAX_THEMES}]
    if not (1 <= int(max_choices) <= max(len(themes), 1)):
        errors["max_choices"] = [_("A leader may choose from one theme up to all of them.")]
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = [_("The choice must close after it opens.")]
    if not (2 <= int(size_min) <= int(size_max) <= 20):
        errors["size_max"] = [_("The group size must be between 2 and 20, smallest first.")]
    if errors:
        raise ValidationError(errors)
    window = ThemeWindow.objects.create(
        programme=programme,
        title=title.strip(),
        themes=themes,
        max_choices=int(max_choices),
        opens_at=opens_at,
        closes_at=closes_at,
        size_min=int(size_min),
        size_max=int(size_max),
    )
    audit.record(by, audit.CREATE, [window], audit.created(window), event="theme_window_open")
    return window


@transaction.atomic
def theme_choice_save(
    *, window: ThemeWindow, leader: Leader, themes: list[str], no_preference: bool = False, by=None
) -> ThemeChoice:
    """A leader's themes, first choice first (or no preference), while the window is open.

    Refused with a message, and nothing changed, after the window (or before it), for a
    leader not enrolled in the programme, for a theme the window does not offer, for more
    themes than allowed, and for themes together with "no preference".
    """
    from toppleder.dates import fmt

    now = timezone.now()
    if now >= window.closes_at:
        raise ValidationError(
            _("The theme choice closed %(when)s: your choice was not saved.")
            % {"when": fmt(window.closes_at, "datetime")}
        )
    if now < window.opens_at:
        raise ValidationError(
            _("The theme choice opens %(when)s: your choice was not saved.")
            % {"when": fmt(window.opens_at, "datetime")}
        )
    if not ProgrammeEnrolment.objects.active().filter(programme_id=window.programme_id, leader=leader).exists():
        raise ValidationError(_("Only leaders enrolled in the programme can choose network themes."))
    chosen = [t for t in themes or () if t]
    if no_preference and chosen:
        raise ValidationError(_("Choose themes or “no preference”, not both."))
    if not no_preference and not chosen:
        raise ValidationError(_("Choose at least one theme, or “no preference”."))
    if len(set(chosen)) != len(chosen):
        raise ValidationError(_("Choose each theme only once."))
    if any(t not in window.themes for t in chosen):
        raise ValidationError(_("Choose among the themes offered."))
    if len(chosen) > window.max_choices:
        raise ValidationError(_("Choose at most %(n)d themes.") % {"n": window.max_choices})
    choice = ThemeChoice.objects.select_for_update().filter(window=window, leader=leader).first()
    if choice is None:
        choice = ThemeChoice.objects.create(
            window=window, leader=leader, themes=chosen, no_preference=bool(no_preference), chosen_at=now
        )
        audit.record(by, audit.CREATE, [choice], audit.created(choice), event="theme_choice_save")
        return choice
    before = audit.values(choice)
    choice.themes, choice.no_preference, choice.chosen_at = chosen, bool(no_preference), now
    choice.save(update_fields=["themes", "no_preference", "chosen_at"])
    audit.record(by, audit.UPDATE, [choice], audit.diff(before, choice), event="theme_choice_save")
    return choice


@dataclass
class NetworksResult:
    groups: list[ReflectionGroup]
    proposal: matching.NetworkProposal


@transaction.atomic
def networks_compose(*, window: ThemeWindow, by=None, seed: int = 0) -> NetworksResult:
    """Propose network groups from the leaders' theme choices once the window has closed.

    The pool is the programme's enrolled leaders not already in a network group; those who
    did not answer count as "no preference". Saved as proposals (replacing earlier network
    proposals), for HR to review and publish as other groups; each answer records the network
    it led to and which choice that was. Nothing is saved when the rules cannot hold.
    """
    if timezone.now() < window.closes_at:
        raise ValidationError(_("Networks can be proposed once the theme choice has closed."))
    programme = window.programme
    pool = compose_pool(programme=programme, kind=Kind.NETWORK)
    answers = {c.leader_id: c for c in ThemeChoice.objects.filter(window=window).select_for_update()}
    choices = {lid: ([] if c.no_preference else list(c.themes)) for lid, c in answers.items()}
    governed_by, names = organisation_tree()
    proposal = matching.compose_networks(
        matching.Pool([_candidate(leader) for leader in pool], governed_by, names),
        choices,
        window.themes,
        window.size_min,
        window.size_max,
        seed=seed,
    )
    if not proposal.feasible:
        raise ValidationError(proposal.problems)
    earlier = ReflectionGroup.objects.filter(
        programme=programme, kind=Kind.NETWORK, status=ReflectionGroup.Status.PROPOSED
    )
    audit.delete(by, earlier, event="networks_compose")
    last_round = (
        ReflectionGroup.objects.filter(
            programme=programme, kind=Kind.NETWORK, status=ReflectionGroup.Status.CLOSED
        ).aggregate(r=Max("round_number"))["r"]
        or 0
    )
    numbers: dict[str, int] = {}
    rows = []
    for n in proposal.networks:
        numbers[n.theme] = numbers.get(n.theme, 0) + 1
        rows.append(
            ReflectionGroup(
                programme=programme,
                kind=Kind.NETWORK,
                theme=n.theme,
                name=f"{n.theme} {numbers[n.theme]}"[:200],
                round_number=last_round + 1,
                diversity_score=n.score,
            )
        )
    groups = ReflectionGroup.objects.bulk_create(rows)
    now = timezone.now()
    memberships = GroupMembership.objects.bulk_create(
        [
            GroupMembership(group=grp, leader_id=lid, programme=programme, kind=Kind.NETWORK, joined=now)
            for grp, n in zip(groups, proposal.networks, strict=True)
            for lid in n.member_ids
        ]
    )
    audit.record(by, audit.CREATE, groups, audit.created, event="networks_compose")
    audit.record(by, audit.CREATE, memberships, audit.created, event="networks_compose")
    theme_of = {lid: n.theme for n in proposal.networks for lid in n.member_ids}
    before = {c.pk: audit.values(c) for c in answers.values()}
    changed = []
    for lid, c in answers.items():
        # An answer from a leader who is no longer in the pool (already in a network) keeps nothing.
        c.got_theme = theme_of.get(lid, "")
        c.got_rank = proposal.ranks.get(lid) if lid in theme_of else None
        changed.append(c)
    ThemeChoice.objects.bulk_update(changed, ["got_theme", "got_rank"])
    audit.record(by, audit.UPDATE, changed, lambda c: audit.diff(before[c.pk], c), event="networks_compose")
    w_before = audit.values(window)
    window.composed_at = now
    window.save(update_fields=["composed_at"])
    audit.record(by, audit.UPDATE, [window], audit.diff(w_before, window), event="networks_compose")
    return NetworksResult(groups=groups, proposal=proposal)


# --------------------------------------------------------------------------- onboarding of new top leaders
def _onboarding_save(leader: Leader, by, event: str, **values) -> OnboardingPath:
    """Create the leader's path with `values`, or change it: one entry either way."""
    if not leader.is_new_top_leader:
        raise ValidationError(_("The onboarding path is for top leaders in their first twelve months."))
    path = OnboardingPath.objects.select_for_update().filter(leader=leader).first()
    if path is None:
        path = OnboardingPath.objects.create(leader=leader, **values)
        audit.record(by, audit.CREATE, [path], audit.created(path), event=event)
        return path
    before = audit.values(path)
    for key, value in values.items():
        setattr(path, key, value)
    path.save(update_fields=list(values))
    audit.record(by, audit.UPDATE, [path], audit.diff(before, path), event=event)
    return path


@transaction.atomic
def onboarding_tick(*, leader: Leader, step: str, by, done: bool = True) -> OnboardingPath | None:
    """Tick a step of a new top leader's onboarding off (or untick it): the leader or HR."""
    if step not in OnboardingPath.STEPS:
        raise ValidationError(_("Unknown step."))
    me = leader_of(by)
    if by is not None and not (is_hr(by) or (me is not None and me.pk == leader.pk)):
        raise PermissionDenied(_("Only the leader or HR can tick off the onboarding."))
    current = OnboardingPath.objects.filter(leader=leader).values_list(f"{step}_at", flat=True).first()
    if bool(current) == bool(done):  # already so: nothing changes, nothing is recorded
        return OnboardingPath.objects.filter(leader=leader).first()
    return _onboarding_save(leader, by, "onboarding_tick", **{f"{step}_at": timezone.now() if done else None})


@transaction.atomic
def onboarding_set_contact(*, leader: Leader, contact: User, by) -> OnboardingPath:
    """HR names a new top leader's contact (an HR adviser)."""
    if by is not None and not is_hr(by):
        raise PermissionDenied(_("Only HR can name the contact."))
    if contact is None or not contact.is_active or not is_hr(contact):
        raise ValidationError({"contact": _("Choose an HR adviser as the named contact.")})
    return _onboarding_save(leader, by, "onboarding_set_contact", contact=contact)
