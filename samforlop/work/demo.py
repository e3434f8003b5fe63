"""Work-oriented follow-up in the demo world, through the named operations: the patient who logs in
as "pasient4" is on 50 % sick leave, shares work with NAV, has NAV's officer as return-to-work
coordinator, an agreement with the employer, a follow-up task, and a letter to the employer that
waits for their approval."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from samforlop.accounts.models import User
from samforlop.patients.actions import add_care_team_member, grant_consent
from samforlop.patients.models import CareTeamMember, Category, SharingConsent, active_on
from samforlop.tasks.models import Task
from samforlop.work import actions
from samforlop.work.models import EmployerLetter, Status, WorkSituation

EMPLOYERS = [("Bergen Regnskap AS", "Leder Hanne Moe, 55 00 00 00"),
             ("Vestland Logistikk AS", "Avdelingsleder Tor Berge, 55 00 00 01"),
             ("Fjordbyen barnehage", "Styrer Liv Sande, 55 00 00 02")]


def build_demo(world, today: dt.date, now: dt.datetime) -> None:
    """Add the work demo to a built world (see samforlop.demo.world). Does nothing when the demo
    patient "pasient4" does not exist (a small world) or already has a letter."""
    rng = random.Random("samforlop-work-demo")  # its own stream: the world's stream is unchanged
    user = User.objects.filter(username="pasient4", patient__isnull=False).select_related("patient").first()
    if user is None or EmployerLetter.objects.filter(patient=user.patient).exists():
        return
    patient = user.patient
    nav, officer = world.organisations["nav"], world.staff["nav.veileder"]
    sid = lambda: uuid.UUID(int=rng.getrandbits(128))  # noqa: E731
    since = today - dt.timedelta(days=rng.randint(40, 60))
    if not CareTeamMember.objects.filter(active_on(today), patient=patient, organisation=nav).exists():
        add_care_team_member(patient=patient, organisation=nav, role=CareTeamMember.Role.NAV, person=officer,
                             is_contact_person=True, valid_from=since, now=now)
    if not SharingConsent.objects.filter(active_on(today), patient=patient, organisation=nav, category=Category.WORK,
                                         withdrawn_at__isnull=True).exists():
        grant_consent(patient=patient, categories=[Category.WORK], valid_from=since, organisation=nav, actor=user,
                      now=now)
    actions.record_work_situation(patient=patient, status=Status.SICK_LEAVE, sick_leave_percent=50,
                                  valid_from=since, valid_to=today + dt.timedelta(days=rng.randint(20, 40)),
                                  note="Gradert sykmelding, jobber formiddager.", source=WorkSituation.Source.COORDINATOR,
                                  actor=officer, now=now, submission_id=sid())
    actions.name_return_to_work_coordinator(patient=patient, organisation=nav, person=officer, every_weeks=2,
                                            note="Telefon annenhver uke, møte med arbeidsgiver hver sjette uke.",
                                            actor=officer, now=now, submission_id=sid())
    employer, contact = rng.choice(EMPLOYERS)
    actions.record_workplace_agreement(
        patient=patient, agreed_on=today - dt.timedelta(days=rng.randint(7, 14)), employer_name=employer,
        employer_contact=contact, adjustments=["flexible_hours", "varied_tasks", "home_office_bad_days", "extra_breaks"],
        other_adjustments="Slipper kveldsvakter i tre måneder.", review_on=today + dt.timedelta(days=42), actor=officer,
        now=now, submission_id=sid())
    actions.assign_return_to_work_task(patient=patient, kind=Task.Kind.FOLLOW_UP_WORK,
                                       reason="Ring og hør om arbeidsdagene fungerer som avtalt.",
                                       due_on=today + dt.timedelta(days=14), actor=officer, now=now, submission_id=sid())
    actions.draft_employer_letter(patient=patient, employer_name=employer, actor=officer, now=now, submission_id=sid())
