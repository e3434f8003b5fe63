"""A believable, deterministic demo world: the same seed gives the same world (relative to today).

Built through the named operations, so the demo exercises the same rules as real use.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from django.db import transaction

from samforlop.accounts.models import Organisation, User
from samforlop.core import clock
from samforlop.demo.synthetic import organisation_number, synthetic_identity_number
from samforlop.pathways import actions
from samforlop.patients.actions import add_care_team_member, grant_consent, register_patient, relative_user
from samforlop.patients.models import CareTeamMember

Kind = Organisation.Kind
Role = User.Role

MUNICIPALITIES = {"4601": "Bergen", "4627": "Askøy", "4624": "Bjørnafjorden"}

Service = Organisation.Service

ORGANISATIONS = [
    # key, kind, name, municipality, service, description
    ("pain", Kind.PAIN_CLINIC, "Smerteklinikken, Vestlandet universitetssykehus", "4601", "", ""),
    ("revma", Kind.RHEUMATOLOGY, "Revmatologisk avdeling, Vestlandet universitetssykehus", "4601", "", ""),
    ("gp_sentrum", Kind.GP_OFFICE, "Sentrum legesenter", "4601", "", ""),
    ("gp_askoy", Kind.GP_OFFICE, "Askøy legekontor", "4627", "", ""),
    ("gp_fjord", Kind.GP_OFFICE, "Fjordbyen legesenter", "4624", "", ""),
    ("physio_bergen", Kind.MUNICIPAL_SERVICE, "Fysioterapitjenesten i Bergen kommune", "4601", Service.PHYSIOTHERAPY,
     "Fysioterapi i gruppe og individuelt. Trening i varmtvannsbasseng tirsdag og torsdag."),
    ("frisklivs_bergen", Kind.MUNICIPAL_SERVICE, "Frisklivssentralen i Bergen", "4601", Service.FRISKLIVSSENTRAL,
     "Hjelp til å komme i gang med fysisk aktivitet og bedre søvn. Trenger ikke henvisning, gratis."),
    ("lms_bergen", Kind.MUNICIPAL_SERVICE, "Lærings- og mestringstilbudet i Bergen kommune", "4601",
     Service.LEARNING_AND_COPING, "Kurset «Leve med langvarige smerter», åpent for alle. Trenger ikke henvisning."),
    ("frisklivs_askoy", Kind.MUNICIPAL_SERVICE, "Frisklivssentralen på Askøy", "4627", Service.FRISKLIVSSENTRAL,
     "Treningsgrupper og samtaler om levevaner. Trenger ikke henvisning."),
    ("koordinerende_bergen", Kind.MUNICIPAL_SERVICE, "Koordinerende enhet, Bergen kommune", "4601",
     Service.COORDINATING_UNIT, ""),
    ("koordinerende_askoy", Kind.MUNICIPAL_SERVICE, "Koordinerende enhet, Askøy kommune", "4627",
     Service.COORDINATING_UNIT, ""),
    ("nav", Kind.NAV_OFFICE, "NAV Bergen sentrum", "4601", "", ""),
    ("userorg", Kind.USER_ORGANISATION, "Revmatikerforeningen Vestland (demo)", "4601", "", ""),
]

STAFF = [
    # username, given, family, organisation key, role
    ("lege.smerte", "Ingrid", "Solberg", "pain", Role.PHYSICIAN),
    ("fysio.smerte", "Lars", "Haugen", "pain", Role.PHYSIOTHERAPIST),
    ("psykolog.smerte", "Sara", "Nilsen", "pain", Role.PSYCHOLOGIST),
    ("sykepleier.smerte", "Mona", "Berg", "pain", Role.NURSE),
    ("koordinator.smerte", "Kari", "Nordmann", "pain", Role.COORDINATOR),
    ("sekretaer.smerte", "Per", "Lunde", "pain", Role.SECRETARY),
    ("leder.smerte", "Berit", "Holm", "pain", Role.LEADER),
    ("lege.revma", "Jonas", "Dahl", "revma", Role.PHYSICIAN),
    ("sykepleier.revma", "Eli", "Moen", "revma", Role.NURSE),
    ("fastlege.sentrum", "Anne", "Lie", "gp_sentrum", Role.PHYSICIAN),
    ("sekretaer.sentrum", "Tone", "Aas", "gp_sentrum", Role.SECRETARY),
    ("fastlege.askoy", "Erik", "Strand", "gp_askoy", Role.PHYSICIAN),
    ("fastlege.fjord", "Hilde", "Vik", "gp_fjord", Role.PHYSICIAN),
    ("fysio.bergen", "Ola", "Bakken", "physio_bergen", Role.PHYSIOTHERAPIST),
    ("kursholder.askoy", "Nina", "Sæther", "frisklivs_askoy", Role.COURSE_ORGANISER),
    ("kursholder.bergen", "Marte", "Aasen", "lms_bergen", Role.COURSE_ORGANISER),
    ("frisklivs.bergen", "Jon", "Vold", "frisklivs_bergen", Role.COURSE_ORGANISER),
    ("koordinator.bergen", "Geir", "Hansen", "koordinerende_bergen", Role.COORDINATOR),
    ("koordinator.askoy", "Randi", "Toft", "koordinerende_askoy", Role.COORDINATOR),
    ("nav.veileder", "Siri", "Pedersen", "nav", Role.NAV_OFFICER),
    ("admin.brukerorg", "Trond", "Eide", "userorg", Role.ORG_ADMIN),
    ("kursholder.brukerorg", "Liv", "Ruud", "userorg", Role.COURSE_ORGANISER),
]

GIVEN = ["Astrid", "Bjørn", "Camilla", "Dag", "Eva", "Frode", "Guro", "Henrik", "Ida", "Jan", "Kristin",
         "Leif", "Marit", "Nils", "Oda", "Pål", "Randi", "Sverre", "Tuva", "Unni", "Vegard", "Wenche",
         "Åse", "Øystein", "Anders", "Berit", "Hanne", "Knut", "Silje", "Tor"]
FAMILY = ["Andersen", "Johansen", "Larsen", "Olsen", "Kristiansen", "Jensen", "Karlsen", "Pettersen",
          "Eriksen", "Halvorsen", "Jakobsen", "Gundersen", "Iversen", "Myklebust", "Fosse", "Hauge",
          "Tveit", "Rønning", "Brekke", "Kvam"]

# The stage a demo pathway has reached, and how many days ago it started (min, max).
# "gp_only": the GP has not referred the patient yet.
STAGES = [
    ("waiting_for_assessment", 5, 75),
    ("waiting_for_assessment_breached", 90, 120),
    ("mapping_done", 20, 60),
    ("in_assessment", 30, 150),
    ("assessment_breached", 110, 170),
    ("summarized", 100, 250),
    ("followup_at_risk", 250, 275),
    ("ended_followup", 250, 380),
    ("ended_other", 40, 200),
    ("not_included", 3, 30),
    ("gp_only", 0, 0),
]


@dataclass
class World:
    organisations: dict
    staff: dict
    patients: list


def _day(today: dt.date, days_ago: int) -> dt.date:
    return today - dt.timedelta(days=days_ago)


@transaction.atomic
def build_world(*, patients: int, seed: int, now=None) -> World:
    rng = random.Random(seed)
    now = now or clock.now()
    today = clock.oslo_date(now)

    organisations = {}
    for i, (key, kind, name, municipality, service, description) in enumerate(ORGANISATIONS):
        organisations[key], _ = Organisation.objects.get_or_create(
            org_number=organisation_number(97_100_000 + i * 37),
            defaults={"kind": kind, "name": name, "municipality": municipality, "service": service,
                      "health_trust": "Vestlandet universitetssykehus HF" if kind in Organisation.SPECIALIST_KINDS else "",
                      "description": description, "email": f"post.{key.replace('_', '-')}@demo.example"},
        )
    staff = {}
    for username, given, family, org_key, role in STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": given, "last_name": family, "organisation": organisations[org_key],
                      "role": role, "is_demo": True, "email": f"{username}@demo.example"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        staff[username] = user
    gps = [("gp_sentrum", "fastlege.sentrum"), ("gp_askoy", "fastlege.askoy"), ("gp_fjord", "fastlege.fjord")]
    clinic_contacts = {"pain": ["sykepleier.smerte", "koordinator.smerte"], "revma": ["sykepleier.revma"]}

    created = []
    patient_users = 0
    for n in range(patients):
        gp_org_key, gp_username = gps[n % len(gps)]
        gp_org = organisations[gp_org_key]
        patient = register_patient(
            given_name=rng.choice(GIVEN), family_name=rng.choice(FAMILY),
            national_id=synthetic_identity_number(rng), municipality=gp_org.municipality,
            gp=staff[gp_username], actor=None, now=now,
        )
        patient.email = f"pasient{n + 1}@demo.example"
        patient.save(update_fields=["email"])
        # The GP office and the GP are on the care team from well before the referral.
        add_care_team_member(
            patient=patient, organisation=gp_org, role=CareTeamMember.Role.GP, person=staff[gp_username],
            is_contact_person=True, valid_from=_day(today, 400), now=now,
        )
        stage, lo, hi = STAGES[n % len(STAGES)]
        if stage == "gp_only":
            if patient_users >= 3:
                # The rest have a referral waiting in the clinic's inbox, received some days ago.
                _demo_referral(patient, staff[gp_username], organisations["pain"], rng, now - dt.timedelta(days=rng.randint(1, 16)))
            if patient_users < 3:
                # Some patients log in to their own pages (demo).
                patient_users += 1
                _patient_user(f"pasient{patient_users}", patient)
            created.append(patient)
            continue
        clinic_key = "revma" if n % 7 == 6 else "pain"
        clinic = organisations[clinic_key]
        started = _day(today, rng.randint(lo, hi))
        add_care_team_member(
            patient=patient, organisation=clinic, role=CareTeamMember.Role.SPECIALIST_CLINIC,
            person=staff[rng.choice(clinic_contacts[clinic_key])], is_contact_person=True,
            is_coordinator=True, valid_from=started, now=now,
        )
        if n % 3 == 0:
            add_care_team_member(
                patient=patient, organisation=organisations["physio_bergen"],
                role=CareTeamMember.Role.PHYSIOTHERAPIST, person=staff["fysio.bergen"],
                is_contact_person=True, valid_from=started, now=now,
            )
        if n % 4 == 0:
            add_care_team_member(
                patient=patient, organisation=organisations["nav"], role=CareTeamMember.Role.NAV,
                person=staff["nav.veileder"], is_contact_person=True, valid_from=started, now=now,
            )
            # NAV sees only what the patient shares: here the plan and meetings.
            grant_consent(patient=patient, categories=["plan_and_meetings"], valid_from=started,
                          organisation=organisations["nav"], actor=_patient_account(patient), now=now)
        actor = staff["koordinator.smerte" if clinic_key == "pain" else "sykepleier.revma"]
        pathway = actions.start_pathway(
            patient=patient, clinic=clinic, type=clinic_key if clinic_key == "revma" else "smerte",
            date=started, actor=actor, now=now, source="demo",
        )
        if clinic_key == "pain":
            _advance_pain_pathway(pathway, stage, started, today, rng, actor, now)
            if stage in ("summarized", "followup_at_risk", "ended_followup"):
                _demo_plan(patient, organisations, staff, actor, rng, today, now)
        created.append(patient)
        if stage == "in_assessment" and clinic_key == "pain" and not User.objects.filter(username="pasient4").exists():
            # A patient in a pathway who checks in from their phone.
            _patient_user("pasient4", patient)
            # A relative who follows the plan and the check-ins, with the patient's consent.
            # (Its own random stream: the world's stream must not depend on whether the user existed.)
            relative = relative_user(national_id=synthetic_identity_number(random.Random(patient.national_id)),
                                     name="Ola Pårørende")
            User.objects.filter(pk=relative.pk).update(username="parorende1", is_demo=True)
            grant_consent(patient=patient, categories=["plan_and_meetings", "checkins"], valid_from=started,
                          person=User.objects.get(pk=relative.pk), actor=patient.user, now=now)
            from samforlop.checkins.actions import schedule_checkins

            schedule_checkins(patient=patient, questionnaire_key="pain_intensity", interval_months=3,
                              first_due_on=today, actor=actor, now=now)
        if clinic_key == "revma" and not User.objects.filter(username="pasient5").exists():
            # A patient with inflammatory joint disease in a stable phase follows up themselves (PORS).
            from samforlop.checkins.actions import enrol_in_follow_up

            _patient_user("pasient5", patient)
            enrol_in_follow_up(patient=patient, clinic=clinic, other_illness=False, actor=staff["lege.revma"], now=now)
    _demo_catalogue(organisations, staff, today, now)
    world = World(organisations=organisations, staff=staff, patients=created)
    # Work, costs and outreach, each with its own random stream (after the catalogue: outreach
    # recommends from it).
    from samforlop.costs.demo import build_demo as demo_costs
    from samforlop.outreach.demo import build_demo as demo_outreach
    from samforlop.work.demo import build_demo as demo_work

    demo_work(world, today, now)
    demo_costs(world, today, now)
    demo_outreach(world, today, now)
    return world


# key, provider, kind, municipalities, open to all, groups, referral, decision, cost, transport, needs, verified days ago
CATALOGUE = [
    ("Varmtvannstrening for deg med smerter", "physio_bergen", "warm_water_pool", ["4601"], True, [], False, False, 0,
     True, ["physical_activity", "social_contact"], 20, "Trening i 34 °C varmt vann, tirsdag og torsdag kl. 11."),
    ("Frisklivssentralen: Bra start", "frisklivs_bergen", "frisklivssentral", ["4601"], True, [], False, False, 0,
     False, ["physical_activity"], 60, "Tolv uker med trening og samtaler om levevaner."),
    ("Leve med langvarige smerter", "lms_bergen", "living_with_course", ["4601", "4627", "4624"], True, [], False, False,
     0, False, ["pain_coping", "peer_support"], 30, "Kurs over fire kvelder, laget sammen med brukere."),
    ("Mestringskurs for revmatisk sykdom", "revma", "specialist_course", ["4601", "4627", "4624"], False,
     ["inflammatory_rheumatic"], True, False, 0, False, ["pain_coping"], 90, "Kurs på sykehuset for deg med revmatisk sykdom."),
    ("Smerteskolen", "pain", "specialist_course", ["4601", "4627", "4624"], False, ["long_term_pain"], True, False, 0,
     False, ["pain_coping"], 45, "Tverrfaglig kurs om langvarige smerter."),
    ("Tilpasset trening i gruppe", "frisklivs_askoy", "adapted_training", ["4627"], True, [], False, False, 300, True,
     ["physical_activity", "social_contact"], 15, "Trening med fysioterapeut, små grupper."),
    ("Likeperson: en å snakke med", "userorg", "peer_contact", ["4601", "4627", "4624"], True, [], False, False, 0, False,
     ["peer_support", "social_contact"], 40, "Snakk med en som har erfaring med det samme."),
    ("Selvhjelpsgruppe: smerter i hverdagen", "userorg", "self_help_group", ["4601"], True, [], False, False, 0, False,
     ["peer_support", "pain_coping"], 260, "Gruppe som møtes annenhver onsdag."),
    ("Rehabiliteringsopphold for revmatisk sykdom", "revma", "rehabilitation_stay", ["4601", "4627", "4624"], False,
     ["inflammatory_rheumatic", "osteoarthritis"], True, True, 0, True, ["physical_activity"], 100, "Tre uker på institusjon."),
    ("Behandlingsreise til varmt klima", "revma", "warm_climate_trip", ["4601", "4627", "4624"], False,
     ["inflammatory_rheumatic", "psoriasis"], True, True, 0, True, ["physical_activity"], 200, "Fire uker med behandling i Spania."),
    ("Arbeidsrettet oppfølging fra NAV", "nav", "nav_measure", ["4601"], True, [], False, True, 0, False, ["work"], 30,
     "Hjelp til å beholde jobben eller komme tilbake."),
    ("Arbeidsrettet rehabilitering", "nav", "work_rehabilitation", ["4601"], True, [], False, True, 0, False, ["work"], 400,
     "Rehabilitering med mål om arbeid."),
]


def _demo_catalogue(organisations, staff, today, now):
    from samforlop.offers.actions import save_offer

    editors = {}
    for user in staff.values():
        editors.setdefault(user.organisation_id, user)
    for (title, provider, kind, municipalities, open_to_all, groups, referral, decision, cost, transport, needs,
         verified_days_ago, description) in CATALOGUE:
        editor = editors[organisations[provider].pk]
        save_offer(editor=editor, municipalities=municipalities, now=now, fields={
            "title": title, "description": description, "kind": kind, "open_without_diagnosis": open_to_all,
            "diagnosis_groups": groups, "needs_referral": referral, "needs_decision": decision, "cost_nok": cost,
            "counts_toward_exemption": cost > 0, "transport": transport, "needs": needs,
            "last_verified": today - dt.timedelta(days=verified_days_ago), "place": organisations[provider].name,
            "languages": "norsk", "contact": organisations[provider].email,
        })


def _patient_account(patient):
    """The patient's own log-in (made on the patient's first ID-porten log-in in real life)."""
    user, _created = User.objects.get_or_create(patient=patient, defaults={
        "username": f"pasient-{patient.pk.hex[:12]}", "first_name": patient.given_name,
        "last_name": patient.family_name})
    return user


def _patient_user(username, patient):
    if User.objects.filter(patient=patient).update(username=username, is_demo=True, email=patient.email):
        return
    User.objects.get_or_create(username=username, defaults={
        "first_name": patient.given_name, "last_name": patient.family_name, "patient": patient, "is_demo": True,
        "email": patient.email})


def _demo_referral(patient, gp, clinic, rng, when):
    from samforlop.referrals.actions import save_referral_draft, submit_referral

    referral = save_referral_draft(
        author=gp, patient=patient, clinic=clinic, submission_id=uuid.UUID(int=rng.getrandbits(128)), now=when,
        fields={
            "pain_duration_months": rng.choice([7, 9, 14, 24, 36]), "pain_location": rng.choice(
                ["Korsrygg med utstråling til venstre ben", "Nakke og skuldre", "Hele kroppen, verst i hofter"]),
            "function_reduced": "yes", "function_impact": "Klarer bare korte gåturer, trenger hvile etter husarbeid.",
            "work_impact": rng.choice(["50 % sykmeldt siden våren", "I full jobb, men sliter", "Arbeidsavklaringspenger"]),
            "quality_of_life_reduced": "yes", "quality_of_life_impact": "Sover dårlig og har trukket seg fra venner.",
            "factors_physical": "Lite fysisk aktivitet det siste året.", "factors_psychological": "Bekymring og nedstemthet.",
            "factors_social": "Bor alene.", "factors_work": "Stillesittende arbeid.", "factors_economy": "",
            "traumatic_experiences": "", "patient_goals": "Å kunne gå tur i skogen igjen og jobbe mer.",
            "patient_expectations": "Å forstå smertene og få en plan.", "nav_participation": rng.choice(["yes", "no"]),
        },
        treatments=[{"kind": "physiotherapy", "period": "Høsten 2025, 12 behandlinger", "effect": "some", "note": ""},
                    {"kind": "frisklivssentral", "period": "Våren 2026", "effect": "none", "note": ""}],
    )
    submit_referral(referral=referral, actor=gp, now=when)


GOALS = [("Gå tur med hunden hver dag", "30 minutter uten pause, fem dager i uka"),
         ("Tilbake i 80 % stilling", "Jobber fire dager i uka i tre måneder"),
         ("Sove bedre", "Sover minst seks timer de fleste netter"),
         ("Være med på barnas aktiviteter", "Følger på trening hver uke")]


def _demo_plan(patient, organisations, staff, actor, rng, today, now):
    """An individual plan after the summarizing meeting: the patient's goals and measures owned by
    the services on the care team."""
    from samforlop.careplan.actions import add_goal, add_measure

    goal_text, reached = rng.choice(GOALS)
    goal = add_goal(patient=patient, text=goal_text, reached_means=reached, review_on=today + dt.timedelta(days=90),
                    actor=actor, now=now, submission_id=uuid.UUID(int=rng.getrandbits(128)))
    team = {m.organisation_id for m in patient.care_team.all()}
    owners = [("physio_bergen", "fysio.bergen", "Tilpasset trening hjemme og i gruppe, tre ganger i uka", True),
              ("nav", "nav.veileder", "Arbeidsavklaring og tilrettelegging på arbeidsplassen", False)]
    for org_key, username, title, training in owners:
        if organisations[org_key].pk in team:
            add_measure(patient=patient, title=title, organisation=organisations[org_key], person=staff[username],
                        is_training_programme=training,
                        goal=goal, start_on=today - dt.timedelta(days=rng.randint(0, 30)),
                        due_on=today + dt.timedelta(days=rng.randint(-10, 60)), actor=actor, now=now,
                        submission_id=uuid.UUID(int=rng.getrandbits(128)))
    gp = patient.gp
    add_measure(patient=patient, title="Gjennomgang av medisiner", organisation=gp.organisation, person=gp, goal=goal,
                due_on=today + dt.timedelta(days=rng.randint(5, 45)), actor=actor, now=now,
                submission_id=uuid.UUID(int=rng.getrandbits(128)))


def _advance_pain_pathway(pathway, stage, started, today, rng, actor, now):
    def register(key, date, **kw):
        actions.register_milestone(pathway=pathway, key=key, date=min(date, today), actor=actor, now=now,
                                   source="demo", **kw)

    days = lambda n: started + dt.timedelta(days=n)  # noqa: E731
    if stage in ("waiting_for_assessment", "waiting_for_assessment_breached"):
        return
    if stage == "not_included":
        register("pathway_end", days(rng.randint(1, 3)), outcome="not_included")
        return
    if stage == "mapping_done":
        register("mapping_consultation", days(rng.randint(7, 15)))
        return
    if stage == "ended_other":
        register("pathway_end", days(rng.randint(20, 39)), outcome="other_reasons")
        return
    assessment = rng.randint(20, 80) if stage != "assessment_breached" else rng.randint(10, 20)
    register("assessment_start", days(assessment))
    if stage in ("in_assessment", "assessment_breached"):
        return
    summarizing = assessment + rng.randint(30, 90)
    register("summarizing_meeting", days(summarizing))
    if stage == "summarized":
        return
    if stage == "followup_at_risk":
        # Leave it open close to its 26-week limit.
        return
    register("pathway_end", days(summarizing + rng.randint(120, 200)), outcome="followup_meeting_held")
