"""A form built from a questionnaire definition, and the other check-in forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from samforlop.core.forms import SubmissionIdField


class CheckinForm(forms.Form):
    submission_id = SubmissionIdField()

    # Where the questionnaire asks whether the work situation has changed: these fields, prefilled
    # with the current situation (form field → the work situation's field). Listed, not matched by
    # prefix: questionnaire items may start with "work_" too (work_ability_now).
    WORK_FIELDS = {"work_status": "status", "work_sick_leave_percent": "sick_leave_percent",
                   "work_valid_from": "valid_from", "work_valid_to": "valid_to"}

    def __init__(self, *args, questionnaire, activity_names=(), work_situation=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        if questionnaire.asks_work_situation:
            self._add_work_fields(work_situation)
        for item in questionnaire.items:
            if item.type == "scale":
                self.fields[item.key] = forms.TypedChoiceField(
                    label=str(item.text), required=False, coerce=int, empty_value=None, widget=forms.RadioSelect,
                    choices=[(n, str(n)) for n in range(item.min, item.max + 1)])
            elif item.type == "yes_no":
                self.fields[item.key] = forms.ChoiceField(label=str(item.text), required=False, widget=forms.RadioSelect,
                                                          choices=[("yes", _("Yes")), ("no", _("No"))])
            else:
                names = list(activity_names) + [""] * item.max_count
                for n in range(item.max_count):
                    self.fields[f"{item.key}_{n}_name"] = forms.CharField(
                        label=_("Activity %(n)s") % {"n": n + 1}, required=False, max_length=100, initial=names[n])
                    # The activity's number in the label too, so an error names which one.
                    self.fields[f"{item.key}_{n}_value"] = forms.TypedChoiceField(
                        label=_("Activity %(n)s: how well can you do it now? (%(min)s–%(max)s)")
                        % {"n": n + 1, "min": item.min, "max": item.max},
                        required=False, coerce=int, empty_value=None,
                        choices=[("", "—")] + [(v, str(v)) for v in range(item.min, item.max + 1)])

    def clean(self):
        data = super().clean()
        for item in self.questionnaire.items:
            if item.type != "named_activities":
                continue
            for n in range(item.max_count):
                name, value = data.get(f"{item.key}_{n}_name"), data.get(f"{item.key}_{n}_value")
                if name and value is None:
                    self.add_error(f"{item.key}_{n}_value", _("Rate the activity you named."))
                if value is not None and not name:
                    self.add_error(f"{item.key}_{n}_name", _("Name the activity you rated."))
        return data

    def field_for_item(self, key: str) -> str | None:
        """The form field where an error about questionnaire item `key` belongs."""
        for item in self.questionnaire.items:
            if item.key == key:
                return f"{key}_0_name" if item.type == "named_activities" else key
        return key if key in self.fields else None

    def show_refusal(self, error) -> None:
        """The operation's refusal on the fields of the items it names (show_refusal for this form)."""
        from django.core.exceptions import ValidationError

        from samforlop.core.forms import show_refusal

        if hasattr(error, "error_dict"):
            error = ValidationError({self.field_for_item(key) or "__all__": messages
                                     for key, messages in error.message_dict.items()})
        show_refusal(self, error)

    def answers(self) -> dict:
        answers = {}
        for item in self.questionnaire.items:
            if item.type == "named_activities":
                rows = [{"name": self.cleaned_data[f"{item.key}_{n}_name"].strip(),
                         "value": self.cleaned_data[f"{item.key}_{n}_value"]}
                        for n in range(item.max_count) if self.cleaned_data.get(f"{item.key}_{n}_name")]
                answers[item.key] = rows or None
            else:
                value = self.cleaned_data.get(item.key)
                answers[item.key] = None if value in (None, "") else value
        return answers

    def _add_work_fields(self, current):
        from samforlop.work.models import Status

        date = forms.DateInput(attrs={"type": "date"})
        self.fields["work_status"] = forms.ChoiceField(label=_("Work situation"), required=False,
                                                       choices=[("", "—"), *Status.choices],
                                                       initial=current.status if current else "")
        self.fields["work_sick_leave_percent"] = forms.IntegerField(
            label=_("Sick leave (%), for sick leave"), required=False,
            initial=current.sick_leave_percent if current else None,
            widget=forms.NumberInput(attrs={"min": 1, "max": 100}))
        self.fields["work_valid_from"] = forms.DateField(label=_("From"), required=False, widget=date,
                                                         initial=current.valid_from if current else None)
        self.fields["work_valid_to"] = forms.DateField(label=_("To (if known)"), required=False, widget=date,
                                                       initial=current.valid_to if current else None)

    def work_fields(self):
        return [self[name] for name in self.WORK_FIELDS if name in self.fields]

    def work_situation(self) -> dict | None:
        """The work situation as answered (None when not asked or left empty)."""
        if not self.questionnaire.asks_work_situation or not self.cleaned_data.get("work_status"):
            return None
        return {field: self.cleaned_data.get(name) for name, field in self.WORK_FIELDS.items()}

    def rows(self):
        """Fields grouped per item, for the template."""
        for item in self.questionnaire.items:
            if item.type == "named_activities":
                yield item, [(self[f"{item.key}_{n}_name"], self[f"{item.key}_{n}_value"]) for n in range(item.max_count)]
            else:
                yield item, self[item.key]


class AppointmentRequestForm(forms.Form):
    submission_id = SubmissionIdField()
    reason = forms.CharField(label=_("In a few words: why do you need an appointment?"),
                             widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)


class TrainingSessionForm(forms.Form):
    submission_id = SubmissionIdField()
    done_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    what = forms.CharField(label=_("What you did"), max_length=300)
    how_it_felt = forms.CharField(label=_("How it felt"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    pain_before = forms.IntegerField(label=_("Pain before (0–10)"), min_value=0, max_value=10)
    pain_after = forms.IntegerField(label=_("Pain after (0–10)"), min_value=0, max_value=10)


class ScheduleForm(forms.Form):
    questionnaire = forms.ChoiceField(label=_("Questionnaire"))
    interval_months = forms.IntegerField(label=_("Every (months)"), min_value=1, max_value=24, initial=3)
    first_due_on = forms.DateField(label=_("First time"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, questionnaires, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questionnaire"].choices = [(q.key, str(q.title)) for q in questionnaires]


class EnrolForm(forms.Form):
    other_illness = forms.BooleanField(label=_("The patient has other illness (blood tests every 3 months)"),
                                       required=False)


class TaskAnswerForm(forms.Form):
    answer = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))
    appointment_on = forms.DateField(label=_("Appointment date (when one is offered)"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 2}))
