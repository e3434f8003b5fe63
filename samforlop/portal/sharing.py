"""Consent to share (samtykke): the patient shares kinds of information with NAV or a relative,
and the relative's read-only pages."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from samforlop.audit.models import log_access
from samforlop.core import clock, ids
from samforlop.core.forms import show_refusal
from samforlop.patients import actions
from samforlop.patients.access import get_patient_for_user
from samforlop.patients.forms import SharingConsentForm
from samforlop.patients.models import (
    CONSENT_ORGANISATION_KINDS, OVERVIEW, CareTeamMember, Category, Patient, SharingConsent, active_on,
    shared_categories,
)
from samforlop.portal.views import patient_required


def _nav_offices(patient, today):
    """The organisations on the care team that see only what the patient shares with them: NAV
    offices and user organisations (health personnel need no consent)."""
    members = CareTeamMember.objects.filter(active_on(today), patient=patient,
                                            organisation__kind__in=CONSENT_ORGANISATION_KINDS)
    return sorted({m.organisation for m in members.select_related("organisation")}, key=lambda o: o.name)


@sensitive_post_parameters("national_id")
@require_http_methods(["GET", "POST"])
@patient_required
def sharing(request):
    """What I share with NAV and my relatives, for how long; I can withdraw it at any time."""
    now = clock.now()
    today = clock.oslo_date(now)
    patient = request.user.patient
    form = SharingConsentForm(request.POST or None, nav_offices=_nav_offices(patient, today),
                              initial={"valid_from": today})
    if request.method == "POST":
        if request.POST.get("withdraw"):
            consent = ids.posted_object(request, "withdraw", SharingConsent.objects.filter(patient=patient))
            actions.withdraw_consent(consent=consent, actor=request.user, now=now)
            return redirect("portal:sharing")
        if form.is_valid():
            data = form.cleaned_data
            try:
                grantee = ({"person": actions.relative_user(national_id=data["national_id"], name=data["relative_name"])}
                           if data["grantee"] == "relative" else {"organisation": form.nav_offices[data["grantee"]]})
                actions.grant_consent(patient=patient, categories=data["categories"], valid_from=data["valid_from"],
                                      valid_to=data["valid_to"], actor=request.user, now=now, **grantee)
                return redirect("portal:sharing")
            except ValidationError as e:
                show_refusal(form, e)
    log_access(user=request.user, what="portal_sharing", at=now, patients=[patient])
    consents = list(patient.sharing_consents.select_related("person", "organisation")
                    .order_by("withdrawn_at", "valid_from", "pk"))
    for consent in consents:
        consent.is_in_force = consent.in_force(today)
    return render(request, "portal/sharing.html", {"form": form, "consents": consents},
                  status=400 if request.method == "POST" else 200)


@require_GET
@login_required
def shared_with_me(request):
    """For a relative: the patients who share information with me."""
    now = clock.now()
    patients = list(Patient.objects.visible_to(request.user, clock.oslo_date(now), OVERVIEW).exclude(pk=request.user.patient_id))
    if patients:
        log_access(user=request.user, what="shared_list", at=now, patients=patients)
    return render(request, "portal/shared_list.html", {"patients": patients})


@require_GET
@login_required
def shared_patient(request, patient_id):
    """For a relative: what the patient shares with me, read only, one section per category."""
    from samforlop.careplan.models import Goal, Measure
    from samforlop.checkins.models import CheckIn
    from samforlop.checkins.questionnaire import get_questionnaire
    from samforlop.meetings.models import Meeting

    now = clock.now()
    today = clock.oslo_date(now)
    patient = get_patient_for_user(request.user, patient_id, what="shared_page", now=now, category=OVERVIEW)
    shares = shared_categories(request.user, patient, today)
    context = {"patient": patient, "shares": shares}
    if Category.PLAN_AND_MEETINGS in shares:
        context["goals"] = list(Goal.objects.filter(plan__patient=patient, status=Goal.Status.ACTIVE))
        context["measures"] = list(Measure.objects.filter(plan__patient=patient, status__in=Measure.OPEN)
                                   .select_related("organisation"))
        context["meetings"] = list(Meeting.objects.filter(pathway__patient=patient, status="scheduled",
                                                          starts_at__gte=now).order_by("starts_at"))
    if Category.CHECKINS in shares:
        checkins = list(CheckIn.objects.filter(patient=patient).order_by("-submitted_at")[:20])
        for c in checkins:
            c.title = get_questionnaire(c.questionnaire).title
        context["checkins"] = checkins
    if Category.REFERRAL_AND_ASSESSMENT in shares:
        context["referrals"] = list(patient.referrals.exclude(status="draft").select_related("clinic")
                                    .order_by("-created_at"))
    return render(request, "portal/shared_patient.html", context)
