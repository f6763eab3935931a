"""Roles, CSRF tokens, redirect targets and the callback permission table (pure parts of the shared
deployment's access control; the served checks are in tests/integration/test_access_served.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dashboard.access import check_shared_settings, install_access, sign_in_page
from dashboard.callbacks.guard import CALLBACK_PERMISSIONS, callback_name, required_permission
from dashboard.config import Settings
from dashboard.data.roles import (
    ROLE_PERMISSIONS,
    AccountError,
    Permission,
    Role,
    allows,
    checked_password,
    checked_role,
    checked_username,
    csrf_token_matches,
    new_csrf_token,
    refusal,
    safe_next,
)

CALLBACKS_DIR = Path(__file__).resolve().parents[2] / "dashboard" / "callbacks"
# What writes stored data (datasets, stories, upload records), as the callbacks call it.
WRITING_CALLS = frozenset({"import_into", "delete", "save", "create", "import_bytes", "add_view_slide",
                           "change_slides", "save_slide_edit", "restore", "copy_story", "import_story",
                           "create_story", "change_story"})


def test_acc001_each_role_has_what_the_issue_gives_it():
    assert {role: {str(p) for p in allowed} for role, allowed in ROLE_PERMISSIONS.items()} == {
        Role.VIEWER: {"view"},
        Role.EDITOR: {"view", "import", "edit_stories"},
        Role.ADMIN: {"view", "import", "edit_stories", "delete_datasets", "manage_users"},
    }
    assert allows("viewer", Permission.VIEW) and not allows("viewer", Permission.IMPORT)
    assert allows(Role.EDITOR, Permission.EDIT_STORIES) and not allows(Role.EDITOR, Permission.DELETE_DATASETS)
    assert allows(Role.ADMIN, Permission.DELETE_DATASETS) and allows(Role.ADMIN, Permission.MANAGE_USERS)
    # not signed in: viewing only, and only when the deployment is public
    assert not allows(None, Permission.VIEW)
    assert allows(None, Permission.VIEW, public_read=True)
    assert not any(allows(None, p, public_read=True) for p in Permission if p != Permission.VIEW)
    assert not allows("superuser", Permission.VIEW)  # a role this code does not know grants nothing


def test_acc002_a_refusal_names_what_and_which_role():
    assert refusal("viewer", Permission.IMPORT) == "importing data needs the editor role (you are signed in as viewer)"
    assert refusal(None, Permission.DELETE_DATASETS) == \
        "deleting a dataset needs the admin role (you are not signed in)"


def test_acc003_csrf_tokens_are_random_and_compared_exactly():
    tokens = {new_csrf_token() for _ in range(100)}
    assert len(tokens) == 100 and min(len(t) for t in tokens) >= 43
    token = next(iter(tokens))
    assert csrf_token_matches(token, token)
    assert not csrf_token_matches(token, token[:-1])
    assert not csrf_token_matches(token, token + "x")
    for missing in (None, "", 0, [token]):
        assert not csrf_token_matches(token, missing)
        assert not csrf_token_matches(missing, token)
    assert not csrf_token_matches("", "")


@pytest.mark.parametrize("target, expected", [
    ("/", "/"), ("/present/from-the-vraem?slide=3", "/present/from-the-vraem?slide=3"), ("/?lang=es", "/?lang=es"),
    ("//evil.example/x", "/"), ("/\\evil.example", "/"), ("https://evil.example/", "/"), ("javascript:alert(1)", "/"),
    ("evil", "/"), ("/a\r\nSet-Cookie: x=1", "/"), ("/a\\b", "/"), (None, "/"), (["/x"], "/"), ("/" + "a" * 3000, "/"),
])
def test_acc004_after_sign_in_only_a_path_of_this_site(target, expected):
    assert safe_next(target) == expected


def test_acc005_names_passwords_and_roles_are_checked():
    assert checked_username("  Ana.Maria_2 ") == "ana.maria_2"
    for bad in ("", "-ana", "a b", "ana@example.org", "á", "x" * 65, None, 7):
        with pytest.raises(AccountError, match="user name"):
            checked_username(bad)
    assert checked_password("x" * 12) == "x" * 12
    with pytest.raises(AccountError, match="at least 12"):
        checked_password("x" * 11)
    with pytest.raises(AccountError, match="at most"):
        checked_password("x" * 1025)
    assert checked_role("editor") is Role.EDITOR
    with pytest.raises(AccountError, match="viewer, editor, admin"):
        checked_role("root")


def _callbacks_at_collection() -> dict[str, dict]:
    from dash import _callback

    import dashboard.callbacks  # noqa: F401  (registers every callback)

    return {key: entry for key, entry in _callback.GLOBAL_CALLBACK_MAP.items() if "callback" in entry}


# Taken when pytest collects this module: in a whole-suite run Dash hands its global callbacks to
# the first app that serves a request (the browser tests'), and the global map is empty after.
REGISTERED = _callbacks_at_collection()


def _registered() -> dict[str, dict]:
    return REGISTERED


def test_acc006_the_permission_table_names_real_callbacks():
    names = {callback_name(entry) for entry in _registered().values()}
    assert set(CALLBACK_PERMISSIONS) <= names, set(CALLBACK_PERMISSIONS) - names


def _writing_callbacks() -> set[str]:
    """Callbacks that call something that writes, directly or through a helper of their module."""
    found = set()
    for path in sorted(CALLBACKS_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        calls = {name: {(c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", ""))
                        for c in ast.walk(node) if isinstance(c, ast.Call)} for name, node in functions.items()}
        writers = {name for name, called in calls.items() if called & WRITING_CALLS}
        while True:  # helpers of the module that call a writer write too
            more = {name for name, called in calls.items() if called & writers} - writers
            if not more:
                break
            writers |= more
        decorated = {name for name, node in functions.items()
                     if any(getattr(getattr(d, "func", d), "id", "") == "callback" for d in node.decorator_list)}
        found |= {f"dashboard.callbacks.{path.stem}.{name}" for name in writers & decorated}
    return found


def test_acc007_every_callback_that_writes_needs_more_than_viewing():
    writing = _writing_callbacks()
    assert {"dashboard.callbacks.datasets.on_upload", "dashboard.callbacks.datasets.on_delete_confirmed",
            "dashboard.callbacks.stories.on_save_edit", "dashboard.callbacks.stories.on_import_story"} <= writing
    unguarded = {name for name in writing if CALLBACK_PERMISSIONS.get(name, Permission.VIEW) == Permission.VIEW}
    assert unguarded == set()


def test_acc008_a_request_needs_the_permission_of_the_callback_it_names():
    registered = _registered()
    by_name = {callback_name(entry): key for key, entry in registered.items()}
    assert required_permission({"output": by_name["dashboard.callbacks.datasets.on_upload"]}, registered) \
        == Permission.IMPORT
    assert required_permission({"output": by_name["dashboard.callbacks.datasets.on_delete_confirmed"]},
                               registered) == Permission.DELETE_DATASETS
    assert required_permission({"output": by_name["dashboard.callbacks.stories.on_add_slide"]}, registered) \
        == Permission.EDIT_STORIES
    assert required_permission({"output": by_name["dashboard.callbacks.state.update_filter_state"]}, registered) \
        == Permission.VIEW
    for body in (None, [], {"output": 3}, {"output": "nothing.here"}):
        assert required_permission(body, registered) == Permission.VIEW


def test_acc009_a_shared_deployment_refuses_to_start_without_a_secret_key():
    check_shared_settings(Settings())  # embedded: no key needed
    for key in ("", "short"):
        with pytest.raises(ValueError, match="RUTAS_SECRET_KEY") as refused:
            check_shared_settings(Settings(database_url="postgresql://db/rutas", secret_key=key))
        assert "RUTAS_DATABASE_URL" in str(refused.value)
    check_shared_settings(Settings(database_url="postgresql://db/rutas", secret_key="k" * 32))


def test_acc010_the_embedded_default_installs_nothing():
    import flask

    server = flask.Flask("embedded")
    before = (dict(server.before_request_funcs), dict(server.after_request_funcs), len(list(server.url_map.iter_rules())))
    install_access(server, Settings(), dict)
    assert (dict(server.before_request_funcs), dict(server.after_request_funcs),
            len(list(server.url_map.iter_rules()))) == before
    with pytest.raises(ValueError, match="RUTAS_SECRET_KEY"):
        install_access(flask.Flask("shared"), Settings(database_url="postgresql://db/rutas"), dict)


def test_acc011_the_sign_in_page_escapes_what_it_repeats_and_runs_no_script():
    page = sign_in_page('tok"en', '/x"><script>alert(1)</script>', "es", message="failed",
                        username='"><img src=x onerror=alert(1)>')
    assert "<script" not in page and "<img" not in page and "onerror=alert(1)>" not in page
    assert 'name="csrf_token" value="tok&#34;en"' in page and "Usuario o contraseña incorrectos." in page


def test_acc013_callbacks_read_the_signed_in_user_of_their_request():
    import flask

    from dashboard.callbacks.guard import USER_ATTRIBUTE, current_user

    assert current_user() is None  # no request
    server = flask.Flask("who")
    with server.test_request_context("/"):
        assert current_user() is None  # nobody signed in (or the embedded default)
        setattr(flask.g, USER_ATTRIBUTE, "ana")
        assert current_user() == "ana"


def test_acc014_a_list_drawn_anew_is_not_an_action_a_click_is():
    from dashboard.callbacks.guard import is_user_action

    button = {"index": 0, "type": "story-delete"}
    changed = ['{"index":0,"type":"story-delete"}.n_clicks']

    def body(value, changed_ids=changed):
        return {"inputs": [[{"id": button, "property": "n_clicks", "value": value}],
                           {"id": "story-select", "property": "value", "value": "x"}],
                "changedPropIds": changed_ids}

    for nothing in (None, 0, False, "", [], {}):
        assert not is_user_action(body(nothing))
    for something in (1, 7, "text", {"token": "t"}):
        assert is_user_action(body(something))
    assert is_user_action(body(0, ["story-select.value"]))  # another input changed, and holds a value
    # anything unreadable counts as an action (refused 403, never waved through as 204)
    for odd in (None, [], {"inputs": []}, body(0, []), body(0, ["nothing.here"]), body(0, "x"),
                {"inputs": ["x"], "changedPropIds": changed}):
        assert is_user_action(odd)


@pytest.mark.parametrize("public_url, secure", [("https://rutas.example/", True), ("http://127.0.0.1:8050/", False)])
def test_acc015_cookies_are_secure_when_the_public_address_is_https(public_url, secure):
    import flask

    server = flask.Flask("cookies")
    settings = Settings(database_url="postgresql://postgres@127.0.0.1:1/unused", secret_key="k" * 32,
                        public_url=public_url)
    install_access(server, settings, dict)  # the sign-in page needs no database
    response = server.test_client().get("/sign-in")
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    assert response.status_code == 200 and set(cookies) == {"rutas_session", "_csrf_token"}
    assert ("; Secure" in cookies["rutas_session"]) is secure and ("; Secure" in cookies["_csrf_token"]) is secure
    assert "HttpOnly" in cookies["rutas_session"] and "SameSite=Lax" in cookies["rutas_session"]
    assert "HttpOnly" not in cookies["_csrf_token"] and "SameSite=Strict" in cookies["_csrf_token"]


def test_acc040_a_page_offers_only_what_the_role_may_do():
    from dashboard.data.roles import EMBEDDED_ACCOUNT, PageAccount, granted_permissions
    from dashboard.layout.page import build_account_links

    assert EMBEDDED_ACCOUNT.permissions == frozenset(Permission) and build_account_links(EMBEDDED_ACCOUNT, "en") == []
    assert granted_permissions("viewer", shared=True) == {Permission.VIEW}
    assert granted_permissions("editor", shared=True) == {Permission.VIEW, Permission.IMPORT, Permission.EDIT_STORIES}
    assert granted_permissions(None, shared=True) == frozenset()
    assert granted_permissions(None, shared=True, public_read=True) == {Permission.VIEW}
    viewer = PageAccount(name="ana", role="viewer", shared=True, permissions=granted_permissions("viewer", shared=True))
    assert not viewer.can(Permission.IMPORT) and viewer.can(Permission.VIEW)
    words = [str(getattr(item, "children", "")) for item in build_account_links(viewer, "es")]
    assert words == ["ana (lector)", "Cerrar sesión"]
    anonymous = PageAccount(shared=True, permissions=granted_permissions(None, shared=True, public_read=True))
    [sign_in] = build_account_links(anonymous, "en")
    assert sign_in.href == "/sign-in" and sign_in.children == "Sign in"


def test_acc041_a_viewer_page_has_no_import_control_or_delete_button(app_context):
    from dashboard.data.filters import UrlState
    from dashboard.data.roles import PageAccount, granted_permissions
    from dashboard.ids import DataIds
    from dashboard.layout.data_panel import build_data_panel, dataset_list
    from dashboard.layout.page import build_page

    viewer = PageAccount(name="ana", role="viewer", shared=True, permissions=granted_permissions("viewer", shared=True))
    page = str(build_page(app_context, UrlState(), [], viewer))
    assert "Sign out" in page and "ana (viewer)" in page
    from dashboard.ids import StoryIds
    from dashboard.layout.story_panel import build_story_panel

    def hidden_holding(component, wanted: str) -> bool:
        """Whether ``wanted`` sits inside a hidden element of ``component``."""
        if getattr(component, "hidden", False) and wanted in str(component):
            return True
        children = getattr(component, "children", None)
        children = children if isinstance(children, list) else [children] if children is not None else []
        return any(hidden_holding(child, wanted) for child in children)

    for control in (StoryIds.NEW, StoryIds.ADD, StoryIds.IMPORT):
        assert hidden_holding(build_story_panel(app_context, "en", can_edit=False), control)
        assert not hidden_holding(build_story_panel(app_context, "en"), control)
    assert not hidden_holding(build_story_panel(app_context, "en", can_edit=False), StoryIds.PACK_PDF)
    panel = build_data_panel(app_context, (), "en", can_import=False, can_delete=False)
    [controls] = [child for child in panel.children if getattr(child, "className", "") == "import-controls"]
    assert controls.hidden is True and DataIds.UPLOAD in str(controls)  # still there for the callbacks, hidden
    assert build_data_panel(app_context, (), "en").children[4].hidden is False
    from types import SimpleNamespace

    held = SimpleNamespace(datasets=[SimpleNamespace(name="ACLED Peru", file_name="peru.csv", imported_at="2026-12-03",
                                                     sha256="ab" * 32, dataset_id="acled-peru-1")])
    assert DataIds.DELETE in str(dataset_list(held, "en")) and "ACLED Peru" in str(dataset_list(held, "en"))
    assert DataIds.DELETE not in str(dataset_list(held, "en", can_delete=False))
    assert "ACLED Peru" in str(dataset_list(held, "en", can_delete=False))
