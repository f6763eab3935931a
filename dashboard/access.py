"""Sign-in, sessions, CSRF and roles for the shared deployment (``RUTAS_DATABASE_URL`` set).

With no database (the embedded default) nothing here is installed and the app behaves as before:
no accounts, no sign-in.

- **Sessions**: Flask's session cookie, signed with ``RUTAS_SECRET_KEY`` (which must be set and
  shared by every server), HttpOnly, SameSite=Lax, Secure when ``RUTAS_PUBLIC_URL`` is https, for
  :data:`SESSION_HOURS`. It holds the user's id and the ``session_version`` it was made at: a
  removed user, or a password or role changed since, signs the session out at its next request.
- **CSRF**: a synchronizer token. Each session holds a random token; the page gets a copy in the
  ``_csrf_token`` cookie (readable by the page's script, SameSite=Strict), which Dash's renderer
  sends back on every callback request as the ``X-CSRFToken`` header (its built-in behaviour,
  ``csrf_token_name`` / ``csrf_header_name``); the sign-in and sign-out forms carry it in a hidden
  field. Every POST (or other unsafe method) must carry the token held in the *signed* session:
  another site can make a browser send the cookies but can neither read the token nor set a custom
  header on a cross-site request without a CORS grant (none is given), and a cookie planted from a
  sibling domain cannot change the signed session's token. Refused: 403, nothing runs.
- **Roles**: every request is checked before Dash or the callback guard sees it: a callback
  request needs the permission of the callback it names (``callbacks/guard.py``
  ``CALLBACK_PERMISSIONS``: importing, editing stories, deleting datasets), anything else
  ``VIEW``. A viewer's forged POST to an editor's callback gets 403 with the reason and runs nothing
  (204, "no update", when nothing was done: the unclicked buttons of a list drawn for a viewer).
- **Public read** (``RUTAS_PUBLIC_READ``): viewing needs no sign-in; changes still need a role.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from urllib.parse import quote

from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError

from dashboard.callbacks.guard import CALLBACK_PATH, USER_ATTRIBUTE, is_user_action, required_permission
from dashboard.config import Settings
from dashboard.data.database.sign_in_failures import DatabaseSignInThrottle
from dashboard.data.database.users import User, UserRepository
from dashboard.data.language import DEFAULT_LANGUAGE, LANGUAGES
from dashboard.data.roles import (
    SIGN_IN_PATH,
    SIGN_OUT_PATH,
    Permission,
    allows,
    csrf_token_matches,
    new_csrf_token,
    refusal,
    safe_next,
)

SESSION_COOKIE = "rutas_session"
CSRF_COOKIE = "_csrf_token"  # the cookie Dash's renderer copies into its header
CSRF_HEADER = "X-CSRFToken"
CSRF_FIELD = "csrf_token"
SESSION_HOURS = 12
MIN_SECRET_KEY_CHARS = 16
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Code and static files of the page, the same for everyone: served without a session.
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")
EXTENSION_KEY = "rutas_access"
DASH_INTERNAL_PREFIX = "/_dash-"  # the page's own requests (layout, callbacks): answered 401, not redirected


def check_shared_settings(settings: Settings) -> None:
    """A shared deployment needs a secret key: ValueError naming the variable (the app does not start)."""
    if settings.database_url and len(settings.secret_key) < MIN_SECRET_KEY_CHARS:
        state = "is not set" if not settings.secret_key else f"has fewer than {MIN_SECRET_KEY_CHARS} characters"
        raise ValueError(f"RUTAS_DATABASE_URL is set (a shared deployment) but RUTAS_SECRET_KEY {state}: it signs "
                         "the sign-in sessions and must be the same on every server. Make one with: python -c "
                         "'import secrets; print(secrets.token_hex(32))'")


def install_access(server, settings: Settings, callbacks: Callable[[], Mapping[str, Mapping]],
                   users: UserRepository | None = None) -> None:
    """Sign-in, sessions, CSRF and role checks on ``server`` when ``settings`` name a database.

    Does nothing in the embedded default, and nothing the second time (idempotent).
    ``callbacks`` gives the app's callback map (as for the callback guard).
    """
    if not settings.database_url or EXTENSION_KEY in server.extensions:
        return
    check_shared_settings(settings)
    import flask

    from dashboard.data.database import engine_for

    users = users or UserRepository(engine_for(settings.database_url))
    throttle = DatabaseSignInThrottle(engine_for(settings.database_url))
    server.extensions[EXTENSION_KEY] = users
    server.secret_key = settings.secret_key
    https = settings.public_url.lower().startswith("https://")
    server.config.update(SESSION_COOKIE_NAME=SESSION_COOKIE, SESSION_COOKIE_HTTPONLY=True,
                         SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=https,
                         PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS))

    def signed_in_user() -> User | None:
        session = flask.session
        if "uid" not in session:
            return None
        user = users.get(session["uid"])
        if user is None or user.session_version != session.get("sv"):
            for key in ("uid", "sv"):
                session.pop(key, None)
            return None
        return user

    def check_request():
        request, session = flask.request, flask.session
        if request.path.startswith(PUBLIC_PREFIXES):
            return None
        if CSRF_FIELD not in session:
            session[CSRF_FIELD] = new_csrf_token()
        if request.method not in SAFE_METHODS:
            form_post = request.path in (SIGN_IN_PATH, SIGN_OUT_PATH)
            given = request.form.get(CSRF_FIELD) if form_post else request.headers.get(CSRF_HEADER)
            if not csrf_token_matches(session[CSRF_FIELD], given):
                return refused(403, "the request did not carry this session's security token (CSRF): reload the "
                                    "page and try again", page=form_post)
        if request.path in (SIGN_IN_PATH, SIGN_OUT_PATH):
            return None
        try:
            user = signed_in_user()
        except SQLAlchemyError:
            return refused(503, "the account database is not available; try again in a moment")
        setattr(flask.g, USER_ATTRIBUTE, user)
        role = user.role if user is not None else None
        permission, body = Permission.VIEW, None
        if request.method == "POST" and request.path.endswith(CALLBACK_PATH):
            body = request.get_json(force=True, silent=True)
            permission = required_permission(body, callbacks())
        if allows(role, permission, public_read=settings.public_read):
            return None
        if user is None and permission == Permission.VIEW:
            if request.method == "GET" and not request.path.startswith(DASH_INTERNAL_PREFIX):  # a page
                target = request.full_path.rstrip("?")
                return flask.redirect(f"{SIGN_IN_PATH}?next={quote(target, safe='')}", 303)
            return refused(401, "sign in to use Rutas")
        if body is not None and not is_user_action(body):
            # A slide list drawn for a viewer reports its (unclicked) edit buttons: nothing was done,
            # so "no update", not an error in the page. The callback is not run either way.
            return flask.Response(status=204)
        return refused(403, refusal(role, permission))

    def refused(status: int, reason: str, page: bool = False):
        if page:
            return flask.Response(message_page(reason, page_language(flask.request)), status,
                                  mimetype="text/html")
        return flask.jsonify(error="not allowed" if status == 403 else "unavailable" if status == 503
                             else "not signed in", reason=reason), status

    def share_csrf_cookie(response):
        if flask.request.path.startswith(PUBLIC_PREFIXES):
            return response  # never touch the session here: static files stay free of "Vary: Cookie"
        token = flask.session.get(CSRF_FIELD)
        if token and flask.request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(CSRF_COOKIE, token, max_age=SESSION_HOURS * 3600, path="/", secure=https,
                                httponly=False, samesite="Strict")  # the page's script must read it
        return response

    def sign_in():
        request, session = flask.request, flask.session
        lang = page_language(request)
        if request.method == "GET":
            return sign_in_page(session[CSRF_FIELD], safe_next(request.args.get("next")), lang)
        target = safe_next(request.form.get("next"))
        attempt = (str(request.form.get("username", "")).strip().lower()[:64], request.remote_addr)
        if throttle.blocked(attempt):
            return sign_in_page(session[CSRF_FIELD], target, lang, message="too_many",
                                username=attempt[0]), 429
        user = users.authenticate(request.form.get("username"), request.form.get("password"))
        if user is None:
            throttle.failed(attempt)
            return sign_in_page(session[CSRF_FIELD], target, lang, message="failed",
                                username=request.form.get("username", "")), 401
        throttle.succeeded(attempt)
        session.clear()  # a new session: nothing from before the sign-in (no fixation)
        session.permanent = True
        session.update(uid=user.user_id, sv=user.session_version)
        session[CSRF_FIELD] = new_csrf_token()
        return flask.redirect(target, 303)

    def sign_out():
        session = flask.session
        if flask.request.method == "GET":
            return sign_out_page(session[CSRF_FIELD], page_language(flask.request))
        session.clear()
        session[CSRF_FIELD] = new_csrf_token()
        return flask.redirect(SIGN_IN_PATH, 303)

    server.add_url_rule(SIGN_IN_PATH, "rutas_sign_in", sign_in, methods=["GET", "POST"])
    server.add_url_rule(SIGN_OUT_PATH, "rutas_sign_out", sign_out, methods=["GET", "POST"])
    # First of all checks: before the callback guard reads a body, and before Dash.
    server.before_request_funcs.setdefault(None, []).insert(0, check_request)
    server.after_request(share_csrf_cookie)


# ---- pages (plain HTML: no script, so the CSP needs no new hash) -----------------------------------
WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {"title": "Sign in · Rutas", "heading": "Sign in to Rutas", "username": "User name",
           "password": "Password", "submit": "Sign in", "failed": "Wrong user name or password.",
           "too_many": "Too many failed sign-ins for this name: try again in 15 minutes.",
           "sign_out_title": "Sign out · Rutas", "sign_out": "Sign out", "sign_out_question": "Sign out of Rutas?",
           "back": "Back to the dashboard", "problem": "Rutas"},
    "es": {"title": "Iniciar sesión · Rutas", "heading": "Iniciar sesión en Rutas", "username": "Usuario",
           "password": "Contraseña", "submit": "Entrar", "failed": "Usuario o contraseña incorrectos.",
           "too_many": "Demasiados intentos fallidos con este usuario: vuelva a intentarlo en 15 minutos.",
           "sign_out_title": "Cerrar sesión · Rutas", "sign_out": "Cerrar sesión",
           "sign_out_question": "¿Cerrar la sesión de Rutas?", "back": "Volver al panel", "problem": "Rutas"},
}
STYLE = ("body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem;color:#222}"
         "label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;font-size:1rem;box-sizing:border-box}"
         "button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem}.error{color:#a00}")


def page_language(request) -> str:
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def _page(title: str, lang: str, body: str) -> str:
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head><body>{body}</body></html>")


def sign_in_page(token: str, target: str, lang: str, *, message: str = "", username: str = "") -> str:
    """The form; ``message`` names a line of :data:`WORDS` shown above it ("failed", "too_many")."""
    words = WORDS.get(lang, WORDS[DEFAULT_LANGUAGE])
    error = f'<p class="error" role="alert">{escape(words[message])}</p>' if message else ""
    return _page(words["title"], lang, f"""<h1>{escape(words["heading"])}</h1>{error}
<form method="post" action="{SIGN_IN_PATH}?lang={lang}">
<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">
<input type="hidden" name="next" value="{escape(target)}">
<label for="username">{escape(words["username"])}</label>
<input id="username" name="username" autocomplete="username" required value="{escape(username[:64])}">
<label for="password">{escape(words["password"])}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{escape(words["submit"])}</button></form>""")


def sign_out_page(token: str, lang: str) -> str:
    words = WORDS.get(lang, WORDS[DEFAULT_LANGUAGE])
    return _page(words["sign_out_title"], lang, f"""<h1>{escape(words["sign_out_question"])}</h1>
<form method="post" action="{SIGN_OUT_PATH}"><input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">
<button type="submit">{escape(words["sign_out"])}</button></form><p><a href="/">{escape(words["back"])}</a></p>""")


def message_page(reason: str, lang: str) -> str:
    words = WORDS.get(lang, WORDS[DEFAULT_LANGUAGE])
    return _page(words["problem"], lang, f'<p class="error">{escape(reason)}</p><p><a href="{SIGN_IN_PATH}">'
                                         f'{escape(words["heading"])}</a></p>')
