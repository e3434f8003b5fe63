"""National log-in over OpenID Connect (issue 7 point 1), against a real provider on 127.0.0.1.

Our side is driven with Django's test client; the browser's trip to the provider and back is made
with `requests`, and the relying party talks to the provider over HTTP (discovery, JWKS, PAR,
token endpoint), as in production.
"""

from __future__ import annotations

import json
import logging
import random
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey

from samforlop.accounts import oidc
from samforlop.accounts.models import LoginRefusal, User, UsedNonce
from samforlop.demo.synthetic import synthetic_identity_number
from tests.oidc_provider import OIDCProvider

HELSEID_CLIENT = "samforlop-helseid"
IDPORTEN_CLIENT = "samforlop-idporten"
HPR = "9144889"  # made up
SECURITY_LEVEL = "helseid://claims/identity/security_level"
HPR_CLAIM = "helseid://claims/hpr/hpr_number"
ORGNR_CLAIM = "helseid://claims/client/claims/orgnr_parent"
HELSEID_PID = "helseid://claims/identity/pid"

_rng = random.Random(7001)


def helseid_settings(issuer: str, key_file: str) -> dict:
    """As samforlop/settings.py builds it from SAMFORLOP_HELSEID_*."""
    return {
        "issuer": issuer, "client_id": HELSEID_CLIENT, "private_key_file": key_file,
        "scopes": ["openid", "profile", "helseid://scopes/identity/pid", "helseid://scopes/identity/security_level",
                   "helseid://scopes/hpr/hpr_number"],
        "acr_values": "Level4", "level_claim": SECURITY_LEVEL, "accepted_levels": ["4"], "use_par": True,
        "audience": "personnel", "hpr_claim": HPR_CLAIM, "org_number_claim": ORGNR_CLAIM, "pid_claim": HELSEID_PID,
    }


def idporten_settings(issuer: str, key_file: str = "") -> dict:
    return {
        "issuer": issuer, "client_id": IDPORTEN_CLIENT, "private_key_file": key_file, "scopes": ["openid", "profile"],
        "acr_values": "idporten-loa-high", "level_claim": "acr", "accepted_levels": ["idporten-loa-high"],
        "use_par": False, "audience": "citizens", "pid_claim": "pid",
    }


@pytest.fixture
def provider():
    with OIDCProvider() as running:
        yield running
    oidc.clear_caches()


@pytest.fixture
def helseid_key(tmp_path):
    key = RSAKey.generate_key(2048)
    key.ensure_kid()
    path = tmp_path / "helseid-client.pem"
    path.write_bytes(key.as_pem(private=True))
    return key, str(path)


@pytest.fixture
def national(provider, settings, helseid_key):
    """Both providers configured against the test provider: HelseID with PAR and a client key,
    ID-porten as a public client."""
    key, key_file = helseid_key
    site = settings.SITE_URL.rstrip("/")
    provider.register_client(HELSEID_CLIENT, public_key=key, require_par=True,
                             redirect_uris=[site + "/accounts/oidc/helseid/callback/"])
    provider.register_client(IDPORTEN_CLIENT, redirect_uris=[site + "/accounts/oidc/idporten/callback/"])
    settings.OIDC_PROVIDERS = {"helseid": helseid_settings(provider.issuer, key_file),
                               "idporten": idporten_settings(provider.issuer)}
    oidc.clear_caches()
    return provider


def personnel(personas, user=None, **claims):
    user = user or personas.clinic_physician
    return {"sub": "helseid-sub-1", HELSEID_PID: synthetic_identity_number(_rng), HPR_CLAIM: HPR,
            SECURITY_LEVEL: "4", ORGNR_CLAIM: user.organisation.org_number, "name": user.get_full_name(), **claims}


def citizen(pid: str, **claims):
    return {"sub": "idporten-sub-1", "pid": pid, "acr": "idporten-loa-high", **claims}


