"""`langnghe`: run the system, prepare the database, manage staff, and the NLU's own commands.

Each command imports what it needs when it runs: `langnghe units` or `langnghe nlu predict` should
not pay for loading aiogram, uvicorn and the web app (seconds on a small machine).
"""
from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers import Core, DemoLogin, Settings

ROLES = ("staff", "moderator", "admin", "supervisor")  # storage.StaffRole's values; checked against it in create-staff


def banner(runtime_settings: Settings, demo: list[DemoLogin], telegram: str,
           zalo: str = "tắt (set ZALO_BOT_TOKEN to enable)") -> str:
    """What a newcomer sees after `make run`: where to go and, the first time only, the demo logins."""
    base = runtime_settings.base_url
    lines = [
        "",
        "Lắng Nghe đang chạy / is running",
        f"  Web chat cho người dân (citizens):  {base}/chat",
        f"  Bàn làm việc cán bộ (staff console): {base}/console",
        f"  API docs:                            {base}/api/docs",
        f"  Telegram: {telegram}",
        f"  Zalo:     {zalo}",
    ]
    if demo:
        lines.append("  Tài khoản demo, mật khẩu chỉ in MỘT lần (demo logins, passwords shown ONCE):")
        lines += [f"    {login.username:<18} {login.password:<18} ({login.where})" for login in demo]
    elif runtime_settings.demo:
        lines.append("  Tài khoản demo đã tạo ở lần chạy trước (demo logins exist; passwords were shown then).")
        lines.append("  Đặt lại (reset): LANGNGHE_PASSWORD=... .venv/bin/langnghe create-staff USER --unit KEY")
    lines.append("  Dừng (stop): Ctrl+C\n")
    return "\n".join(lines)


async def cmd_run(settings: Settings) -> int:
    import uvicorn

    from bot.runtime import build_runtime, create_app, freeze_startup_heap

    runtime = await build_runtime(settings)
    app = create_app(runtime)
    freeze_startup_heap()
    # Open chat and console pages hold server-push streams: a stop waits 3 s for them, not forever.
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                                           timeout_graceful_shutdown=3))
    telegram = "tắt (set TELEGRAM_BOT_TOKEN to enable)"
    if runtime.telegram is not None:
        telegram = f"bật, {settings.telegram_mode}" + (f" via {settings.telegram_api_base_url}"
                                                       if settings.telegram_api_base_url else "")
    zalo = "tắt (set ZALO_BOT_TOKEN to enable)"
    if runtime.zalo is not None:
        zalo = f"bật, {settings.zalo_mode}" + (f" via {settings.zalo_api_base_url}" if settings.zalo_api_base_url else "")

    async def announce() -> None:
        while not server.started:
            await asyncio.sleep(0.05)
        print(banner(settings, runtime.demo_logins, telegram, zalo), flush=True)

    announcer = asyncio.create_task(announce())
    await server.serve()
    announcer.cancel()
    return 0


async def cmd_migrate(settings: Settings) -> int:
    from handlers import AppConfig, prepare_database, province_names
    from storage import create_database

    config = AppConfig.load(settings.config_path)
    db = create_database(settings.database_url)
    count = await prepare_database(db, config, province_names())
    await db.dispose()
    print(f"database at head; {count} units configured")
    return 0


async def cmd_units(settings: Settings) -> int:
    from handlers import active_units
    from storage import create_database

    db = create_database(settings.database_url)
    for unit in await active_units(db):
        print(f"{unit.key:<40} {unit.name}")
    await db.dispose()
    return 0


async def cmd_create_staff(settings: Settings, args: argparse.Namespace) -> int:
    from handlers import InvalidAction, create_staff
    from storage import StaffRole, create_database

    password = os.environ.get("LANGNGHE_PASSWORD") or getpass.getpass("Mật khẩu / password: ")
    db = create_database(settings.database_url)
    try:
        await create_staff(db, args.username, password, args.name or args.username, StaffRole(args.role), args.unit,
                           province=args.province)
    except InvalidAction as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await db.dispose()
    print(f"account {args.username} ready")
    return 0


async def cmd_export_corrections(settings: Settings, out: Path) -> int:
    from handlers import correction_examples, to_rasa_yaml
    from storage import create_database

    db = create_database(settings.database_url)
    examples = await correction_examples(db)
    await db.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_rasa_yaml(examples), encoding="utf-8")
    count = sum(len(v) for v in examples.values())
    print(f"{count} corrected examples written to {out} (personal data masked); retrain with `langnghe nlu train`")
    return 0


