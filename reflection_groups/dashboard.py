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
    from django.db.models import CharField, IntegerField, Value

    # The pair counts and the group count in one round trip (UNION ALL of two grouped counts).
    def tagged(qs, what):
        return qs.annotate(_what=Value(what, output_field=CharField())).values("_what")

    rows = tagged(MentorPair.objects.filter(status=MentorPair.Status.ACTIVE), "pairs").annotate(
        n=Count("pk"), rematch=Count("pk", filter=Q(rematch_requested_at__isnull=False))
    )
    groups = tagged(ReflectionGroup.objects.filter(status=ReflectionGroup.Status.PUBLISHED), "groups").annotate(
        n=Count("pk"), rematch=Value(0, output_field=IntegerField())
    )
    counts = {row["_what"]: row for row in rows.order_by().union(groups.order_by(), all=True)}
    none = {"n": 0, "rematch": 0}
    return {
        "groups": counts.get("groups", none)["n"],
        "pairs": counts.get("pairs", none)["n"],
        "rematch": counts.get("pairs", none)["rematch"],
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


@panel("leader", template="reflection_groups/panels/theme_choices.html", order=31, side=True)
def theme_choices(request):
    """An open theme choice of the leader's programmes: "Choose your network themes by …"."""
    leader = leader_of(request.user)
    if leader is None:
        return None
    windows = list(selectors.open_theme_windows_for(leader)[:3])
    return {"windows": windows} if windows else None


@panel("leader", template="reflection_groups/panels/onboarding.html", order=5)
def onboarding(request):
    """A new top leader's onboarding path (no query at all for other leaders)."""
    leader = leader_of(request.user)
    if leader is None or not leader.is_new_top_leader:
        return None
    (row,) = selectors.onboarding_rows([leader])
    return {"row": row}
