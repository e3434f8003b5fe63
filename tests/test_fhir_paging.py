"""Issue 17, point 3: FHIR paging and every numeric search parameter are bounded; a number out of
range is a 400 OperationOutcome naming the parameter, never a 500 (`_offset=99999999999999999999`
was a "datatype mismatch" on SQLite).

The endpoints come from the CapabilityStatement's tables (`fhir.capability.supported`): every
resource type with `search-type`; the parameters are the paging ones every search takes
(`fhir.api.NUMBER_PARAMS`) and any search parameter of type `number` in the tables."""

import datetime as dt
from urllib.parse import urlencode

import pytest
import time_machine
from django.test import Client

from samforlop.core import clock
from samforlop.fhir import auth
from samforlop.fhir.actions import register_fhir_client
from samforlop.fhir.api import MAX_COUNT, MAX_OFFSET, NUMBER_PARAMS
from samforlop.fhir.capability import supported
from tests.fhir_helpers import org_admin

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)

OUT_OF_RANGE = ["99999999999999999999", "-1", "abc", "1.5", "1e3", "²", "٣", "0x10", "+5"]
TOO_BIG = {"_count": str(MAX_COUNT + 1), "_offset": str(MAX_OFFSET + 1)}
# What a search needs besides the parameter under test (the public catalogue wants a municipality).
REQUIRED = {"HealthcareService": {"municipality": "4601"}}


def searches():
    """(resource type, the numeric parameters it takes) for every search in the CapabilityStatement."""
    out = []
    for resource_type, spec in supported().items():
        if "search-type" not in spec["interactions"]:
            continue
        numbers = [name for name, kind, _doc in spec["search"] if kind == "number"]
        paging = ["_count"] if resource_type == "Patient" else list(NUMBER_PARAMS)  # one match: no pages
        out.append((resource_type, paging + numbers))
    return out


@pytest.fixture
def api(personas):
    with time_machine.travel(NOW, tick=False):
        from joserfc.jwk import RSAKey

        key = RSAKey.generate_key(2048).as_dict(private=False)
        client = register_fhir_client(organisation=personas.clinic, name="Journalsystem", public_key=key,
                                      actor=org_admin(personas.clinic, "admin"), now=clock.now())
        token, _ = auth.issue_token(client, now=clock.now())
        http = Client(raise_request_exception=False)

        def search(resource_type, params):
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": "application/fhir+json"}
            if resource_type == "Patient":  # identity numbers never go in URLs: POST _search
                return http.post("/fhir/Patient/_search",
                                 urlencode({"identifier": personas.patient.national_id, **params}),
                                 content_type="application/x-www-form-urlencoded", **headers)
            return http.get(f"/fhir/{resource_type}", {**REQUIRED.get(resource_type, {}), **params}, **headers)
        yield search


def test_every_search_is_listed():
    found = dict(searches())
    assert {"Task", "Goal", "EpisodeOfCare", "CarePlan", "Appointment", "AuditEvent", "Patient"} <= set(found)
    assert all(params for params in found.values())


@pytest.mark.parametrize("resource_type,params", searches())
def test_out_of_range_numbers_are_400_naming_the_parameter(api, resource_type, params):
    for name in params:
        for value in [*OUT_OF_RANGE, *([TOO_BIG[name]] if name in TOO_BIG else [])]:
            response = api(resource_type, {name: value})
            assert response.status_code == 400, (resource_type, name, value, response.status_code)
            outcome = response.json()
            assert outcome["resourceType"] == "OperationOutcome"
            issue = outcome["issue"][0]
            assert issue["expression"] == [name] and name in issue["diagnostics"], (resource_type, name, value)


@pytest.mark.parametrize("resource_type,params", searches())
def test_the_largest_numbers_in_range_are_answered(api, resource_type, params):
    response = api(resource_type, {"_count": str(MAX_COUNT), **({"_offset": str(MAX_OFFSET)}
                                                                  if "_offset" in params else {})})
    assert response.status_code == 200, response.content[:500]
    assert response.json()["resourceType"] == "Bundle"


def test_the_issues_example_answers_400_not_500(api):
    for resource_type in ("Task", "Goal", "EpisodeOfCare"):
        response = api(resource_type, {"_offset": "99999999999999999999"})
        assert response.status_code == 400
        assert response.json()["issue"][0]["expression"] == ["_offset"]


@pytest.mark.parametrize("path", ["Goal/1/_history/99999999999999999999", "Goal/²", "Goal/99999999999999999999",
                                  "CarePlan/x/_history/²", "Task/x/_history/-1",
                                  "AuditEvent/99999999999999999999", "Practitioner/²"])
def test_numbers_in_the_path_are_404_not_500(personas, path):
    with time_machine.travel(NOW, tick=False):
        from joserfc.jwk import RSAKey

        client = register_fhir_client(organisation=personas.clinic, name="System",
                                      public_key=RSAKey.generate_key(2048).as_dict(private=False),
                                      actor=org_admin(personas.clinic, "admin"), now=clock.now())
        token, _ = auth.issue_token(client, now=clock.now())
        response = Client(raise_request_exception=False).get(f"/fhir/{path}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 404, (path, response.status_code)


def test_dates_the_database_cannot_hold_are_400(api):
    for value in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "ge9999-12-31T23:59:59-12:00"):
        response = api("Appointment", {"date": value})
        assert response.status_code == 400, (value, response.status_code)
        assert response.json()["issue"][0]["expression"] == ["date"]
