from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samforlop.audit.models import log_access
from samforlop.core import clock, ids
from samforlop.core.forms import show_refusal
from samforlop.core.decorators import staff_required
from samforlop.core.workdays import working_days_between
from samforlop.patients.access import get_patient_for_user
from samforlop.portal.models import Letter
from samforlop.patients.models import HEALTH_PERSONNEL_ONLY, needs_consent
from samforlop.referrals import actions, criteria
from samforlop.referrals.access import get_consultation_for_user, get_referral_for_user
from samforlop.referrals.forms import (
    ConsultationAnswerForm, ConsultationForm, DecisionForm, ReferralForm, TreatmentFormSet,
)
from samforlop.referrals.models import Consultation, Referral, ReferralTreatment


def _show_errors(form, formset, error: actions.ReferralError):
    """Missing treatments go on the treatment rows; everything else on the form."""
    if hasattr(error, "error_dict") and "treatments" in error.message_dict:
        formset._non_form_errors = formset.error_class(error.message_dict["treatments"], renderer=formset.renderer)
        error = ValidationError({k: v for k, v in error.message_dict.items() if k != "treatments"})
    show_refusal(form, error)


def _treatments(formset):
    return [{k: f.cleaned_data[k] for k in ("kind", "period", "effect", "note")} for f in formset if f.is_filled]


def _render_form(request, *, patient, form, formset, referral=None, status=200):
    current = referral or Referral(patient=patient)
    if form.is_bound and hasattr(form, "cleaned_data"):
        for name, value in form.cleaned_data.items():
            if name in actions.CONTENT_FIELDS:
                setattr(current, name, value)
    treatments = ([ReferralTreatment(**t) for t in _treatments(formset)] if formset.is_bound and formset.is_valid()
                  else list(referral.treatments.all()) if referral else [])
    return render(request, "referrals/form.html", {
        "patient": patient, "form": form, "formset": formset, "referral": referral,
        "criteria": criteria.evaluate(current, treatments),
    }, status=status)


def _save(request, *, patient, referral=None, consultation=None):
    """Save the draft (nothing typed is lost), then submit if asked; errors name each item."""
    now = clock.now()
    form = ReferralForm(request.POST, instance=referral)
    formset = TreatmentFormSet(request.POST, prefix="treatments")
    if not (form.is_valid() and formset.is_valid()):
        return _render_form(request, patient=patient, form=form, formset=formset, referral=referral, status=400)
    try:
        referral = actions.save_referral_draft(
            author=request.user, patient=patient, clinic=form.cleaned_data["clinic"],
            fields={k: form.cleaned_data.get(k) for k in actions.CONTENT_FIELDS}, treatments=_treatments(formset),
            submission_id=form.cleaned_data["submission_id"], referral=referral, consultation=consultation, now=now,
        )
        if request.POST.get("action") == "submit":
            actions.submit_referral(referral=referral, actor=request.user, now=now)
    except actions.ReferralError as e:
        if referral is not None and referral.pk:
            form = ReferralForm(request.POST, instance=referral)
            form.is_valid()
        _show_errors(form, formset, e)
        return _render_form(request, patient=patient, form=form, formset=formset, referral=referral, status=400)
    if request.POST.get("action") != "submit":
        # A saved draft is for going on with: back to the form, not to a page that only reads it.
        messages.success(request, _("The draft is saved."))
        return redirect("referrals:edit", referral_id=referral.pk)
    return redirect("referrals:detail", referral_id=referral.pk)


@require_http_methods(["GET", "POST"])
@staff_required
def new(request, patient_id):
    """A GP writes a referral for a patient on their list."""
    now = clock.now()
    patient = get_patient_for_user(request.user, patient_id, what="referral_new", now=now,
                                   category=HEALTH_PERSONNEL_ONLY)
    if request.user.organisation.is_specialist_clinic:
        raise PermissionDenied("Referrals are written by the referring office.")
    consultation = None
    if "consultation" in request.GET:  # a referral after a consultation about this patient
        consultation = ids.object_or_404(Consultation.objects.filter(patient=patient), request.GET["consultation"],
                                         field="consultation")
    if request.method == "POST":
        return _save(request, patient=patient, consultation=consultation)
    initial = {"clinic": consultation.clinic_id} if consultation else {}
    return _render_form(request, patient=patient, form=ReferralForm(initial=initial),
                        formset=TreatmentFormSet(prefix="treatments"))


