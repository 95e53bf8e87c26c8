"""`cxpulse surveys …`: define surveys, send what is due, make signature links.

Thin like every command: parse, call one function of service.surveys, render.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cxpulse.cli.errors import handle_errors
from cxpulse.cli.options import DB_DEFAULT, DbOption, FormatOption, OutputFormat
from cxpulse.cli.render import print_record, print_rows
from cxpulse.durations import parse_time
from cxpulse.storage import Store

surveys_app = typer.Typer(
    name="surveys",
    help="Ask customers after a solved ticket: define CSAT/CES/NPS/CSI surveys, send the due invitations "
    "(cron), make links for signatures and chat. See docs/surveys.md.\n\n"
    "Example: cxpulse surveys create csat --account acme --kind csat --reminder-days 3",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

AccountRequired = Annotated[str, typer.Option("--account", "-a", help="The account the survey belongs to.")]
AccountFilter = Annotated[str | None, typer.Option("--account", "-a", help="Account name (default: all accounts).")]
NameArg = Annotated[str, typer.Argument(help="The survey's name, unique in its account, e.g. csat.")]
Scale = Annotated[str | None, typer.Option("--scale", help="csat: 1-5 or binary; ces: 1-7 or 1-10; nps: 0-10; csi: 1-5. Default: the first.")]
Attributes = Annotated[str | None, typer.Option("--attributes", help="CSI only, comma-separated: speed, competence, politeness, convenience, personal_approach, empathy, efficiency.")]
Reasons = Annotated[str | None, typer.Option("--reasons", help="Reasons offered after a low score, comma-separated (e.g. slow,not_solved,other); \"\" for none. Default: the kind's usual ones.")]
Comment = Annotated[bool | None, typer.Option("--comment/--no-comment", help="Offer a free-text comment.")]
Delay = Annotated[int | None, typer.Option("--delay-minutes", help="Minutes after the ticket is solved before asking (default 60).")]
Throttle = Annotated[int | None, typer.Option("--throttle-days", help="Ask one customer at most once per this many days per account (default 30).")]
Reminder = Annotated[int | None, typer.Option("--reminder-days", help="One reminder this many days after sending when unanswered (default: none; 0 in update: none).")]
Expire = Annotated[int | None, typer.Option("--expire-days", help="Links expire this many days after sending (default 28).")]
Language = Annotated[str | None, typer.Option("--language", help="Fallback language when a customer's profile has none: en, ru, el, lt (default en).")]

LIST_COLUMNS = ["account", "name", "kind", "scale", "active", "delay_minutes", "throttle_days", "reminder_days",
                "expire_days", "language", "scheduled", "sent", "answered"]


def _keys(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(k.strip() for k in text.split(",") if k.strip())


def _changes(**options) -> dict:
    return {k: v for k, v in options.items() if v is not None}


def _line(stored, counts: dict[str, int]) -> dict:
    s = stored.survey
    return {
        "account": stored.account_name, "name": s.name, "kind": s.kind, "scale": s.scale, "active": s.active,
        "attributes": ",".join(s.attributes), "reasons": ",".join(s.reasons), "comment": s.comment,
        "delay_minutes": s.delay_minutes, "throttle_days": s.throttle_days, "reminder_days": s.reminder_days,
        "expire_days": s.expire_days, "language": s.language, "created_at": stored.created_at.isoformat(),
        "scheduled": counts.get("scheduled", 0), "sent": counts.get("sent", 0) + counts.get("answered", 0)
        + counts.get("expired", 0), "answered": counts.get("answered", 0), "invitations": counts,
    }


def _show(store: Store, surveys: list, fmt: OutputFormat, title: str, empty: str | None = None) -> None:
    from cxpulse.service.surveys import invitations_by_status

    counts = invitations_by_status(store, surveys)
    lines = [_line(s, counts.get(s.id, {})) for s in surveys]
    print_rows(lines, LIST_COLUMNS, fmt, title=title, empty=empty)


@surveys_app.command("create")
@handle_errors
def create(
    name: NameArg,
    account: AccountRequired,
    kind: Annotated[str, typer.Option("--kind", help="csat, ces, nps, csi, or employee (an anonymous survey of the account's agents).")],
    scale: Scale = None,
    attributes: Attributes = None,
    reasons: Reasons = None,
    comment: Comment = None,
    delay_minutes: Delay = None,
    throttle_days: Throttle = None,
    reminder_days: Reminder = None,
    expire_days: Expire = None,
    language: Language = None,
    every: Annotated[str | None, typer.Option("--every", help="employee only: monthly or quarterly (default quarterly).")] = None,
    questions: Annotated[str | None, typer.Option("--questions", help="employee only: the 1-5 process questions, comma-separated keys (default tools,knowledge_base,workload,training,handoffs).")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Define a survey; tickets solved from now on are asked (run `send-due` from cron).

    --kind employee asks the account's agents, anonymously, once a month or quarter: eNPS,
    the process questions and "What would you change first?" (docs/surveys.md).

    Example: cxpulse surveys create csat --account acme --kind csat --reasons slow,not_solved,other
    """
    from cxpulse.service.surveys import create_survey
    from cxpulse.surveys.definitions import DEFAULT_REASONS, Survey

    if kind == "employee":
        _create_employee(name, account, every, questions, language, expire_days, fmt, db,
                         ticket_options=dict(scale=scale, attributes=attributes, reasons=reasons, comment=comment,
                                             delay_minutes=delay_minutes, throttle_days=throttle_days,
                                             reminder_days=reminder_days))
        return
    if every is not None or questions is not None:
        raise typer.BadParameter("--every and --questions are for --kind employee only", param_hint="--every/--questions")

    fields = _changes(scale=scale, attributes=_keys(attributes), comment=comment, delay_minutes=delay_minutes,
                      throttle_days=throttle_days, reminder_days=reminder_days, expire_days=expire_days,
                      language=language)
    fields["reasons"] = _keys(reasons) if reasons is not None else DEFAULT_REASONS.get(kind, ())
    store = Store.open(db)
    stored = create_survey(store, account, Survey(name=name, kind=kind, **fields))
    _show(store, [stored], fmt, f"survey {stored.name} created in {stored.account_name}")


