from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from samforlop.patients import identity
from samforlop.patients.models import Category


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


class SharingConsentForm(forms.Form):
    """The patient shares kinds of information with NAV or a relative, for a period."""

    grantee = forms.ChoiceField(label=_("Share with"))
    relative_name = forms.CharField(label=_("The relative's name"), max_length=200, required=False)
    national_id = forms.CharField(
        label=_("The relative's national identity number (they log in with ID-porten)"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    categories = forms.MultipleChoiceField(label=_("What to share"), choices=Category.choices,
                                           widget=forms.CheckboxSelectMultiple)
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("To (leave empty for until you withdraw it)"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, nav_offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.nav_offices = {str(o.pk): o for o in nav_offices}
        self.fields["grantee"].choices = [("relative", _("A relative"))] + [
            (key, o.name) for key, o in self.nav_offices.items()]

    def clean(self):
        data = super().clean()
        if data.get("grantee") == "relative":
            if not (data.get("relative_name") or "").strip():
                self.add_error("relative_name", _("Give the relative's name."))
            try:
                data["national_id"] = identity.validate_identity_number(data.get("national_id") or "")
            except ValidationError as e:
                self.add_error("national_id", e.messages)
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("The end date is before the start date."))
        return data
