"""Forms for the outbox pages and the notification preferences."""

from django import forms
from django.utils.translation import gettext_lazy as _

from toppleder.models import NotificationPreference, OutboxMessage


class OutboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Recipient or subject"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *OutboxMessage.Status.choices]
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *OutboxMessage.Kind.choices]
    )


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["session_reminders", "survey_reminders"]
        labels = {
            "session_reminders": _("Remind me 48 hours before a session I am signed up for"),
            "survey_reminders": _("Remind me about surveys I have not answered"),
        }
