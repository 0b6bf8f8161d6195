"""Survey links: one click from an e-mail, cannot be forged, tampered with, replayed or used
after they expire; a low score alerts the PSM and their manager once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from psm.engagement.models import Survey, SurveyKind
from psm.engagement.services.satisfaction import (
    SurveyLinkError,
    answer_survey,
    create_survey,
    nps,
    read_token,
    survey_token,
)


@pytest.fixture
def survey(book, run_tasks, mailoutbox):
    made = create_survey(
        book.a,
        SurveyKind.CSAT,
        contact=book.contact_a,
        engineer=book.alice,
        subject="ACME-12: licence server down",
        source_key="case:test",
    )
    assert made is not None
    return made


def link_from(mail) -> str:
    return re.search(r"http://\S+/engagement/survey/(\S+)/\?score=4", mail.body).group(1)


@pytest.mark.django_db
def test_mail_carries_one_link_per_score_and_clicking_records_once(survey, mailoutbox, book):
    mail = mailoutbox[-1]
    assert mail.to == ["alma@acme.example"]
    assert mail.body.count("/engagement/survey/") == 5  # scores 1..5
    token = link_from(mail)
    client = Client()
    page = client.get(f"/engagement/survey/{token}/?score=4")
    assert page.status_code == 200
    assert b'value="4" required checked' in page.content or b"checked" in page.content
    # Opening the link (or a mail scanner following it) records nothing.
    survey.refresh_from_db()
    assert survey.answered_at is None
    done = client.post(f"/engagement/survey/{token}/", {"score": "4", "comment": "Fast fix"})
    assert done.status_code == 200 and b"Thank you" in done.content
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "Fast fix")
    # Replay: the same link again is refused and changes nothing.
    again = client.post(f"/engagement/survey/{token}/", {"score": "1"})
    assert again.status_code == 410 and b"already been answered" in again.content
    survey.refresh_from_db()
    assert survey.score == 4


@pytest.mark.django_db
def test_forged_and_tampered_links_are_refused(survey):
    token = survey_token(survey)
    value, _, rest = token.partition(":")
    other_pk = str(survey.pk + 1)
    tampered = f"{other_pk}.{value.partition('.')[2]}:{rest}"
    forged = signing.TimestampSigner(salt="something-else").sign(f"{survey.pk}.{survey.nonce}")
    wrong_key = signing.TimestampSigner(key="x" * 50, salt="psm.engagement.survey").sign(
        f"{survey.pk}.{survey.nonce}"
    )
    for bad in (tampered, forged, wrong_key, "garbage", token + "x"):
        with pytest.raises(SurveyLinkError) as info:
            read_token(bad)
        assert info.value.reason == "invalid"
        response = Client().post(f"/engagement/survey/{bad}/", {"score": "1"})
        assert response.status_code == 404
    survey.refresh_from_db()
    assert survey.answered_at is None


@pytest.mark.django_db
def test_a_link_for_another_nonce_is_dead(survey):
    """The nonce is checked against the row: a correctly signed value for a guessed nonce
    (or a survey whose nonce was replaced) is refused."""
    token = signing.TimestampSigner(salt="psm.engagement.survey").sign(f"{survey.pk}.guess")
    with pytest.raises(SurveyLinkError, match="invalid"):
        read_token(token)


@pytest.mark.django_db
def test_expired_links_are_refused(survey):
    token = survey_token(survey)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        with pytest.raises(SurveyLinkError, match="expired"):
            answer_survey(token, 5)
        assert Client().get(f"/engagement/survey/{token}/").status_code == 410
    with (
        time_machine.travel(timezone.now() + timedelta(days=91)),
        pytest.raises(SurveyLinkError, match="expired"),
    ):
        read_token(token)


@pytest.mark.django_db
def test_score_outside_the_scale_is_refused(survey):
    with pytest.raises(ValueError, match="between 1 and 5"):
        answer_survey(survey_token(survey), 9)
    response = Client().post(f"/engagement/survey/{survey_token(survey)}/", {"score": "9"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_two_answers_at_once_only_one_wins(survey):
    token = survey_token(survey)
    answer_survey(token, 5)
    with pytest.raises(SurveyLinkError, match="used"):
        answer_survey(token, 1)
    assert Survey.objects.get(pk=survey.pk).score == 5


@pytest.mark.django_db
def test_low_score_alerts_psm_and_manager_once(survey, mailoutbox, book):
    mailoutbox.clear()
    result = answer_survey(survey_token(survey), 1, "Nobody called back")
    assert result.alerted
    alerts = [m for m in mailoutbox if m.subject.startswith("Low satisfaction score")]
    assert len(alerts) == 1
    assert sorted(alerts[0].to) == sorted([book.alice.email, book.charlie.email])
    assert "Nobody called back" in alerts[0].body
    from psm.engagement.services.satisfaction import alert_if_low

    survey.refresh_from_db()
    assert not alert_if_low(survey, timezone.now())


@pytest.mark.django_db
def test_good_score_raises_no_alert(survey, mailoutbox):
    mailoutbox.clear()
    assert not answer_survey(survey_token(survey), 5).alerted
    assert not mailoutbox


@pytest.mark.django_db
def test_same_reason_never_asks_twice(survey, book):
    again = create_survey(
        book.a, SurveyKind.CSAT, contact=book.contact_a, engineer=book.alice, source_key="case:test"
    )
    assert again is None
    assert Survey.objects.filter(source_key="case:test").count() == 1


@pytest.mark.django_db
def test_send_csat_survey_hook_for_resolved_cases(book, run_tasks, mailoutbox):
    from types import SimpleNamespace

    from psm.engagement.services import send_csat_survey

    case = SimpleNamespace(
        pk=77,
        account=book.a,
        contact=book.contact_a,
        assignee=book.alice,
        reference="ACME-77",
        title="Build broken",
    )
    survey = send_csat_survey(case)
    assert survey is not None and survey.kind == SurveyKind.CSAT
    assert survey.subject == "ACME-77: Build broken"
    assert send_csat_survey(case) is None  # once per case


@pytest.mark.django_db
def test_periodic_nps_round_goes_out_once_per_due_date(book, run_tasks, mailoutbox):
    from psm.engagement.models import CadenceState
    from psm.engagement.services import refresh_cadences, sweep_cadences

    refresh_cadences(book.a)
    state = CadenceState.objects.get(account=book.a, kind="satisfaction_survey")
    assert state.next_due is not None
    with time_machine.travel(state.next_due + timedelta(minutes=1), tick=False):
        first = sweep_cadences()
        second = sweep_cadences()
    assert first.survey_rounds >= 1 and second.survey_rounds == 0
    nps_surveys = Survey.objects.filter(account=book.a, kind=SurveyKind.NPS)
    assert nps_surveys.count() == 1  # one contact with an e-mail on Acme
    state.refresh_from_db()
    assert state.next_due is not None and state.last_done_at is not None
    assert state.next_due > state.last_done_at


def test_nps_arithmetic():
    assert nps([]) is None
    assert nps([10, 9, 8, 7, 6]) == 20  # 2 promoters, 1 detractor of 5
    assert nps([0, 0]) == -100
