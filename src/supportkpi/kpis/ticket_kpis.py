"""The ticket KPIs, declared as data over the per-ticket and per-reply metrics tables.

Each entry names the column it aggregates (``tickets.py`` / ``replies.py`` define the
columns; ``docs/kpis.md`` states every rule in prose). Every speed figure names its
quality counterpart in ``counter_metric``, so no face shows one without the other.
"""

from __future__ import annotations

from supportkpi.kpis.definition import KPI, Direction, Measure, Source, Unit

__all__ = ["BACKLOG_KPIS", "DEFINITIONS", "HANDLING_KPIS", "WRITTEN_CHANNELS"]

WRITTEN_CHANNELS: tuple[str, ...] = ("email", "social", "web", "messaging")
"""Channels where first and next reply times apply (chat and phone have wait time)."""

_UNITS: dict[Measure, Unit] = {
    "count": "count",
    "rate": "ratio",
    "duration": "seconds",
    "sum": "seconds",
    "mean": "count",
}


def _kpi(
    id: str,
    family: str,
    measure: Measure,
    column: str,
    time_column: str,
    direction: Direction,
    name: tuple[str, str],
    description: tuple[str, str],
    *,
    source: Source = "tickets",
    business: bool = False,
    channels: tuple[str, ...] | None = None,
    counter_metric: str | None = None,
    headline: bool = False,
) -> KPI:
    business_column = None
    if business:
        business_column = column.removesuffix("_s") + "_bh_s"
    return KPI(
        id=id,
        family=family,
        source=source,
        measure=measure,
        column=column,
        time_column=time_column,
        unit=_UNITS[measure],
        direction=direction,
        name={"en": name[0], "ru": name[1]},
        description={"en": description[0], "ru": description[1]},
        business_column=business_column,
        channels=channels,
        counter_metric=counter_metric,
        headline=headline,
    )