def go_to_provider(client, provider, name) -> str:
    """Start a log-in; return the provider's redirect back to us (the callback URL)."""
    response = client.get(f"/accounts/oidc/{name}/start/")
    assert response.status_code == 302, response.content[:500]
    assert response["Location"].startswith(provider.issuer + "/authorize?")
    answer = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def come_back(client, callback_url: str):
    back = urlsplit(callback_url)
    return client.get(f"{back.path}?{back.query}")


def log_in(client, provider, name):
    return come_back(client, go_to_provider(client, provider, name))


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def assert_refused(response, client, reason, caplog):
    assert response.status_code == 403
    assert logged_in_user_id(client) is None
    assert list(LoginRefusal.objects.values_list("reason", flat=True)) == [reason]
    warnings = [r.getMessage() for r in caplog.records if r.name == "samforlop.login" and r.levelno == logging.WARNING]
    assert any(m.startswith(f"oidc log-in refused: {reason}") for m in warnings), warnings


# --- Successful log-ins -------------------------------------------------------------------------

def test_personnel_log_in_via_helseid_uses_par_private_key_jwt_and_pkce_and_maps_hpr_and_organisation(
        personas, client, national):
    personas.clinic_physician.hpr_number = HPR
    personas.clinic_physician.save(update_fields=["hpr_number"])
    national.person = personnel(personas)

    response = log_in(client, national, "helseid")

    assert response.status_code == 302 and response["Location"] == "/worklist/"
    assert logged_in_user_id(client) == str(personas.clinic_physician.pk)
    assert client.session["login_method"] == "oidc:helseid"
    # The authorization request was pushed, with a client assertion and an S256 challenge ...
    [par] = national.seen_at("/par")
    assert par["params"]["code_challenge_method"] == "S256" and par["params"]["code_challenge"]
    assert par["params"]["acr_values"] == "Level4"
    assertion = par["client_assertion"]["claims"]
    assert assertion["iss"] == assertion["sub"] == HELSEID_CLIENT
    assert assertion["aud"] == national.issuer and assertion["jti"]
    assert assertion["exp"] - assertion["iat"] <= 60
    assert "client_secret" not in par["params"]
    # ... only client_id and request_uri went through the browser ...
    [authorize] = national.seen_at("/authorize")
    assert set(authorize["params"]) == {"client_id", "request_uri"}
    # ... and the code was redeemed with the verifier and a fresh assertion.
    [token] = national.seen_at("/token")
    assert token["params"]["code_verifier"] and token["client_assertion"]["claims"]["jti"] != assertion["jti"]
    assert client.get("/worklist/").status_code == 200


def test_personnel_without_hpr_number_log_in_by_identity_number_in_their_organisation(personas, client, national):
    coordinator = personas.municipal_coordinator
    pid = synthetic_identity_number(_rng)
    coordinator.person_identifier = oidc.person_identifier(pid)
    coordinator.save(update_fields=["person_identifier"])
    claims = personnel(personas, coordinator, **{HELSEID_PID: pid})
    del claims[HPR_CLAIM]
    national.person = claims

    assert log_in(client, national, "helseid").status_code == 302
    assert logged_in_user_id(client) == str(coordinator.pk)


def test_patient_log_in_via_idporten_with_pkce_lands_on_the_portal(personas, client, national):
    user = User.objects.create(username="kari", patient=personas.patient)
    national.person = citizen(personas.patient.national_id)

    response = log_in(client, national, "idporten")

    assert response.status_code == 302 and response["Location"] == "/my/"
    assert logged_in_user_id(client) == str(user.pk)
    assert client.session["login_method"] == "oidc:idporten"
    [authorize] = national.seen_at("/authorize")
    assert authorize["params"]["code_challenge_method"] == "S256"
    assert authorize["params"]["acr_values"] == "idporten-loa-high"
    assert national.seen_at("/par") == []
    [token] = national.seen_at("/token")
    assert token["params"]["code_verifier"] and "client_assertion" not in token["params"]  # a public client
    assert client.get("/my/").status_code == 200


