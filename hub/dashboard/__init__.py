"""The supervisor's dashboard (DESIGN §7): a web page the hub serves behind a login of its users
(SUPERVISOR, HUB_ADMIN, HUB_OPERATOR), with exports of indicators and assessments.

The session is the hub's ordinary session token, kept in an HttpOnly, SameSite=Strict cookie
scoped to ``/dashboard``; logging out ends every session of the user (``Accounts.end_sessions``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from federation.accounts import ANONYMOUS, Actor, LoginPolicy, require
from federation.errors import Forbidden, SmenetError, Unauthenticated
from federation.forms import FormTooLarge, read_form
from federation.http import too_many_requests
from federation.ratelimit import RateLimiter, client_address
from hub.config import HubSettings
from hub.dashboard import data, export
from hub.dashboard.page import STATIC, dashboard_page, login_page, message_page
from hub.domain import audit
from hub.domain.access import DASHBOARD_READERS
from hub.domain.calendar import local_today
from hub.domain.network import Network
from hub.domain.trust import HubTrust
from hub.domain.users import ACCOUNTS

__all__ = ["COOKIE", "STATIC_DIR", "routes"]

STATIC_DIR = Path(__file__).with_name("static")
COOKIE = "smenet_dashboard"
PATH = "/dashboard"
LOGIN = f"{PATH}/login"
MAX_FORM_BYTES = 4096
MAX_FORM_FIELDS = 4
EXPORTS = {"indicators": "指标", "assessments": "考核结果"}


def _redirect(to: str) -> RedirectResponse:
    return RedirectResponse(to, status_code=303, headers={"Cache-Control": "no-store"})


async def _caller(request: Request, settings: HubSettings) -> Actor:
    """The user the session cookie names; anonymous without one, or when it is no longer valid."""
    try:
        return await ACCOUNTS.authenticate(request.cookies.get(COOKIE), settings.secret)
    except Unauthenticated:
        return ANONYMOUS


def _same_origin(request: Request) -> bool:
    """A form posted from another site is refused, also where the browser sends no cookie."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


class Dashboard:
    """The dashboard's endpoints, over the hub's network, trust and settings; ``logins`` is the
    hub's rate limit of logins per client address, the GraphQL login's too."""

    def __init__(
        self, settings: HubSettings, network: Network, trust: HubTrust, logins: RateLimiter
    ) -> None:
        self.settings, self.network, self.trust = settings, network, trust
        self.logins = logins

    async def _reader(self, request: Request) -> Actor | Response:
        """The caller when they may see the dashboard; else the login page or FORBIDDEN."""
        actor = await _caller(request, self.settings)
        try:
            require(actor, DASHBOARD_READERS, "see the supervisor's dashboard")
        except Unauthenticated:
            return _redirect(LOGIN)
        except Forbidden as error:
            return message_page("FORBIDDEN", error.message, 403)
        return actor

    async def page(self, request: Request) -> Response:
        actor = await self._reader(request)
        if isinstance(actor, Response):
            return actor
        board = await data.dashboard(self.network, self.trust, actor)
        return dashboard_page(board, actor)

    async def login(self, request: Request) -> Response:
        if request.method == "GET":
            actor = await _caller(request, self.settings)
            return _redirect(PATH) if actor.authenticated else login_page()
        if not _same_origin(request):
            return message_page("FORBIDDEN", "a login must come from this hub's own page", 403)
        address = client_address(request)
        if wait := self.logins.take(address):
            return too_many_requests(wait, "too many logins from this address: try again later")
        try:
            form = await read_form(request, MAX_FORM_BYTES, MAX_FORM_FIELDS)
        except (FormTooLarge, ValueError):
            return login_page("表单过大", status=413)
        username, password = form.get("username", "").strip(), form.get("password", "")
        try:
            policy = LoginPolicy.of(self.settings)
            token, user = await ACCOUNTS.login(username, password, policy, address)
        except SmenetError as error:
            await audit.record(ANONYMOUS, "dashboardLogin", username, error.code)
            message = "用户名或密码错误" if error.code == "INVALID_CREDENTIALS" else error.message
            return login_page(f"{message}（{error.code}）", username, 401)
        await audit.record(Actor(user.username, user.id), "dashboardLogin", username, "OK")
        response = _redirect(PATH)
        response.set_cookie(
            COOKIE,
            token,
            max_age=self.settings.token_ttl_minutes * 60,
            path=PATH,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
        return response

    async def logout(self, request: Request) -> Response:
        if not _same_origin(request):
            return message_page("FORBIDDEN", "a logout must come from this hub's own page", 403)
        actor = await _caller(request, self.settings)
        if actor.user_id is not None:
            await ACCOUNTS.end_sessions(actor)
            await audit.record(actor, "dashboardLogout", actor.username, "OK")
        response = _redirect(LOGIN)
        response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict")
        return response

    async def export(self, request: Request) -> Response:
        actor = await self._reader(request)
        if isinstance(actor, Response):
            return actor
        what, fmt = request.path_params["what"], request.path_params["fmt"]
        if what not in EXPORTS or fmt not in export.FORMATS:
            return message_page("NOT_FOUND", f"no export {what}.{fmt}", 404)
        if what == "indicators":
            months = data.last_months(local_today())
            found = await data.indicators(self.network, self.trust, actor, months)
            table = export.indicator_table(found)
        else:
            table = await data.assessments(actor)
        body = export.to_csv(table) if fmt == "csv" else export.to_xlsx(table, EXPORTS[what])
        name = f"{what}-{local_today().isoformat()}.{fmt}"
        headers = {
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        }
        return Response(body, media_type=export.FORMATS[fmt], headers=headers)


def routes(
    settings: HubSettings, network: Network, trust: HubTrust, logins: RateLimiter
) -> list[BaseRoute]:
    """The dashboard's routes and its static assets (Chart.js among them), for the hub's app."""
    board = Dashboard(settings, network, trust, logins)
    return [
        Route(PATH, board.page),
        Route(LOGIN, board.login, methods=["GET", "POST"]),
        Route(f"{PATH}/logout", board.logout, methods=["POST"]),
        Route(PATH + "/export/{what}.{fmt}", board.export),
        Mount(STATIC, StaticFiles(directory=STATIC_DIR), name="dashboard"),
    ]
