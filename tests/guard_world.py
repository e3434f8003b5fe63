"""One patient with a row of every kind of patient data, and the people who must not see it.

Shared by the guard's tests (tests/test_view_categories.py, tests/test_ids.py,
tests/test_user_organisations.py). Everything is made through the named operations, as real use
makes it, at a pinned moment (NOW).

The personas beside the care team (tests/conftest.py):
- nav_none: NAV office on the care team, no consent (conftest's nav_office / nav_officer)
- nav_work: another NAV office on the care team, with consent to share only *work and economy*
- relative: a person who logs in (ID-porten); each test gives them the consent it needs
- user_org: a user organisation on the care team, no consent
- outsider: a physician at another clinic (conftest)
- other_patient: another patient, logged in to their own pages
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field

from samforlop.accounts.models import Organisation, User
from samforlop.core import clock
from samforlop.patients.actions import add_care_team_member, grant_consent, relative_user
from samforlop.patients.models import CareTeamMember, Category
from tests.conftest import make_org, make_user, new_patient

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)  # a Monday
TODAY = NOW.date()
LONG_AGO = dt.date(2020, 1, 1)


def sid() -> uuid.UUID:
    return uuid.uuid4()


@dataclass
class PatientData:
    """One patient's rows, one of each kind."""

    patient: object
    me: User  # the patient's own log-in
    pathway: object = None
    event: object = None
    referral: object = None
    letter: object = None
    consultation: object = None
    meeting: object = None
    participant: object = None  # the patient's own invitation
    nav_participant: object = None  # NAV (work consent)'s invitation
    decision: object = None
    plan: object = None
    goal: object = None
    measure: object = None
    training_measure: object = None
    session: object = None
    checkin: object = None
    task: object = None
    co_payment: object = None
    employer_letter: object = None
    recommendation: object = None
    sharing_consent: object = None
    relative_consent: object = None
    block: object = None
    arena_consent: object = None
    message: object = None
    extra: dict = field(default_factory=dict)


@dataclass
class World:
    personas: object
    p: PatientData  # the patient everyone tries to reach
    q: PatientData  # another patient, whose rows are "not yours" for the first
    nav_work_office: Organisation
    nav_work: User
    user_org: Organisation
    user_org_user: User
    relative: User
    offer: object
    arena: object
    arena_meeting: object
    emergency_access: object
    tokens: dict  # persona name -> FHIR bearer token of a system client of their organisation
    bulk_job: object = None
    bulk_file: object = None
    audit_event_id: int | None = None

    @property
    def patient(self):
        return self.p.patient

    def persona(self, name: str) -> User:
        return {
            "nav_none": self.personas.nav_officer, "nav_work": self.nav_work, "relative": self.relative,
            "user_org": self.user_org_user, "outsider": self.personas.outsider, "other_patient": self.q.me,
        }[name]


def _fhir_token(organisation, *, reporting=False):
    from samforlop.fhir import auth
    from samforlop.fhir.actions import register_fhir_client
    from tests.fhir_helpers import org_admin

    admin = org_admin(organisation, f"admin-{uuid.uuid4().hex[:8]}")
    client = register_fhir_client(organisation=organisation, name=f"System {organisation.name}",
                                  public_key=_public_key(), actor=admin, now=NOW, reporting=reporting)
    token, _seconds = auth.issue_token(client, now=NOW)
    return client, token


_KEY = None


def _public_key():
    global _KEY
    if _KEY is None:
        from joserfc.jwk import RSAKey

        _KEY = RSAKey.generate_key(2048).as_dict(private=False)
    return _KEY


