"""A page of the shared deployment over HTTP: the bench's Dash client with a browser's cookie jar,
the CSRF header Dash's renderer sends (``X-CSRFToken``, copied from the ``_csrf_token`` cookie), and
the sign-in form. Forged requests go through :meth:`SharedPage.post_callback`."""

from __future__ import annotations

import http.client
import re
from urllib.parse import urlencode

import orjson

from bench.dash_client import DashClient, DashRequestError, keep_cookies

CSRF_COOKIE = "_csrf_token"
CALLBACK_PATH = "/_dash-update-component"


class SharedPage(DashClient):
    """One browser tab: cookies kept across requests, the CSRF header on every POST."""

    def __init__(self, base_url: str, timeout_s: float = 60.0) -> None:
        super().__init__(base_url, timeout_s=timeout_s)
        self.cookies: dict[str, str] = {}
        self.set_cookie_headers: list[str] = []
        self.csrf_header: str | None = None  # None: the cookie's value, as the renderer sends it
        self.last_headers: dict[str, str] = {}

    def send(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json",
             extra_headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        try:
            headers = {"Content-Type": content_type} if body is not None else {}
            headers["Accept"] = "text/html,*/*" if method == "GET" else "application/json"
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
            if method != "GET":
                token = self.cookies.get(CSRF_COOKIE) if self.csrf_header is None else self.csrf_header
                if token:
                    headers["X-CSRFToken"] = token
            headers.update(extra_headers or {})
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            self.last_headers = {name.lower(): value for name, value in response.getheaders()}
            headers = response.msg.get_all("Set-Cookie") or []
            self.set_cookie_headers.extend(headers)
            keep_cookies(self.cookies, headers)
            return response.status, data
        except (OSError, http.client.HTTPException) as error:
            raise DashRequestError(f"{method} {path}: {type(error).__name__}: {error}") from error
        finally:
            connection.close()

    def _request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        return self.send(method, path, body)

    def sign_in(self, username: str, password: str, next_path: str = "/") -> tuple[int, str]:
        """Open the sign-in page and submit its form; (status, Location or page text)."""
        status, page = self.send("GET", f"/sign-in?next={next_path}")
        assert status == 200, page[:300]
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        form = urlencode({"csrf_token": token, "username": username, "password": password, "next": next_path})
        status, page = self.send("POST", "/sign-in", form.encode(), "application/x-www-form-urlencoded")
        return status, self.last_headers.get("location") or page.decode("utf-8", "replace")

    def sign_out(self) -> int:
        form = urlencode({"csrf_token": self.cookies.get(CSRF_COOKIE, "")})
        return self.send("POST", "/sign-out", form.encode(), "application/x-www-form-urlencoded")[0]

    def known_callbacks(self) -> list:
        """The page's server callbacks, as ``/_dash-dependencies`` declares them."""
        if not self.callbacks:
            self.fetch_app()
        return self.callbacks

    def callback_body(self, input_key: str, values: dict[str, object]) -> bytes:
        """The request the page would send for the callback triggered by ``input_key``, with ``values``
        for the props it names (the page's own state for the rest)."""
        if not self.callbacks:
            self.fetch_app()
        [callback] = [c for c in self.callbacks if input_key in c.input_keys()]

        def value(component_id: str, prop: str) -> object:
            return values.get(f"{component_id}.{prop}", self.get(component_id, prop))

        outputs = [{"id": i, "property": p} for i, p in callback.outputs]
        return orjson.dumps({
            "output": callback.output, "outputs": outputs if callback.multi else outputs[0],
            "inputs": [{"id": i, "property": p, "value": value(i, p)} for i, p in callback.inputs],
            "state": [{"id": i, "property": p, "value": value(i, p)} for i, p in callback.state],
            "changedPropIds": [input_key],
        })

    def post_callback(self, input_key: str, values: dict[str, object]) -> tuple[int, dict]:
        status, data = self.send("POST", CALLBACK_PATH, self.callback_body(input_key, values))
        try:
            return status, orjson.loads(data) if data else {}
        except orjson.JSONDecodeError:
            return status, {"text": data.decode("utf-8", "replace")}
