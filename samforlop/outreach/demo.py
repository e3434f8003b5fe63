"""Demo data for the outreach list and the collaboration arena, built through the named operations.

`build_demo(world, today, now)` is called by samforlop/demo/world.py after the world exists. It
puts Bergen's coordinating unit on the care team of the Bergen patients in a pathway, records the
unit's outreach to most of them (phoned weeks ago), and leaves a few on the outreach list for each
rule: nobody has been in touch, a declined suggestion and a measure the patient dropped out of,
and a pathway that ended with nobody in the municipality holding the plan. It sets up an arena
with a held meeting and one next week with two consenting patients on its list.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from samforlop.core import clock
from samforlop.patients.models import CareTeamMember, Patient, active_on

SEED = 461_010


def _id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128))


def build_demo(world, today: dt.date, now: dt.datetime) -> None:
    from samforlop.careplan.actions import add_measure, update_measure
    from samforlop.demo.world import _patient_account
    from samforlop.offers.actions import answer_recommendation, recommend_offer
    from samforlop.offers.models import Offer
    from samforlop.outreach import actions, listing
    from samforlop.pathways.actions import register_milestone
    from samforlop.pathways.models import Pathway
    from samforlop.patients.actions import add_care_team_member

    rng = random.Random(SEED)
    organisations, staff = world.organisations, world.staff
    unit, coordinator = organisations["koordinerende_bergen"], staff["koordinator.bergen"]
    started = {}
    for pathway in Pathway.objects.filter(patient__in=[p.pk for p in world.patients]).order_by("started_on", "pk"):
        started.setdefault(pathway.patient_id, pathway.started_on)
    followed = [p for p in world.patients if p.municipality == "4601" and p.pk in started]
    if not followed:
        return

    # The coordinating unit follows the Bergen patients in a pathway, with a named contact person.
    for patient in followed:
        if not CareTeamMember.objects.filter(active_on(today), patient=patient, organisation=unit).exists():
            add_care_team_member(patient=patient, organisation=unit, role=CareTeamMember.Role.MUNICIPAL_SERVICE,
                                 person=coordinator, is_contact_person=True, now=now,
                                 valid_from=min(started[patient.pk], today - dt.timedelta(days=120)))

    # Who stays on the list: pathways ended with nobody holding the plan ...
    ended = set(listing.pathway_ended_without_owner(Patient.objects.filter(pk__in=[p.pk for p in followed]),
                                                    today=today))
    ended_without_owner = [p for p in followed if p.pk in ended][:2]
    for patient in [p for p in followed if p.pk not in ended and p not in ended_without_owner]:
        if len(ended_without_owner) >= 2:
            break
        pathway = Pathway.objects.filter(patient=patient, status="active").first()
        latest = pathway.events.order_by("-date").first() if pathway is not None else None
        if pathway is not None and pathway.type == "smerte" and latest.date < today - dt.timedelta(days=12):
            register_milestone(pathway=pathway, key="pathway_end", date=today - dt.timedelta(days=12),
                               outcome="other_reasons", actor=staff["koordinator.smerte"], now=now,
                               comment="Pasienten ønsket å avslutte")
            ended_without_owner.append(patient)
    rest = [p for p in followed if p not in ended_without_owner]
    rng.shuffle(rest)
    no_contact, dropping_out, rest = rest[:3], rest[3:5], rest[5:]

    # ... and nobody has been in touch with these (one was tried, without answer).
    for patient in no_contact[:1]:
        actions.record_outreach(patient=patient, method="phone", result="not_reached", note="Ingen svar, prøver igjen",
                                reasons=["no_contact"], actor=coordinator, now=now - dt.timedelta(days=6),
                                submission_id=_id(rng))
    # Everyone else: the unit phoned them some weeks ago and reached them.
    for patient in dropping_out + rest:
        actions.record_outreach(
            patient=patient, method=rng.choice(["phone", "phone", "message", "home_visit"]),
            result=rng.choice(["reached_no_need", "reached_follow_up"]), note="", reasons=["no_contact"],
            actor=coordinator, now=now - dt.timedelta(days=rng.randint(25, 110), hours=rng.randint(0, 6)),
            submission_id=_id(rng))

    # After that: one declined a suggested offer, one dropped out of a measure.
    if dropping_out:
        patient = dropping_out[0]
        offer = Offer.objects.filter(title="Frisklivssentralen: Bra start").first()
        if offer is not None:
            recommendation = recommend_offer(offer=offer, patient=patient, note="Gratis og uten henvisning.",
                                             actor=coordinator, now=now - dt.timedelta(days=16),
                                             submission_id=_id(rng))
            answer_recommendation(recommendation=recommendation, status="declined",
                                  reason="Passer ikke med arbeidstiden min", actor=_patient_account(patient),
                                  now=now - dt.timedelta(days=3))
    if len(dropping_out) > 1:
        patient = dropping_out[1]
        measure = add_measure(patient=patient, title="Samtaler om aktivitet i hverdagen", organisation=unit,
                              person=coordinator, start_on=today - dt.timedelta(days=20), actor=coordinator,
                              now=now - dt.timedelta(days=21), submission_id=_id(rng))
        update_measure(measure=measure, revision=measure.revision, status="stopped",
                       stop_reason="Kom ikke til de to siste avtalene", start_on=measure.start_on,
                       actor=coordinator, now=now - dt.timedelta(days=4))

    # The collaboration arena: the services meet every four weeks; the last meeting was three weeks ago.
    arena = actions.create_arena(
        organisation=unit, name="Samarbeidsarena for langvarige smerter", every_weeks=4,
        place="Bergen rådhus, møterom 4",
        description="Fastleger, fysioterapeuter, NAV og frisklivssentralen finner løsninger sammen for "
                    "pasienter som har sagt ja til å bli drøftet.",
        participants=[organisations[k] for k in ("gp_sentrum", "physio_bergen", "nav", "frisklivs_bergen")],
        actor=coordinator, now=now - dt.timedelta(days=60), submission_id=_id(rng))
    last_at = dt.datetime.combine(today - dt.timedelta(days=21), dt.time(13), tzinfo=clock.OSLO)
    last = actions.schedule_arena_meeting(arena=arena, starts_at=last_at, place=arena.place, actor=coordinator,
                                          now=last_at - dt.timedelta(days=14), submission_id=_id(rng))
    actions.hold_arena_meeting(meeting=last, held_on=last_at.date(), actor=coordinator, now=last_at + dt.timedelta(hours=2),
                               minutes="Gjennomgang av rutiner for samtykke og saksliste. Ingen pasientsaker.")
    meeting = actions.schedule_arena_meeting(arena=arena, starts_at=actions.next_meeting_start(arena, now),
                                             place=arena.place, actor=coordinator, now=now, submission_id=_id(rng))
    # Two patients have consented to be discussed: one in the portal, one by phone to the unit.
    consenting = [p for p in rest if p.gp and p.gp.organisation_id == organisations["gp_sentrum"].pk][:2]
    topics = ["Ønsker å komme i gang med trening, men får ikke til å møte i grupper.",
              "Sykmeldt i seks måneder; trenger en felles plan med NAV og fastlegen for å komme tilbake i jobb."]
    for i, patient in enumerate(consenting):
        if i == 0:
            actions.give_arena_consent(patient=patient, arena=arena, how="portal", actor=_patient_account(patient),
                                       now=now - dt.timedelta(days=5))
        else:
            actions.give_arena_consent(patient=patient, arena=arena, how="orally", actor=coordinator,
                                       now=now - dt.timedelta(days=2))
        actions.add_arena_case(meeting=meeting, patient=patient, what=topics[i], actor=coordinator, now=now,
                               submission_id=_id(rng))
