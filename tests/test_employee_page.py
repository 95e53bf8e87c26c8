"""The employee survey page: the link opens the questions in the agent's language, the form
stores one anonymous answer, and the link cannot answer twice."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxpulse.storage import tables as T
from cxpulse.web import create_app
from tests.employee_helpers import SENT, send, survey, team

FULL = {"enps": "8", "q_tools": "2", "q_knowledge_base": "4", "q_workload": "3", "q_training": "5",
        "q_handoffs": "1", "comment": "Fewer handoffs <b>please</b>"}


def _answers(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(T.employee_answers)).scalar_one()


def test_the_page_is_answered_once_in_the_agents_language(store):
    team(store)
    survey(store)
    _, links = send(store)
    app = create_app(store, clock=lambda: SENT + timedelta(hours=1))
    with TestClient(app) as client:
        url = f"/e/{links['b1@acme.example']}"  # b1's locale: ru
        page = client.get(url)
        assert page.status_code == 200
        assert "Насколько вероятно, что вы порекомендуете работу в этой команде?" in page.text
        assert "Что вы изменили бы в первую очередь?" in page.text and "База знаний" in page.text
        partial = client.post(url, data={k: v for k, v in FULL.items() if k != "q_training"})
        assert partial.status_code == 422 and "Обучение, которое я получаю" in partial.text
        assert 'value="8" checked' in partial.text and _answers(store) == 0  # what was chosen is kept
        done = client.post(url, data=FULL)
        assert done.status_code == 200 and "Спасибо" in done.text
        assert _answers(store) == 1
        assert client.post(url, data=FULL).status_code == 409
        assert client.get(url).status_code == 409
        assert _answers(store) == 1
        assert client.get(url[:-3] + "xyz").status_code == 400
    with store.engine.connect() as conn:
        (comment,) = conn.execute(select(T.employee_answers.c.comment)).one()
    assert comment == "Fewer handoffs <b>please</b>"  # stored as typed; the pages escape


def test_an_expired_link_shows_the_closed_page(store):
    team(store)
    survey(store, expire_days=3)
    _, links = send(store)
    with TestClient(create_app(store, clock=lambda: SENT + timedelta(days=4))) as client:
        assert client.get(f"/e/{links['b0@acme.example']}").status_code == 410
