from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from samforlop.assessments import actions
from samforlop.assessments.forms import EntryForm, StartAssessmentForm
from samforlop.assessments.models import AssessmentEntry
from samforlop.core import clock
from samforlop.core.forms import show_refusal
from samforlop.core.decorators import staff_required
from samforlop.pathways.access import get_pathway_for_user
from samforlop.patients.models import Category, needs_consent


@require_http_methods(["GET", "POST"])
@staff_required
def assessment(request, pathway_id):
    """The assessment record: each section with who wrote what, and forms for the team."""
    now = clock.now()
    pathway = get_pathway_for_user(request.user, pathway_id, what="assessment", now=now,
                                   category=Category.REFERRAL_AND_ASSESSMENT)
    is_team = request.user.organisation_id == pathway.clinic_id
    start_form = StartAssessmentForm(initial={"date": clock.oslo_date(now)})
    entry_form = EntryForm()
    status = 200
    if request.method == "POST":
        if not is_team:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only the interdisciplinary team writes in the assessment.")
        form = StartAssessmentForm(request.POST) if request.POST.get("action") == "start" else EntryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if isinstance(form, StartAssessmentForm):
                    actions.start_assessment(pathway=pathway, date=data["date"], actor=request.user, now=now,
                                             submission_id=data["submission_id"])
                else:
                    actions.write_assessment_entry(pathway=pathway, actor=request.user, now=now, **data)
                return redirect("assessments:assessment", pathway_id=pathway.pk)
            except ValidationError as e:
                show_refusal(form, e)
        if isinstance(form, StartAssessmentForm):
            start_form = form
        else:
            entry_form = form
        status = 400
    entries = list(pathway.assessment_entries.select_related("author", "organisation").order_by("written_at"))
    sections = []
    for key, label in AssessmentEntry.Section.choices:
        if needs_consent(request.user) and key not in AssessmentEntry.NOT_CLINICAL:
            continue  # NAV and relatives never read the clinicians' notes
        in_section = [e for e in entries if e.section == key]
        latest_by_author = {}
        for e in in_section:
            latest_by_author[e.author_id] = e  # a later entry by the same author takes the place of the earlier
        sections.append({"key": key, "label": label, "current": list(latest_by_author.values()),
                         "earlier": [e for e in in_section if latest_by_author[e.author_id] is not e]})
    return render(request, "assessments/assessment.html", {
        "pathway": pathway, "started": pathway.derive().done.get("assessment_start"), "sections": sections,
        "is_team": is_team, "start_form": start_form, "entry_form": entry_form,
    }, status=status)
