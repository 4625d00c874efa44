"""`genfire-server serve | migrate | admin ...`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from genfire_server import admin, migrations
from genfire_server.kit import logging as genfire_logging
from genfire_server.kit.db import Database
from genfire_server.kit.errors import GenFireError
from genfire_server.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None):
        overrides["port"] = args.port
    return Settings(**overrides)


async def _schema_revision(db: Database) -> str | None:
    try:
        return await db.schema_revision()
    finally:
        await db.dispose()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from genfire_server.app import create_app

    settings = _settings(args)
    genfire_logging.configure(settings.log_level, settings.log_format)
    head = migrations.current_head()
    try:
        revision = asyncio.run(_schema_revision(Database.from_settings(settings)))
    except (SQLAlchemyError, OSError) as error:
        print(f"Cannot reach the database: {type(error).__name__}.", file=sys.stderr)
        return 2
    if revision != head:
        print(
            f"The database is at revision {revision or 'none'}, not {head}. "
            "Run `genfire-server migrate` first.",
            file=sys.stderr,
        )
        return 2
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )
    uvicorn.Server(config).run()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Workers and sweeper without the HTTP API, until SIGTERM or SIGINT."""
    import signal

    from genfire_server.context import AppContext

    settings = _settings(args)
    genfire_logging.configure(settings.log_level, settings.log_format)
    if settings.worker_concurrency < 1:
        print("GENFIRE_WORKER_CONCURRENCY must be at least 1 for a worker.", file=sys.stderr)
        return 2

    async def work() -> None:
        ctx = AppContext.create(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await ctx.executor.start()
        try:
            await stop.wait()
        finally:
            await ctx.executor.stop()
            await ctx.background.drain()
            await ctx.db.dispose()

    revision = asyncio.run(_schema_revision(Database.from_settings(settings)))
    if revision != migrations.current_head():
        print("The database is not migrated. Run `genfire-server migrate` first.", file=sys.stderr)
        return 2
    asyncio.run(work())
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(settings.resolved_database_url)
    print(f"Database migrated to {migrations.current_head()}.")
    return 0


def _admin(
    args: argparse.Namespace, action: Callable[[Database, Settings], Awaitable[admin.Outcome]]
) -> int:
    settings = _settings(args)
    db = Database.from_settings(settings)

    async def run() -> admin.Outcome:
        try:
            return await action(db, settings)
        finally:
            await db.dispose()

    try:
        outcome = asyncio.run(run())
    except GenFireError as error:
        if args.json:
            print(json.dumps({"error": {"code": error.code, "detail": error.detail}}))
        else:
            print(f"error: {error.detail}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(outcome.data, indent=2))
    else:
        print("\n".join(outcome.text))
    return 0


def _admin_commands(sub: Any) -> None:
    admin_parser = sub.add_parser("admin", help="Operator commands: accounts, keys, credits.")
    commands = admin_parser.add_subparsers(dest="admin_command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        return parser

    p = command("create-account", "Create an account.")
    p.add_argument("--email", required=True)
    p.add_argument("--name", help="Display name (default: the email).")
    p.add_argument("--credits", default="0", help="Credits granted at creation.")
    p.add_argument("--plan", default="standard")
    p.set_defaults(
        handler=lambda a: _admin(
            a,
            lambda db, _s: admin.create_account(
                db, email=a.email, name=a.name, credits_amount=a.credits, plan=a.plan
            ),
        )
    )

    p = command("create-key", "Create an API key; prints it once.")
    p.add_argument("--account", required=True, help="Account id or email.")
    p.add_argument("--scopes", help="Space- or comma-separated scopes (default: *).")
    p.add_argument("--label")
    p.set_defaults(
        handler=lambda a: _admin(
            a,
            lambda db, _s: admin.create_key(db, account=a.account, scopes=a.scopes, label=a.label),
        )
    )

    p = command("revoke-key", "Revoke an API key.")
    p.add_argument("--key", required=True, help="The key id (key_...) or the whole key.")
    p.set_defaults(handler=lambda a: _admin(a, lambda db, _s: admin.revoke_key(db, key=a.key)))

    p = command("grant-credits", "Add (or, with a negative amount, remove) credits.")
    p.add_argument("--account", required=True, help="Account id or email.")
    p.add_argument("--amount", required=True, type=str)
    p.add_argument("--reason", required=True)
    p.set_defaults(
        handler=lambda a: _admin(
            a,
            lambda db, _s: admin.grant_credits(
                db, account=a.account, amount=a.amount, reason=a.reason
            ),
        )
    )

    p = command("create-oauth-client", "Create an OAuth client; prints its secret once.")
    p.add_argument("--account", required=True, help="Account id or email.")
    p.add_argument("--scopes", help="Space- or comma-separated scopes (default: *).")
    p.add_argument("--label")
    p.set_defaults(
        handler=lambda a: _admin(
            a,
            lambda db, _s: admin.create_oauth_client(
                db, account=a.account, scopes=a.scopes, label=a.label
            ),
        )
    )

    p = command("revoke-oauth-client", "Revoke an OAuth client and its access tokens.")
    p.add_argument("--client", required=True, help="The client id (gfo_oauth_...).")
    p.set_defaults(
        handler=lambda a: _admin(
            a, lambda db, _s: admin.revoke_oauth_client(db, client_id=a.client)
        )
    )

    p = command("list-accounts", "List accounts with their balances.")
    p.set_defaults(handler=lambda a: _admin(a, lambda db, _s: admin.list_accounts(db)))

    p = command(
        "ensure-dev-account",
        "Make sure the development account and its API key exist (used by `make run`).",
    )
    p.add_argument("--key-file", type=Path, help="Default: <data dir>/dev-api-key.")
    p.set_defaults(
        handler=lambda a: _admin(
            a,
            lambda db, s: admin.ensure_dev_account(db, s, a.key_file or s.data_dir / "dev-api-key"),
        )
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genfire-server", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="Serve the API.")
    serve.add_argument("--host", help="Overrides GENFIRE_HOST.")
    serve.add_argument("--port", type=int, help="Overrides GENFIRE_PORT.")
    serve.set_defaults(handler=cmd_serve)

    worker = sub.add_parser("worker", help="Run workers and the sweeper, without the API.")
    worker.set_defaults(handler=cmd_worker)

    migrate = sub.add_parser("migrate", help="Create or upgrade the database schema.")
    migrate.set_defaults(handler=cmd_migrate)

    _admin_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
