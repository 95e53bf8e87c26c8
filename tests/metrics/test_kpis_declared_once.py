"""The KPI names are declared once (metrics/facts.py `KPIS`); the fold's fields, the
ticket_kpis columns, the rows derive writes and the API's `kpis` all follow it."""

from __future__ import annotations

import typing
from dataclasses import fields

from sqlalchemy import Boolean, Float, Integer

from cxpulse.api.schemas import KpisPublic
from cxpulse.metrics.facts import KPI_NAMES, KPIS, TicketFacts
from cxpulse.storage import tables as T

SQL_TYPES = {float: Float, int: Integer, bool: Boolean}


def test_every_kpi_is_a_field_of_the_fold_with_its_type():
    hints = typing.get_type_hints(TicketFacts)
    names = {f.name for f in fields(TicketFacts)}
    for k in KPIS:
        assert k.name in names, k.name
        assert hints[k.name] in (k.type, k.type | None), k.name
        assert k.unit in ("minutes", "count", "flag")


def test_ticket_kpis_has_a_column_per_kpi_typed_as_declared():
    columns = T.ticket_kpis.c
    for k in KPIS:
        assert isinstance(columns[k.name].type, SQL_TYPES[k.type]), k.name
        assert columns[k.name].nullable == k.nullable, k.name


def test_the_api_shows_every_kpi_in_the_declared_order():
    assert tuple(KpisPublic.model_fields) == KPI_NAMES
    durations = [k.name for k in KPIS if k.nullable]
    assert durations and all(KpisPublic.model_fields[n].annotation == float | None for n in durations)


def test_names_are_unique():
    assert len(set(KPI_NAMES)) == len(KPI_NAMES)
