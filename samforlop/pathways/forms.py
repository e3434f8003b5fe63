from django import forms
from django.utils.translation import gettext_lazy as _

from samforlop.core.forms import SubmissionIdField

class MilestoneForm(forms.Form):
    """Register a milestone on a pathway; choices come from the pathway's definition."""

    key = forms.ChoiceField(label=_("Milestone"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    outcome = forms.ChoiceField(label=_("Outcome (only when ending the pathway)"), required=False)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    submission_id = SubmissionIdField()

    def __init__(self, *args, pathway, **kwargs):
        # One form per pathway on the patient page: ids must be unique on the page.
        kwargs.setdefault("auto_id", f"id_{pathway.pk}_%s")
        super().__init__(*args, **kwargs)
        definition = pathway.definition
        self.fields["key"].choices = [(m.key, str(m.name)) for m in definition.milestones.values() if not m.starts]
        self.fields["outcome"].choices = [("", "—")] + [(o.key, str(o.name)) for o in definition.outcomes.values()]

class CorrectionForm(forms.Form):
    """Void an earlier event, optionally with a corrected date in its place."""

    event = forms.CharField(widget=forms.HiddenInput)
    new_date = forms.DateField(
        label=_("Correct date (leave empty to void the event)"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)
    submission_id = SubmissionIdField()

class StartPathwayForm(forms.Form):
    type = forms.ChoiceField(label=_("Pathway"))
    date = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    submission_id = SubmissionIdField()

    def __init__(self, *args, definitions, **kwargs):
        kwargs.setdefault("auto_id", "id_start_%s")
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(d.key, str(d.name)) for d in definitions]

class WorklistFilterForm(forms.Form):
    phase = forms.ChoiceField(label=_("Phase"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("All")), ("breached", _("Breached")), ("at_risk", _("At risk")), ("running", _("On track"))],
    )
    contact = forms.ChoiceField(label=_("Contact person"), required=False)
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, phases, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].choices = [("", _("All"))] + phases
        self.fields["contact"].choices = [("", _("Everyone"))] + contacts

