from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samforlop.accounts.models import Organisation, User
from samforlop.core import clock, ids
from samforlop.core.forms import show_refusal
from samforlop.core.decorators import staff_required
from samforlop.meetings import actions
from samforlop.meetings.access import get_decision_for_user, get_meeting_for_user
from samforlop.meetings.forms import DecisionMeasureForm, HoldForm, ScheduleForm
from samforlop.meetings.ics import meeting_ics
from samforlop.meetings.models import Participant
from samforlop.pathways.access import get_pathway_for_user
from samforlop.patients.models import HEALTH_PERSONNEL_ONLY, CareTeamMember, Category, active_on


@require_http_methods(["GET", "POST"])
@staff_required
def schedule(request, pathway_id, kind):
    now = clock.now()
    pathway = get_pathway_for_user(request.user, pathway_id, what="meeting_schedule", now=now,
                                   category=HEALTH_PERSONNEL_ONLY, for_clinic_staff=True)
    template = pathway.definition.meeting(kind)
    if template is None:
        raise PermissionDenied("No such meeting in this pathway.")
    choices, missing = actions.invitation_choices(pathway, template, clock.oslo_date(now))
    form = ScheduleForm(request.POST or None, clinic=pathway.clinic, invitation_choices=choices,
                        initial={"agenda": str(template.agenda)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = actions.schedule_meeting(
                pathway=pathway, kind=kind, starts_at=data["starts_at"], duration_minutes=data["duration_minutes"],
                place=data["place"], video_link=data["video_link"], agenda=data["agenda"],
                team_members=list(data["team_members"]), invitees=list(data["invitees"]),
                relative_names=data["relatives"].splitlines(), actor=request.user, now=now,
                submission_id=data["submission_id"])
            return redirect("meetings:detail", meeting_id=meeting.pk)
        except ValidationError as e:
            show_refusal(form, e)
    return render(request, "meetings/schedule.html", {
        "pathway": pathway, "template": template, "form": form,
        "missing_roles": [Participant.Role(r).label for r in missing],
        "nav_declined": actions.nav_declined(pathway.patient),
        "consents": pathway.patient.relative_consents.filter(withdrawn_at__isnull=True),
    }, status=400 if request.method == "POST" else 200)


def _people_on_team(patient, today):
    members = CareTeamMember.objects.filter(active_on(today), patient=patient)
    organisations = Organisation.objects.filter(pk__in=members.values("organisation_id")).order_by("name")
    people = User.objects.filter(organisation__in=organisations, is_active=True).select_related("organisation") \
        .order_by("organisation__name", "first_name")
    return organisations, people


def _render_detail(request, meeting, now, hold_form=None, measure_forms=None, status=200):
    today = clock.oslo_date(now)
    participants = list(meeting.participants.select_related("user", "organisation", "patient"))
    is_clinic = request.user.organisation_id == meeting.pathway.clinic_id
    organisations, people = _people_on_team(meeting.pathway.patient, today)
    decisions = list(meeting.decisions.all())
    from samforlop.careplan.models import Measure

    made = {m.decision_id: m for m in Measure.objects.filter(decision__in=decisions).select_related("organisation", "person")}
    measure_forms = measure_forms or {}
    for d in decisions:
        d.measure_made = made.get(d.pk)
        if d.pk in measure_forms:
            d.form = measure_forms[d.pk]
        elif is_clinic and d.pk not in made:
            d.form = DecisionMeasureForm(organisations=organisations, people=people, initial={"title": d.text[:200]},
                                         auto_id=f"id_d{d.pk}_%s")
        else:
            d.form = None
    if hold_form is None and is_clinic and meeting.status == "scheduled":
        hold_form = HoldForm(participants=participants, initial={
            "held_on": today, "attended": [str(p.pk) for p in participants if p.response == "accepted"]})
    return render(request, "meetings/detail.html", {
        "meeting": meeting, "participants": participants, "decisions": decisions, "hold_form": hold_form,
        "mine": [p for p in participants if actions.may_answer_for(p, request.user)] if meeting.status == "scheduled" else [],
        "is_clinic": is_clinic,
    }, status=status)


@require_GET
@login_required
def detail(request, meeting_id):
    now = clock.now()
    meeting = get_meeting_for_user(request.user, meeting_id, what="meeting", now=now,
                                   category=Category.PLAN_AND_MEETINGS)
    return _render_detail(request, meeting, now)


@require_POST
@login_required
def answer(request, meeting_id):
    now = clock.now()
    meeting = get_meeting_for_user(request.user, meeting_id, what="meeting_answer", now=now,
                                   category=Category.PLAN_AND_MEETINGS)
    participant = ids.posted_object(request, "participant", Participant.objects.filter(meeting=meeting))
    try:
        actions.answer_invitation(participant=participant, accept=request.POST.get("answer") == "accept",
                                  actor=request.user, now=now)
    except ValidationError:
        raise PermissionDenied(_("You can only answer your own invitation."))
    return redirect("portal:home" if request.user.patient_id else "meetings:detail",
                    **({} if request.user.patient_id else {"meeting_id": meeting.pk}))


@require_POST
@staff_required
def hold(request, meeting_id):
    now = clock.now()
    meeting = get_meeting_for_user(request.user, meeting_id, what="meeting_hold", now=now,
                                   category=HEALTH_PERSONNEL_ONLY)
    form = HoldForm(request.POST, participants=list(meeting.participants.all()))
    if form.is_valid():
        try:
            actions.hold_meeting(meeting=meeting, held_on=form.cleaned_data["held_on"],
                                 attended_ids=form.cleaned_data["attended"], minutes=form.cleaned_data["minutes"],
                                 decisions=form.cleaned_data["decisions"].splitlines(), actor=request.user, now=now)
            return redirect("meetings:detail", meeting_id=meeting.pk)
        except ValidationError as e:
            show_refusal(form, e)
    return _render_detail(request, meeting, now, hold_form=form, status=400)


@require_POST
@staff_required
def decision_measure(request, decision_id):
    now = clock.now()
    decision = get_decision_for_user(request.user, decision_id, what="meeting_decision", now=now,
                                     category=HEALTH_PERSONNEL_ONLY)
    meeting = decision.meeting
    if request.user.organisation_id != meeting.pathway.clinic_id:
        raise PermissionDenied("Only the clinic records the plan from the minutes.")
    organisations, people = _people_on_team(meeting.pathway.patient, clock.oslo_date(now))
    form = DecisionMeasureForm(request.POST, organisations=organisations, people=people, auto_id=f"id_d{decision.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.decision_to_measure(
                decision=decision, title=data["title"], organisation=data["organisation"], person=data["person"],
                start_on=data["start_on"], due_on=data["due_on"], actor=request.user, now=now,
                submission_id=data["submission_id"])
            return redirect("meetings:detail", meeting_id=meeting.pk)
        except ValidationError as e:
            show_refusal(form, e)
    return _render_detail(request, meeting, now, measure_forms={decision.pk: form}, status=400)


@require_GET
@login_required
def ics(request, meeting_id):
    now = clock.now()
    meeting = get_meeting_for_user(request.user, meeting_id, what="meeting_ics", now=now,
                                   category=Category.PLAN_AND_MEETINGS)
    response = HttpResponse(meeting_ics(meeting, summary=_("Meeting (Samforløp)"), now=now, method="PUBLISH"),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="meeting.ics"'
    return response
