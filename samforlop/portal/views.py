"""The patient's own pages (mobile first) and the clinics' public information pages."""

import datetime as dt

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from samforlop.accounts.models import Organisation
from samforlop.audit.models import log_access
from samforlop.core import clock, ids
from samforlop.pathways.definitions import all_definitions, get_definition
from samforlop.pathways.timeframes import recent_times
from samforlop.patients.models import Category, visibility_condition
from samforlop.portal.models import Letter


def _get_letter_for_user(user, letter_id, now) -> Letter:
    condition = visibility_condition(user, clock.oslo_date(now), patient_field="patient_id",
                                     category=Category.REFERRAL_AND_ASSESSMENT)
    letter = None if condition is None else (
        Letter.objects.filter(condition).select_related("patient").filter(pk=letter_id).first())
    if letter is None:
        log_access(user=user, what="letter", at=now, requested_id=letter_id, granted=False)
        raise Http404()
    log_access(user=user, what="letter", at=now, patients=[letter.patient])
    return letter


def letter_context(letter: Letter) -> dict:
    data = letter.data
    definition = get_definition(data["pathway_type"])
    limits = [{"limit": definition.time_limit(item["key"]), "weeks": item["weeks"]} for item in data["national_limits"]]
    times = data["recent_times"]
    next_deadline = dt.date.fromisoformat(data["next_deadline"]) if data.get("next_deadline") else None
    milestone = definition.milestones.get(data.get("next_milestone") or "")
    return {
        "letter": letter, "data": data, "definition": definition, "limits": limits, "times": times,
        "time_frame_limit": definition.time_limit(times["limit_key"]),
        "enough_data": times["median_days"] is not None,
        "next_deadline": next_deadline, "next_milestone": milestone,
    }


def patient_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.patient_id is None:
            return redirect("pathways:worklist")
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@patient_required
def home(request):
    """The patient's start page, phone first: the next step, follow-up, check-ins, meetings, the
    plan, contact persons and letters."""
    from samforlop.careplan.models import Goal
    from samforlop.checkins.models import CheckinSchedule, FollowUpEnrolment
    from samforlop.checkins.questionnaire import get_questionnaire
    from samforlop.meetings.models import Participant
    from samforlop.pathways.models import Pathway
    from samforlop.patients.models import CareTeamMember, active_on

    now = clock.now()
    today = clock.oslo_date(now)
    patient = request.user.patient
    pathway = Pathway.objects.filter(patient=patient, status="active").select_related("clinic").order_by("-created_at").first()
    next_step = None
    if pathway is not None and pathway.next_milestone:
        next_step = {"name": pathway.next_milestone_name, "date": pathway.next_deadline,
                     "pathway": pathway.definition.name, "clinic": pathway.clinic.name}
    due = list(CheckinSchedule.objects.filter(patient=patient, active=True, next_due_on__lte=today))
    for schedule in due:
        questionnaire = get_questionnaire(schedule.questionnaire)
        schedule.title, schedule.minutes = questionnaire.title, questionnaire.minutes
    invitations = list(Participant.objects.filter(patient=patient, meeting__status="scheduled")
                       .select_related("meeting__pathway"))
    log_access(user=request.user, what="portal_home", at=now, patients=[patient])
    return render(request, "portal/home.html", {
        "letters": list(Letter.objects.filter(patient=patient)),
        "invitations": invitations,
        "todo": _things_to_do(patient, due, invitations),
        "next_step": next_step, "due": due,
        "enrolled": FollowUpEnrolment.objects.filter(patient=patient, active=True).exists(),
        "goals": list(Goal.objects.filter(plan__patient=patient, status=Goal.Status.ACTIVE)),
        "contacts": list(CareTeamMember.objects.filter(active_on(today), patient=patient, is_contact_person=True)
                         .select_related("person", "organisation")),
    })