async def cmd_models(settings: Settings, action: str) -> int:
    """`retrain` (progress printed as it comes), `models`, `model-rollback` (issue 9)."""
    from bot.runtime import build_runtime
    from handlers import InvalidAction
    from handlers import model_registry as registry

    runtime = await build_runtime(settings, progress=lambda _m: None)
    paths = registry.default_paths(settings.nlu_model_path, Path(settings.config_path).resolve().parent / "var")
    core = runtime.core
    try:
        if action == "retrain":
            row = await registry.start(core, "cli")
            task = asyncio.create_task(registry.retrain(core, row.id, paths))
            shown = 0
            while not task.done():
                await asyncio.sleep(0.5)
                shown = await _print_progress(core, row.id, shown)
            version = await task
            await _print_progress(core, row.id, shown)
            print(f"{version.version}: {version.status.value}")
            return 0 if version.status.value == "active" else 1
        if action == "model-rollback":
            print(f"serving {await registry.rollback(core, paths)}")
            return 0
        print(f"serving {core.nlu.version}")
        for v in await registry.versions(core):
            macro = v.metrics.get("macro_f1", {})
            print(f"{v.version}\t{v.status.value}\tmacro-F1 {macro.get('old', '-')} -> {macro.get('new', '-')}"
                  f"\tdata {v.data_hash[:12]}\t{v.examples} corrections")
        return 0
    except InvalidAction as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        await core.db.dispose()


async def _print_progress(core: Core, version_id: int, shown: int) -> int:
    from storage import ModelVersion

    async with core.db.sessions() as session:
        row = await session.get(ModelVersion, version_id)
    text = row.progress if row is not None else ""
    print(text[shown:], end="", flush=True)
    return len(text)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="langnghe", description="Lắng Nghe: citizens' feedback chatbots")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start everything in one process (web chat, console, Telegram if configured)")
    run.add_argument("--workers", type=int, default=1, help="N worker processes on one port (needs PostgreSQL, "
                     "REDIS_URL and webhooks; see deploy/)")
    sub.add_parser("migrate", help="bring the database schema to head and sync units from config.yml")
    sub.add_parser("units", help="list unit keys (for create-staff and reassigning)")
    staff = sub.add_parser("create-staff", help="create or update a staff account (password from LANGNGHE_PASSWORD or prompt)")
    staff.add_argument("username")
    staff.add_argument("--unit", help="unit key, e.g. union.bac-ninh (see `langnghe units`)")
    staff.add_argument("--role", choices=ROLES, default="staff")
    staff.add_argument("--name", help="display name")
    staff.add_argument("--province", help="a supervisor's province (none: the whole country)")
    sub.add_parser("retrain", help="retrain the NLU with accepted corrections; promote only if no label gets worse")
    sub.add_parser("models", help="list NLU model versions with their metrics and data hash")
    sub.add_parser("model-rollback", help="serve the model version that served before the current one")
    export = sub.add_parser("export-corrections", help="write the texts of misrouted cases (with the domain staff chose) and of cases whose "
                            "domain the citizen chose, "
                            "as NLU training data (Rasa YAML)")
    export.add_argument("--out", type=Path, default=Path("nlu/data/corrections.yml"))
    sub.add_parser("nlu", help="NLU commands: train, evaluate, predict (see `langnghe nlu --help`)", add_help=False)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["nlu"]:
        from handlers import run_nlu_cli

        return run_nlu_cli(argv[1:])
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    from handlers import Settings

    os.umask(0o077)  # var/, the database, the secret key and logs: this user's only
    settings = Settings()
    if args.command == "run" and args.workers > 1:
        from bot.workers import Supervisor

        return Supervisor(settings, args.workers).run()
    if args.command == "run":
        return asyncio.run(cmd_run(settings))
    if args.command == "migrate":
        return asyncio.run(cmd_migrate(settings))
    if args.command == "units":
        return asyncio.run(cmd_units(settings))
    if args.command in ("retrain", "models", "model-rollback"):
        return asyncio.run(cmd_models(settings, args.command))
    if args.command == "export-corrections":
        return asyncio.run(cmd_export_corrections(settings, args.out))
    return asyncio.run(cmd_create_staff(settings, args))


if __name__ == "__main__":
    raise SystemExit(main())