@require_http_methods(["GET", "POST"])
@staff_required
def edit(request, referral_id):
    now = clock.now()
    referral = get_referral_for_user(request.user, referral_id, what="referral_edit", now=now,
                                     category=HEALTH_PERSONNEL_ONLY)
    if referral.referring_organisation_id != request.user.organisation_id or referral.status not in actions.EDITABLE:
        return redirect("referrals:detail", referral_id=referral.pk)
    if request.method == "POST":
        return _save(request, patient=referral.patient, referral=referral)
    treatments = [{k: getattr(t, k) for k in ("kind", "period", "effect", "note")} for t in referral.treatments.all()]
    return _render_form(request, patient=referral.patient, form=ReferralForm(instance=referral,
                        initial={"submission_id": referral.submission_id}),
                        formset=TreatmentFormSet(prefix="treatments", initial=treatments), referral=referral)


def _deadline_badge(referral, today):
    """Breached, at risk or running, in working days; none while the clock is paused."""
    waiting = referral.status == Referral.Status.SUBMITTED or (
        referral.status == Referral.Status.NEEDS_INFORMATION and not referral.definition.referral.pause_while_with_referrer)
    if not waiting or referral.assessment_deadline is None:
        return None, None
    left = working_days_between(today, referral.assessment_deadline)
    close = referral.definition.referral.close_working_days
    return ("breached" if left < 0 else "at_risk" if left <= close else "running"), left


def _render_detail(request, referral, today, decision_form=None, status=200):
    treatments = list(referral.treatments.all())
    badge, left = _deadline_badge(referral, today)
    if decision_form is None and request.user.organisation_id == referral.clinic_id \
            and referral.status == Referral.Status.SUBMITTED:
        decision_form = DecisionForm(clinic=referral.clinic)
    return render(request, "referrals/detail.html", {
        "referral": referral, "treatments": treatments, "criteria": criteria.evaluate(referral, treatments),
        "may_see_sensitive": referral.may_see_sensitive(request.user),
        # NAV and relatives (with consent) never see clinical notes, only function, work and goals.
        "may_see_clinical": not needs_consent(request.user),
        "badge": badge, "working_days_left": left, "decision_form": decision_form,
        "may_edit": referral.referring_organisation_id == request.user.organisation_id and referral.status in actions.EDITABLE,
        "letter": Letter.objects.filter(referral=referral).first(),
    }, status=status)


@require_GET
@staff_required
def detail(request, referral_id):
    now = clock.now()
    referral = get_referral_for_user(request.user, referral_id, what="referral", now=now)
    return _render_detail(request, referral, clock.oslo_date(now))


@require_POST
@staff_required
def decide(request, referral_id):
    now = clock.now()
    referral = get_referral_for_user(request.user, referral_id, what="referral_decide", now=now,
                                     category=HEALTH_PERSONNEL_ONLY)
    if request.user.organisation_id != referral.clinic_id:
        raise PermissionDenied("Only the receiving clinic assesses the referral.")
    form = DecisionForm(request.POST, clinic=referral.clinic)
    if form.is_valid():
        data = form.cleaned_data
        try:
            match data["decision"]:
                case "include":
                    actions.include_referral(referral=referral, contact_person=data["contact_person"],
                                             actor=request.user, now=now)
                case "not_included":
                    actions.decline_referral(referral=referral, reason=data["decision_reason"],
                                             advice=data["decision_advice"], actor=request.user, now=now)
                case "needs_information":
                    actions.request_more_information(referral=referral, questions=data["questions"],
                                                     actor=request.user, now=now)
            return redirect("referrals:detail", referral_id=referral.pk)
        except ValidationError as e:  # refused by the referral or by the pathway rules
            show_refusal(form, e)
    return _render_detail(request, referral, clock.oslo_date(now), decision_form=form, status=400)


