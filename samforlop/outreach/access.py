"""Access helpers for the outreach list and the collaboration arena. Each returns 404 for what the
user may not see (and logs reads of patient data, granted or denied).

- A patient on the outreach list: the coordinating unit's staff (their unit on the care team) and
  the patient's named contact persons (`listing.candidates_for`).
- An arena and its meetings: staff of the coordinating unit that runs it (who manage it) and of
  its participating organisations (who read it).
- The patients in an arena: only those whose consent to be discussed in that arena is in force,
  and who have not blocked the reader or the reader's organisation. The consent, not the care
  team, is what lets the arena's participants see the patient's name and case.
"""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.outreach.listing import candidates_for
from samforlop.outreach.models import ArenaConsent, ArenaMeeting, CollaborationArena
from samforlop.patients.models import Block, Patient


def get_outreach_patient_for_user(user, patient_id, *, what: str, now) -> Patient:
    """A patient whose outreach the user follows (coordinating unit, or named contact person), else 404."""
    patient = candidates_for(user, clock.oslo_date(now)).filter(pk=patient_id).first()
    if patient is None:
        existing = list(Patient.objects.filter(pk=patient_id).only("pk"))
        log_access(user=user, what=what, at=now, patients=existing, requested_id=patient_id, granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[patient])
    return patient


def arenas_for(user, *, manage: bool = False):
    """The arenas the user's organisation runs (and, unless `manage`, takes part in)."""
    organisation_id = getattr(user, "organisation_id", None)
    if organisation_id is None:
        return CollaborationArena.objects.none()
    if manage:
        return CollaborationArena.objects.filter(organisation_id=organisation_id)
    return CollaborationArena.objects.filter(
        Q(organisation_id=organisation_id)
        | Q(pk__in=CollaborationArena.participants.through.objects.filter(organisation_id=organisation_id)
            .values("collaborationarena_id")))


def get_arena_for_user(user, arena_id, *, manage: bool = False) -> CollaborationArena:
    arena = arenas_for(user, manage=manage).select_related("organisation").filter(pk=arena_id).first()
    if arena is None:
        raise Http404()
    return arena


def get_arena_meeting_for_user(user, meeting_id, *, manage: bool = False) -> ArenaMeeting:
    meeting = (ArenaMeeting.objects.filter(arena__in=arenas_for(user, manage=manage).values("pk"))
               .select_related("arena__organisation").filter(pk=meeting_id).first())
    if meeting is None:
        raise Http404()
    return meeting


def consent_in_force(arena_ref, patient_ref="pk"):
    """The condition "this patient's consent to be discussed in this arena is in force"."""
    return Exists(ArenaConsent.objects.filter(arena=arena_ref, patient=OuterRef(patient_ref), withdrawn_at__isnull=True))


def arena_patients(arena, user=None):
    """The patients who may be discussed in `arena` (consent in force), less those who have
    blocked `user` or the user's organisation."""
    patients = Patient.objects.filter(consent_in_force(arena.pk))
    if user is not None:
        blocked = Block.objects.filter(patient=OuterRef("pk"), lifted_at__isnull=True).filter(
            Q(person_id=user.pk) | Q(organisation_id=getattr(user, "organisation_id", None)))
        patients = patients.filter(~Exists(blocked))
    return patients
