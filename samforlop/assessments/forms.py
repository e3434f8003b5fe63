from django import forms
from django.utils.translation import gettext_lazy as _

from samforlop.assessments.models import AssessmentEntry
from samforlop.core.forms import SubmissionIdField


class StartAssessmentForm(forms.Form):
    submission_id = SubmissionIdField()
    date = forms.DateField(label=_("Date the assessment started"), widget=forms.DateInput(attrs={"type": "date"}))


class EntryForm(forms.Form):
    submission_id = SubmissionIdField()
    section = forms.ChoiceField(label=_("Section"), choices=AssessmentEntry.Section.choices)
    text = forms.CharField(label=_("Your part"), widget=forms.Textarea(attrs={"rows": 4}))
    employment = forms.ChoiceField(label=_("Employment (work and economy)"), required=False,
                                   choices=[("", "—"), *AssessmentEntry.Employment.choices])
    sick_leave_percent = forms.IntegerField(label=_("Sick leave (%)"), required=False, min_value=0, max_value=100)
    nav_contact = forms.ChoiceField(label=_("In contact with NAV"), required=False,
                                    choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))])
    financial_strain = forms.ChoiceField(label=_("Financial strain"), required=False,
                                         choices=[("", "—"), *AssessmentEntry.Strain.choices])
