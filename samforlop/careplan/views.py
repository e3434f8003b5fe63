from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from samforlop.accounts.models import Organisation, User
from samforlop.audit.models import log_access
from samforlop.careplan import actions
from samforlop.careplan.forms import CommentForm, GoalEditForm, GoalForm, MeasureForm, MeasureStatusForm
from samforlop.careplan.models import Goal, Measure
from samforlop.core import clock, ids
from samforlop.core.forms import show_refusal
from samforlop.core.decorators import staff_required
from samforlop.patients.access import get_patient_for_user
from samforlop.patients.models import CareTeamMember, Category, active_on, needs_consent, visibility_condition


def plan_context(patient, now):
    """Everything the plan pages show: goals, measures, contact persons, comments, history."""
    today = clock.oslo_date(now)
    plan = actions.plan_for(patient, now)
    team = list(CareTeamMember.objects.filter(active_on(today), patient=patient).select_related("organisation", "person"))
    organisations = Organisation.objects.filter(pk__in={m.organisation_id for m in team}).order_by("name")
    goals = list(plan.goals.all())
    measures = actions.open_measures_due(list(plan.measures.select_related("organisation", "person", "goal")), today)
    return {
        "patient": patient, "plan": plan, "goals": goals, "measures": measures,
        "contacts": [m for m in team if m.is_contact_person or m.is_coordinator],
        "comments": list(plan.comments.select_related("author")),
        "versions": list(plan.versions.select_related("by")[:50]),
        "organisations": organisations,
        "people": User.objects.filter(organisation__in=organisations, is_active=True).select_related("organisation")
        .order_by("organisation__name", "first_name"),
        "today": today,
    }


def _measure_owners(request, context):
    """Who a new measure may be given to: any organisation on the care team; for NAV and user
    organisations (who read the plan with the patient's consent) only their own."""
    if needs_consent(request.user):
        return context["organisations"].filter(pk=request.user.organisation_id)
    return context["organisations"]


def _render_plan(request, patient, now, forms=None, status=200):
    from samforlop.costs.summary import is_high, summary_for

    context = plan_context(patient, now)
    today = context["today"]
    # NAV and user organisations comment and keep their own measures; goals (and their needs) and
    # other services' measures are health personnel's and the patient's.
    context["may_write_goals"] = not needs_consent(request.user)
    # The year's costs to the patient, and the gentle flag when the plan costs a lot.
    context["cost_summary"] = summary_for(patient, today.year, today, measures=context["measures"])
    context["cost_flag"] = is_high(context["cost_summary"])
    forms = forms or {}
    context["goal_form"] = (forms.get("goal") or GoalForm()) if context["may_write_goals"] else None
    context["measure_form"] = forms.get("measure") or MeasureForm(
        organisations=_measure_owners(request, context), people=context["people"],
        goals=Goal.objects.filter(plan=context["plan"]))
    context["comment_form"] = forms.get("comment") or CommentForm()
    for g in context["goals"]:
        if not context["may_write_goals"]:
            g.edit_form = None
            continue
        g.edit_form = forms.get(("goal", g.pk)) or GoalEditForm(initial={
            "revision": g.revision, "text": g.text, "reached_means": g.reached_means, "review_on": g.review_on,
            "status": g.status}, auto_id=f"id_goal{g.pk}_%s")
    for m in context["measures"]:
        if not actions.may_change_measure(request.user, m):
            m.edit_form = None
            continue
        m.edit_form = forms.get(("measure", m.pk)) or MeasureStatusForm(initial={
            "revision": m.revision, "status": m.status, "stop_reason": m.stop_reason, "start_on": m.start_on,
            "due_on": m.due_on}, auto_id=f"id_m{m.pk.hex[:8]}_%s")
    return render(request, "careplan/plan.html", context, status=status)


@require_GET
@staff_required
def plan(request, patient_id):
    now = clock.now()
    patient = get_patient_for_user(request.user, patient_id, what="plan", now=now,
                                    category=Category.PLAN_AND_MEETINGS)
    return _render_plan(request, patient, now)


