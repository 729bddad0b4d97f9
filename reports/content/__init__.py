"""What goes into each report: context builders that read programmes, reflection groups and
surveys and hand plain data to the templates in templates/reports/.

Every figure is a database aggregate (values().annotate()/aggregate()), so the number of
queries does not grow with the data. Survey figures come from `surveys.results`, which
applies the k-anonymity rules; the reports show what it returns and never compute a survey
figure themselves. Confidential notes (`GroupNote.text`, `PairMeeting.note`) are never read.
"""

from programmes.models import Session
from toppleder import reference

# Sessions that took place: published or completed (not drafts, not cancelled) and begun.
HELD_STATUSES = (Session.Status.PUBLISHED, Session.Status.COMPLETED)


def kind_label(key: str) -> str:
    """The activity kind's name in the active language (reference.yaml `activity_kinds`)."""
    try:
        return str(reference.label(reference.entry("activity_kinds", key)))
    except KeyError:
        return key