def test_idporten_with_a_client_key_authenticates_with_private_key_jwt(personas, client, national, settings, tmp_path):
    key = RSAKey.generate_key(2048)
    path = tmp_path / "idporten-client.json"
    path.write_text(json.dumps(key.as_dict(private=True)))
    national.register_client(IDPORTEN_CLIENT, public_key=key,
                             redirect_uris=[settings.SITE_URL.rstrip("/") + "/accounts/oidc/idporten/callback/"])
    settings.OIDC_PROVIDERS = {**settings.OIDC_PROVIDERS, "idporten": idporten_settings(national.issuer, str(path))}
    User.objects.create(username="kari", patient=personas.patient)
    national.person = citizen(personas.patient.national_id)

    assert log_in(client, national, "idporten").status_code == 302
    [token] = national.seen_at("/token")
    assert token["client_assertion"]["claims"]["iss"] == IDPORTEN_CLIENT


def test_a_relative_logs_in_via_idporten_by_person_identifier(personas, client, national):
    pid = synthetic_identity_number(_rng)
    relative = User.objects.create(username="relative", person_identifier=oidc.person_identifier(pid))
    national.person = citizen(pid)

    assert log_in(client, national, "idporten").status_code == 302
    assert logged_in_user_id(client) == str(relative.pk)


def test_the_log_in_page_offers_each_configured_provider_and_keeps_the_demo_log_in(personas, client, national,
                                                                                  settings, english):
    settings.DEBUG = True
    page = client.get("/accounts/login/").content.decode()
    assert "Log in with HelseID" in page and "/accounts/oidc/helseid/start/" in page
    assert "Log in with ID-porten" in page and "/accounts/oidc/idporten/start/" in page
    settings.OIDC_PROVIDERS = {}
    page = client.get("/accounts/login/").content.decode()
    assert "HelseID" not in page and "ID-porten" not in page
    assert client.get("/accounts/oidc/helseid/start/").status_code == 404


# --- Refused log-ins ----------------------------------------------------------------------------

def test_a_token_for_another_audience_is_refused_and_logged(personas, client, national, caplog, english):
    User.objects.create(username="kari", patient=personas.patient)
    national.person = citizen(personas.patient.national_id)
    national.behaviour.audience = "some-other-client"

    response = log_in(client, national, "idporten")

    assert_refused(response, client, "wrong_audience", caplog)
    assert "could not be verified" in response.content.decode()
    refusal = LoginRefusal.objects.get()
    assert refusal.provider == "idporten" and refusal.address == "127.0.0.1"


def test_an_extra_audience_without_our_azp_is_refused(personas, client, national, caplog):
    User.objects.create(username="kari", patient=personas.patient)
    national.person = citizen(personas.patient.national_id)
    national.behaviour.audience = [IDPORTEN_CLIENT, "some-other-client"]
    assert_refused(log_in(client, national, "idporten"), client, "wrong_audience", caplog)


def test_a_replayed_nonce_is_refused(personas, client, national, caplog):
    User.objects.create(username="kari", patient=personas.patient)
    national.person = citizen(personas.patient.national_id)
    assert log_in(client, national, "idporten").status_code == 302
    used_nonce = national.issued[-1]["nonce"]
    client.logout()
    national.behaviour.nonce = used_nonce  # the provider (or an attacker) puts an old nonce in a new token

    assert_refused(log_in(client, national, "idporten"), client, "nonce_replayed", caplog)


def test_a_nonce_the_session_did_not_send_is_refused(personas, client, national, caplog):
    User.objects.create(username="kari", patient=personas.patient)
    national.person = citizen(personas.patient.national_id)
    national.behaviour.nonce = "not-the-nonce-we-sent"
    assert_refused(log_in(client, national, "idporten"), client, "nonce_mismatch", caplog)


