"""Norwegian Bokmål first, English second; every user-facing string is translated."""

from pathlib import Path

import polib
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


def test_pages_are_norwegian_by_default(personas, login):
    html = login(personas.clinic_physician).get("/worklist/").content.decode()
    assert '<html lang="nb">' in html
    assert "Arbeidsliste" in html and "Hopp til hovedinnholdet" in html


def test_english_is_chosen_with_the_language_switch(personas, login):
    client = login(personas.clinic_physician)
    client.post("/i18n/setlang/", {"language": "en", "next": "/worklist/"})
    html = client.get("/worklist/").content.decode()
    assert '<html lang="en">' in html and "Worklist" in html


def test_pathway_names_come_from_the_definition_in_the_chosen_language(personas, login):
    from tests.conftest import start
    from samforlop.core import clock

    start(personas, clock.today())
    client = login(personas.clinic_physician)
    assert "Henvisning og start" in client.get("/worklist/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/worklist/"})
    assert "Referral and start" in client.get("/worklist/").content.decode()


def test_every_string_has_a_norwegian_translation_and_the_compiled_catalogue_is_current():
    po = polib.pofile(str(LOCALE / "nb/LC_MESSAGES/django.po"))
    untranslated = [e.msgid for e in po if not e.translated()]
    assert untranslated == []
    mo = polib.mofile(str(LOCALE / "nb/LC_MESSAGES/django.mo"))
    compiled = {(e.msgid, e.msgstr or tuple(e.msgstr_plural.values())) for e in mo if e.msgid}
    source = {(e.msgid, e.msgstr or tuple(e.msgstr_plural.values())) for e in po}
    assert source <= compiled, "run `make messages`"


def test_a_browser_set_to_english_still_gets_bokmal_log_in_page_included(personas, client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="nb">' in html and "Logg inn" in html
    client.force_login(personas.clinic_physician)
    html = client.get("/worklist/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="nb">' in html and "Arbeidsliste" in html


def test_english_before_log_in_comes_from_the_language_switch(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert '<html lang="en">' in client.get("/accounts/login/").content.decode()


def test_the_chosen_language_is_kept_on_the_person_and_follows_them_to_another_device(personas, client):
    from django.test import Client

    from samforlop.audit.models import AuditEntry

    client.force_login(personas.gp)
    client.post("/i18n/setlang/", {"language": "en", "next": "/worklist/"})
    personas.gp.refresh_from_db()
    assert personas.gp.language == "en"
    assert AuditEntry.objects.filter(action="language_chosen", object_id=str(personas.gp.pk)).count() == 1
    other_device = Client()
    other_device.force_login(personas.gp)
    assert '<html lang="en">' in other_device.get("/worklist/", HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    client.post("/i18n/setlang/", {"language": "nb", "next": "/worklist/"})
    assert '<html lang="nb">' in other_device.get("/worklist/").content.decode()
