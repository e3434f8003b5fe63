"""Access helpers for referrals and consultations: the patient guard, plus drafts only for the
referring office. Everyone else gets the same 404 as for an id that does not exist."""

from django.db.models import Q
from django.http import Http404

from samforlop.audit.models import log_access
from samforlop.core import clock
from samforlop.patients.models import HEALTH_PERSONNEL_ONLY, Category, visibility_condition
from samforlop.referrals.models import Consultation, Referral


def _visible(model, user, now, category, extra=Q()):
    condition = visibility_condition(user, clock.oslo_date(now), patient_field="patient_id", now=now,
                                     category=category)
    return model.objects.none() if condition is None else model.objects.filter(condition).filter(extra)


def get_referral_for_user(user, referral_id, *, what: str, now,
                          category: str = Category.REFERRAL_AND_ASSESSMENT) -> Referral:
    """The referral, for reading (`Category.REFERRAL_AND_ASSESSMENT`: NAV, user organisations and
    relatives with the patient's consent, never its clinical notes) or for writing and deciding
    (`HEALTH_PERSONNEL_ONLY`)."""
    drafts_only_for_referrer = ~Q(status=Referral.Status.DRAFT) | Q(referring_organisation_id=user.organisation_id)
    referral = (
        _visible(Referral, user, now, category, drafts_only_for_referrer)
        .select_related("patient", "clinic", "author", "referring_organisation", "consultation", "decided_by")
        .filter(pk=referral_id).first()
    )
    if referral is None:
        log_access(user=user, what=what, at=now, requested_id=referral_id, granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[referral.patient])
    return referral


def get_consultation_for_user(user, consultation_id, *, what: str, now) -> Consultation:
    """A collaborative consultation is the GP's clinical question to the clinic and its answer:
    health personnel only, whatever the patient shares."""
    consultation = (
        _visible(Consultation, user, now, HEALTH_PERSONNEL_ONLY)
        .select_related("patient", "clinic", "asked_by", "asking_organisation", "answered_by")
        .filter(pk=consultation_id).first()
    )
    if consultation is None:
        log_access(user=user, what=what, at=now, requested_id=consultation_id, granted=False)
        raise Http404()
    log_access(user=user, what=what, at=now, patients=[consultation.patient])
    return consultation
