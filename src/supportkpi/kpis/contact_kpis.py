"""The phone and chat KPIs, declared as data over :func:`~supportkpi.kpis.contacts.contact_metrics`.

Each entry names the per-contact column it aggregates (see ``definition.py`` for how each
measure aggregates; a rate's population is the rows where its column is not null). The
rules behind the columns are in ``contacts.py`` and ``docs/kpis.md``.
"""

from __future__ import annotations

from supportkpi.kpis.definition import KPI, Direction, Measure, Unit

__all__ = ["DEFINITIONS"]

_REALTIME: tuple[str, ...] = ("phone", "chat")
_UNITS: dict[Measure, Unit] = {"count": "count", "rate": "ratio", "duration": "seconds"}


def _kpi(
    id: str,
    family: str,
    measure: Measure,
    column: str,
    direction: Direction,
    name_en: str,
    name_ru: str,
    description_en: str,
    description_ru: str,
    *,
    counter_metric: str | None = None,
    headline: bool = False,
) -> KPI:
    unit = _UNITS[measure]
    return KPI(
        id=id,
        family=family,
        source="contacts",
        measure=measure,
        column=column,
        time_column="arrived_at",
        unit=unit,
        direction=direction,
        name={"en": name_en, "ru": name_ru},
        description={"en": description_en, "ru": description_ru},
        channels=_REALTIME,
        counter_metric=counter_metric,
        headline=headline,
    )


