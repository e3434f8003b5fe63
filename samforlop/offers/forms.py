from django import forms
from django.utils.translation import gettext_lazy as _

from samforlop.core.forms import SubmissionIdField
from samforlop.offers.models import DiagnosisGroup, Need, Offer, Recommendation


class PublicFilterForm(forms.Form):
    """The public catalogue's filters; the same names as the JSON endpoint's parameters."""

    municipality = forms.RegexField(label=_("Municipality number"), regex=r"^\d{4}$", max_length=4,
                                    error_messages={"invalid": _("A municipality number has four digits.")})
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Offer.Kind.choices])
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    no_referral = forms.BooleanField(label=_("No referral needed"), required=False)
    free = forms.BooleanField(label=_("Free"), required=False)
    transport = forms.BooleanField(label=_("Transport offered"), required=False)
    without_diagnosis = forms.BooleanField(label=_("Open without a diagnosis"), required=False)


class OfferForm(forms.ModelForm):
    municipalities = forms.CharField(label=_("Municipality numbers served (separate with spaces)"), max_length=500)
    diagnosis_groups = forms.MultipleChoiceField(label=_("For diagnosis groups"), required=False,
                                                 choices=DiagnosisGroup.choices, widget=forms.CheckboxSelectMultiple)
    needs = forms.MultipleChoiceField(label=_("Helps with"), required=False, choices=Need.choices,
                                      widget=forms.CheckboxSelectMultiple)
    next_start_dates = forms.CharField(label=_("Next start dates (YYYY-MM-DD, separate with spaces)"), required=False)

    class Meta:
        model = Offer
        fields = ["title", "description", "kind", "municipalities", "open_without_diagnosis", "diagnosis_groups",
                  "needs_referral", "needs_decision", "cost_nok", "counts_toward_exemption", "transport",
                  "accessibility", "languages", "place", "schedule", "next_start_dates", "seats", "contact", "needs"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def clean_next_start_dates(self):
        import datetime as dt

        dates = []
        for raw in self.cleaned_data["next_start_dates"].split():
            try:
                dates.append(dt.date.fromisoformat(raw).isoformat())
            except ValueError:
                raise forms.ValidationError(_("“%(value)s” is not a date YYYY-MM-DD.") % {"value": raw})
        return dates

    def clean_municipalities(self):
        return self.cleaned_data["municipalities"].replace(",", " ").split()


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class RecommendForm(forms.Form):
    submission_id = SubmissionIdField()
    note = forms.CharField(label=_("Why this offer, in a sentence for the patient"), required=False, max_length=500)


class PreferencesForm(forms.Form):
    diagnosis_group = forms.ChoiceField(label=_("Diagnosis group"), required=False,
                                        choices=[("", _("None given")), *DiagnosisGroup.choices])
    prefers_no_referral = forms.BooleanField(label=_("Prefers offers without referral"), required=False)
    prefers_low_cost = forms.BooleanField(label=_("Prefers free or low-cost offers"), required=False)
    needs_transport = forms.BooleanField(label=_("Needs transport"), required=False)


class AnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("Your answer"), widget=forms.RadioSelect, choices=[
        (s, label) for s, label in Recommendation.Status.choices if s != Recommendation.Status.RECOMMENDED])
    reason = forms.CharField(label=_("If it is not for you: why?"), required=False, max_length=500)
