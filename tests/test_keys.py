"""API keys: shown once, stored as a hash, scoped to one account (or admin), revocable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cxpulse.cli import app
from cxpulse.domain import InvalidQuery, NotFound
from cxpulse.service.keys import create_key, hash_key, list_keys, revoke_key, verify_key
from cxpulse.storage import Store
from cxpulse.storage import tables as T


def test_a_key_is_stored_only_as_its_hash_and_verifies_to_its_account(store):
    store.ensure_account("acme")
    store.ensure_account("globex")
    key, info = create_key(store, account="acme", name="dashboard")
    assert key.startswith("cxp_") and len(key) >= 30
    with store.engine.connect() as c:
        stored = c.execute(select(T.api_keys)).one()
    assert key not in {str(v) for v in stored}  # never in clear
    assert stored.key_hash == hash_key(key)
    found = verify_key(store, key)
    assert found is not None and found.account == "acme" and not found.admin
    assert found.can_read(store.account("acme").id)
    assert not found.can_read(store.account("globex").id)
    assert info.prefix == key[:12]


def test_unknown_garbled_and_revoked_keys_do_not_verify(store):
    store.ensure_account("acme")
    key, info = create_key(store, account="acme")
    assert verify_key(store, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert verify_key(store, "") is None
    assert verify_key(store, "Bearer " + key) is None
    assert verify_key(store, "cxp_" + "x" * 500) is None
    revoked = revoke_key(store, info.prefix)
    assert revoked.revoked_at is not None
    assert verify_key(store, key) is None


def test_an_admin_key_reads_every_account(store):
    a = store.ensure_account("acme")
    b = store.ensure_account("globex")
    key, info = create_key(store, admin=True)
    assert info.account is None and info.admin
    found = verify_key(store, key)
    assert found.can_read(a.id) and found.can_read(b.id)


def test_asking_for_both_or_neither_or_an_unknown_account_is_refused(store):
    store.ensure_account("acme")
    with pytest.raises(InvalidQuery):
        create_key(store, account="acme", admin=True)
    with pytest.raises(InvalidQuery):
        create_key(store)
    with pytest.raises(NotFound):
        create_key(store, account="nobody")
    with pytest.raises(NotFound):
        revoke_key(store, "cxp_nothere")


def test_last_use_is_written_at_most_every_few_minutes(store):
    store.ensure_account("acme")
    key, _ = create_key(store, account="acme")
    t0 = datetime(2026, 11, 24, 12, tzinfo=UTC)
    verify_key(store, key, now=t0)
    verify_key(store, key, now=t0 + timedelta(minutes=1))
    assert list_keys(store)[0].last_used_at == t0
    verify_key(store, key, now=t0 + timedelta(minutes=6))
    assert list_keys(store, "acme")[0].last_used_at == t0 + timedelta(minutes=6)


def test_cli_prints_the_key_as_the_last_word_once(tmp_path):
    db = tmp_path / "k.db"
    Store.open(db).ensure_account("acme")
    runner = CliRunner()
    res = runner.invoke(app, ["keys", "create", "--account", "acme", "--db", str(db)])
    assert res.exit_code == 0, res.output
    key = res.output.split()[-1]
    store = Store.open(db)
    assert verify_key(store, key).account == "acme"
    listed = runner.invoke(app, ["keys", "list", "--format", "json", "--db", str(db)])
    assert listed.exit_code == 0 and key not in listed.output and key[:12] in listed.output
    res = runner.invoke(app, ["keys", "create", "--account", "nobody", "--db", str(db)])
    assert res.exit_code != 0 and "nobody" in res.output
    res = runner.invoke(app, ["keys", "revoke", key[:12], "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert verify_key(Store.open(db), key) is None