def test_a_second_callback_with_the_same_nonce_is_refused_even_if_the_session_state_comes_back(
        personas, client, national, caplog):
    """Two callbacks racing on one session (or a restored session) both find the state; the used
    nonce table lets only one of them in."""
    User.objects.create(username="kari", patient=personas.patient)
    national.person = citizen(personas.patient.national_id)
    response = client.get("/accounts/oidc/idporten/start/")
    pending = dict(client.session["oidc_pending"])
    # ID-porten without PAR: the same authorization request yields two codes for one nonce.
    first, second = (requests.get(response["Location"], allow_redirects=False, timeout=5).headers["Location"]
                     for _ in range(2))
    assert come_back(client, first).status_code == 302
    client.logout()
    session = client.session
    session["oidc_pending"] = pending
    session.save()

    assert_refused(come_back(client, second), client, "nonce_replayed", caplog)
    assert UsedNonce.objects.count() == 1


@pytest.mark.parametrize("provider_name, level_claim, level", [
    ("helseid", SECURITY_LEVEL, "3"),
    ("idporten", "acr", "idporten-loa-substantial"),
])
def test_a_log_in_below_the_highest_level_is_refused(personas, client, national, caplog, english,
                                                     provider_name, level_claim, level):
    personas.clinic_physician.hpr_number = HPR
    personas.clinic_physician.save(update_fields=["hpr_number"])
    User.objects.create(username="kari", patient=personas.patient)
    if provider_name == "helseid":
        national.person = personnel(personas, **{level_claim: level})
    else:
        national.person = citizen(personas.patient.national_id, acr=level)

    response = log_in(client, national, provider_name)

    assert_refused(response, client, "level_too_low", caplog)
    assert "highest security level" in response.content.decode()


@pytest.mark.parametrize("same_kid", [True, False], ids=["published-kid", "unknown-kid"])
def test_a_token_signed_with_a_key_the_provider_does_not_publish_is_refused(personas, client, national, caplog,
                                                                            same_kid):
    User.objects.create(username="kari", patient=personas.patient)
    national.person = citizen(personas.patient.national_id)
    impostor = RSAKey.generate_key(2048, parameters={"kid": national.signing_key.kid} if same_kid else None)
    impostor.ensure_kid()
    national.behaviour.signing_key = impostor

    assert_refused(log_in(client, national, "idporten"), client, "bad_signature", caplog)


def test_an_expired_token_is_refused(personas, client, national, caplog):
    User.objects.create(username="kari", patient=personas.patient)
    national.person = citizen(personas.patient.national_id)
    national.behaviour.expires_in = -300
    assert_refused(log_in(client, national, "idporten"), client, "expired", caplog)


@pytest.mark.parametrize("where", ["id_token", "authorization_response"])
def test_a_token_from_another_issuer_is_refused(personas, client, national, caplog, where):
    User.objects.create(username="kari", patient=personas.patient)
    national.person = citizen(personas.patient.national_id)
    if where == "id_token":
        national.behaviour.issuer = "https://idporten.example"
    else:
        national.behaviour.response_iss = "https://idporten.example"
    assert_refused(log_in(client, national, "idporten"), client, "wrong_issuer", caplog)


def test_an_unknown_state_is_refused(personas, client, national, caplog, english):
    response = client.get("/accounts/oidc/idporten/callback/?code=abc&state=made-up")
    assert_refused(response, client, "unknown_state", caplog)
    assert "Please start again" in response.content.decode()


def test_a_reused_state_is_refused(personas, client, national, caplog):
    User.objects.create(username="kari", patient=personas.patient)
    national.person = citizen(personas.patient.national_id)
    callback = go_to_provider(client, national, "idporten")
    assert come_back(client, callback).status_code == 302
    client.logout()
    assert_refused(come_back(client, callback), client, "unknown_state", caplog)


def test_a_state_started_for_the_other_provider_is_refused(personas, client, national, caplog):
    User.objects.create(username="kari", patient=personas.patient)
    national.person = citizen(personas.patient.national_id)
    back = urlsplit(go_to_provider(client, national, "idporten"))
    response = client.get(f"/accounts/oidc/helseid/callback/?{back.query}")
    assert_refused(response, client, "unknown_state", caplog)


