from django import forms
from django.utils.translation import gettext_lazy as _

from samforlop.accounts.models import User
from samforlop.core.forms import IdChoiceField, SubmissionIdField


class WriteForm(forms.Form):
    submission_id = SubmissionIdField()
    contact_person = IdChoiceField(label=_("To"), queryset=User.objects.none())
    text = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_person"].queryset = contacts
        self.fields["contact_person"].label_from_instance = lambda u: f"{u.display_name} ({u.organisation.name})"


class AnswerForm(forms.Form):
    submission_id = SubmissionIdField()
    text = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
