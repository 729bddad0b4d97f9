"""The surveys panel on "Mitt program": open surveys the leader has not answered yet."""

from surveys import questionnaire as qmod
from surveys.selectors import invitations_open_for
from toppleder.dashboard import panel


@panel("leader", template="surveys/panels/open_surveys.html", order=30)
def open_surveys(request):
    items = []
    for inv in invitations_open_for(request.user)[:10]:
        seconds = qmod.estimated_seconds(["likert"] * inv["likert_count"] + ["free_text"] * inv["free_text_count"])
        items.append({**inv, "minutes": qmod.estimated_minutes(seconds)})
    return {"items": items} if items else None


@panel("hr", template="surveys/panels/hr_surveys.html", order=2)
def surveys_open_now(request):
    """HR: surveys open now, with how many have answered (never who)."""
    from datetime import timedelta

    from django.utils import timezone

    from surveys.selectors import surveys_with_counts

    now = timezone.now()
    surveys = list(surveys_with_counts().filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at")[:8])
    # A survey closing within a week is marked: a reminder to the rest is still worth sending.
    return {"surveys": surveys, "soon": now + timedelta(days=7)}


@panel("leader", template="surveys/panels/my_actions.html", order=35, side=True)
def my_actions(request):
    """The leader's own actions from survey results (owned, or party to the commitment). No
    figure is shown here: the results page shows the figures, suppressed under k."""
    from surveys.forms import ActionStatusForm
    from surveys.selectors import actions_for_leader

    actions = list(actions_for_leader(request.user)[:10])
    if not actions:
        return None
    return {"actions": actions, "statuses": ActionStatusForm.base_fields["status"].choices}
