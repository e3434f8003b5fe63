from django import forms
from django.utils.translation import gettext_lazy as _

from samforlop.careplan.models import Measure
from samforlop.core.forms import IdChoiceField, SubmissionIdField

DATE = forms.DateInput(attrs={"type": "date"})


class CoPaymentForm(forms.Form):
    submission_id = SubmissionIdField()
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)
    amount_nok = forms.IntegerField(label=_("Amount (kr)"), min_value=1, max_value=1_000_000,
                                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    what = forms.CharField(label=_("What it was for"), max_length=200,
                           help_text=_("For example “GP appointment” or “physiotherapy”."))
    counts_toward_ceiling = forms.BooleanField(
        label=_("Counts toward the exemption card (frikort)"), required=False, initial=True,
        help_text=_("Approved co-payments to the GP, physiotherapist, hospital outpatient clinic, psychologist "
                    "and for medicines on blue prescription count. Ask if you are unsure."))
    measure = IdChoiceField(label=_("For a measure in the plan (optional)"), queryset=Measure.objects.none(),
                            required=False)

    def __init__(self, *args, measures, **kwargs):
        kwargs.setdefault("auto_id", "id_copayment_%s")
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = measures
        self.fields["measure"].label_from_instance = lambda m: m.title


class VoidForm(forms.Form):
    co_payment = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why it is wrong"), max_length=300)