def _things_to_do(patient, due, invitations) -> list[dict]:
    """What the patient can do now, most pressing first, for the top of their page: a check-in to
    fill in (and about how long it takes), an invitation to answer, a suggestion to answer, a plan
    to read and agree to. Each with where to do it."""
    from samforlop.careplan.models import Plan
    from samforlop.offers.models import Recommendation

    todo = []
    for schedule in due:
        todo.append({"kind": "checkin", "url": reverse("portal:checkin", args=[schedule.questionnaire]),
                     "text": ngettext("You have a check-in to fill in (%(title)s). It takes about %(n)s minute.",
                                      "You have a check-in to fill in (%(title)s). It takes about %(n)s minutes.",
                                      schedule.minutes) % {"title": schedule.title, "n": schedule.minutes}})
    for participant in invitations:
        if participant.response == participant.Response.PENDING:
            todo.append({"kind": "invitation", "url": reverse("meetings:detail", args=[participant.meeting_id]),
                         "text": _("Answer the invitation to %(meeting)s on %(date)s.") % {
                             "meeting": participant.meeting.template.name,
                             "date": date_format(clock.localtime(participant.meeting.starts_at), "DATETIME_FORMAT")}})
    unanswered = Recommendation.objects.filter(patient=patient, status=Recommendation.Status.RECOMMENDED).count()
    if unanswered:
        todo.append({"kind": "suggestion", "url": reverse("portal:offers"),
                     "text": ngettext("You have %(n)s suggestion to answer.", "You have %(n)s suggestions to answer.",
                                      unanswered) % {"n": unanswered}})
    plan = Plan.objects.filter(patient=patient).first()
    if plan is not None and not plan.patient_agrees_to_current and plan.has_content():
        todo.append({"kind": "plan", "url": reverse("portal:plan"),
                     "text": _("Read your plan and say whether you agree with it.")})
    return todo


@require_http_methods(["GET", "POST"])
@patient_required
def plan(request):
    """My plan: read it, comment on it, and mark that I agree."""
    from samforlop.careplan import actions as plan_actions
    from samforlop.careplan.forms import CommentForm
    from samforlop.careplan.views import plan_context

    now = clock.now()
    patient = request.user.patient
    log_access(user=request.user, what="portal_plan", at=now, patients=[patient])
    form = CommentForm(request.POST or None)
    agree_error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "agree":
                plan_actions.agree_to_plan(patient=patient, actor=request.user, now=now,
                                           version=ids.parse_int(request.POST.get("version"), field="version"))
                return redirect("portal:plan")
            if form.is_valid():
                plan_actions.comment_on_plan(patient=patient, actor=request.user, now=now, **form.cleaned_data)
                return redirect("portal:plan")
        except ValidationError as e:
            agree_error = " ".join(e.messages)
    context = plan_context(patient, now)
    context.update({"comment_form": form, "agree_error": agree_error})
    return render(request, "portal/plan.html", context, status=400 if request.method == "POST" else 200)


@require_GET
@login_required
def letter(request, letter_id):
    """The letter as a page in the portal, and printable (staff reach it from the referral)."""
    letter = _get_letter_for_user(request.user, letter_id, clock.now())
    return render(request, "portal/letter.html", letter_context(letter))


@require_GET
def clinic_public(request, clinic_id):
    """A clinic's public information: national time limits and the clinic's real recent times."""
    clinic = get_object_or_404(Organisation, pk=clinic_id, kind__in=Organisation.SPECIALIST_KINDS)
    today = clock.today()
    sections = []
    for definition in all_definitions().values():
        if clinic.kind in definition.clinic_kinds and definition.time_limits:
            sections.append({
                "definition": definition,
                "times": [(limit, recent_times(clinic, definition.key, today, limit.key)) for limit in definition.time_limits],
            })
    return render(request, "portal/clinic.html", {"clinic": clinic, "sections": sections, "today": today})


@require_http_methods(["GET", "POST"])
@patient_required
def relatives(request):
    """The relatives I consent to taking part (e.g. in collaboration meetings); I can withdraw."""
    from samforlop.patients.actions import record_relative_consent, withdraw_relative_consent
    from samforlop.patients.forms import RelativeConsentForm
    from samforlop.patients.models import RelativeConsent

    now = clock.now()
    patient = request.user.patient
    form = RelativeConsentForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("withdraw"):
            consent = ids.posted_object(request, "withdraw", RelativeConsent.objects.filter(patient=patient))
            withdraw_relative_consent(consent=consent, actor=request.user, now=now)
            return redirect("portal:relatives")
        if form.is_valid():
            record_relative_consent(patient=patient, actor=request.user, now=now, **form.cleaned_data)
            return redirect("portal:relatives")
    log_access(user=request.user, what="portal_relatives", at=now, patients=[patient])
    return render(request, "portal/relatives.html", {
        "form": form, "consents": patient.relative_consents.order_by("withdrawn_at", "relative_name"),
    }, status=400 if request.method == "POST" else 200)


