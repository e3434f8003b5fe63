"""Search by identity number: a POST, and only patients the user may see."""

from samforlop.audit.models import AccessLog


def test_search_finds_a_visible_patient(personas, login):
    response = login(personas.gp).post("/patients/search/", {"national_id": personas.patient.national_id})
    assert response.status_code == 200
    assert f"/patients/{personas.patient.pk}/" in response.content.decode()
    assert AccessLog.objects.get(user=personas.gp).what == "search_identity_number"


def test_search_does_not_find_a_patient_the_user_may_not_see(personas, login):
    response = login(personas.outsider).post("/patients/search/", {"national_id": personas.patient.national_id})
    assert response.status_code == 200
    assert str(personas.patient.pk) not in response.content.decode()
    assert personas.patient.family_name not in response.content.decode()
    entry = AccessLog.objects.get(user=personas.outsider)
    assert entry.outcome == "denied" and entry.patient_id is None


def test_search_by_get_never_uses_the_query_string(personas, login):
    response = login(personas.gp).get("/patients/search/", {"national_id": personas.patient.national_id})
    assert response.status_code == 200
    assert str(personas.patient.pk) not in response.content.decode()
    assert not AccessLog.objects.exists()


def test_invalid_identity_number_names_the_field(personas, login, english):
    response = login(personas.gp).post("/patients/search/", {"national_id": "12345678901"})
    assert response.status_code == 400
    assert "National identity number (11 digits): The check digits" in response.content.decode()


def test_patient_list_shows_only_the_organisations_patients(personas, login):
    assert personas.patient.family_name in login(personas.gp).get("/patients/").content.decode()
    assert personas.patient.family_name not in login(personas.outsider).get("/patients/").content.decode()
    assert AccessLog.objects.filter(user=personas.gp, what="patient_list").count() == 1