DEFINITIONS: tuple[KPI, ...] = (
    # --- volume ---------------------------------------------------------------------------
    _kpi(
        "tickets_created",
        "volume",
        "count",
        "*",
        "created_at",
        "neutral",
        ("Tickets created", "Создано тикетов"),
        (
            "All tickets created in the period, customer demand and outbound; merged "
            "duplicates count once.",
            "Все тикеты, созданные за период: обращения клиентов и исходящие; "
            "объединённые дубликаты считаются один раз.",
        ),
    ),
    _kpi(
        "customer_demand",
        "volume",
        "count",
        "is_demand",
        "created_at",
        "neutral",
        ("Customer demand", "Обращения клиентов"),
        (
            "Tickets opened by customers (not by agents), merged duplicates counted once. "
            "A sharp drop means a broken channel rather than happy customers.",
            "Тикеты, созданные клиентами (не сотрудниками), дубликаты считаются один раз. "
            "Резкое падение скорее означает сломанный канал, чем довольных клиентов.",
        ),
        headline=True,
    ),
    _kpi(
        "outbound_tickets",
        "volume",
        "count",
        "is_outbound",
        "created_at",
        "neutral",
        ("Outbound tickets", "Исходящие тикеты"),
        (
            "Tickets opened by agents; counted apart from customer demand.",
            "Тикеты, созданные сотрудниками; считаются отдельно от обращений клиентов.",
        ),
    ),
    # --- first and next reply ------------------------------------------------------------
    _kpi(
        "first_response",
        "response",
        "duration",
        "first_response_s",
        "first_reply_at",
        "lower_is_better",
        ("First response time", "Время первого ответа"),
        (
            "From creation (for agent-created tickets: the customer's first message) to the "
            "first public reply by a human agent. Bot replies and internal notes do not "
            "count; a reply asking for more information does.",
            "От создания (для тикетов, созданных сотрудником, — от первого сообщения "
            "клиента) до первого публичного ответа сотрудника. Ответы ботов и внутренние "
            "заметки не считаются; уточняющий вопрос считается ответом.",
        ),
        business=True,
        channels=WRITTEN_CHANNELS,
        counter_metric="fcr_rate",
        headline=True,
    ),
    _kpi(
        "waiting_for_first_response",
        "response",
        "duration",
        "waiting_so_far_s",
        "created_at",
        "lower_is_better",
        ("Still waiting for a first response", "Ожидают первого ответа"),
        (
            "Open tickets with no human reply yet, and how long they have waited so far "
            "(at the evaluation instant). They are not dropped from first response time: "
            "they are reported here.",
            "Открытые тикеты без ответа сотрудника и сколько они уже ждут (на момент "
            "расчёта). Они не выпадают из времени первого ответа, а показываются здесь.",
        ),
        business=True,
        channels=WRITTEN_CHANNELS,
        counter_metric="first_response",
    ),
    _kpi(
        "next_reply",
        "response",
        "duration",
        "next_reply_s",
        "next_reply_at",
        "lower_is_better",
        ("Next reply time", "Время следующего ответа"),
        (
            "From a customer message awaiting an answer (after the first reply) to the next "
            "public agent reply. The clock stops when the ticket is solved: a message "
            "written after the solve starts nothing.",
            "От сообщения клиента, ждущего ответа (после первого ответа), до следующего "
            "публичного ответа сотрудника. Часы останавливаются при решении тикета: "
            "сообщение после решения ожидания не начинает.",
        ),
        source="replies",
        business=True,
        channels=WRITTEN_CHANNELS,
        counter_metric="csat",
    ),
    # --- resolution ----------------------------------------------------------------------
    _kpi(
        "full_resolution",
        "resolution",
        "duration",
        "full_resolution_s",
        "solved_at",
        "lower_is_better",
        ("Full resolution time", "Время полного решения"),
        (
            "From creation to the last solve, for tickets solved or closed at the "
            "evaluation instant. A reopened ticket is resolved at its last solve.",
            "От создания до последнего решения, для тикетов, решённых или закрытых на "
            "момент расчёта. Переоткрытый тикет решён в момент последнего решения.",
        ),
        business=True,
        counter_metric="reopen_rate",
        headline=True,
    ),
    _kpi(
        "first_resolution",
        "resolution",
        "duration",
        "first_resolution_s",
        "first_solved_at",
        "lower_is_better",
        ("First resolution time", "Время первого решения"),
        (
            "From creation to the first solve, whatever happened after.",
            "От создания до первого решения, что бы ни случилось потом.",
        ),
        business=True,
        counter_metric="reopen_rate",
    ),
    _kpi(
        "time_to_resolution_dialogue",
        "resolution",
        "duration",
        "dialogue_resolution_s",
        "solved_at",
        "lower_is_better",
        ("Time to resolution (with dialogue)", "Время решения с диалогом"),
        (
            "Full resolution time of the tickets that needed a dialogue: the customer wrote "
            "again after the first reply and before the first solve.",
            "Время полного решения тикетов, потребовавших диалога: клиент написал снова "
            "после первого ответа и до первого решения.",
        ),
        business=True,
        counter_metric="reopen_rate",
    ),
    _kpi(
        "requester_wait",
        "resolution",
        "duration",
        "requester_wait_s",
        "solved_at",
        "lower_is_better",
        ("Requester wait time", "Время ожидания клиента"),
        (
            "Time a solved ticket spent new, open or on hold: the customer waited on the "
            "team or a third party.",
            "Время, которое решённый тикет провёл в статусах «новый», «открыт» и «на "
            "удержании»: клиент ждал команду или третью сторону.",
        ),
        business=True,
        counter_metric="reopen_rate",
    ),
    _kpi(
        "agent_wait",
        "resolution",
        "duration",
        "agent_wait_s",
        "solved_at",
        "neutral",
        ("Agent wait time", "Время ожидания сотрудника"),
        (
            "Time a solved ticket spent pending: the team waited on the customer.",
            "Время, которое решённый тикет провёл в статусе «ожидает клиента».",
        ),
        business=True,
        counter_metric="reopen_rate",
    ),
    _kpi(
        "on_hold",
        "resolution",
        "duration",
        "on_hold_s",
        "solved_at",
        "lower_is_better",
        ("On-hold time", "Время на удержании"),
        (
            "Time a solved ticket spent on hold, waiting on a third party.",
            "Время, которое решённый тикет провёл на удержании в ожидании третьей стороны.",
        ),
        business=True,
        counter_metric="reopen_rate",
    ),
    # --- quality -------------------------------------------------------------------------
    _kpi(
        "fcr_rate",
        "fcr",
        "rate",
        "fcr",
        "solved_at",
        "higher_is_better",
        ("First contact resolution", "Решение с первого обращения"),
        (
            "Share of solved tickets with at least one reply that were solved with exactly "
            "one public agent reply, never reopened, and not followed by a new ticket from "
            "the same customer on the same type within the repeat window (7 days). Solves "
            "with zero replies are left out: nothing was answered.",
            "Доля решённых тикетов (хотя бы с одним ответом), решённых ровно одним "
            "публичным ответом сотрудника, без переоткрытия и без нового тикета того же "
            "клиента того же типа в окне повторного обращения (7 дней). Решения без "
            "ответов не учитываются: ответа не было.",
        ),
        counter_metric="first_response",
        headline=True,
    ),
    _kpi(
        "one_touch_share",
        "fcr",
        "rate",
        "one_touch",
        "solved_at",
        "higher_is_better",
        ("One-touch tickets", "Решённые одним ответом"),
        (
            "Share of solved tickets (with at least one reply) solved with one public agent reply.",
            "Доля решённых тикетов (хотя бы с одним ответом), решённых одним публичным "
            "ответом сотрудника.",
        ),
        counter_metric="reopen_rate",
    ),
    _kpi(
        "two_touch_share",
        "fcr",
        "rate",
        "two_touch",
        "solved_at",
        "neutral",
        ("Two-touch tickets", "Решённые двумя ответами"),
        (
            "Share of solved tickets (with at least one reply) solved with two public "
            "agent replies.",
            "Доля решённых тикетов (хотя бы с одним ответом), решённых двумя публичными "
            "ответами сотрудника.",
        ),
    ),
    _kpi(
        "multi_touch_share",
        "fcr",
        "rate",
        "multi_touch",
        "solved_at",
        "lower_is_better",
        ("Multi-touch tickets", "Решённые тремя и более ответами"),
        (
            "Share of solved tickets (with at least one reply) that took three or more "
            "public agent replies.",
            "Доля решённых тикетов (хотя бы с одним ответом), потребовавших трёх и более "
            "публичных ответов сотрудника.",
        ),
    ),
    _kpi(
        "escalation_rate",
        "escalation",
        "rate",
        "escalated",
        "created_at",
        "lower_is_better",
        ("Escalation rate", "Доля эскалаций"),
        (
            "Share of tickets escalated to a higher tier, a manager or senior staff (an "
            "escalation event). Not an SLA breach, and not a same-tier handoff.",
            "Доля тикетов, эскалированных на следующую линию, руководителю или старшему "
            "специалисту. Это не нарушение SLA и не передача на той же линии.",
        ),
        headline=True,
    ),
    _kpi(
        "reassignment_rate",
        "escalation",
        "rate",
        "reassigned",
        "created_at",
        "lower_is_better",
        ("Reassignment rate", "Доля переназначений"),
        (
            "Share of tickets handed to another team at the same tier after their first "
            "assignment (an escalation at the same instant is not a reassignment).",
            "Доля тикетов, переданных другой группе той же линии после первого назначения "
            "(передача одновременно с эскалацией — это эскалация).",
        ),
    ),
    _kpi(
        "reopen_rate",
        "reopen",
        "rate",
        "reopened",
        "first_solved_at",
        "lower_is_better",
        ("Reopen rate", "Доля переоткрытий"),
        (
            "Share of solved tickets reopened within the reopen window (14 days) after a "
            "solve: a customer public message after the solve, or the status going back "
            "from solved (both signals of one return count once).",
            "Доля решённых тикетов, переоткрытых в окне переоткрытия (14 дней) после "
            "решения: публичное сообщение клиента после решения или возврат статуса из "
            "«решён» (оба признака одного возврата считаются один раз).",
        ),
        counter_metric="full_resolution",
        headline=True,
    ),
    _kpi(
        "reopens_per_ticket",
        "reopen",
        "mean",
        "reopens_if_solved",
        "first_solved_at",
        "lower_is_better",
        ("Reopens per solved ticket", "Переоткрытий на решённый тикет"),
        (
            "Mean number of reopens (at any time) per ticket solved at least once.",
            "Среднее число переоткрытий (за всё время) на тикет, решённый хотя бы раз.",
        ),
        counter_metric="full_resolution",
    ),
    _kpi(
        "disguised_reopen_rate",
        "reopen",
        "rate",
        "disguised_reopen",
        "last_solved_at",
        "lower_is_better",
        ("Disguised reopen rate", "Доля скрытых переоткрытий"),
        (
            "Share of solved tickets followed, within the reopen window after their last "
            "solve, by a new ticket from the same customer on the same type.",
            "Доля решённых тикетов, за которыми в окне переоткрытия после последнего "
            "решения последовал новый тикет того же клиента того же типа.",
        ),
        counter_metric="full_resolution",
    ),
    # --- handling ------------------------------------------------------------------------
    _kpi(
        "handling_per_ticket",
        "handling",
        "duration",
        "work_seconds",
        "solved_at",
        "lower_is_better",
        ("Handling time per ticket", "Время обработки тикета"),
        (
            "Logged work time per solved ticket. Unavailable when the source logs no work "
            "time: never estimated.",
            "Учтённое рабочее время на решённый тикет. Недоступно, если источник не "
            "учитывает рабочее время: никогда не оценивается.",
        ),
        counter_metric="fcr_rate",
    ),
    _kpi(
        "handling_per_reply",
        "handling",
        "duration",
        "work_per_reply_s",
        "solved_at",
        "lower_is_better",
        ("Handling time per reply", "Время обработки на ответ"),
        (
            "Logged work time of a solved ticket divided by its public agent replies. "
            "Unavailable when the source logs no work time.",
            "Учтённое рабочее время решённого тикета, делённое на число публичных ответов "
            "сотрудника. Недоступно, если источник не учитывает рабочее время.",
        ),
        counter_metric="fcr_rate",
    ),
    # --- satisfaction --------------------------------------------------------------------
    _kpi(
        "csat",
        "satisfaction",
        "rate",
        "csat_good",
        "rated_at",
        "higher_is_better",
        ("Customer satisfaction (CSAT)", "Удовлетворённость клиентов (CSAT)"),
        (
            "Share of good ratings among rated tickets (the last rating of each ticket).",
            "Доля хороших оценок среди оценённых тикетов (последняя оценка тикета).",
        ),
        headline=True,
    ),
    # --- backlog -------------------------------------------------------------------------
    _kpi(
        "backlog",
        "backlog",
        "count",
        "open_tickets",
        "period_start",
        "lower_is_better",
        ("Backlog", "Очередь открытых тикетов"),
        (
            "Tickets open (not solved or closed; pending and on-hold included) at the end "
            "of each period, or at the evaluation instant for the current period.",
            "Тикеты, открытые (не решённые и не закрытые; включая ожидающие и на "
            "удержании) на конец каждого периода или на момент расчёта для текущего.",
        ),
        headline=True,
    ),
    _kpi(
        "backlog_age",
        "backlog",
        "duration",
        "age_s",
        "period_start",
        "lower_is_better",
        ("Backlog age", "Возраст открытых тикетов"),
        (
            "Age (time since creation) of the tickets open at the end of each period.",
            "Возраст (время с момента создания) тикетов, открытых на конец периода.",
        ),
    ),
)

HANDLING_KPIS: frozenset[str] = frozenset({"handling_per_ticket", "handling_per_reply"})
"""KPIs that need logged work time: unavailable when the source has none."""

BACKLOG_KPIS: frozenset[str] = frozenset({"backlog", "backlog_age"})
"""KPIs computed from the status timeline at period ends, not from the metrics table."""
