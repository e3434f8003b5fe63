from django import forms
from django.utils.translation import gettext_lazy as _

from samforlop.accounts.models import Organisation, User
from samforlop.core.forms import IdChoiceField, IdMultipleChoiceField, SubmissionIdField


class ScheduleForm(forms.Form):
    submission_id = SubmissionIdField()
    starts_at = forms.DateTimeField(
        label=_("Time"), input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=15, max_value=480, initial=60)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 8}))
    team_members = IdMultipleChoiceField(
        label=_("From the interdisciplinary team (you are included)"), queryset=User.objects.none(),
        required=False, widget=forms.CheckboxSelectMultiple)
    invitees = forms.MultipleChoiceField(
        label=_("From the care team, in the roles this meeting invites"), required=False,
        widget=forms.CheckboxSelectMultiple)
    relatives = forms.CharField(
        label=_("Relatives (one name a line; only those the patient has consented to)"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, clinic, invitation_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team_members"].queryset = clinic.staff.filter(is_active=True).order_by("first_name", "last_name")
        self.fields["invitees"].choices = [
            (c["key"], f"{c['user'].display_name + ', ' if c['user'] else ''}{c['organisation'].name} "
                       f"({c['member'].get_role_display()})") for c in invitation_choices]
        self.fields["invitees"].initial = [c["key"] for c in invitation_choices]
        self.invitee_roles = {c["key"]: c["role"] for c in invitation_choices}

    def invitee_rows(self):
        """Each invitation checkbox with the meeting role it is for."""
        return [(choice, self.invitee_roles.get(str(choice.data["value"]), "")) for choice in self["invitees"]]


class HoldForm(forms.Form):
    held_on = forms.DateField(label=_("Date the meeting was held"), widget=forms.DateInput(attrs={"type": "date"}))
    attended = forms.MultipleChoiceField(label=_("Present"), widget=forms.CheckboxSelectMultiple, required=False)
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    decisions = forms.CharField(label=_("Decisions (one a line; each can become a measure in the plan)"),
                                widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [
            (str(p.pk), f"{p} ({p.get_role_display()})") for p in participants]


class DecisionMeasureForm(forms.Form):
    submission_id = SubmissionIdField()
    title = forms.CharField(label=_("Measure"), max_length=200)
    organisation = IdChoiceField(label=_("Responsible organisation"), queryset=Organisation.objects.none())
    person = IdChoiceField(label=_("Responsible person"), queryset=User.objects.none(), required=False)
    start_on = forms.DateField(label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organisations, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda u: f"{u.display_name} ({u.organisation.name})"