DEFINITIONS: tuple[KPI, ...] = (
    # --- volume ---------------------------------------------------------------------------
    _kpi(
        "contacts_offered",
        "volume",
        "count",
        "offered",
        "neutral",
        "Contacts offered",
        "Поступившие обращения",
        "Calls and chats that reached the system, whatever their outcome (including those "
        "resolved by the IVR or a bot).",
        "Звонки и чаты, поступившие в систему, с любым исходом (включая решённые "
        "голосовым меню или ботом).",
        headline=True,
    ),
    _kpi(
        "contacts_answered",
        "volume",
        "count",
        "answered",
        "neutral",
        "Contacts answered",
        "Принятые обращения",
        "Calls and chats an agent answered.",
        "Звонки и чаты, на которые ответил сотрудник.",
    ),
    _kpi(
        "contacts_abandoned",
        "volume",
        "count",
        "abandoned",
        "lower_is_better",
        "Contacts abandoned",
        "Потерянные обращения",
        "Calls and chats the customer left before an agent answered, short abandons included.",
        "Звонки и чаты, которые клиент покинул до ответа сотрудника, включая короткие.",
    ),
    _kpi(
        "callbacks",
        "volume",
        "count",
        "callback",
        "neutral",
        "Callbacks requested",
        "Заказанные обратные звонки",
        "Contacts where the customer asked to be called back; they count as handled.",
        "Обращения, в которых клиент попросил перезвонить; они считаются обработанными.",
    ),
    _kpi(
        "contacts_deflected",
        "volume",
        "count",
        "deflected",
        "neutral",
        "Contacts deflected",
        "Обращения, решённые автоматически",
        "Contacts resolved by the IVR or a bot without reaching the agent queue.",
        "Обращения, решённые голосовым меню или ботом без попадания в очередь к сотрудникам.",
    ),
    # --- abandonment ----------------------------------------------------------------------
    _kpi(
        "abandonment_rate",
        "abandonment",
        "rate",
        "abandoned_headline",
        "lower_is_better",
        "Abandonment rate",
        "Доля потерянных обращений",
        "Abandoned contacts among contacts that sought an agent (all but deflected), short "
        "abandons excluded from both sides.",
        "Доля потерянных обращений среди обращений к сотрудникам (все, кроме решённых "
        "автоматически); короткие сбросы исключены из числителя и знаменателя.",
        counter_metric="wait_time",
        headline=True,
    ),
    _kpi(
        "abandonment_rate_incl_short",
        "abandonment",
        "rate",
        "abandoned_incl_short",
        "lower_is_better",
        "Abandonment rate (incl. short abandons)",
        "Доля потерянных обращений (с короткими сбросами)",
        "Abandoned contacts among contacts that sought an agent, short abandons included.",
        "Доля потерянных обращений среди обращений к сотрудникам, включая короткие сбросы.",
        counter_metric="wait_time",
    ),
    _kpi(
        "short_abandon_rate",
        "abandonment",
        "rate",
        "short_abandon",
        "neutral",
        "Short abandon rate",
        "Доля коротких сбросов",
        "Contacts abandoned within the short-abandon threshold (default 5 s after arrival) "
        "among contacts that sought an agent.",
        "Доля обращений, брошенных в пределах порога короткого сброса (по умолчанию 5 с "
        "после поступления), среди обращений к сотрудникам.",
    ),
    _kpi(
        "abandoned_in_ivr_share",
        "abandonment",
        "rate",
        "abandoned_in_ivr",
        "neutral",
        "Abandoned in the IVR",
        "Потеряно в голосовом меню",
        "Share of abandoned contacts that were abandoned before reaching the agent queue.",
        "Доля потерянных обращений, брошенных до попадания в очередь к сотрудникам.",
    ),
    _kpi(
        "abandoned_in_queue_share",
        "abandonment",
        "rate",
        "abandoned_in_queue",
        "neutral",
        "Abandoned in the queue",
        "Потеряно в очереди",
        "Share of abandoned contacts that were abandoned while waiting in the agent queue.",
        "Доля потерянных обращений, брошенных во время ожидания в очереди.",
    ),
    # --- waiting --------------------------------------------------------------------------
    _kpi(
        "wait_time",
        "wait",
        "duration",
        "wait_s",
        "lower_is_better",
        "Wait time (speed of answer)",
        "Время ожидания ответа",
        "From arrival to an agent's answer, including the time in the IVR or automated "
        "messages; answered contacts only.",
        "От поступления до ответа сотрудника, включая время в голосовом меню и "
        "автоматических сообщениях; только принятые обращения.",
        counter_metric="abandonment_rate",
        headline=True,
    ),
    _kpi(
        "queue_wait_time",
        "wait",
        "duration",
        "queue_wait_s",
        "lower_is_better",
        "Wait in queue",
        "Ожидание в очереди",
        "From entering the agent queue to an agent's answer; answered contacts only.",
        "От попадания в очередь до ответа сотрудника; только принятые обращения.",
        counter_metric="abandonment_rate",
    ),
    _kpi(
        "ivr_time",
        "wait",
        "duration",
        "ivr_s",
        "lower_is_better",
        "Time in the IVR",
        "Время в голосовом меню",
        "From arrival to entering the agent queue, for contacts that reached the queue.",
        "От поступления до попадания в очередь, для обращений, дошедших до очереди.",
    ),
    _kpi(
        "time_to_abandon",
        "wait",
        "duration",
        "time_to_abandon_s",
        "neutral",
        "Time to abandon",
        "Время до сброса",
        "From arrival to the customer leaving, for abandoned contacts (short abandons included).",
        "От поступления до ухода клиента, для потерянных обращений (включая короткие сбросы).",
    ),
    _kpi(
        "service_level",
        "wait",
        "rate",
        "within_service_level",
        "higher_is_better",
        "Service level",
        "Уровень сервиса",
        "Share answered within the service-level threshold (default 20 s in the queue, "
        "inclusive) among answered contacts and contacts abandoned in the queue after it.",
        "Доля обращений, принятых в пределах порога уровня сервиса (по умолчанию 20 с в "
        "очереди включительно), среди принятых и брошенных в очереди позже порога.",
        counter_metric="abandonment_rate",
        headline=True,
    ),
    # --- handling -------------------------------------------------------------------------
    _kpi(
        "aht",
        "handling",
        "duration",
        "handle_s",
        "neutral",
        "Average handling time (AHT)",
        "Среднее время обработки (AHT)",
        "Talk + hold + after-contact work per handled call or chat (a missing part counts "
        "as zero). Read it with first contact resolution: very short handling is suspicious.",
        "Разговор + удержание + постобработка на каждый обработанный звонок или чат "
        "(отсутствующая часть считается нулём). Смотреть вместе с решением с первого "
        "обращения: слишком короткая обработка подозрительна.",
        counter_metric="fcr_rate",
        headline=True,
    ),
    _kpi(
        "talk_time",
        "handling",
        "duration",
        "talk_s",
        "neutral",
        "Talk time",
        "Время разговора",
        "Talk (or chat) time per handled contact.",
        "Время разговора (переписки) на обработанное обращение.",
        counter_metric="fcr_rate",
    ),
    _kpi(
        "hold_time",
        "handling",
        "duration",
        "hold_s",
        "lower_is_better",
        "Hold time",
        "Время удержания",
        "Time the customer was put on hold per handled contact.",
        "Время, которое клиент провёл на удержании, на обработанное обращение.",
    ),
    _kpi(
        "wrap_time",
        "handling",
        "duration",
        "wrap_s",
        "lower_is_better",
        "After-contact work",
        "Постобработка",
        "Wrap-up work after the contact ended, per handled contact.",
        "Работа после завершения обращения, на обработанное обращение.",
    ),
)
