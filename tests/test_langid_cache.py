"""The language model, unpacked once and kept in the user's cache folder: every later
process reads it back in a fraction of the time, and detects exactly the same."""

from __future__ import annotations

from cxpulse import text

LINES = ["Hallo, seit gestern funktioniert nichts. Gibt es Neuigkeiten?", "Bonjour, la commande n'est pas arrivée.",
         "Hola, no puedo entrar en mi cuenta desde ayer.", "Dzień dobry, faktura jest błędna.", "こんにちは、ログインできません"]


def test_the_kept_model_detects_as_the_unpacked_one(tmp_path, monkeypatch):
    monkeypatch.setenv("CXPULSE_CACHE_DIR", str(tmp_path))
    fresh = text._cached_model()  # unpacks py3langid's file, and keeps a copy
    (kept,) = tmp_path.glob("langid-*.pickle")
    again = text._cached_model()  # reads the copy
    assert [fresh.classify(s) for s in LINES] == [again.classify(s) for s in LINES]
    assert [again.classify(s)[0] for s in LINES[:4]] == ["de", "fr", "es", "pl"]

    kept.write_bytes(b"half a file")  # a broken copy is unpacked again, and replaced
    third = text._cached_model()
    assert [third.classify(s) for s in LINES] == [fresh.classify(s) for s in LINES]
    assert kept.stat().st_size > 1_000_000