@require_POST
@staff_required
def change(request, patient_id, what):
    """Every change to the plan from its page: add or edit a goal or measure, or comment."""
    now = clock.now()
    patient = get_patient_for_user(request.user, patient_id, what="plan_change", now=now,
                                    category=Category.PLAN_AND_MEETINGS)
    context = plan_context(patient, now)
    plan_ = context["plan"]
    key, form = what, None
    if what in ("goal", "goal_edit") and needs_consent(request.user):
        raise PermissionDenied("Goals are written by health personnel and the patient.")
    try:
        if what == "goal":
            form = GoalForm(request.POST)
            if form.is_valid():
                actions.add_goal(patient=patient, actor=request.user, now=now, **form.cleaned_data)
                return redirect("careplan:plan", patient_id=patient.pk)
        elif what == "goal_edit":
            goal = ids.posted_object(request, "goal", Goal.objects.filter(plan=plan_))
            key = ("goal", goal.pk)
            form = GoalEditForm(request.POST, auto_id=f"id_goal{goal.pk}_%s")
            if form.is_valid():
                actions.update_goal(goal=goal, actor=request.user, now=now, **form.cleaned_data)
                return redirect("careplan:plan", patient_id=patient.pk)
        elif what == "measure":
            form = MeasureForm(request.POST, organisations=_measure_owners(request, context),
                               people=context["people"], goals=Goal.objects.filter(plan=plan_))
            if form.is_valid():
                actions.add_measure(patient=patient, actor=request.user, now=now, **form.cleaned_data)
                return redirect("careplan:plan", patient_id=patient.pk)
        elif what == "measure_edit":
            measure = ids.posted_object(request, "measure", Measure.objects.filter(plan=plan_))
            if not actions.may_change_measure(request.user, measure):
                raise PermissionDenied("Another service's measure.")
            key = ("measure", measure.pk)
            form = MeasureStatusForm(request.POST, auto_id=f"id_m{measure.pk.hex[:8]}_%s")
            if form.is_valid():
                actions.update_measure(measure=measure, actor=request.user, now=now, **form.cleaned_data)
                return redirect("careplan:plan", patient_id=patient.pk)
        elif what == "comment":
            form = CommentForm(request.POST)
            if form.is_valid():
                actions.comment_on_plan(patient=patient, actor=request.user, now=now, **form.cleaned_data)
                return redirect("careplan:plan", patient_id=patient.pk)
        else:
            raise PermissionDenied("Unknown change")
    except ValidationError as e:
        show_refusal(form, e)
    return _render_plan(request, patient, now, forms={key: form}, status=400)


@require_GET
@login_required
def print_plan(request, patient_id):
    """A clean print: one section a page (goals, measures, contact persons)."""
    now = clock.now()
    patient = get_patient_for_user(request.user, patient_id, what="plan_print", now=now,
                                    category=Category.PLAN_AND_MEETINGS)
    return render(request, "careplan/print.html", plan_context(patient, now))


@require_GET
@staff_required
def my_measures(request):
    """Measures the user owns, and their organisation's: overdue and due soon first."""
    now = clock.now()
    today = clock.oslo_date(now)
    condition = visibility_condition(request.user, today, patient_field="plan__patient_id", now=now,
                                     category=Category.PLAN_AND_MEETINGS)
    base = Measure.objects.filter(condition, status__in=Measure.OPEN).select_related(
        "plan__patient", "organisation", "person").order_by("due_on", "pk")
    mine = actions.open_measures_due(list(base.filter(person=request.user)[:200]), today)
    organisation = actions.open_measures_due(list(
        base.filter(organisation_id=request.user.organisation_id).filter(~Q(person=request.user) | Q(person__isnull=True))[:200]
    ), today)
    # Undated measures after the dated ones, the same on every database.
    for rows in (mine, organisation):
        rows.sort(key=lambda m: (m.due_on is None, m.due_on or today, str(m.pk)))
    shown = [m.plan.patient for m in mine + organisation]
    if shown:
        log_access(user=request.user, what="my_measures", at=now, patients=shown)
    return render(request, "careplan/my_measures.html", {"mine": mine, "organisation": organisation, "today": today})
