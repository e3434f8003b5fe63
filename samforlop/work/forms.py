from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from samforlop.accounts.models import Organisation, User
from samforlop.core.forms import IdChoiceField, SubmissionIdField
from samforlop.tasks.models import Task
from samforlop.work.models import Status
from samforlop.work.rules import get_rules

DATE = forms.DateInput(attrs={"type": "date"})


def _adjustment_choices():
    return [(a.key, str(a.name)) for a in get_rules().adjustments]


def _scheme_choices():
    return [(s.key, str(s.name)) for s in get_rules().schemes]


class WorkSituationForm(forms.Form):
    submission_id = SubmissionIdField()
    status = forms.ChoiceField(label=_("Work situation"), choices=[("", "—"), *Status.choices])
    sick_leave_percent = forms.IntegerField(label=_("Sick leave (%), for sick leave"), required=False,
                                            widget=forms.NumberInput(attrs={"min": 1, "max": 100}))
    valid_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    valid_to = forms.DateField(label=_("To (if known)"), required=False, widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_situation_%s")
        super().__init__(*args, **kwargs)


def situation_initial(situation) -> dict:
    if situation is None:
        return {}
    return {"status": situation.status, "sick_leave_percent": situation.sick_leave_percent,
            "valid_from": situation.valid_from, "valid_to": situation.valid_to}


class CoordinatorForm(forms.Form):
    submission_id = SubmissionIdField()
    organisation = IdChoiceField(label=_("Service"), queryset=Organisation.objects.none())
    person = IdChoiceField(label=_("Person"), queryset=User.objects.none())
    every_weeks = forms.TypedChoiceField(label=_("Follow up every"), coerce=int)
    note = forms.CharField(label=_("How the follow-up is done (optional)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, organisations, people, **kwargs):
        kwargs.setdefault("auto_id", "id_coordinator_%s")
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda u: f"{u.display_name} ({u.organisation.name})"
        self.fields["every_weeks"].choices = [
            (n, ngettext("%(n)s week", "%(n)s weeks", n) % {"n": n}) for n in get_rules().every_weeks_choices]


class AgreementForm(forms.Form):
    submission_id = SubmissionIdField()
    agreed_on = forms.DateField(label=_("Agreed on"), widget=DATE)
    employer_name = forms.CharField(label=_("Employer"), max_length=200)
    employer_contact = forms.CharField(label=_("Contact at the employer (name, phone or e-mail)"), max_length=200,
                                       required=False)
    adjustments = forms.MultipleChoiceField(label=_("Adjustments agreed"), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    other_adjustments = forms.CharField(label=_("Other measures agreed"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    review_on = forms.DateField(label=_("Review on"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_agreement_%s")
        super().__init__(*args, **kwargs)
        self.fields["adjustments"].choices = _adjustment_choices()


class TaskForm(forms.Form):
    submission_id = SubmissionIdField()
    kind = forms.ChoiceField(label=_("Task"), choices=[
        (k.value, k.label) for k in (Task.Kind.AGREE_WORKPLACE_MEASURES, Task.Kind.FOLLOW_UP_WORK,
                                     Task.Kind.ADJUST_WORK)])
    reason = forms.CharField(label=_("What is to be done"), widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(label=_("Due"), widget=DATE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_task_%s")
        super().__init__(*args, **kwargs)


class DraftLetterForm(forms.Form):
    submission_id = SubmissionIdField()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_draft_%s")
        super().__init__(*args, **kwargs)


class LetterForm(forms.Form):
    """What the letter says. Only the patient's form has the diagnosis fields."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    employer_name = forms.CharField(label=_("To (the employer)"), max_length=200, required=False)
    general_text = forms.CharField(label=_("What the condition means for work, in general terms"),
                                   widget=forms.Textarea(attrs={"rows": 6}))
    adjustments = forms.MultipleChoiceField(label=_("Adjustments that help"), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    schemes = forms.MultipleChoiceField(label=_("Support schemes the employer can use"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    nav_contact_name = forms.CharField(label=_("Contact person at NAV"), max_length=200, required=False)
    nav_contact_office = forms.CharField(label=_("NAV office"), max_length=200, required=False)
    nav_contact_email = forms.EmailField(label=_("NAV contact's e-mail"), required=False)
    include_diagnosis = forms.BooleanField(label=_("Name my diagnosis in the letter"), required=False)
    diagnosis_text = forms.CharField(
        label=_("The diagnosis, as you want your employer to read it"), required=False,
        help_text=_("Only if you want to. Your employer has no right to know your diagnosis."),
        widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, with_diagnosis: bool, **kwargs):
        kwargs.setdefault("auto_id", "id_letter_%s")
        super().__init__(*args, **kwargs)
        self.fields["adjustments"].choices = _adjustment_choices()
        self.fields["schemes"].choices = _scheme_choices()
        if not with_diagnosis:
            del self.fields["include_diagnosis"], self.fields["diagnosis_text"]


def letter_initial(letter) -> dict:
    return {"revision": letter.revision, "employer_name": letter.employer_name, "general_text": letter.general_text,
            "adjustments": letter.adjustments, "schemes": letter.schemes, "nav_contact_name": letter.nav_contact_name,
            "nav_contact_office": letter.nav_contact_office, "nav_contact_email": letter.nav_contact_email,
            "include_diagnosis": letter.include_diagnosis, "diagnosis_text": letter.diagnosis_text}


class ApproveLetterForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    consent = forms.BooleanField(
        label=_("I have read the letter above and consent to it being given to my employer as it reads."),
        required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_approve_%s")
        super().__init__(*args, **kwargs)
