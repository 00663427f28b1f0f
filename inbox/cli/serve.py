"""`inbox serve` and `inbox demo`."""

from __future__ import annotations

import argparse

from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime


def cmd_serve(rt: Runtime, args: argparse.Namespace) -> int:
    import uvicorn

    from inbox.app import create_app

    print(f"inbox listening on http://{args.host}:{args.port}/", flush=True)
    # X-Forwarded-For is read by the app, from INBOX_TRUSTED_PROXIES only (inbox.web.proxies).
    uvicorn.run(
        create_app(rt.settings),
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
