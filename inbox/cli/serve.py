"""`inbox serve` and `inbox demo`."""

from __future__ import annotations

import argparse

from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime


def cmd_serve(rt: Runtime, args: argparse.Namespace) -> int:
    import uvicorn

    from inbox.app import create_app

    # X-Forwarded-For is read by the app, from INBOX_TRUSTED_PROXIES only (inbox.web.proxies).
    app = create_app(rt.settings)  # RulesError on a broken saved_replies.toml
    print(f"inbox listening on http://{args.host}:{args.port}/", flush=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        proxy_headers=False,
    )
    return 0


def cmd_demo(rt: Runtime, args: argparse.Namespace) -> int:
    from inbox.actions.demo import load_demo

    summary = load_demo(rt.engine, now=utcnow(), calendar=rt.calendar, rules=rt.rules)
    print(summary)
    if args.no_serve:
        return 0
    return cmd_serve(rt, args)
