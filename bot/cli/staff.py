"""`chatcart staff add|list|remove|set-password`: the dashboard's accounts."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.cli.common import CommandError, Subcommands
from bot.setup.wiring import Services
from bot.staff.accounts import StaffError
from bot.staff.passwords import WeakPassword
from bot.staff.roles import Role


def _password(args: argparse.Namespace) -> str:
    """One line from standard input with --password-stdin; otherwise asked twice, without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise CommandError("the two passwords differ")
    return first


async def add(services: Services, args: argparse.Namespace) -> int:
    try:
        member = await services.staff.add(args.email, Role(args.role), _password(args))
    except (StaffError, WeakPassword) as exc:
        raise CommandError(str(exc)) from None
    print(f"{member.email} can now sign in at /admin/login as {member.role.value}.")
    return 0


async def listing(services: Services, _args: argparse.Namespace) -> int:
    for member in await services.staff.members():
        print(f"{member.email:<40} {member.role.value:<8} since {member.created_at:%Y-%m-%d}")
    return 0


async def remove(services: Services, args: argparse.Namespace) -> int:
    try:
        await services.staff.remove(args.email)
    except StaffError as exc:
        raise CommandError(str(exc)) from None
    print(f"{args.email.strip().lower()} can no longer sign in; their sessions are closed.")
    return 0


async def set_password(services: Services, args: argparse.Namespace) -> int:
    try:
        await services.staff.set_password(args.email, _password(args))
    except (StaffError, WeakPassword) as exc:
        raise CommandError(str(exc)) from None
    print(f"The password of {args.email.strip().lower()} is changed.")
    return 0


def add_commands(sub: Subcommands) -> None:
    staff = sub.add_parser("staff", help="dashboard accounts").add_subparsers(
        dest="staff_command", required=True
    )
    command = staff.add_parser("add", help="give someone a dashboard account")
    command.add_argument("email")
    command.add_argument("--role", required=True, choices=[r.value for r in Role])
    command.add_argument("--password-stdin", action="store_true", help="read the password from one line")
    command.set_defaults(run=add)
    staff.add_parser("list", help="every account and its role").set_defaults(run=listing)
    command = staff.add_parser("remove", help="take an account away (its sessions end)")
    command.add_argument("email")
    command.set_defaults(run=remove)
    command = staff.add_parser("set-password", help="change an account's password")
    command.add_argument("email")
    command.add_argument("--password-stdin", action="store_true", help="read the password from one line")
    command.set_defaults(run=set_password)