EMPLOYEE_COLUMNS = ["account", "name", "kind", "every", "questions", "language", "expire_days", "active"]


def _employee_line(stored) -> dict:
    s = stored.survey
    return {"account": stored.account_name, "name": s.name, "kind": s.kind, "every": s.every,
            "questions": ",".join(s.questions), "language": s.language, "expire_days": s.expire_days,
            "active": s.active, "created_at": stored.created_at.isoformat()}


def _create_employee(name: str, account: str, every: str | None, questions: str | None, language: str | None,
                     expire_days: int | None, fmt: OutputFormat, db: str, ticket_options: dict) -> None:
    from cxpulse.service.employee import create_employee_survey
    from cxpulse.surveys.employee import EmployeeSurvey

    given = sorted(k for k, v in ticket_options.items() if v is not None)
    if given:
        flag = "--" + given[0].replace("_", "-")
        raise typer.BadParameter(f"{flag} is for surveys after a ticket; an employee survey takes --every, "
                                 "--questions, --language and --expire-days", param_hint=flag)
    fields = _changes(every=every, questions=_keys(questions), language=language, expire_days=expire_days)
    stored = create_employee_survey(Store.open(db), account, EmployeeSurvey(name=name, **fields))
    print_rows([_employee_line(stored)], EMPLOYEE_COLUMNS, fmt,
               title=f"employee survey {stored.survey.name} created in {stored.account_name}")


