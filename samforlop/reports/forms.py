import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _


class ReportForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    granularity = forms.ChoiceField(label=_("By"), choices=[("month", _("Month")), ("quarter", _("Quarter"))],
                                    initial="month")
    scope = forms.ChoiceField(label=_("Clinics"), choices=[("clinic", _("My clinic")),
                                                           ("trust", _("All clinics in the health trust"))],
                              initial="clinic")
    type = forms.ChoiceField(label=_("Pathway"))

    def __init__(self, *args, definitions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(d.key, str(d.name)) for d in definitions if d.time_limits]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to"):
            if data["date_to"] < data["date_from"]:
                self.add_error("date_to", _("The end is before the start."))
            elif (data["date_to"] - data["date_from"]) > dt.timedelta(days=366 * 10):
                self.add_error("date_to", _("At most ten years at a time."))
        return data