ACCESS_WHAT = {
    # How each kind of read reads to the patient (innsynslogg).
    "patient_page": _("Opened your page"), "worklist": _("Saw you on the worklist"),
    "patient_list": _("Saw you on the patient list"), "search_identity_number": _("Searched for you"),
    "referral": _("Read your referral"), "referral_inbox": _("Saw your referral in the inbox"),
    "plan": _("Read your plan"), "plan_print": _("Printed your plan"), "checkins": _("Read your check-ins"),
    "meeting": _("Opened a meeting"), "letter": _("Read a letter to you"), "message": _("Read a message about you"),
    "assessment": _("Read your assessment"), "my_measures": _("Saw your measure on a list"),
    "registry_export": _("Exported to the national patient registry"),
    "emergency_access": _("Opened your record with emergency access"),
    "shared_page": _("Read what you share"), "shared_list": _("Saw that you share with them"),
    "outreach_list": _("Saw you on the outreach list"),
    "outreach_patient": _("Opened your entry on the outreach list"),
    "arena_meeting": _("Saw you on a collaboration arena's list"),
    "arena_consents": _("Saw your consent to the collaboration arena"),
    "portal_arena": _("Read the collaboration arena page"),
    "portal_costs": _("Read your cost page"), "costs": _("Read your co-payments"),
    "work": _("Read your work situation and return-to-work follow-up"),
    "work_change": _("Changed your work situation or return-to-work follow-up"),
    "employer_letter": _("Read a letter to your employer"),
    "employer_letter_release": _("Released a letter to your employer with your consent"),
    "employer_letter_print": _("Printed a letter to your employer"),
    # Reads through the FHIR API (by another system, under that system's name).
    "fhir_patient": _("Read your data through a connected system"),
    "fhir_patient_search": _("Searched for you through a connected system"),
    "fhir_episode_of_care": _("Read your pathway through a connected system"),
    "fhir_episode_of_care_search": _("Saw your pathway through a connected system"),
    "fhir_bulk_export": _("Exported your data to a connected system (bulk export)"),
    "fhir_care_plan": _("Read your plan through a connected system"),
    "fhir_care_plan_search": _("Saw your plan through a connected system"),
    "fhir_care_plan_update": _("Agreed to the plan through a connected system"),
    "fhir_goal": _("Read a goal in your plan through a connected system"),
    "fhir_goal_search": _("Saw the goals in your plan through a connected system"),
    "fhir_goal_update": _("Changed a goal in your plan through a connected system"),
    "fhir_task": _("Read a task or measure about you through a connected system"),
    "fhir_task_search": _("Saw tasks and measures about you through a connected system"),
    "fhir_task_update": _("Changed a task or measure about you through a connected system"),
    "fhir_service_request": _("Read your referral through a connected system"),
    "fhir_service_request_search": _("Saw your referral through a connected system"),
    "fhir_service_request_create": _("Sent a referral for you through a connected system"),
    "fhir_questionnaire_response": _("Read a check-in of yours through a connected system"),
    "fhir_questionnaire_response_search": _("Saw your check-ins through a connected system"),
    "fhir_questionnaire_response_create": _("Sent a check-in through a connected system"),
    "fhir_care_team": _("Read your care team through a connected system"),
    "fhir_care_team_search": _("Saw your care team through a connected system"),
    "fhir_appointment": _("Read a meeting through a connected system"),
    "fhir_appointment_search": _("Saw your meetings through a connected system"),
    "fhir_consent": _("Read a consent of yours through a connected system"),
    "fhir_consent_search": _("Saw your consents through a connected system"),
    "fhir_audit_event": _("Read your access log through a connected system"),
    "fhir_audit_event_search": _("Saw your access log through a connected system"),
}


ACCESS_LOG_GROUPS_PER_PAGE = 20


