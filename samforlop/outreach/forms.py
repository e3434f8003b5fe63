from django import forms
from django.utils.translation import gettext_lazy as _

from samforlop.accounts.models import Organisation
from samforlop.core.forms import IdChoiceField, IdMultipleChoiceField, SubmissionIdField
from samforlop.outreach.models import Outreach, ReasonKind
from samforlop.outreach.rules import get_rules
from samforlop.patients.forms import IdentitySearchForm

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"})

class MonthsForm(forms.Form):
    """The outreach list's choice: no contact for at least how many months."""

    months = forms.TypedChoiceField(label=_("No contact for at least (months)"), coerce=int, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = [(m, str(m)) for m in get_rules().month_choices]
        self.fields["months"].initial = get_rules().default_months

    def chosen(self) -> int:
        return (self.cleaned_data.get("months") if self.is_valid() else None) or get_rules().default_months

class OutreachForm(forms.Form):
    """Record an outreach and its result. The operation names what is missing."""

    submission_id = SubmissionIdField()
    months = forms.IntegerField(widget=forms.HiddenInput, required=False)
    method = forms.ChoiceField(label=_("How"), required=False, choices=[("", "–"), *Outreach.Method.choices])
    result = forms.ChoiceField(label=_("Result"), required=False, choices=[("", "–"), *Outreach.Result.choices])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    reasons = forms.MultipleChoiceField(label=_("Reasons it answered"), required=False, choices=ReasonKind.choices,
                                        widget=forms.CheckboxSelectMultiple)

class ArenaForm(forms.Form):
    submission_id = SubmissionIdField()
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    description = forms.CharField(label=_("What the arena is for"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    participants = IdMultipleChoiceField(label=_("Participating services"), required=False,
                                         queryset=Organisation.objects.none(),
                                         widget=forms.CheckboxSelectMultiple)
    every_weeks = forms.TypedChoiceField(label=_("Meets every (weeks)"), coerce=int)
    place = forms.CharField(label=_("Usual place"), max_length=200, required=False)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = (Organisation.objects.filter(municipality=organisation.municipality)
                                                .exclude(pk=organisation.pk).order_by("name"))
        self.fields["every_weeks"].choices = [(w, str(w)) for w in get_rules().every_weeks_choices]
        self.fields["every_weeks"].initial = get_rules().default_every_weeks

class ArenaMeetingForm(forms.Form):
    submission_id = SubmissionIdField()
    starts_at = forms.DateTimeField(label=_("Time"), required=False, input_formats=["%Y-%m-%dT%H:%M"],
                                    widget=DATETIME_INPUT)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)

class OralConsentForm(IdentitySearchForm):
    """Consent given orally to the coordinating unit: the patient is found by identity number (a POST)."""

class CaseForm(forms.Form):
    submission_id = SubmissionIdField()
    patient = forms.UUIDField(label=_("Patient (only those who have consented)"), required=False,
                              widget=forms.Select)
    what = forms.CharField(label=_("What to discuss"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, patients=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].widget.choices = [("", "–"), *((str(p.pk), p.full_name) for p in patients)]

class DecisionForm(forms.Form):
    submission_id = SubmissionIdField()
    patient = forms.UUIDField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("Decision"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    organisation = IdChoiceField(label=_("Responsible service"), required=False,
                                 queryset=Organisation.objects.none())
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        services = list(services)
        field = self.fields["organisation"]
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in services])
        # Rendered from the list: the meeting page has a form per patient, not a query per form.
        field.choices = [("", field.empty_label), *((o.pk, o.name) for o in services)]

class HoldArenaMeetingForm(forms.Form):
    held_on = forms.DateField(label=_("Date the meeting was held"), required=False, widget=DATE_INPUT)
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
