"""The web dashboard and the JSON API, over the same engine as the CLI and the report.

``create_app(store, config=..., lang=..., as_of=...)`` returns a FastAPI application that
reads the store read-only. Pages: ``/`` (the dashboard: the report's sections with filters,
every figure a link to its tickets), ``/tickets`` (the tickets behind a figure), ``/docs``
(the API documentation, served from files shipped in a Python package: no CDN). API under
``/api/``: ``meta``, ``kpis``, ``tickets``, ``contacts``, ``summary``, and the page's
sections ``sla``, ``workflow``, ``signals``, ``targets`` (read off the same section objects
the page renders, see :mod:`supportkpi.web.sections`). One handler renders a
:class:`~supportkpi.errors.UserError` as JSON (``/api/...``) or as an HTML page, status 400.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import pandas as pd
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from supportkpi.errors import UserError
from supportkpi.kpis._time import as_instant, now_utc
from supportkpi.kpis.compute import check_dimensions, inputs_of, period_bounds
from supportkpi.kpis.registry import DIMENSIONS, REGISTRY
from supportkpi.model import TICKETS, check_channel, check_value
from supportkpi.report.content import (
    FILTER_DIMS,
    Filters,
    ReportContent,
    _Engine,
    build_content,
    headline_stat,
)
from supportkpi.report.engine import MetricsCache
from supportkpi.report.formatting import Formatter
from supportkpi.report.html import environment, page_context
from supportkpi.report.i18n import LANGUAGES, check_language, kpi_name, tr
from supportkpi.report.signals import SignalsSection
from supportkpi.report.sla import SlaSection
from supportkpi.report.targets import TargetsSection
from supportkpi.report.workflow import WorkflowSection
from supportkpi.web.contacts import CONTACT_COLUMNS_SHOWN, contact_drillable, contacts_behind
from supportkpi.web.sections import (
    SignalsBody,
    SlaBody,
    TargetsBody,
    WorkflowBody,
    signals_body,
    sla_body,
    targets_body,
    workflow_body,
)
from supportkpi.web.tickets import TICKET_COLUMNS, TicketPage, drillable, tickets_behind

__all__ = ["create_app"]

_TEMPLATES = Path(__file__).parent / "templates"

Since = Annotated[str | None, Query(description="From this date (YYYY-MM-DD), inclusive.")]
Until = Annotated[str | None, Query(description="Up to this date (YYYY-MM-DD), inclusive.")]
Dim = Annotated[str | None, Query(description="Only this value (exact match).")]
_CACHE_SIZE = 16
_NOW_STEP = timedelta(minutes=10)
"""Without a fixed ``as_of``, the dashboard reads the data as of now, in steps of this."""


def _swagger_dir() -> Path | None:
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{name} {value!r} is not a date", fix="write 2026-03-01") from None


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        out.append({str(k): _jsonable(v) for k, v in row.items()})
    return out


def _openapi_30(node: Any) -> Any:
    """OpenAPI 3.1 as 3.0: ``anyOf: [X, {type: null}]`` becomes ``X`` with ``nullable``."""
    if isinstance(node, list):
        return [_openapi_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _openapi_30(value) for key, value in node.items()}
    if out.get("openapi", "").startswith("3.1"):
        out["openapi"] = "3.0.3"
    options = out.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        out.pop("anyOf")
        if len(rest) == 1:
            out.update(rest[0])
        else:
            out["anyOf"] = rest
        out["nullable"] = True
    return out


class _Kept:
    """A section provider whose answers are kept per (filters, instant), so that the page
    and the section endpoints read the same object, whichever asks first."""

    def __init__(self, provider: Callable[..., Any], size: int = 2 * _CACHE_SIZE) -> None:
        self.provider = provider
        self.size = size
        self._lock = threading.RLock()
        self._kept: OrderedDict[tuple[Filters, datetime | None], Any] = OrderedDict()

    def __call__(
        self, source: Any, *, filters: Filters, config: Any = None, as_of: datetime | None = None
    ) -> Any:
        key = (filters, as_of)
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
            found = self.provider(source, filters=filters, config=config, as_of=as_of)
            self._kept[key] = found
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
            return found


class _State:
    """The open store, one lock (a DuckDB connection serves one query at a time) and a
    small cache of built contents by filters."""

    def __init__(self, store: Any, config: Any, lang: str, as_of: datetime | None) -> None:
        from supportkpi.store import Store, open_store

        self.store = store if isinstance(store, Store) else open_store(store, read_only=True)
        self.config = config
        self.lang = lang
        self.as_of = as_instant(as_of) if as_of is not None else None
        self.lock = threading.RLock()
        self.cache: OrderedDict[tuple[Filters, datetime], ReportContent] = OrderedDict()
        self._options: dict[str, list[str]] | None = None
        # Built once per (store, config, as_of) and reused by every filter: the metrics
        # tables, the SLA figures, the per-ticket workflow steps, the signals (one detection
        # run per period, which the proposed targets read too).
        self.metrics = MetricsCache(self.store, config)
        # Each section's answer is kept per filters, for the page and the JSON endpoints.
        signals = SignalsSection()
        self.extras: dict[str, Any] = {
            "sla": _Kept(SlaSection()),
            "workflow": _Kept(WorkflowSection()),
            "targets": _Kept(TargetsSection(signals=signals)),
            "signals": _Kept(signals),
        }

    def instant(self) -> datetime:
        """``as_of``, else now floored to :data:`_NOW_STEP`: what is built for one
        instant (metrics tables, SLA figures, ...) serves every request until the next."""
        if self.as_of is not None:
            return self.as_of
        now = now_utc()
        return now - (now - now.replace(minute=0, second=0, microsecond=0)) % _NOW_STEP

    def content(self, filters: Filters) -> ReportContent:
        with self.lock:
            key = (filters, self.instant())
            found = self.cache.get(key)
            if found is not None:
                self.cache.move_to_end(key)
                return found
            built = build_content(
                self.store,
                filters=filters,
                config=self.config,
                as_of=self.instant(),
                extras=self.extras,
                metrics=self.metrics,
            )
            self.cache[key] = built
            while len(self.cache) > _CACHE_SIZE:
                self.cache.popitem(last=False)
            return built

    def section(self, name: str, filters: Filters) -> tuple[Any, datetime]:
        """The ``name`` section (``sla``, ``workflow``, ``signals``, ``targets``) for
        ``filters`` and the instant it was read at: the very object the page shows for
        these filters (the providers keep their answers), so no figure is computed twice."""
        with self.lock:
            instant = self.instant()
            provider = self.extras[name]
            found = provider(self.store, filters=filters, config=self.config, as_of=instant)
            return found, instant

    def options(self) -> dict[str, list[str]]:
        """The values each filter can take (distinct values in the tickets)."""
        with self.lock:
            if self._options is None:
                tickets = inputs_of(self.store).tickets
                out: dict[str, list[str]] = {}
                for dim in FILTER_DIMS:
                    values = tickets.select(dim).distinct().to_pyarrow().column(0).to_pylist()
                    out[dim] = sorted(str(v) for v in values if v is not None)
                self._options = out
            return self._options


def _filters(
    since: Since = None,
    until: Until = None,
    channel: Dim = None,
    type: Dim = None,
    priority: Dim = None,
    team: Dim = None,
    agent_id: Dim = None,
) -> Filters:
    """The filter query parameters every page and endpoint takes, as :class:`Filters`
    (a FastAPI dependency: declared once, documented once in the API description)."""
    lo, hi = _day(since, "since"), _day(until, "until")
    period_bounds(lo, hi)  # a period that holds no day is a user error
    return Filters(
        since=lo,
        until=hi,
        channel=check_channel(channel) if channel else None,
        type=type or None,
        priority=check_value(TICKETS["priority"], priority) if priority else None,
        team=team or None,
        agent_id=agent_id or None,
    )


FilterParams = Annotated[Filters, Depends(_filters)]
Kind = Literal["tickets", "contacts"]


def _language(request: Request, default: str) -> str:
    return check_language(request.query_params.get("lang") or default)


def create_app(
    store: Any,
    *,
    config: Any | None = None,
    lang: str = "en",
    as_of: datetime | None = None,
    warm: bool = False,
) -> FastAPI:
    """The dashboard and API over ``store`` (a path, URL or open Store), read-only.

    ``warm``: start building the unfiltered dashboard (metrics tables, SLA figures,
    workflow steps, proposed targets) right away in a background thread, so that the first
    visitor does not wait for all of it."""
    check_language(lang)
    state = _State(store, config, lang, as_of)
    if warm:
        threading.Thread(target=state.content, args=(Filters(),), daemon=True).start()
    app = FastAPI(
        title="supportkpi",
        description="Support KPIs, the tickets behind them and their definitions.",
        version="1",
        docs_url=None,
        redoc_url=None,
    )
    app.state.supportkpi = state
    env = environment([_TEMPLATES])

    @app.exception_handler(UserError)
    async def _user_error(request: Request, exc: UserError) -> Response:
        body = {"error": exc.what, "where": str(exc.where or "") or None, "fix": exc.fix}
        if request.url.path.startswith("/api/"):
            return JSONResponse(body, status_code=400)
        language = lang
        with contextlib.suppress(UserError):
            language = _language(request, lang)
        page = env.get_template("error.html").render(
            lang=language, t=lambda key, **kw: tr(language, key, **kw), error=body
        )
        return HTMLResponse(page, status_code=400)

    def _drill(filters: Filters, language: str) -> Callable[..., str | None]:
        def drill(
            kpi: str, channel: str | None = None, dim: str | None = None, key: str = ""
        ) -> str | None:
            if drillable(kpi):
                page = "/tickets"
            elif contact_drillable(kpi) and not (filters.type or filters.priority):
                page = "/contacts"
            else:
                return None
            params = filters.params()
            if channel:
                params["channel"] = channel
            if dim and key:
                params[dim] = key
            params["kpi"] = kpi
            params["lang"] = language
            return f"{page}?" + urlencode(params)

        return drill

    def _behind(
        kind: Kind, filters: Filters, kpi: str | None, limit: int, offset: int = 0
    ) -> TicketPage:
        """The tickets or contacts behind a figure, under the one connection lock."""
        find = tickets_behind if kind == "tickets" else contacts_behind
        with state.lock:
            return find(
                state.store,
                filters,
                kpi=kpi,
                config=state.config,
                as_of=state.instant(),
                limit=limit,
                offset=offset,
            )

    def _list_page(
        kind: Kind, request: Request, filters: Filters, kpi: str | None, limit: int
    ) -> HTMLResponse:
        language = _language(request, lang)
        page = _behind(kind, filters, kpi, limit)
        html = env.get_template(f"{kind}.html").render(
            lang=language,
            t=lambda key, **kw: tr(language, key, **kw),
            fmt=Formatter(language),
            kpi=kpi,
            kpi_label=kpi_name(language, kpi) if kpi else None,
            filters=filters,
            page=page,
            rows=page.rows.to_dict(orient="records"),
            back="/?" + urlencode({**filters.params(), "lang": language}),
            is_missing=lambda v: v is None or (not isinstance(v, str) and pd.isna(v)),
        )
        return HTMLResponse(html)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard(request: Request, filters: FilterParams) -> HTMLResponse:
        language = _language(request, lang)
        content = state.content(filters)
        context = page_context(content, language, drill=_drill(filters, language))
        context.update(
            options=state.options(),
            filters=filters,
            filter_dims=FILTER_DIMS,
            languages=LANGUAGES,
            lang_link=lambda other: "/?" + urlencode({**filters.params(), "lang": other}),
            omitted_names=", ".join(kpi_name(language, k) for k in content.omitted),
        )
        return HTMLResponse(env.get_template("dashboard.html").render(**context))

    @app.get("/tickets", response_class=HTMLResponse, include_in_schema=False)
    def tickets_page(
        request: Request,
        filters: FilterParams,
        kpi: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> HTMLResponse:
        return _list_page("tickets", request, filters, kpi, limit)

    @app.get("/contacts", response_class=HTMLResponse, include_in_schema=False)
    def contacts_page(
        request: Request,
        filters: FilterParams,
        kpi: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> HTMLResponse:
        return _list_page("contacts", request, filters, kpi, limit)

    @app.get("/api/meta", tags=["meta"])
    def api_meta() -> dict[str, Any]:
        """The KPI registry (names and descriptions in every language), the dimensions each
        KPI can be broken down by, the values each filter can take, and the data range."""
        content_range = inputs_of(state.store).tickets
        with state.lock:
            row = (
                content_range.aggregate(
                    lo=content_range.created_at.min(), hi=content_range.created_at.max()
                )
                .to_pyarrow()
                .to_pylist()[0]
            )
        return {
            "languages": list(LANGUAGES),
            "as_of": state.instant().isoformat(),
            "data": {"from": _jsonable(row["lo"]), "to": _jsonable(row["hi"])},
            "filters": state.options(),
            "kpis": [
                {
                    "id": k.id,
                    "family": k.family,
                    "source": k.source,
                    "measure": k.measure,
                    "unit": k.unit,
                    "direction": k.direction,
                    "name": k.name,
                    "description": k.description,
                    "channels": list(k.channels) if k.channels else None,
                    "counter_metric": k.counter_metric,
                    "headline": k.headline,
                    "stats": list(k.stats),
                    "dimensions": list(DIMENSIONS[k.source]),
                }
                for k in REGISTRY.values()
            ],
        }

    @app.get("/api/kpis", tags=["kpis"])
    def api_kpis(
        filters: FilterParams,
        kpi: Annotated[list[str] | None, Query(description="KPI ids; default: all.")] = None,
        by: Annotated[str | None, Query(description="Dimensions, e.g. channel,team.")] = None,
        period: Literal["day", "week", "month"] | None = None,
    ) -> dict[str, Any]:
        """KPIs as tidy rows (period_start, dimensions, kpi, basis, stat, value, n, note),
        computed by the engine with the filters applied as exact groups."""
        wanted = [k for part in (kpi or []) for k in part.split(",") if k] or list(REGISTRY)
        for kpi_id in wanted:
            if kpi_id not in REGISTRY:
                raise UserError(f"unknown KPI {kpi_id!r}", fix="see /api/meta for the ids")
        dims = [d for d in (by or "").split(",") if d]
        check_dimensions(dims)
        engine = _Engine(
            state.store, filters, state.config, state.instant(), "calendar", state.metrics
        )
        with state.lock:
            frame = engine.frame(wanted, by=dims, period=period)
        return {
            "filters": filters.params(),
            "omitted": [k for k in wanted if not engine.usable([k], dims)],
            "rows": _records(frame),
        }

    @app.get("/api/summary", tags=["kpis"])
    def api_summary(
        filters: FilterParams,
    ) -> dict[str, Any]:
        """The headline and phone/chat figures the dashboard shows: per KPI and channel the
        median (or value), p90, grades and the counter-metric beside it."""
        content = state.content(filters)

        def fig(f: Any) -> dict[str, Any] | None:
            if f is None:
                return None
            return {"kpi": f.kpi, "stat": f.stat, "value": f.value, "n": f.n, "note": f.note}

        rows = []
        for row in [*content.headline, *content.queues]:
            rows.append(
                {
                    "kpi": row.kpi,
                    "channel": row.channel,
                    "stat": headline_stat(REGISTRY[row.kpi]),
                    "main": fig(row.main),
                    "p90": fig(row.p90),
                    "grade_median": row.grade_main,
                    "grade_p90": row.grade_p90,
                    "counter": fig(row.counter),
                }
            )
        return {
            "filters": filters.params(),
            "as_of": content.as_of.isoformat(),
            "omitted": content.omitted,
            "rows": rows,
        }

    @app.get("/api/tickets", tags=["tickets"])
    def api_tickets(
        filters: FilterParams,
        kpi: Annotated[
            str | None, Query(description="Only the tickets this KPI is computed over.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=10000)] = 200,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """The tickets behind a figure (same filters as /api/kpis), newest first."""
        page = _behind("tickets", filters, kpi, limit, offset)
        return {
            "total": page.total,
            "columns": list(TICKET_COLUMNS),
            "tickets": _records(page.rows),
        }

    @app.get("/api/contacts", tags=["tickets"])
    def api_contacts(
        filters: FilterParams,
        kpi: Annotated[
            str | None, Query(description="Only the contacts this phone or chat KPI is over.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=10000)] = 200,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        """The phone and chat contacts behind a figure (filters: period on arrival,
        channel, team, agent), newest first."""
        page = _behind("contacts", filters, kpi, limit, offset)
        return {
            "total": page.total,
            "columns": list(CONTACT_COLUMNS_SHOWN),
            "contacts": _records(page.rows),
        }

    @app.get("/api/sla", tags=["sections"])
    def api_sla(filters: FilterParams) -> SlaBody:
        """The dashboard's SLA section: compliance per priority and target (clocks that
        started in the period) and the worst breaches, worst first. SLA outcomes carry no
        ticket type: with a type filter both lists are empty and ``unfiltered_by`` says so."""
        view, instant = state.section("sla", filters)
        return sla_body(view, filters, instant)

    @app.get("/api/workflow", tags=["sections"])
    def api_workflow(filters: FilterParams) -> WorkflowBody:
        """The dashboard's workflow adherence section: per team and per agent, tickets,
        mean adherence, the share of steps known and each step's pass rate (null where the
        data shows nothing about a step)."""
        view, instant = state.section("workflow", filters)
        return workflow_body(view, filters, instant)

    @app.get("/api/signals", tags=["sections"])
    def api_signals(
        filters: FilterParams,
        language: Annotated[
            str | None, Query(alias="lang", description="en or ru (titles and summaries).")
        ] = None,
    ) -> SignalsBody:
        """The dashboard's signals section: every signal first raised in the period (only
        the period narrows them), with its title and summary in ``lang`` and evidence."""
        language = check_language(language or lang)
        found, instant = state.section("signals", filters)
        return signals_body(found, filters, instant, language)

    @app.get("/api/targets", tags=["sections"])
    def api_targets(filters: FilterParams) -> TargetsBody:
        """The dashboard's proposed targets section: tighter resolution targets for teams
        that beat theirs week after week, with the weeks they rest on (a team filter and
        the period narrow them; other filters do not apply)."""
        found, instant = state.section("targets", filters)
        return targets_body(found, filters, instant)

    swagger = _swagger_dir()

    @app.get("/openapi-3.0.json", include_in_schema=False)
    def openapi_30() -> dict[str, Any]:
        """The API description in OpenAPI 3.0, which the shipped Swagger UI reads."""
        converted: dict[str, Any] = _openapi_30(app.openapi())
        return converted

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        language = _language(request, lang)
        html = env.get_template("docs.html").render(
            lang=language, t=lambda key, **kw: tr(language, key, **kw), swagger=swagger is not None
        )
        return HTMLResponse(html)

    @app.get("/static/swagger/{name}", include_in_schema=False)
    def swagger_file(name: str) -> Response:
        allowed = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"}
        if swagger is None or name not in allowed:
            return Response(status_code=404)
        return FileResponse(swagger / name)

    return app