def _patient_data(personas, patient, me, *, nav_work_office, nav_work, offer, with_everything=True) -> PatientData:
    """The patient's pathway, referral, meeting, plan, check-ins, tasks, costs, letters, ..."""
    from samforlop.assessments.actions import start_assessment, write_assessment_entry
    from samforlop.careplan import actions as plan
    from samforlop.checkins import actions as checkins
    from samforlop.costs.actions import register_co_payment
    from samforlop.demo.world import _demo_referral
    from samforlop.meetings import actions as meetings
    from samforlop.meetings.models import Participant
    from samforlop.messaging.actions import write_to_contact_person
    from samforlop.offers.actions import recommend_offer
    from samforlop.patients.actions import record_relative_consent
    from samforlop.portal.models import Letter
    from samforlop.referrals import actions as referrals
    from samforlop.referrals.models import Referral
    from samforlop.work import actions as work

    physician, gp, physio = personas.clinic_physician, personas.gp, personas.physiotherapist
    data = PatientData(patient=patient, me=me)
    # Referral: written and sent by the GP, included by the clinic (the pathway starts, a letter goes out).
    _demo_referral(patient, gp, personas.clinic, random.Random(patient.pk.int), NOW - dt.timedelta(days=40))
    data.referral = Referral.objects.get(patient=patient)
    referrals.include_referral(referral=data.referral, contact_person=personas.clinic_nurse, actor=physician,
                               now=NOW - dt.timedelta(days=35))
    data.referral.refresh_from_db()
    data.letter = Letter.objects.filter(referral=data.referral).first()
    data.pathway = patient.pathways.get()
    data.event = data.pathway.events.order_by("pk").first()
    data.consultation = referrals.ask_for_consultation(patient=patient, clinic=personas.clinic,
                                                       question="Bør vi henvise?", actor=gp, submission_id=sid(),
                                                       now=NOW - dt.timedelta(days=50))
    start_assessment(pathway=data.pathway, date=TODAY - dt.timedelta(days=21), actor=physician,
                     now=NOW - dt.timedelta(days=21), submission_id=sid())
    write_assessment_entry(pathway=data.pathway, section="physical", text="Redusert gangdistanse", actor=physician,
                           now=NOW - dt.timedelta(days=20), submission_id=sid())
    # The summarizing meeting, with NAV invited, and a decision in its minutes.
    data.meeting = meetings.schedule_meeting(pathway=data.pathway, kind="summarizing",
                                             starts_at=NOW + dt.timedelta(days=7), place="Møterom 2",
                                             actor=physician, now=NOW, submission_id=sid())
    data.participant = data.meeting.participants.filter(patient=patient).first()
    data.nav_participant = Participant.objects.create(meeting=data.meeting, organisation=nav_work_office,
                                                      user=nav_work, role=Participant.Role.NAV)
    data.decision = meetings.add_decision(meeting=data.meeting, text="Trening to ganger i uka", actor=physician,
                                          now=NOW, submission_id=sid())
    # The plan: a goal with its needs, a measure of the physiotherapist's, a training programme.
    data.goal = plan.add_goal(patient=patient, text="Gå tur med hunden", needs=["physical_activity"], actor=physician,
                              now=NOW, submission_id=sid())
    data.measure = plan.add_measure(patient=patient, title="Trening i basseng", organisation=personas.physio_service,
                                    person=physio, due_on=TODAY + dt.timedelta(days=30), goal=data.goal,
                                    actor=physician, now=NOW, submission_id=sid())
    data.training_measure = plan.add_measure(patient=patient, title="Treningsprogram", organisation=personas.physio_service,
                                             person=physio, is_training_programme=True, actor=physician, now=NOW,
                                             submission_id=sid())
    data.plan = plan.plan_for(patient, NOW)
    plan.comment_on_plan(patient=patient, text="Fint", actor=me, now=NOW, submission_id=sid())
    data.session = checkins.log_training_session(measure=data.training_measure, done_on=TODAY, what="Gikk tur",
                                                 how_it_felt="Bra", pain_before=4, pain_after=3, actor=me, now=NOW,
                                                 submission_id=sid())
    # A check-in that needs a phone call (a task on the clinic's worklist).
    checkins.schedule_checkins(patient=patient, questionnaire_key="pain_intensity", interval_months=3,
                               first_due_on=TODAY, actor=physician, now=NOW)
    data.checkin = checkins.submit_checkin(patient=patient, questionnaire_key="pain_intensity",
                                           answers={"pain_now": 9, "pain_average_week": 8}, actor=me, now=NOW,
                                           submission_id=sid())
    # Work: NAV (work consent) is the return-to-work coordinator and has a task; a letter to the
    # employer, approved by the patient (so it prints).
    work.name_return_to_work_coordinator(patient=patient, organisation=nav_work_office, person=nav_work,
                                         every_weeks=4, actor=physician, now=NOW, submission_id=sid())
    data.task = work.assign_return_to_work_task(patient=patient, kind="follow_up_work", reason="Følg opp",
                                                actor=physician, now=NOW, submission_id=sid())
    data.employer_letter = work.draft_employer_letter(patient=patient, actor=me, now=NOW, submission_id=sid())
    work.approve_employer_letter(letter=data.employer_letter, revision=data.employer_letter.revision, consent=True,
                                 actor=me, now=NOW)
    data.employer_letter.refresh_from_db()
    data.co_payment = register_co_payment(patient=patient, paid_on=TODAY, amount_nok=375, what="Fastlegetime",
                                          actor=me, now=NOW, submission_id=sid())
    data.recommendation = recommend_offer(offer=offer, patient=patient, note="Prøv dette", actor=physio, now=NOW,
                                          submission_id=sid())
    data.relative_consent = record_relative_consent(patient=patient, relative_name="Ola", relation="ektefelle",
                                                    actor=me, now=NOW)
    data.message = write_to_contact_person(patient=patient, contact_person=gp, text="Hei, jeg lurer på noe",
                                           actor=me, now=NOW, submission_id=sid())
    return data


