"""The report period form: GET `from` and `to`, both optional and inclusive."""

from django import forms
from django.utils.translation import gettext_lazy

from reports.period import Period


class ReportPeriodForm(forms.Form):
    """The date range of a report, from GET `from` and `to` (both optional, inclusive)."""

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError(gettext_lazy("The start date must be on or before the end date."))
        return data

    def period(self) -> Period:
        return Period(self.cleaned_data.get("from"), self.cleaned_data.get("to"))


# "from" is a Python keyword, so the fields are declared here rather than as attributes.
ReportPeriodForm.base_fields = {
    "from": forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})),
    "to": forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})),
}
