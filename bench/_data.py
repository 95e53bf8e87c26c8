"""Data generators for the benchmarks (stdlib only, deterministic for a given seed).

- `write_events_jsonl`: a help-desk export in the canonical JSON Lines format — one
  account line, agents and customers, tickets with ~10 events each (comments in English,
  Russian, Greek, Lithuanian and German, assignments, group moves, status changes,
  some reopens) and ratings/survey responses for part of the tickets.
- `build_responses_db`: a SQLite database holding N responses (and the tickets they rate)
  written straight into the tables with sqlite3 `executemany` in one transaction per
  account, then the rollups built with `cxpulse.storage.rollups.refresh_rollups`.
- `build_responses_pg`: the same rows in a PostgreSQL database, written with COPY.
- `PgServer`: the benchmarks' own databases on a PostgreSQL server (`--db postgresql://…`).
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson

OUT = Path(__file__).resolve().parent / "out"

# ---- vocabulary ---------------------------------------------------------------------------

SUBJECTS = {
    "en": ["Cannot log in", "Invoice is wrong", "Order arrived damaged", "Refund not received", "App crashes on start"],
    "ru": ["Не могу войти", "Ошибка в счёте", "Заказ пришёл повреждённым", "Не вернули деньги", "Приложение падает"],
    "el": ["Δεν μπορώ να συνδεθώ", "Λάθος τιμολόγιο", "Η παραγγελία ήρθε χαλασμένη", "Δεν πήρα επιστροφή χρημάτων"],
    "lt": ["Negaliu prisijungti", "Neteisinga sąskaita", "Užsakymas atkeliavo sugadintas", "Negrąžinti pinigai"],
    "de": ["Anmeldung nicht möglich", "Rechnung ist falsch", "Bestellung beschädigt", "Rückerstattung fehlt"],
}
CUSTOMER_TEXT = {
    "en": ["Hello, nothing works since yesterday. Please help.", "Any update? I am still waiting.", "Thanks, that fixed it."],
    "ru": ["Здравствуйте, со вчерашнего дня ничего не работает.", "Есть новости? Я всё ещё жду.", "Спасибо, всё заработало."],
    "el": ["Γεια σας, από χθες τίποτα δεν λειτουργεί.", "Υπάρχει νέα; Ακόμα περιμένω.", "Ευχαριστώ, λύθηκε."],
    "lt": ["Sveiki, nuo vakar niekas neveikia.", "Ar yra naujienų? Vis dar laukiu.", "Ačiū, viskas veikia."],
    "de": ["Hallo, seit gestern funktioniert nichts.", "Gibt es Neuigkeiten? Ich warte noch.", "Danke, jetzt geht es."],
}
AGENT_TEXT = {
    "en": ["Thanks for reaching out, we are looking into it.", "Could you send a screenshot?", "This is fixed now."],
    "ru": ["Спасибо за обращение, разбираемся.", "Пришлите, пожалуйста, скриншот.", "Исправили, проверьте."],
    "el": ["Ευχαριστούμε, το εξετάζουμε.", "Μπορείτε να στείλετε στιγμιότυπο οθόνης;", "Διορθώθηκε."],
    "lt": ["Ačiū, žiūrime.", "Gal galite atsiųsti ekrano nuotrauką?", "Sutvarkyta."],
    "de": ["Danke, wir prüfen das.", "Können Sie einen Screenshot schicken?", "Das ist jetzt behoben."],
}
COMMENTS = ["Ευχαριστώ", "Спасибо, быстро", "Labai ačiū", "Too slow", "Danke!", "Не помогли", ""]
LANGS = list(SUBJECTS)
CHANNELS = ["email", "chat", "web", "phone", "messaging"]
GROUPS = ["Billing", "Technical", "Logistics", "Accounts", "Returns", "VIP", "Partners", "Onboarding"]
CATEGORIES = ["login", "invoice", "refund", "delivery", "damage", "bug", "feature", "account", "pricing",
              "shipping", "warranty", "other", "privacy", "api", "mobile"]
PRIORITIES = ["low", "normal", "normal", "normal", "high", "urgent"]
CSI_ATTRIBUTES = ["speed", "competence", "politeness", "clarity"]

END = datetime(2026, 3, 1, tzinfo=UTC)  # data covers the 24 months before this


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- 1. a JSON Lines export (tickets + events + ratings) ------------------------------------


@dataclass
class JsonlStats:
    path: Path
    lines: int
    tickets: int
    events: int
    responses: int
    users: int
    bytes: int


def write_events_jsonl(
    path: Path, *, tickets: int, events_per_ticket: int = 10, seed: int = 7, account: str = "bench",
    account_fields: dict | None = None, signal: bool = False,
) -> JsonlStats:
    """Write `tickets` tickets with `events_per_ticket` events each, plus users and ratings.

    Events of one ticket: the customer's first message, an assignment, a group, status
    open, agent replies, customer follow-ups, status pending/solved, sometimes a reopen
    and a reassignment. About 45% of tickets get a CSAT rating, 15% an NPS answer, 10% a
    CES answer, 4% a CSI survey (4 attributes with importance). `account` names the
    account (`account_fields`: more of its settings). `signal`: a CSAT rating follows the
    first reply's wait (satisfied mostly within 2 h), so a model has something to learn;
    without it ratings are random (and the data the same as before for a given seed).
    """
    rnd = random.Random(seed)
    n_agents = 60
    n_customers = max(tickets // 5, 10)
    agents = [f"a{i}" for i in range(1, n_agents + 1)]
    span = int(timedelta(days=730).total_seconds())
    counts = {"ticket": 0, "event": 0, "response": 0, "user": 0}
    lines = 0
    dumps = orjson.dumps
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        w = fh.write
        w(dumps({"type": "account", "name": account, "timezone": "Europe/Vilnius",
                 "business_hours": {"start": "09:00", "end": "18:00", "weekdays": [0, 1, 2, 3, 4]},
                 **(account_fields or {})}) + b"\n")
        lines += 1
        for a in agents:
            w(dumps({"type": "user", "id": a, "role": "agent", "name": f"Agent {a}", "locale": rnd.choice(LANGS)}) + b"\n")
        names = ["Ona Jonaitė", "Σοφία Παπαδοπούλου", "Иван Петров", "Jane Doe", "Jürgen Müller"]
        for i in range(1, n_customers + 1):
            w(dumps({"type": "user", "id": f"c{i}", "role": "customer", "name": rnd.choice(names),
                     "email": f"c{i}@example.com"}) + b"\n")
        counts["user"] = n_agents + n_customers
        lines += counts["user"]
        ev_id = 0
        resp_lines: list[bytes] = []
        for t in range(1, tickets + 1):
            tid = str(100000 + t)
            lang = rnd.choice(LANGS)
            created = END - timedelta(seconds=rnd.randrange(span))
            customer = f"c{rnd.randint(1, n_customers)}"
            agent = rnd.choice(agents)
            group = rnd.choice(GROUPS)
            channel = rnd.choice(CHANNELS)
            # the ticket's events, ~events_per_ticket of them, in time order
            evs: list[dict] = []
            at = created
            cust, ag = CUSTOMER_TEXT[lang], AGENT_TEXT[lang]

            def step(minutes: int) -> datetime:
                nonlocal at
                at = at + timedelta(minutes=rnd.randint(1, minutes))
                return at

            evs.append({"kind": "comment", "at": created, "author_id": customer, "author_role": "customer",
                        "body": cust[0]})
            evs.append({"kind": "group", "at": step(5), "from": "", "to": group})
            evs.append({"kind": "assignee", "at": step(30), "from": "", "to": agent})
            evs.append({"kind": "status", "at": at, "from": "new", "to": "open"})
            evs.append({"kind": "comment", "at": step(600), "author_id": agent, "author_role": "agent",
                        "body": ag[0]})
            reopen = rnd.random() < 0.08
            reassign = rnd.random() < 0.15
            while len(evs) < events_per_ticket - 2:
                r = rnd.random()
                if reassign and r < 0.2:
                    new_agent = rnd.choice(agents)
                    evs.append({"kind": "assignee", "at": step(120), "from": agent, "to": new_agent})
                    agent, reassign = new_agent, False
                elif r < 0.55:
                    evs.append({"kind": "comment", "at": step(900), "author_id": customer,
                                "author_role": "customer", "body": cust[1]})
                else:
                    evs.append({"kind": "comment", "at": step(300), "author_id": agent, "author_role": "agent",
                                "body": ag[1], "public": rnd.random() > 0.1})
            evs.append({"kind": "comment", "at": step(600), "author_id": agent, "author_role": "agent", "body": ag[2]})
            evs.append({"kind": "status", "at": step(60), "from": "open", "to": "solved"})
            if reopen and len(evs) < events_per_ticket:
                evs[-1:] = [{"kind": "status", "at": evs[-1]["at"], "from": "solved", "to": "open"},
                            {"kind": "status", "at": step(300), "from": "open", "to": "solved"}]
            evs = evs[:events_per_ticket]
            solved_at = evs[-1]["at"] if evs[-1].get("to") == "solved" else None
            w(dumps({"type": "ticket", "id": tid, "created_at": _iso(created), "subject": rnd.choice(SUBJECTS[lang]),
                     "description": cust[0], "status": "solved" if solved_at else "open", "channel": channel,
                     "priority": rnd.choice(PRIORITIES), "group": group, "category": rnd.choice(CATEGORIES),
                     "requester_id": customer, "assignee_id": agent, "updated_at": _iso(at),
                     "solved_at": _iso(solved_at) if solved_at else None}) + b"\n")
            counts["ticket"] += 1
            for e in evs:
                ev_id += 1
                d = {"type": "event", "id": f"e{ev_id}", "ticket_id": tid, **e, "at": _iso(e["at"])}
                w(dumps(d) + b"\n")
            counts["event"] += len(evs)
            # ratings and survey answers, written after all tickets (as exports usually are)
            given = _iso(at + timedelta(minutes=rnd.randint(5, 2880)))
            r = rnd.random()
            if r < 0.45 and signal:
                waited = (evs[4]["at"] - created).total_seconds() / 60 if len(evs) > 4 else 600
                happy = rnd.random() < (0.85 if waited < 120 else 0.35)
                resp_lines.append(dumps({"type": "rating", "id": f"r{tid}", "ticket_id": tid, "given_at": given,
                                         "score": rnd.choice([5, 4]) if happy else rnd.choice([3, 2, 1]),
                                         "comment": rnd.choice(COMMENTS)}))
            elif r < 0.45:
                resp_lines.append(dumps({"type": "rating", "id": f"r{tid}", "ticket_id": tid, "given_at": given,
                                         "score": rnd.choice(["good", "good", "good", "bad"]) if r < 0.15
                                         else rnd.choice([5, 5, 4, 4, 3, 2, 1]),
                                         "comment": rnd.choice(COMMENTS)}))
            if rnd.random() < 0.15:
                resp_lines.append(dumps({"type": "response", "id": f"n{tid}", "ticket_id": tid, "kind": "nps",
                                         "score": rnd.choice([10, 9, 9, 8, 7, 6, 3, 0]), "given_at": given,
                                         "customer_id": customer}))
            if rnd.random() < 0.10:
                resp_lines.append(dumps({"type": "response", "id": f"ces{tid}", "ticket_id": tid, "kind": "ces",
                                         "score": rnd.randint(1, 7), "given_at": given, "customer_id": customer}))
            if rnd.random() < 0.04:
                for attr in CSI_ATTRIBUTES:
                    resp_lines.append(dumps({"type": "response", "id": f"csi{tid}-{attr}", "ticket_id": tid,
                                             "kind": "csi", "attribute": attr, "score": rnd.randint(1, 5),
                                             "importance": rnd.randint(1, 5), "given_at": given}))
        lines += counts["ticket"] + counts["event"]
        for ln in resp_lines:
            w(ln + b"\n")
        counts["response"] = len(resp_lines)
        lines += len(resp_lines)
    return JsonlStats(path, lines, counts["ticket"], counts["event"], counts["response"], counts["user"],
                      path.stat().st_size)


# ---- 2. N responses straight into the tables ----------------------------------------------------

ACCOUNT_SHARES = [0.30, 0.20, 0.12, 0.10, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02]
ACCOUNT_TZ = ["Europe/Vilnius", "Europe/Berlin", "Europe/Athens", "Europe/Moscow", "UTC", "America/New_York",
              "Europe/London", "Asia/Tokyo", "Europe/Warsaw", "Australia/Sydney"]
PLACEHOLDER_HASH = "0" * 24  # generated rows are not meant for re-import


@dataclass
class ResponsesDb:
    path: Path
    responses: int
    tickets: int
    accounts: list[tuple[str, int]]  # (name, responses), largest first
    insert_seconds: float  # generating the rows and writing them
    executemany_seconds: float  # of which in sqlite3 executemany + commit
    rollup_seconds: float
    rollup_rows: dict[str, int]



def _account_plan(i: int, share: float, responses: int) -> tuple[int, ZoneInfo, dict]:
    """Account i's responses to write, its timezone, and its agents, groups and categories
    (a smaller account has fewer): the same for the SQLite and the PostgreSQL data set."""
    scale = max(share / ACCOUNT_SHARES[0], 0.1)
    dims = {
        "agents": [f"agent{j:03d}" for j in range(max(5, round(60 * scale)))],
        "groups": GROUPS[: max(3, round(len(GROUPS) * scale))],
        "categories": CATEGORIES[: max(6, round(len(CATEGORIES) * scale))],
    }
    return round(responses * share), ZoneInfo(ACCOUNT_TZ[i]), dims

def _sa_datetime(at: datetime) -> str:
    """How SQLAlchemy stores a naive DateTime in SQLite."""
    return at.strftime("%Y-%m-%d %H:%M:%S.000000")


def _ticket_and_responses(rnd: random.Random, aid: int, t: int, tz: ZoneInfo, dims: dict, span: int, ts: list, rs: list):
    tid = f"{t:08d}"
    created = END - timedelta(seconds=rnd.randrange(span))
    channel = rnd.choice(CHANNELS)
    agent = rnd.choice(dims["agents"])
    lang = rnd.choice(LANGS)
    ts.append((aid, tid, rnd.choice(SUBJECTS[lang]), "", "solved", channel, rnd.choice(PRIORITIES),
               rnd.choice(dims["groups"]), rnd.choice(dims["categories"]), f"c{rnd.randrange(100000)}", agent,
               _sa_datetime(created), None, None, "", PLACEHOLDER_HASH))
    given = created + timedelta(minutes=rnd.randint(30, 7 * 1440))
    if given >= END:
        given = END - timedelta(seconds=1)
    g = _sa_datetime(given)
    day = given.astimezone(tz).date().isoformat()
    # half of the answers name their agent and channel (surveys); help-desk ratings do not
    own = rnd.random() < 0.5
    r_agent = agent if own else ""
    r_channel = channel if own else ""
    customer = f"c{rnd.randrange(100000)}"

    def add(sid: str, kind: str, scale: str, score: int, attribute: str = "", importance=None, comment: str = ""):
        rs.append((aid, sid, tid, customer, r_agent, r_channel, g, day, kind, scale, score, attribute, importance,
                   comment, "", PLACEHOLDER_HASH))

    if rnd.random() < 0.15:
        add(f"r{tid}", "csat", "binary", 1 if rnd.random() < 0.8 else 0, comment=rnd.choice(COMMENTS))
    else:
        add(f"r{tid}", "csat", "1-5", rnd.choice((5, 5, 5, 4, 4, 3, 2, 1)), comment=rnd.choice(COMMENTS))
    if rnd.random() < 0.35:
        add(f"n{tid}", "nps", "0-10", rnd.choice((10, 10, 9, 9, 8, 8, 7, 6, 5, 3, 0)))
    if rnd.random() < 0.30:
        add(f"ces{tid}", "ces", "1-7", rnd.choice((7, 7, 6, 6, 5, 4, 3, 2, 1)))
    if rnd.random() < 0.10:
        for attr in CSI_ATTRIBUTES:
            add(f"csi{tid}-{attr}", "csi", "1-5", rnd.choice((5, 5, 4, 4, 3, 2, 1)), attr, rnd.choice((5, 5, 4, 3, 1)))


def build_responses_db(path: Path, *, responses: int, seed: int = 11, log=print) -> ResponsesDb:
    """Create a SQLite database with about `responses` responses over 10 accounts and 24 months.

    Accounts get 30%, 20%, 12% … 2% of the rows. Each ticket has a CSAT rating (15% on
    the binary scale), and with some probability NPS, CES and a 4-attribute CSI survey:
    ~2.05 responses per ticket. Agents, groups and categories scale with the account.
    The schema comes from the app's migrations; rows go in with sqlite3 `executemany`,
    one transaction per account, in key order (so the unique indexes only append).
    """
    from sqlalchemy import func, select

    from cxpulse.storage import Store
    from cxpulse.storage import tables as T
    from cxpulse.storage.rollups import refresh_rollups

    if path.exists():
        path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    store = Store.open(path)  # migrations: exactly the app's schema
    accs = [store.ensure_account(f"acct{i:02d}") for i in range(len(ACCOUNT_SHARES))]
    store.engine.dispose()

    rnd = random.Random(seed)
    span = int(timedelta(days=730).total_seconds())
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")  # ~1 GB page cache while building
    for acc, tz_name in zip(accs, ACCOUNT_TZ):
        con.execute("UPDATE accounts SET timezone=? WHERE id=?", (tz_name, acc.id))
    t_cols = ("account_id, source_id, subject, description, status, channel, priority, group_name, category, "
              "requester_id, assignee_id, created_at, updated_at, solved_at, metrics, content_hash")
    r_cols = ("account_id, source_id, ticket_id, customer_id, agent_id, channel, given_at, day, kind, scale, score, "
              "attribute, importance, comment, reason, content_hash")
    t_sql = f"INSERT INTO tickets ({t_cols}) VALUES ({', '.join('?' * 16)})"
    r_sql = f"INSERT INTO responses ({r_cols}) VALUES ({', '.join('?' * 16)})"
    per_ticket = 1 + 0.35 + 0.30 + 0.10 * len(CSI_ATTRIBUTES)
    started = time.perf_counter()
    in_sqlite = 0.0
    total_r = total_t = 0
    sizes: list[tuple[str, int]] = []
    for i, (acc, share) in enumerate(zip(accs, ACCOUNT_SHARES)):
        want, tz, dims = _account_plan(i, share, responses)
        n_r = n_t = 0
        t = 0
        con.execute("BEGIN")
        while n_r < want:
            ts: list = []
            rs: list = []
            for _ in range(min(50_000, max(1, int((want - n_r) / per_ticket) + 1))):
                t += 1
                _ticket_and_responses(rnd, acc.id, t, tz, dims, span, ts, rs)
            t0 = time.perf_counter()
            con.executemany(t_sql, ts)
            con.executemany(r_sql, rs)
            in_sqlite += time.perf_counter() - t0
            n_r += len(rs)
            n_t += len(ts)
        t0 = time.perf_counter()
        con.execute("COMMIT")
        in_sqlite += time.perf_counter() - t0
        total_r += n_r
        total_t += n_t
        sizes.append((acc.name, n_r))
        log(f"  {acc.name}: {n_r:,} responses, {n_t:,} tickets ({time.perf_counter() - started:.0f} s)")
    insert_seconds = time.perf_counter() - started
    con.execute("ANALYZE")
    con.close()

    store = Store.open(path)
    started = time.perf_counter()
    for acc in accs:
        with store.engine.begin() as conn:
            refresh_rollups(conn, acc.id)
    rollup_seconds = time.perf_counter() - started
    with store.engine.connect() as conn:
        rollup_rows = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in T.ROLLUPS}
    store.engine.dispose()
    con = sqlite3.connect(path)
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return ResponsesDb(path, total_r, total_t, sizes, insert_seconds, in_sqlite, rollup_seconds, rollup_rows)


# ---- 3. the same on PostgreSQL ------------------------------------------------------------------


class PgServer:
    """The benchmarks' databases on the PostgreSQL server a `--db postgresql://…` URL names.

    The database in the URL is only used to connect for CREATE/DROP DATABASE; each
    benchmark works in a database of its own, named `cxpulse_bench_<what>` (cached data
    sets carry their fingerprint in the name, like the SQLite files), on the same server.
    """

    def __init__(self, url: str) -> None:
        if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            raise SystemExit(f"--db takes a postgresql://user@host:port/db URL, not {url!r}")
        self.url = "postgresql://" + url.split("://", 1)[1]

    def url_of(self, name: str) -> str:
        """The URL of database `name` on this server, as a user gives it to `--db`."""
        return self.url.rsplit("/", 1)[0] + "/" + name

    def _admin(self):
        import psycopg

        return psycopg.connect(self.url, autocommit=True)

    def exists(self, name: str) -> bool:
        with self._admin() as con:
            return con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None

    def create(self, name: str, *, template: str | None = None) -> str:
        """A fresh, empty database `name` (dropped first if it exists); its URL."""
        self.drop(name)
        with self._admin() as con:
            con.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url_of(name)

    def rename(self, old: str, new: str) -> None:
        with self._admin() as con:
            con.execute(f'ALTER DATABASE "{old}" RENAME TO "{new}"')

    def drop(self, name: str) -> None:
        with self._admin() as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def bench_databases(self) -> list[str]:
        with self._admin() as con:
            return [r[0] for r in con.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE 'cxpulse\\_bench\\_%' ORDER BY 1")]

    def size(self, name: str) -> int:
        with self._admin() as con:
            return con.execute("SELECT pg_database_size(%s)", (name,)).fetchone()[0]

    def settings(self) -> dict[str, str]:
        """The server settings the figures depend on (docs/postgres.md)."""
        names = ("server_version", "shared_buffers", "work_mem", "maintenance_work_mem", "effective_cache_size",
                 "max_wal_size", "random_page_cost", "max_parallel_workers_per_gather", "jit")
        with self._admin() as con:
            return {n: con.execute(f"SHOW {n}").fetchone()[0] for n in names}


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    s = str(value)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def _copy_rows(copy, rows: list) -> None:
    copy.write("".join("\t".join(map(_copy_text, row)) + "\n" for row in rows))


def build_responses_pg(url: str, *, responses: int, seed: int = 11, log=print) -> ResponsesDb:
    """`build_responses_db` on PostgreSQL: the same rows (same seed), in the empty database `url`.

    The schema comes from the app's migrations; tickets and responses go in with COPY,
    one transaction per account, in key order, every index in place (as the app has
    them). Then the rollups with `refresh_rollups` per account, as the app builds them,
    then VACUUM ANALYZE (what autovacuum would do after a bulk load, done now so the
    first queries do not depend on when it wakes). `executemany_seconds` is the time
    inside COPY + COMMIT.
    """
    import psycopg
    from sqlalchemy import func, select

    from cxpulse.storage import Store
    from cxpulse.storage import tables as T
    from cxpulse.storage.rollups import refresh_rollups

    store = Store.open(url)  # migrations: exactly the app's schema
    accs = [store.ensure_account(f"acct{i:02d}") for i in range(len(ACCOUNT_SHARES))]
    store.engine.dispose()

    rnd = random.Random(seed)
    span = int(timedelta(days=730).total_seconds())
    t_cols = ("account_id, source_id, subject, description, status, channel, priority, group_name, category, "
              "requester_id, assignee_id, created_at, updated_at, solved_at, metrics, content_hash")
    r_cols = ("account_id, source_id, ticket_id, customer_id, agent_id, channel, given_at, day, kind, scale, score, "
              "attribute, importance, comment, reason, content_hash")
    per_ticket = 1 + 0.35 + 0.30 + 0.10 * len(CSI_ATTRIBUTES)
    started = time.perf_counter()
    in_db = 0.0
    total_r = total_t = 0
    sizes: list[tuple[str, int]] = []
    with psycopg.connect(url) as con:
        for acc, tz_name in zip(accs, ACCOUNT_TZ):
            con.execute("UPDATE accounts SET timezone = %s WHERE id = %s", (tz_name, acc.id))
        con.commit()
        for i, (acc, share) in enumerate(zip(accs, ACCOUNT_SHARES)):
            want, tz, dims = _account_plan(i, share, responses)
            n_r = n_t = 0
            t = 0
            with con.cursor() as cur:
                while n_r < want:
                    ts: list = []
                    rs: list = []
                    for _ in range(min(50_000, max(1, int((want - n_r) / per_ticket) + 1))):
                        t += 1
                        _ticket_and_responses(rnd, acc.id, t, tz, dims, span, ts, rs)
                    t0 = time.perf_counter()
                    with cur.copy(f"COPY tickets ({t_cols}) FROM STDIN") as copy:
                        _copy_rows(copy, ts)
                    with cur.copy(f"COPY responses ({r_cols}) FROM STDIN") as copy:
                        _copy_rows(copy, rs)
                    in_db += time.perf_counter() - t0
                    n_r += len(rs)
                    n_t += len(ts)
            t0 = time.perf_counter()
            con.commit()
            in_db += time.perf_counter() - t0
            total_r += n_r
            total_t += n_t
            sizes.append((acc.name, n_r))
            log(f"  {acc.name}: {n_r:,} responses, {n_t:,} tickets ({time.perf_counter() - started:.0f} s)")
    insert_seconds = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("VACUUM ANALYZE tickets")
        con.execute("VACUUM ANALYZE responses")

    store = Store.open(url)
    started = time.perf_counter()
    for acc in accs:
        with store.engine.begin() as conn:
            refresh_rollups(conn, acc.id)
    rollup_seconds = time.perf_counter() - started
    with store.engine.connect() as conn:
        rollup_rows = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in T.ROLLUPS}
    store.engine.dispose()
    with psycopg.connect(url, autocommit=True) as con:
        for name in rollup_rows:
            con.execute(f"VACUUM ANALYZE {name}")
    return ResponsesDb(Path(url.rsplit("/", 1)[1]), total_r, total_t, sizes, insert_seconds, in_db, rollup_seconds,
                       rollup_rows)


# Bump when a generator changes what it writes: cached files under bench/out/ carry it.
GENERATOR_VERSION = 1


def fingerprint(**params) -> str:
    """A short tag of the generator's version and parameters, to know when a cached file is stale."""
    key = repr((GENERATOR_VERSION, sorted(params.items()))).encode()
    return hashlib.blake2b(key, digest_size=5).hexdigest()
