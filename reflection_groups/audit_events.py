"""What the group and mentoring services' audit events mean (see toppleder/audit_log.py)."""

from django.utils.translation import gettext_lazy as _

EVENTS = {
    "group_compose": ("reflection_groups.reflectiongroup", _("%(who)s proposed the group %(object)s.")),
    "group_create": ("reflection_groups.reflectiongroup", _("%(who)s created the group %(object)s.")),
    "group_publish": ("reflection_groups.reflectiongroup", _("%(who)s published the group %(object)s.")),
    "group_close": ("reflection_groups.reflectiongroup", _("%(who)s closed the group %(object)s.")),
    "group_move_member": ("reflection_groups.groupmembership", _("%(who)s moved a member: %(object)s.")),
    "group_add_member": ("reflection_groups.groupmembership", _("%(who)s added a member: %(object)s.")),
    "meeting_schedule": ("reflection_groups.groupmeeting", _("%(who)s scheduled the group meeting %(object)s.")),
    "meeting_change": (
        "reflection_groups.groupmeeting",
        _("%(who)s changed the time or place of the group meeting %(object)s."),
    ),
    "meeting_cancel": ("reflection_groups.groupmeeting", _("%(who)s cancelled the group meeting %(object)s.")),
    "pair_appointment_plan": ("reflection_groups.pairappointment", _("%(who)s planned the mentor meeting %(object)s.")),
    "pair_appointment_change": (
        "reflection_groups.pairappointment",
        _("%(who)s changed the time or place of the mentor meeting %(object)s."),
    ),
    "pair_appointment_cancel": (
        "reflection_groups.pairappointment",
        _("%(who)s cancelled the mentor meeting %(object)s."),
    ),
    "attendance_record": ("reflection_groups.meetingattendance", _("%(who)s recorded attendance at a group meeting.")),
    "note_create": ("reflection_groups.groupnote", _("%(who)s wrote a confidential note (its text is never logged).")),
    "facilitator_invite": ("toppleder.user", _("%(who)s invited %(object)s as a facilitator.")),
    "mentor_profile_save": ("reflection_groups.mentorprofile", _("%(who)s saved the mentor profile of %(object)s.")),
    "mentee_wish_save": ("reflection_groups.menteewish", _("%(who)s saved the mentoring wishes %(object)s.")),
    "pair_create": ("reflection_groups.mentorpair", _("%(who)s proposed the mentor pair %(object)s.")),
    "pair_match": ("reflection_groups.mentorpair", _("%(who)s proposed the mentor pair %(object)s.")),
    "pair_discard": ("reflection_groups.mentorpair", _("%(who)s removed the proposed mentor pair %(object)s.")),
    "pair_publish": ("reflection_groups.mentorpair", _("%(who)s published the mentor pair %(object)s.")),
    "pair_agreement_update": (
        "reflection_groups.mentorpair",
        _("%(who)s changed the agreement of the mentor pair %(object)s."),
    ),
    "pair_meeting_log": (
        "reflection_groups.pairmeeting",
        _("%(who)s logged a mentor meeting (its note is never logged)."),
    ),
    "pair_fit_check": ("reflection_groups.mentorpair", _("%(who)s said how the mentor pair %(object)s fits.")),
    "pair_request_rematch": (
        "reflection_groups.mentorpair",
        _("%(who)s asked for a new match in the mentor pair %(object)s."),
    ),
    "pair_close": ("reflection_groups.mentorpair", _("%(who)s closed the mentor pair %(object)s.")),
    "pairs_close_inactive": (
        "reflection_groups.mentorpair",
        _("%(who)s closed or warned the silent mentor pair %(object)s."),
    ),
}