@surveys_app.command("update")
@handle_errors
def update(
    name: NameArg,
    account: AccountRequired,
    scale: Scale = None,
    attributes: Attributes = None,
    reasons: Reasons = None,
    comment: Comment = None,
    delay_minutes: Delay = None,
    throttle_days: Throttle = None,
    reminder_days: Reminder = None,
    expire_days: Expire = None,
    language: Language = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="An inactive survey schedules and sends nothing.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Change a survey; only the options given change.

    Example: cxpulse surveys update csat --account acme --reminder-days 3 --throttle-days 60
    """
    from cxpulse.service.surveys import update_survey

    changes = _changes(scale=scale, attributes=_keys(attributes), reasons=_keys(reasons), comment=comment,
                       delay_minutes=delay_minutes, throttle_days=throttle_days, expire_days=expire_days,
                       language=language, active=active)
    if reminder_days is not None:
        changes["reminder_days"] = reminder_days or None
    from cxpulse.domain import NotFound

    store = Store.open(db)
    try:
        stored = update_survey(store, account, name, **changes)
    except NotFound as customer_survey_missing:
        from cxpulse.service.employee import get_employee_survey, update_employee_survey

        try:
            get_employee_survey(store, account, name)
        except NotFound:
            raise customer_survey_missing from None
        internal = update_employee_survey(store, account, name, **changes)
        print_rows([_employee_line(internal)], EMPLOYEE_COLUMNS, fmt,
                   title=f"employee survey {name} of {account}")
        return
    _show(store, [stored], fmt, f"survey {stored.name} of {stored.account_name}")


@surveys_app.command("list")
@handle_errors
def list_cmd(account: AccountFilter = None, fmt: FormatOption = OutputFormat.table, db: DbOption = DB_DEFAULT) -> None:
    """List the surveys with their settings and how many invitations were sent and answered;
    employee surveys with their latest round (how many agents were asked and answered).

    Example: cxpulse surveys list --account acme
    """
    from cxpulse.service.surveys import list_surveys

    from cxpulse.service.employee import employee_rounds, employee_surveys

    store = Store.open(db)
    surveys = list_surveys(store, account)
    internal = employee_surveys(store, account)
    rounds = employee_rounds(store, internal)
    staff = [{**_employee_line(s), **rounds.get(s.id, {})} for s in internal]
    if fmt == OutputFormat.json:  # one array: the employee surveys after the customer ones, with their own keys
        from cxpulse.service.surveys import invitations_by_status

        counts = invitations_by_status(store, surveys)
        print_rows([_line(s, counts.get(s.id, {})) for s in surveys] + staff, LIST_COLUMNS, fmt, title="surveys")
        return
    if surveys or not staff:
        _show(store, surveys, fmt, "surveys",
              empty="no surveys yet; define one with `cxpulse surveys create NAME --account A --kind csat`")
    if staff:
        print_rows(staff, EMPLOYEE_COLUMNS + ["round", "sent", "answered"], fmt, title="employee surveys")


@surveys_app.command("show")
@handle_errors
def show(name: NameArg, account: AccountRequired, fmt: FormatOption = OutputFormat.table,
         db: DbOption = DB_DEFAULT) -> None:
    """One survey: its definition and its invitations per status.

    Example: cxpulse surveys show csat --account acme --format json
    """
    from cxpulse.service.surveys import get_survey, invitations_by_status

    from cxpulse.domain import NotFound

    store = Store.open(db)
    try:
        stored = get_survey(store, account, name)
    except NotFound as customer_survey_missing:
        from cxpulse.service.employee import employee_rounds, get_employee_survey

        try:
            internal = get_employee_survey(store, account, name)
        except NotFound:
            raise customer_survey_missing from None
        line = {**_employee_line(internal), **employee_rounds(store, [internal]).get(internal.id, {})}
        print_record(line, fmt, title=f"employee survey {name} of {account}")
        return
    line = _line(stored, invitations_by_status(store, [stored]).get(stored.id, {}))
    flat = {k: v for k, v in line.items() if k != "invitations"}
    flat.update((f"invitations {k}", v) for k, v in sorted(line["invitations"].items()))
    print_record(flat, fmt, title=f"survey {name} of {account}", json=line)


@surveys_app.command("send-due")
@handle_errors
def send_due(
    account: AccountFilter = None,
    now: Annotated[str | None, typer.Option("--now", help="Act as if it were this time (ISO 8601; default: now).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Send at most this many invitations in this run.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Also ask about tickets solved from this time on (ISO 8601), not only those solved after the survey was defined.")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """Schedule invitations for newly solved tickets and send the due ones and reminders by SMTP.

    Employee surveys: the first run in each month or quarter mails every agent with an
    email one anonymous link. Safe from cron every minute: two runs at once never mail an invitation twice. SMTP
    settings come from CXPULSE_SMTP_HOST, _PORT, _SECURITY (none|starttls|ssl), _USER,
    _PASSWORD, _FROM; links point at CXPULSE_BASE_URL, else at the address the last `cxpulse serve`
    on this database served on (it records it), else at http://127.0.0.1:8000 with a warning.

    Example: * * * * * cxpulse surveys send-due --db /var/lib/cxpulse/cxpulse.db
    """
    from cxpulse.service.mailer import SmtpMailer
    from cxpulse.service.settings import SmtpSettings
    from cxpulse.service.surveys import send_due as run

    from cxpulse.service.employee import send_employee_due

    store = Store.open(db)
    mailer = SmtpMailer(SmtpSettings.from_env())
    when = parse_time(now, "--now")
    summary = run(store, mailer, account=account, now=when, limit=limit, since=parse_time(since, "--since"))
    employee = send_employee_due(store, mailer, account=account, now=when)  # the agents' survey, once a round
    print_record({**summary.as_dict(), **employee.as_dict()}, fmt, title="surveys send-due")
    if summary.sent or summary.reminded or employee.sent:
        _warn_default_base_url(store)


@surveys_app.command("comments")
@handle_errors
def comments(
    account: AccountFilter = None,
    by: Annotated[str | None, typer.Option("--by", help="group, tenure, month or quarter (one or two); default: the whole account.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Rounds from this local day on (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Rounds up to this local day (YYYY-MM-DD).")] = None,
    fmt: FormatOption = OutputFormat.table,
    db: DbOption = DB_DEFAULT,
) -> None:
    """What the agents would change first (employee surveys): themes and, for groups of 5 answers or more, the comments.

    A group with fewer than 5 answers, or one that would let such a group be worked out,
    shows neither comments nor themes, only "fewer than 5 answers" (docs/surveys.md).

    Example: cxpulse surveys comments --account acme --by group
    """
    from cxpulse.durations import parse_day
    from cxpulse.service.employee_report import employee_comments
    from cxpulse.service.report import parse_by

    cells = employee_comments(Store.open(db), account=account, by=parse_by(by), since=parse_day(since, "--since"),
                              until=parse_day(until, "--until"))
    lines = [{"group": ", ".join(f"{k}={v}" for k, v in c["group"].items()) or "all", "n": c["n"],
              "note": c.get("note", ""), "themes": ", ".join(t["term"] for t in c["themes"]),
              "comments": " | ".join(c["comments"])} for c in cells]
    if fmt == OutputFormat.json:
        typer.echo(json.dumps(cells, ensure_ascii=False, indent=2))
        return
    print_rows(lines, ["group", "n", "note", "themes", "comments"], fmt, title="employee comments",
               empty="no employee answers yet; define a survey with `cxpulse surveys create NAME --account A --kind employee`")


@surveys_app.command("link")
@handle_errors
def link(
    account: AccountRequired,
    survey: Annotated[str, typer.Option("--survey", "-s", help="The survey's name.")],
    agent: Annotated[str, typer.Option("--agent", help="An agent's id: ratings through this link count for them.")] = "",
    ticket: Annotated[str, typer.Option("--ticket", help="One ticket's own link: its page names the ticket's subject.")] = "",
    db: DbOption = DB_DEFAULT,
) -> None:
    """Print the link for email signatures and chat; add ?ticket=ID (&customer=ID) to rate one ticket.

    A ?ticket= added to the link is a hint shown as typed; only a link made with --ticket
    shows that ticket's subject.

    The link starts with CXPULSE_BASE_URL, else the address the last `cxpulse serve` on this
    database served on (it records it), else http://127.0.0.1:8000 with a warning on stderr.

    Example: cxpulse surveys link --account acme --survey csat --agent a1
    """
    from cxpulse.service.surveys import link_url

    store = Store.open(db)
    typer.echo(link_url(store, account, survey, agent, ticket))
    _warn_default_base_url(store)


def _warn_default_base_url(store: Store) -> None:
    """On stderr: links were built on the default address, and how to set the real one."""
    from cxpulse.cli.errors import err
    from cxpulse.service.settings import resolve_base_url

    note = resolve_base_url(store).note
    if note:
        err.print(f"warning: {note}", soft_wrap=True)
