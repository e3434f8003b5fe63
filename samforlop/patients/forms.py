from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from samforlop.patients import identity


class IdentitySearchForm(forms.Form):
    national_id = forms.CharField(
        label=_("National identity number (11 digits)"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_national_id(self):
        try:
            return identity.validate_identity_number(self.cleaned_data["national_id"])
        except ValidationError as e:
            raise ValidationError(e.messages)


class RelativeConsentForm(forms.Form):
    relative_name = forms.CharField(label=_("Name of the relative"), max_length=200)
    relation = forms.CharField(label=_("Relation (e.g. spouse, daughter)"), max_length=100, required=False)


class EmergencyAccessForm(IdentitySearchForm):
    reason = forms.CharField(label=_("Why you need access now (kept in the patient's access log)"),
                             widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_emergency_%s")
        super().__init__(*args, **kwargs)
