"""The audit log page's filters (administrators)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from toppleder.audit import Action
from toppleder.audit_log import object_type_choices


class AuditFilterForm(forms.Form):
    person = forms.CharField(label=_("Person (name or e-mail)"), required=False, max_length=200)
    object_type = forms.ChoiceField(label=_("Kind of object"), required=False)
    obj = forms.CharField(label=_("Object (name or title)"), required=False, max_length=200)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("All actions")), *Action.choices])
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("All kinds")), *object_type_choices()]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The period must end after it starts."))
        return data
