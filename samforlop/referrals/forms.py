from django import forms
from django.utils.translation import gettext_lazy as _

from samforlop.accounts.models import CONTACT_PERSON_ROLES, Organisation
from samforlop.core.forms import IdChoiceField, SubmissionIdField
from samforlop.referrals.actions import CONTENT_FIELDS
from samforlop.referrals.models import Consultation, Referral, ReferralTreatment, YesNo

TEXTAREA = {"rows": 3}


def specialist_clinics():
    return Organisation.objects.filter(kind__in=Organisation.SPECIALIST_KINDS).order_by("name")


class ReferralForm(forms.ModelForm):
    submission_id = SubmissionIdField()
    clinic = IdChoiceField(label=_("To clinic"), queryset=Organisation.objects.none())

    class Meta:
        model = Referral
        fields = ["clinic", *CONTENT_FIELDS]
        widgets = {
            **{name: forms.Textarea(attrs=TEXTAREA) for name in CONTENT_FIELDS
               if name not in ("pain_duration_months", "function_reduced", "quality_of_life_reduced", "nav_participation")},
            "function_reduced": forms.RadioSelect(choices=YesNo.choices),
            "quality_of_life_reduced": forms.RadioSelect(choices=YesNo.choices),
            "nav_participation": forms.RadioSelect(choices=YesNo.choices),
        }
        help_texts = {
            "traumatic_experiences": _("Only you and the receiving clinic can read this: never NAV, the municipality "
                                       "or a user organisation."),
            "factors_physical": _("Describe what matters for the pain condition in each area that applies, "
                                  "rather than a single cause."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = specialist_clinics()
        for name in ("function_reduced", "quality_of_life_reduced", "nav_participation"):
            self.fields[name].choices = YesNo.choices  # no empty radio button
        # A draft may be incomplete: completeness is checked on submit, naming every missing item.
        for name in CONTENT_FIELDS:
            self.fields[name].required = False


class TreatmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Treatment"), choices=[("", "—"), *ReferralTreatment.Kind.choices], required=False)
    period = forms.CharField(label=_("Period"), max_length=100, required=False,
                             help_text=_("For example: autumn 2025, 10 sessions"))
    effect = forms.ChoiceField(label=_("Effect"), choices=[("", "—"), *ReferralTreatment.Effect.choices], required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if any(data.get(f) for f in ("kind", "period", "effect", "note")):
            for name in ("kind", "period", "effect"):
                if not data.get(name):
                    self.add_error(name, _("Fill in %(field)s for this treatment.") % {"field": self.fields[name].label.lower()})
        return data

    @property
    def is_filled(self) -> bool:
        return bool(self.cleaned_data.get("kind"))


TreatmentFormSet = forms.formset_factory(TreatmentForm, extra=3)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("include", _("Include in the pathway")), ("not_included", _("Not included")),
                 ("needs_information", _("Needs more information from the referrer"))],
    )
    contact_person = IdChoiceField(label=_("Contact person at the clinic"), queryset=None, required=False)
    decision_reason = forms.CharField(label=_("Reason (not included)"), widget=forms.Textarea(attrs=TEXTAREA), required=False)
    decision_advice = forms.CharField(label=_("Advice to the GP and the patient (not included)"),
                                      widget=forms.Textarea(attrs=TEXTAREA), required=False)
    questions = forms.CharField(label=_("Questions to the referrer"), widget=forms.Textarea(attrs=TEXTAREA), required=False)

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_person"].queryset = clinic.staff.filter(
            is_active=True, role__in=CONTACT_PERSON_ROLES).order_by("first_name", "last_name")

    def clean(self):
        data = super().clean()
        if data.get("decision") == "include" and not data.get("contact_person"):
            self.add_error("contact_person", _("Choose the patient's contact person at the clinic."))
        return data


class ConsultationForm(forms.Form):
    submission_id = SubmissionIdField()
    clinic = IdChoiceField(label=_("Clinic"), queryset=Organisation.objects.none())
    question = forms.CharField(label=_("What would you like to discuss?"), widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = specialist_clinics()


class ConsultationAnswerForm(forms.Form):
    answer_kind = forms.ChoiceField(label=_("Answer with"), choices=Consultation.AnswerKind.choices,
                                    widget=forms.RadioSelect)
    answer = forms.CharField(label=_("Advice or message"), widget=forms.Textarea(attrs=TEXTAREA))
    proposed_meeting_at = forms.DateTimeField(
        label=_("Proposed meeting time"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
