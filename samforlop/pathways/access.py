"""Access helper for pathways: the patient guard, applied through the pathway."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.pathways.models import Pathway


def get_pathway_for_user(user, pathway_id, *, what: str, now, category: str,
                         for_clinic_staff: bool = False) -> Pathway:
    """The pathway if its patient is visible to `user`, else 404 (logged as denied).

    With `for_clinic_staff`, only staff of the clinic running the pathway may go on (they can see
    the patient already, so they are told it is forbidden rather than missing).
    """
    pathway = (
        Pathway.objects.visible_to(user, clock.oslo_date(now), category, now)
        .select_related("patient", "clinic")
        .filter(pk=pathway_id)
        .first()
    )
    if pathway is None:
        log_access(user=user, what=what, at=now, requested_id=pathway_id, granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[pathway.patient])
    if for_clinic_staff and user.organisation_id != pathway.clinic_id:
        raise PermissionDenied("Only the clinic running the pathway registers its events.")
    return pathway
