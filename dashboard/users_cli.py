"""``python -m dashboard users add|list|remove|password|role``: the shared deployment's accounts.

A password is never an argument (arguments show in ``ps`` and shell history): it is asked for
twice on a terminal, or read from the first line of standard input
(``printf '%s\\n' "$PASSWORD" | python -m dashboard users add ana --role editor``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TextIO

from dashboard.config import Settings
from dashboard.data.roles import AccountError, Role


def add_users_parser(commands: argparse._SubParsersAction) -> None:
    """The ``users`` command and its subcommands, on the CLI's subparsers."""
    users = commands.add_parser("users", help="accounts of the shared deployment (RUTAS_DATABASE_URL)")
    actions = users.add_subparsers(dest="users_command", required=True)
    add = actions.add_parser("add", help="add a user (the password is asked for, or read from standard input)")
    add.add_argument("username")
    add.add_argument("--role", choices=[str(role) for role in Role], default=str(Role.VIEWER),
                     help="viewer: read, export, present; editor: also import and edit stories; admin: also "
                          "delete datasets and manage users (default viewer)")
    listing = actions.add_parser("list", help="users and their roles")
    listing.add_argument("--json", action="store_true")
    remove = actions.add_parser("remove", help="remove a user (their sessions end at once)")
    remove.add_argument("username")
    password = actions.add_parser("password", help="set a user's password (their other sessions end)")
    password.add_argument("username")
    role = actions.add_parser("role", help="change a user's role (their sessions end)")
    role.add_argument("username")
    role.add_argument("role", choices=[str(role) for role in Role])


def read_password(stdin: TextIO) -> str:
    """Twice on a terminal (they must match), else the first line of standard input."""
    if stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != first:
            raise AccountError("the two passwords differ")
        return first
    return stdin.readline().rstrip("\r\n")


def run_users(settings: Settings, args: argparse.Namespace, stdin: TextIO = sys.stdin) -> tuple[str, int]:
    """Run one ``users`` subcommand; (text to print, exit status: 0 done, 1 refused, 2 cannot run)."""
    # The database packages load only for this command, not for every run of the CLI.
    from dashboard.data.database import (
        DatabaseUnavailable,
        DatabaseUrlError,
        SchemaOutdated,
        engine_for,
        require_current_schema,
    )
    from dashboard.data.database.users import UserExists, UserNotFound, UserRepository

    if not settings.database_url:
        return "error: users exist only in a shared deployment: set RUTAS_DATABASE_URL", 2
    try:
        require_current_schema(settings.database_url)
        users = UserRepository(engine_for(settings.database_url))
        command = args.users_command
        if command == "list":
            found = users.list()
            if args.json:
                return json.dumps([{"username": u.username, "role": str(u.role)} for u in found], indent=1), 0
            return "\n".join(f"{u.username}\t{u.role}" for u in found) or "no users", 0
        if command == "add":
            user = users.add(args.username, read_password(stdin), args.role)
            return f"added {user.username} ({user.role})", 0
        if command == "remove":
            users.remove(args.username)
            return f"removed {args.username.strip().lower()}", 0
        if command == "password":
            user = users.set_password(args.username, read_password(stdin))
            return f"new password for {user.username}; their other sessions are signed out", 0
        user = users.set_role(args.username, args.role)
        return f"{user.username} is now {user.role}; their sessions are signed out", 0
    except (AccountError, UserExists) as error:
        return f"error: {error}", 1
    except UserNotFound as error:
        return f"error: no user named '{error.args[0]}' (see: python -m dashboard users list)", 1
    except (DatabaseUrlError, DatabaseUnavailable, SchemaOutdated) as error:
        return f"error: {error}", 2
