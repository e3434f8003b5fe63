"""What a patient of 60 with stiff fingers meets on their own pages (issue 17 point 4): no empty
check-in taken as "all is well", errors that say what to correct and where, nothing to agree to
before the plan has content, empty lists in words, and the next thing to do at the top of /my/."""

import datetime as dt
import re
import uuid

import pytest
import time_machine

from samforlop.careplan import actions as plan_actions
from samforlop.checkins.actions import schedule_checkins
from samforlop.checkins.models import CheckIn, CheckinSchedule
from samforlop.checkins.questionnaire import all_questionnaires, too_few_answers
from samforlop.tasks.models import Task

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def post_checkin(client, key, answers):
    return client.post(f"/my/checkins/{key}/", {"submission_id": str(uuid.uuid4()), **answers})


@pytest.mark.parametrize("key", sorted(all_questionnaires()))
def test_an_empty_check_in_is_refused_and_nothing_reaches_the_clinic(personas, me, login, key):
    client = login(me)
    response = post_checkin(client, key, {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "data-error-summary" in html and "Takk for svarene" not in html
    assert CheckIn.objects.count() == 0 and Task.objects.count() == 0


def test_too_few_answers_for_a_score_is_refused_naming_the_question(personas, me, login):
    # "Pain and everyday life" needs three answers for its mean; one is not enough.
    client = login(me)
    questionnaire = all_questionnaires()["pain_interference"]
    first = questionnaire.items[0]
    response = post_checkin(client, "pain_interference", {first.key: "5"})
    assert response.status_code == 400 and CheckIn.objects.count() == 0
    summary = re.search(r'<div class="error-summary".*?</div>', response.content.decode(), re.S).group(0)
    second = str(questionnaire.items[1].text)
    assert second in summary  # the first unanswered question, by its text, linked to its answers
    assert f'href="#id_{questionnaire.items[1].key}_0"' in summary


def test_every_questionnaire_needs_an_answer_for_each_score():
    """The rule itself, for each shipped questionnaire: nothing answered is never "enough"."""
    for questionnaire in all_questionnaires().values():
        assert too_few_answers(questionnaire, {}), questionnaire.key


def test_a_refused_check_in_summary_is_a_level_two_heading_that_names_the_activity(personas, me, login):
    client = login(me)
    response = post_checkin(client, "functional_scale", {"activity_0_name": "Gå tur", "activity_0_value": "4",
                                                         "activity_1_name": "Bære handleposer"})
    assert response.status_code == 400
    html = response.content.decode()
    headings = re.findall(r"<h(\d)[ >]", html)
    assert headings[:2] == ["1", "2"]  # the summary follows the page's h1 without skipping a level
    summary = re.search(r'<div class="error-summary"[^>]*tabindex="-1"[^>]*>.*?</div>', html, re.S).group(0)
    assert "Aktivitet 2" in summary


def test_the_error_summary_is_focused_after_a_refused_submit_by_the_shared_script():
    from pathlib import Path

    script = (Path(__file__).resolve().parents[1] / "samforlop/core/static/core/samforlop.js").read_text()
    assert "[data-error-summary]" in script and ".focus()" in script


def test_the_agree_button_is_not_offered_for_a_plan_without_goals_or_measures(personas, me, login):
    client = login(me)
    html = client.get("/my/plan/").content.decode()
    assert 'value="agree"' not in html and 'data-agreed="nothing-yet"' in html
    version = plan_actions.plan_for(personas.patient, NOW).version
    response = client.post("/my/plan/", {"action": "agree", "version": str(version)})
    assert response.status_code == 400
    assert plan_actions.plan_for(personas.patient, NOW).patient_agreed_version is None


def test_the_agree_button_is_offered_once_the_plan_has_a_goal_or_a_measure(personas, me, login):
    goal = plan_actions.add_goal(patient=personas.patient, text="Gå til butikken selv", actor=personas.gp, now=NOW,
                                 submission_id=uuid.uuid4())
    plan_actions.add_measure(patient=personas.patient, title="Trening i varmtvann", organisation=personas.physio_service,
                             goal=goal, actor=personas.physiotherapist, now=NOW, submission_id=uuid.uuid4())
    client = login(me)
    assert 'value="agree"' in client.get("/my/plan/").content.decode()
    assert "data-todo-item=\"plan\"" in client.get("/my/").content.decode()


PATIENT_PAGES = ["/my/", "/my/plan/", "/my/checkins/", "/my/costs/", "/my/sharing/", "/my/relatives/", "/my/privacy/",
                 "/my/offers/", "/my/work/", "/my/training/", "/my/arena/"]


@pytest.mark.parametrize("url", PATIENT_PAGES)
def test_empty_lists_say_what_is_empty_in_words(personas, me, login, url):
    html = login(me).get(url).content.decode()
    shown = re.sub(r"<option[^>]*>[^<]*</option>", "", html)  # a select's blank choice is not a list
    assert not re.search(r">\s*[–—-]\s*<", shown), url


def test_my_page_says_the_next_thing_to_do_at_the_top(personas, me, login):
    schedule_checkins(patient=personas.patient, questionnaire_key="pain_intensity", interval_months=3,
                      first_due_on=NOW.date(), actor=personas.clinic_nurse, now=NOW)
    html = login(me).get("/my/").content.decode()
    first_section = re.search(r"</h1>\s*<section[^>]*data-todo>(.*?)</section>", html, re.S).group(1)
    assert "Du har en innsjekk å fylle ut (Smerte). Det tar ca. 2 minutter." in first_section
    assert 'href="/my/checkins/pain_intensity/"' in first_section


def test_my_page_says_when_there_is_nothing_to_do(personas, me, login):
    assert CheckinSchedule.objects.count() == 0
    html = login(me).get("/my/").content.decode()
    assert 'data-todo-item="none"' in html
