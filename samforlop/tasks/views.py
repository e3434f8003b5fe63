from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from samforlop.audit.models import log_access
from samforlop.checkins.forms import TaskAnswerForm
from samforlop.core import clock
from samforlop.core.forms import show_refusal
from samforlop.core.decorators import staff_required
from samforlop.tasks import actions
from samforlop.tasks.models import Task, task_visibility_condition


def get_task_for_user(user, task_id, *, what: str, now) -> Task:
    """A task of the user's organisation whose patient the user may see; else 404."""
    condition = task_visibility_condition(user, clock.oslo_date(now), now=now)
    task = None if condition is None else (
        Task.objects.filter(condition, organisation_id=user.organisation_id)
        .select_related("patient", "checkin", "answered_by").filter(pk=task_id).first())
    if task is None:
        log_access(user=user, what=what, at=now, requested_id=task_id, granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[task.patient])
    return task


@require_http_methods(["GET", "POST"])
@staff_required
def detail(request, task_id):
    now = clock.now()
    task = get_task_for_user(request.user, task_id, what="task", now=now)
    form = TaskAnswerForm(request.POST or None) if task.status == Task.Status.OPEN else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            actions.answer_task(task=task, actor=request.user, now=now, **form.cleaned_data)
            return redirect("pathways:worklist")
        except ValidationError as e:
            show_refusal(form, e)
    return render(request, "tasks/detail.html", {"task": task, "form": form},
                  status=400 if request.method == "POST" else 200)