def build_world(personas) -> World:
    from samforlop.offers.actions import save_offer
    from samforlop.outreach import actions as outreach
    from samforlop.patients.actions import block_access, grant_emergency_access

    # The organisations beside the care team.
    nav_none = personas.nav_office
    nav_work_office = make_org(Organisation.Kind.NAV_OFFICE, "NAV Arbeid", 91_000_700)
    nav_work = make_user("nav-work", nav_work_office, User.Role.NAV_OFFICER, "Nils", "Arbeid")
    user_org = make_org(Organisation.Kind.USER_ORGANISATION, "Smerteforeningen Testbyen", 91_000_800)
    user_org_user = make_user("peer", user_org, User.Role.COURSE_ORGANISER, "Petra", "Likeperson")
    relative = relative_user(national_id=_relative_number(), name="Ragnhild Pårørende")

    patient = personas.patient
    me = User.objects.create(username="kari", patient=patient, first_name=patient.given_name)
    for organisation, role in [(nav_none, CareTeamMember.Role.NAV), (nav_work_office, CareTeamMember.Role.NAV),
                               (user_org, CareTeamMember.Role.USER_ORGANISATION)]:
        add_care_team_member(patient=patient, organisation=organisation, role=role, valid_from=LONG_AGO, now=NOW)
    work_consent = grant_consent(patient=patient, categories=[Category.WORK], valid_from=LONG_AGO,
                                 organisation=nav_work_office, actor=me, now=NOW)[0]

    offer = save_offer(editor=personas.physiotherapist, municipalities=["4601"], now=NOW, fields=dict(
        title="Trening i varmtvannsbasseng", description="Tirsdager", kind="warm_water_pool",
        open_without_diagnosis=True, diagnosis_groups=[], needs_referral=False, needs_decision=False, cost_nok=0,
        transport=False, needs=["physical_activity"], last_verified=TODAY))

    p = _patient_data(personas, patient, me, nav_work_office=nav_work_office, nav_work=nav_work, offer=offer)
    p.sharing_consent = work_consent

    other = new_patient(gp=personas.gp, given="Quintus", family="Annen", now=NOW)
    for organisation, role, person in [(personas.clinic, CareTeamMember.Role.SPECIALIST_CLINIC, None),
                                       (personas.gp_office, CareTeamMember.Role.GP, personas.gp),
                                       (personas.physio_service, CareTeamMember.Role.PHYSIOTHERAPIST,
                                        personas.physiotherapist),
                                       (nav_work_office, CareTeamMember.Role.NAV, None)]:
        add_care_team_member(patient=other, organisation=organisation, role=role, person=person,
                             is_contact_person=person is not None, valid_from=LONG_AGO, now=NOW)
    other_me = User.objects.create(username="quintus", patient=other, first_name=other.given_name)
    q = _patient_data(personas, other, other_me, nav_work_office=nav_work_office, nav_work=nav_work, offer=offer)
    q.block = block_access(patient=other, organisation=personas.other_clinic, actor=other_me, now=NOW)
    q.sharing_consent = grant_consent(patient=other, categories=[Category.WORK], valid_from=LONG_AGO,
                                      organisation=nav_work_office, actor=other_me, now=NOW)[0]

    # The municipality's collaboration arena (NAV and the user organisation do not take part).
    unit = personas.coordinating_unit
    add_care_team_member(patient=patient, organisation=unit, role=CareTeamMember.Role.MUNICIPAL_SERVICE,
                         valid_from=LONG_AGO, now=NOW)
    arena = outreach.create_arena(organisation=unit, name="Samarbeidsarena", every_weeks=4, place="Rådhuset",
                                  participants=[personas.gp_office, personas.physio_service],
                                  actor=personas.municipal_coordinator, now=NOW, submission_id=sid())
    arena_meeting = outreach.schedule_arena_meeting(arena=arena, starts_at=NOW + dt.timedelta(days=14),
                                                    place="Rådhuset", actor=personas.municipal_coordinator, now=NOW,
                                                    submission_id=sid())
    p.arena_consent = outreach.give_arena_consent(patient=patient, arena=arena, how="portal", actor=me, now=NOW)
    outreach.add_arena_case(meeting=arena_meeting, patient=patient, what="Trenger hjelp med jobb",
                            actor=personas.municipal_coordinator, now=NOW, submission_id=sid())

    emergency = grant_emergency_access(patient=other, reason="Akutt innlagt, trenger oversikt nå", actor=personas.outsider,
                                       now=NOW - dt.timedelta(days=1))

    tokens = {}
    for name, organisation in [("nav_none", nav_none), ("nav_work", nav_work_office), ("user_org", user_org),
                               ("outsider", personas.other_clinic)]:
        tokens[name] = _fhir_token(organisation)[1]
    clinic_client, tokens["clinic"] = _fhir_token(personas.clinic, reporting=True)

    world = World(personas=personas, p=p, q=q, nav_work_office=nav_work_office, nav_work=nav_work, user_org=user_org,
                  user_org_user=user_org_user, relative=relative, offer=offer, arena=arena,
                  arena_meeting=arena_meeting, emergency_access=emergency, tokens=tokens)
    world.bulk_job, world.bulk_file = _bulk_export(personas.clinic, clinic_client)
    from samforlop.audit.models import AccessLog

    world.audit_event_id = (AccessLog.objects.filter(patient=patient, organisation=personas.clinic).order_by("pk")
                            .values_list("pk", flat=True).first())
    return world


def _relative_number() -> str:
    from samforlop.demo.synthetic import synthetic_identity_number

    return synthetic_identity_number(random.Random(4711))


def _bulk_export(clinic, client):
    """A finished export of the clinic's patients, with its Patient file."""
    from samforlop.fhir import actions

    job = actions.request_bulk_export(clinic=clinic, user=client.user, client=client, types=["Patient"], since=None,
                                      request_url="http://testserver/fhir/Group/x/$export", now=NOW)
    while actions.run_bulk_export_step(NOW) is not None:
        pass
    job.refresh_from_db()
    return job, job.files.first()


def give_relative(world, categories) -> None:
    """The relative gets consent to these categories (none: nothing)."""
    if categories:
        grant_consent(patient=world.patient, categories=list(categories), valid_from=LONG_AGO, person=world.relative,
                      actor=world.p.me, now=NOW)


def clock_today():
    return clock.oslo_date(NOW)
