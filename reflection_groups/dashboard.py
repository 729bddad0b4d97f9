"""Dashboard panels: a leader's groups and mentor pair ("Mitt program"), and HR's counts.

"New group" / "New pair" is how a member first hears of a publication on the dashboard
(the introduction e-mail goes through tasks.group_published / pair_published).
"""

from django.db.models import Count, Q

from reflection_groups import selectors
from reflection_groups.models import MentorPair, ReflectionGroup
from toppleder.dashboard import panel
from toppleder.permissions import leader_of


@panel("leader", template="reflection_groups/panels/my_groups.html", order=30, side=True)
def my_groups(request):
    leader = leader_of(request.user)
    if leader is None:
        return None
    pair = selectors.leader_pair(leader)
    i_am_mentor = bool(pair and pair.mentor_id == leader.pk)
    pair_is_new = bool(pair and (pair.mentor_seen_at if i_am_mentor else pair.mentee_seen_at) is None)
    return {
        "groups": selectors.leader_groups(leader),
        "pair": pair,
        "i_am_mentor": i_am_mentor,
        "pair_is_new": pair_is_new,
    }


@panel("hr", template="reflection_groups/panels/hr_groups.html", order=30)
def hr_groups(request):
    pairs = MentorPair.objects.aggregate(
        active=Count("pk", filter=Q(status=MentorPair.Status.ACTIVE)),
        rematch=Count("pk", filter=Q(status=MentorPair.Status.ACTIVE, rematch_requested_at__isnull=False)),
    )
    return {
        "groups": ReflectionGroup.objects.filter(status=ReflectionGroup.Status.PUBLISHED).count(),
        "pairs": pairs["active"],
        "rematch": pairs["rematch"],
    }


@panel("facilitator", template="reflection_groups/panels/facilitated_groups.html", order=30)
def facilitated_groups(request):
    groups = list(
        ReflectionGroup.objects.filter(facilitator=request.user)
        .exclude(status=ReflectionGroup.Status.PROPOSED)
        .annotate(member_count=Count("memberships", distinct=True))
        .order_by("status", "name")
    )
    return {"groups": groups} if groups else None
