from django import forms
from django.utils.translation import gettext_lazy as _

from samforlop.accounts.models import Organisation, User
from samforlop.careplan.models import Goal, Measure
from samforlop.core.forms import IdChoiceField, SubmissionIdField

DATE = forms.DateInput(attrs={"type": "date"})


NEED_CHOICES = [
    ("physical_activity", _("Physical activity")), ("pain_coping", _("Coping with pain")), ("work", _("Work")),
    ("peer_support", _("Peer support")), ("social_contact", _("Social contact")),
]


class GoalForm(forms.Form):
    submission_id = SubmissionIdField()
    text = forms.CharField(label=_("Goal, in the patient's own words"), widget=forms.Textarea(attrs={"rows": 2}))
    reached_means = forms.CharField(label=_("What “reached” means"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    review_on = forms.DateField(label=_("Review date"), required=False, widget=DATE)
    needs = forms.MultipleChoiceField(label=_("What the goal needs (for suggesting offers)"), required=False,
                                      choices=NEED_CHOICES, widget=forms.CheckboxSelectMultiple)


class GoalEditForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("Goal, in the patient's own words"), widget=forms.Textarea(attrs={"rows": 2}))
    reached_means = forms.CharField(label=_("What “reached” means"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    review_on = forms.DateField(label=_("Review date"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=Goal.Status.choices)


class MeasureForm(forms.Form):
    submission_id = SubmissionIdField()
    title = forms.CharField(label=_("Measure"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    organisation = IdChoiceField(label=_("Responsible organisation"), queryset=Organisation.objects.none())
    person = IdChoiceField(label=_("Responsible person"), queryset=User.objects.none(), required=False)
    goal = IdChoiceField(label=_("For the goal"), queryset=Goal.objects.none(), required=False)
    start_on = forms.DateField(label=_("Start"), required=False, widget=DATE)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)
    is_training_programme = forms.BooleanField(label=_("Training programme (the patient keeps a diary)"),
                                               required=False)
    cost_nok = forms.IntegerField(label=_("Cost to the patient (kr), 0 if it is free"), min_value=0,
                                  max_value=1_000_000, required=False, initial=0,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    counts_toward_ceiling = forms.BooleanField(label=_("The co-payment counts toward the exemption card (frikort)"),
                                               required=False)

    def __init__(self, *args, organisations, people, goals, **kwargs):
        kwargs.setdefault("auto_id", "id_measure_%s")
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda u: f"{u.display_name} ({u.organisation.name})"
        self.fields["goal"].queryset = goals

    def clean_cost_nok(self):
        return self.cleaned_data.get("cost_nok") or 0  # empty: free


class MeasureStatusForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=Measure.Status.choices)
    stop_reason = forms.CharField(label=_("Why it was stopped"), required=False)
    start_on = forms.DateField(label=_("Start"), required=False, widget=DATE)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DATE)


class CommentForm(forms.Form):
    submission_id = SubmissionIdField()
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_comment_%s")  # the goal form on the same page has a "text" too
        super().__init__(*args, **kwargs)
