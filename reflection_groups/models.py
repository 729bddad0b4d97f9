"""Reflection groups, network groups and mentor pairs.

Confidential content lives in two places only: `GroupNote.text` and `PairMeeting.note`.
Nothing outside the group (or the pair) ever reads them: not HR, not the admin, not reports.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from programmes.models import Programme
from toppleder import reference
from toppleder.fields import EncryptedTextField
from toppleder.models import Leader, Sector


def prompt_theme_choices() -> list[tuple[str, str]]:
    """The agenda themes of reference.yaml `reflection_prompts` (keys + language-aware labels)."""
    return [(e["theme"]["key"], reference.label(e["theme"])) for e in reference.entries("reflection_prompts")]


def prompt_questions(theme_key: str) -> list[str]:
    for e in reference.entries("reflection_prompts"):
        if e["theme"]["key"] == theme_key:
            return list(e.get("questions_nb", []))
    return []


class GroupQuerySet(models.QuerySet):
    def with_details(self):
        return self.select_related("programme", "facilitator")

    def for_leader(self, leader):
        return self.filter(memberships__leader=leader)

    def visible_to_members(self):
        """Members see their group once it is published (a proposal is HR's draft)."""
        return self.exclude(status=ReflectionGroup.Status.PROPOSED)


class ReflectionGroup(models.Model):
    class Kind(models.TextChoices):
        REFLECTION = "reflection", _("Reflection group")
        SELF_DRIVEN = "self_driven", _("Self-driven reflection group (level 2)")
        NETWORK = "network", _("Network group")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="reflection_groups", verbose_name=_("programme")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.REFLECTION)
    theme = models.CharField(_("theme"), max_length=200, blank=True, help_text=_("For network groups."))
    name = models.CharField(_("name"), max_length=200)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="facilitated_groups",
        verbose_name=_("facilitator"),
    )
    members = models.ManyToManyField(
        Leader, through="GroupMembership", related_name="reflection_groups", verbose_name=_("members")
    )
    meeting_rhythm = models.CharField(_("meeting rhythm"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    round_number = models.PositiveSmallIntegerField(_("round"), default=1)
    diversity_score = models.FloatField(_("diversity score"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("reflection group")
        verbose_name_plural = _("reflection groups")
        ordering = ["programme_id", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="network") | ~Q(theme=""), name="reflection_group_network_has_theme"
            ),
            models.CheckConstraint(
                condition=Q(kind="self_driven") | Q(status="proposed") | Q(facilitator__isnull=False),
                name="reflection_group_facilitator_unless_self_driven",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # The admin's form too: only a facilitator account or a top leader can be named
        # (toppleder.permissions.can_facilitate; the services check the same rule).
        from toppleder.permissions import can_facilitate

        if self.facilitator_id and not can_facilitate(self.facilitator):
            raise ValidationError(
                {
                    "facilitator": _(
                        "Choose a facilitator account or a top leader: this person cannot facilitate groups."
                    )
                }
            )


class GroupMembership(models.Model):
    """A leader in a group. `programme`, `kind` and `active` are copied from the group so the
    database itself can guard "one group of a kind per programme" (closed groups free the leader)."""

    group = models.ForeignKey(ReflectionGroup, on_delete=models.CASCADE, related_name="memberships")
    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="group_memberships")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ReflectionGroup.Kind.choices)
    active = models.BooleanField(default=True)
    joined = models.DateTimeField(_("joined"), default=timezone.now)
    # The dashboard shows "new group" until the member has opened the group page.
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints = [
            models.UniqueConstraint(fields=["group", "leader"], name="group_membership_once"),
            models.UniqueConstraint(
                fields=["programme", "kind", "leader"],
                condition=Q(active=True),
                name="group_membership_one_group_per_kind_and_programme",
            ),
        ]

    def __str__(self):
        return f"{self.leader} – {self.group}"


class GroupMeeting(models.Model):
    group = models.ForeignKey(ReflectionGroup, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    prompt_key = models.CharField(_("agenda theme"), max_length=40, blank=True)
    prompt_question = models.TextField(_("agenda question"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # iCalendar: SEQUENCE of the meeting's entry (bumped when it is cancelled); a cancelled
    # meeting stays, so calendars get the CANCEL and the feed shows it as cancelled.
    sequence = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    attendees = models.ManyToManyField(
        Leader, through="MeetingAttendance", related_name="attended_group_meetings", blank=True
    )

    class Meta:
        verbose_name = _("group meeting")
        verbose_name_plural = _("group meetings")
        ordering = ["starts_at"]

    def __str__(self):
        return f"{self.group} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def prompt_label(self) -> str:
        return dict(prompt_theme_choices()).get(self.prompt_key, "")


class MeetingAttendance(models.Model):
    meeting = models.ForeignKey(GroupMeeting, on_delete=models.CASCADE, related_name="attendance")
    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["meeting", "leader"], name="meeting_attendance_once")]

    def __str__(self):
        return f"{self.leader_id} @ {self.meeting_id}"


class GroupNote(models.Model):
    """CONFIDENTIAL: read only by the group's members and its facilitator. Not in the admin."""

    group = models.ForeignKey(ReflectionGroup, on_delete=models.CASCADE, related_name="notes")
    meeting = models.ForeignKey(GroupMeeting, on_delete=models.CASCADE, null=True, blank=True, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = EncryptedTextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("group note")
        verbose_name_plural = _("group notes")
        ordering = ["created_at"]

    def __str__(self):
        # Never the text: __str__ ends up in logs, admin history and error pages.
        return f"#{self.pk}"


class MentorProfile(models.Model):
    leader = models.OneToOneField(Leader, on_delete=models.CASCADE, related_name="mentor_profile")
    capacity = models.PositiveSmallIntegerField(_("how many mentees"), default=1)
    themes = models.JSONField(_("themes"), default=list, blank=True)
    active = models.BooleanField(_("available as mentor"), default=True)

    class Meta:
        verbose_name = _("mentor profile")
        verbose_name_plural = _("mentor profiles")
        constraints = [models.CheckConstraint(condition=Q(capacity__lte=10), name="mentor_capacity_at_most_10")]

    def __str__(self):
        return str(self.leader)


class MentoringScheme(models.TextChoices):
    DUO = "duo", _("Duo (existing top leaders)")
    PARTNER = "partner", _("Partner (new top leaders)")


class MenteeWish(models.Model):
    leader = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="mentee_wishes")
    scheme = models.CharField(_("scheme"), max_length=10, choices=MentoringScheme.choices)
    themes = models.JSONField(_("wished themes"), default=list, blank=True)
    sectors = models.ManyToManyField(Sector, blank=True, related_name="+", verbose_name=_("wished sectors"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mentee wish")
        verbose_name_plural = _("mentee wishes")
        constraints = [models.UniqueConstraint(fields=["leader", "scheme"], name="mentee_wish_once_per_scheme")]

    def __str__(self):
        return f"{self.leader} ({self.get_scheme_display()})"


class PairQuerySet(models.QuerySet):
    def with_details(self):
        return self.select_related(
            "programme", "mentor__user", "mentor__organisation", "mentee__user", "mentee__organisation"
        )

    def for_leader(self, leader):
        return self.filter(Q(mentor=leader) | Q(mentee=leader))

    def open(self):
        return self.exclude(status=MentorPair.Status.CLOSED)


class MentorPair(models.Model):
    Scheme = MentoringScheme

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", pgettext_lazy("mentor pair status", "Active")
        CLOSED = "closed", _("Closed")

    class CloseReason(models.TextChoices):
        COMPLETED = "completed", _("Period completed")
        INACTIVE = "inactive", _("No meetings for a long time")
        REMATCH = "rematch", _("New match")
        OTHER = "other", _("Other reason")

    class Fit(models.TextChoices):
        GOOD = "good", _("Good fit")
        UNSURE = "unsure", _("Not sure yet")
        POOR = "poor", _("Poor fit")

    scheme = models.CharField(_("scheme"), max_length=10, choices=MentoringScheme.choices)
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="mentor_pairs", verbose_name=_("programme")
    )
    mentor = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="mentor_pairs", verbose_name=_("mentor"))
    mentee = models.ForeignKey(Leader, on_delete=models.CASCADE, related_name="mentee_pairs", verbose_name=_("mentee"))
    goals = models.TextField(_("goals"), blank=True)
    meeting_frequency = models.CharField(_("meeting frequency"), max_length=100, blank=True)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    close_reason = models.CharField(_("close reason"), max_length=10, choices=CloseReason.choices, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    match_score = models.FloatField(_("match score"), null=True, blank=True)
    fit_mentor = models.CharField(_("fit (mentor)"), max_length=10, choices=Fit.choices, blank=True)
    fit_mentee = models.CharField(_("fit (mentee)"), max_length=10, choices=Fit.choices, blank=True)
    # Quiet: HR sees who asked; the other side never does.
    rematch_requested_by = models.ForeignKey(
        Leader, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("new match asked by")
    )
    rematch_requested_at = models.DateTimeField(_("new match asked"), null=True, blank=True)
    inactivity_warned_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    mentor_seen_at = models.DateTimeField(null=True, blank=True)
    mentee_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PairQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentor pair")
        verbose_name_plural = _("mentor pairs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(mentor=models.F("mentee")), name="mentor_pair_two_people"),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True)
                | Q(period_start__isnull=True)
                | Q(period_end__gte=models.F("period_start")),
                name="mentor_pair_period_ordered",
            ),
            models.UniqueConstraint(
                fields=["programme", "scheme", "mentee"],
                condition=~Q(status="closed"),
                name="mentor_pair_one_open_pair_per_mentee",
            ),
            models.CheckConstraint(
                condition=Q(status="closed") | Q(close_reason=""), name="mentor_pair_reason_only_when_closed"
            ),
        ]

    def __str__(self):
        return f"{self.mentor} → {self.mentee}"

    def other_side(self, leader):
        return self.mentee if leader.pk == self.mentor_id else self.mentor


class PairMeeting(models.Model):
    """A meeting in a pair's log. `note` is PRIVATE to the mentor and the mentee."""

    pair = models.ForeignKey(MentorPair, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(_("date"))
    note = EncryptedTextField(_("private note"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("pair meeting")
        verbose_name_plural = _("pair meetings")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.pair} {self.date}"


class PairAppointment(models.Model):
    """A meeting a mentor pair plans ahead: both get it in their calendars (a REQUEST with
    themselves as accepted attendees; a change bumps SEQUENCE; a cancellation sends CANCEL).
    Nothing private is kept here: the private note belongs to the meeting log (PairMeeting)."""

    pair = models.ForeignKey(MentorPair, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    sequence = models.PositiveIntegerField(default=0, db_default=0, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("planned pair meeting")
        verbose_name_plural = _("planned pair meetings")
        ordering = ["starts_at"]

    def __str__(self):
        return f"{self.pair} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"