def access_log_by_day_and_person(patient, *, exclude_user, page, today):
    """The patient's access log as they can take it in: one line per day and person (who, role,
    organisation, how many reads, any refused), newest first, paged by those lines; the rows behind
    each line come with it. Two queries: the groups of the page, then their rows."""
    from django.core.paginator import Paginator
    from django.db.models import Count, Max, Q
    from django.db.models.functions import TruncDate

    from samforlop.accounts.models import Organisation, User
    from samforlop.audit.models import AccessLog

    rows = AccessLog.objects.filter(patient=patient).exclude(user=exclude_user)
    groups = (rows.annotate(day=TruncDate("at", tzinfo=clock.OSLO))
              .values("day", "user_id", "organisation_id", "role")
              .annotate(reads=Count("pk"), refused=Count("pk", filter=Q(outcome=AccessLog.Outcome.DENIED)),
                        last=Max("at"))
              .order_by("-day", "-last"))
    log = Paginator(groups, ACCESS_LOG_GROUPS_PER_PAGE).get_page(page)
    shown = list(log.object_list)
    if shown:
        users = User.objects.in_bulk({g["user_id"] for g in shown if g["user_id"]})
        organisations = Organisation.objects.in_bulk({g["organisation_id"] for g in shown if g["organisation_id"]})
        first, last = min(g["day"] for g in shown), max(g["day"] for g in shown)
        start = dt.datetime.combine(first, dt.time.min, tzinfo=clock.OSLO)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=clock.OSLO)
        by_group = {}
        for entry in rows.filter(at__gte=start, at__lt=end).order_by("-at", "-pk"):
            entry.what_text = ACCESS_WHAT.get(entry.what, _("Read your data"))
            key = (clock.oslo_date(entry.at), entry.user_id, entry.organisation_id, entry.role)
            by_group.setdefault(key, []).append(entry)
        for g in shown:
            g["user"], g["organisation"] = users.get(g["user_id"]), organisations.get(g["organisation_id"])
            g["role_name"] = User.Role(g["role"]).label if g["role"] in User.Role.values else ""
            g["entries"] = by_group.get((g["day"], g["user_id"], g["organisation_id"], g["role"]), [])
            g["is_today"], g["is_yesterday"] = g["day"] == today, g["day"] == today - dt.timedelta(days=1)
    log.object_list = shown
    return log


@require_http_methods(["GET", "POST"])
@patient_required
def privacy(request):
    """Who has read my data (innsynslogg), and who I have blocked."""
    from django.core.paginator import Paginator

    from samforlop.accounts.models import Organisation, User
    from samforlop.audit.models import AccessLog
    from samforlop.patients.actions import block_access, lift_block
    from samforlop.patients.models import Block, CareTeamMember

    now = clock.now()
    patient = request.user.patient
    team = list(CareTeamMember.objects.filter(patient=patient).select_related("person", "organisation"))
    if request.method == "POST":
        # Which form was sent is told by the field present; its id is parsed (400) and must be of
        # this patient's block or care team (404).
        if "lift" in request.POST:
            lift_block(block=ids.posted_object(request, "lift", Block.objects.filter(patient=patient)),
                       actor=request.user, now=now)
        elif request.POST.get("person"):
            person = ids.posted_object(request, "person",
                                       User.objects.filter(pk__in=[m.person_id for m in team if m.person_id]))
            block_access(patient=patient, person=person, actor=request.user, now=now)
        elif request.POST.get("organisation"):
            organisation = ids.posted_object(request, "organisation",
                                             Organisation.objects.filter(pk__in=[m.organisation_id for m in team]))
            block_access(patient=patient, organisation=organisation, actor=request.user, now=now)
        return redirect("portal:privacy")
    log = access_log_by_day_and_person(patient, exclude_user=request.user, page=request.GET.get("page"),
                                       today=clock.oslo_date(now))
    people = {m.person for m in team if m.person}
    organisations = {m.organisation for m in team}
    return render(request, "portal/privacy.html", {
        "log": log, "blocks": patient.blocks.filter(lifted_at__isnull=True).select_related("person", "organisation"),
        "people": sorted(people, key=lambda u: u.display_name), "organisations": sorted(organisations, key=lambda o: o.name),
    })