@require_GET
@staff_required
def inbox(request):
    """The clinic's referral inbox (oldest first, with the assessment deadline), or, for a
    referring office, the referrals it has written."""
    now = clock.now()
    today = clock.oslo_date(now)
    organisation = request.user.organisation
    base = Referral.objects.select_related("patient", "clinic", "author")
    if organisation.is_specialist_clinic:
        waiting = list(base.filter(clinic=organisation, status=Referral.Status.SUBMITTED).order_by("received_on", "created_at"))
        returned = list(base.filter(clinic=organisation, status=Referral.Status.NEEDS_INFORMATION).order_by("returned_on"))
        consultations = list(Consultation.objects.filter(clinic=organisation, status=Consultation.Status.ASKED)
                             .select_related("patient", "asking_organisation").order_by("asked_at"))
        for referral in waiting + returned:
            referral.badge, referral.working_days_left = _deadline_badge(referral, today)
        shown = [r.patient for r in waiting + returned] + [c.patient for c in consultations]
        if shown:
            log_access(user=request.user, what="referral_inbox", at=now, patients=shown)
        return render(request, "referrals/inbox.html", {
            "waiting": waiting, "returned": returned, "consultations": consultations, "today": today,
        })
    written = list(base.filter(referring_organisation=organisation).order_by("-updated_at")[:200])
    if written:
        log_access(user=request.user, what="referral_list", at=now, patients=[r.patient for r in written])
    return render(request, "referrals/sent.html", {"referrals": written})


@require_GET
@staff_required
def letter(request, referral_id):
    """The printable letter to the patient, as it was written."""
    now = clock.now()
    referral = get_referral_for_user(request.user, referral_id, what="letter", now=now)
    letter = Letter.objects.filter(referral=referral).first()
    if letter is None:
        return redirect("referrals:detail", referral_id=referral.pk)
    return redirect(reverse("portal:letter", args=[letter.pk]))


@require_http_methods(["GET", "POST"])
@staff_required
def ask_consultation(request, patient_id):
    now = clock.now()
    patient = get_patient_for_user(request.user, patient_id, what="consultation_new", now=now,
                                   category=HEALTH_PERSONNEL_ONLY)
    if request.user.organisation.is_specialist_clinic:
        raise PermissionDenied("The referring office asks for a consultation.")
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = actions.ask_for_consultation(
                patient=patient, clinic=form.cleaned_data["clinic"], question=form.cleaned_data["question"],
                submission_id=form.cleaned_data["submission_id"], actor=request.user, now=now)
            return redirect("referrals:consultation", consultation_id=consultation.pk)
        except actions.ReferralError as e:
            show_refusal(form, e)
    return render(request, "referrals/consultation_form.html", {"patient": patient, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@staff_required
def consultation(request, consultation_id):
    now = clock.now()
    item = get_consultation_for_user(request.user, consultation_id, what="consultation", now=now)
    may_answer = request.user.organisation_id == item.clinic_id and item.status == Consultation.Status.ASKED
    form = ConsultationAnswerForm(request.POST or None) if may_answer else None
    status = 200
    if request.method == "POST":
        if not may_answer:
            raise PermissionDenied("Only the clinic that was asked can answer.")
        if form.is_valid():
            try:
                actions.answer_consultation(
                    consultation=item, kind=form.cleaned_data["answer_kind"], answer=form.cleaned_data["answer"],
                    meeting_at=form.cleaned_data["proposed_meeting_at"], actor=request.user, now=now)
                return redirect("referrals:consultation", consultation_id=item.pk)
            except actions.ReferralError as e:
                show_refusal(form, e)
        status = 400
    may_refer = (item.asking_organisation_id == request.user.organisation_id
                 and item.status == Consultation.Status.ANSWERED)
    return render(request, "referrals/consultation.html",
                  {"consultation": item, "form": form, "may_refer": may_refer}, status=status)