def test_an_hpr_number_in_another_organisation_is_refused(personas, client, national, caplog, english):
    personas.clinic_physician.hpr_number = HPR
    personas.clinic_physician.save(update_fields=["hpr_number"])
    national.person = personnel(personas, **{ORGNR_CLAIM: personas.other_clinic.org_number})

    response = log_in(client, national, "helseid")

    assert_refused(response, client, "organisation_mismatch", caplog)
    assert "organisation you are not registered with" in response.content.decode()


def test_an_unknown_hpr_number_is_refused(personas, client, national, caplog):
    national.person = personnel(personas)  # nobody has the HPR number
    assert_refused(log_in(client, national, "helseid"), client, "no_such_user", caplog)


def test_an_inactive_user_is_refused(personas, client, national, caplog):
    personas.clinic_physician.hpr_number = HPR
    personas.clinic_physician.is_active = False
    personas.clinic_physician.save(update_fields=["hpr_number", "is_active"])
    national.person = personnel(personas)
    assert_refused(log_in(client, national, "helseid"), client, "inactive_user", caplog)


def test_staff_cannot_log_in_through_idporten(personas, client, national, caplog):
    pid = synthetic_identity_number(_rng)
    personas.clinic_nurse.person_identifier = oidc.person_identifier(pid)
    personas.clinic_nurse.save(update_fields=["person_identifier"])
    national.person = citizen(pid)
    assert_refused(log_in(client, national, "idporten"), client, "no_such_user", caplog)


def test_a_client_without_par_or_pkce_gets_no_code(personas, national):
    """The provider itself holds the line the client must keep (its refusals are what the real
    HelseID would answer)."""
    national.person = citizen(personas.patient.national_id)
    base = {"response_type": "code", "client_id": HELSEID_CLIENT, "scope": "openid", "state": "s",
            "redirect_uri": national.clients[HELSEID_CLIENT].redirect_uris[0], "code_challenge_method": "S256",
            "code_challenge": "x" * 43}
    assert requests.get(national.url("/authorize"), params=base, timeout=5).status_code == 400  # PAR required
    unknown = {"client_id": HELSEID_CLIENT, "request_uri": "urn:ietf:params:oauth:request_uri:nope"}
    assert requests.get(national.url("/authorize"), params=unknown, timeout=5).status_code == 400
    no_pkce = {**base, "client_id": IDPORTEN_CLIENT, "code_challenge": "",
               "redirect_uri": national.clients[IDPORTEN_CLIENT].redirect_uris[0]}
    answer = requests.get(national.url("/authorize"), params=no_pkce, allow_redirects=False, timeout=5)
    assert dict(parse_qsl(urlsplit(answer.headers["Location"]).query))["error"] == "invalid_request"


def test_an_unreachable_provider_is_a_clear_refusal(personas, client, national, settings, caplog, english):
    with OIDCProvider() as gone:
        issuer = gone.issuer
    settings.OIDC_PROVIDERS = {"idporten": idporten_settings(issuer)}
    response = client.get("/accounts/oidc/idporten/start/")
    assert response.status_code == 403
    assert "could not complete the log-in" in response.content.decode()
    assert LoginRefusal.objects.get().reason == "provider_error"


def test_the_refusal_log_holds_no_identity_number_or_token(personas, client, national, caplog):
    caplog.set_level(logging.DEBUG)
    User.objects.create(username="kari", patient=personas.patient)
    unknown = synthetic_identity_number(_rng)
    for claims in (citizen(unknown), citizen(personas.patient.national_id, acr="idporten-loa-substantial")):
        national.person = claims
        assert log_in(client, national, "idporten").status_code == 403
    assert sorted(LoginRefusal.objects.values_list("reason", flat=True)) == ["level_too_low", "no_such_user"]
    # Ours (and Django's) log records; urllib3's debug lines are the test's own browser trips.
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("urllib3"))
    logged = ours + repr(list(LoginRefusal.objects.values()))
    for secret in (unknown, personas.patient.national_id):
        assert secret not in logged
    for entry in national.seen_at("/token"):
        assert entry["params"]["code"] not in logged
    for claims in national.issued:
        assert claims["nonce"] not in logged
