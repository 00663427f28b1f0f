"""`inbox serve` and `inbox demo`."""

from __future__ import annotations

import argparse

from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.settings import Settings


def cmd_serve(rt: Runtime, args: argparse.Namespace, settings: Settings | None = None) -> int:
    import uvicorn

    from inbox.app import create_app

    # X-Forwarded-For is read by the app, from INBOX_TRUSTED_PROXIES only (inbox.web.proxies).
    app = create_app(settings or rt.settings)  # RulesError on a broken saved_replies.toml
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
    """Demo data, then the server; its Meta pages answer through the sandbox Graph API.

    In development, unless INBOX_META_GRAPH_URL names another, the demo's Graph API
    is this server's own ``/sandbox/graph``: replies and moderation really go out
    and come back "skickat", and nothing can reach Meta.
    """
    from inbox.actions.demo import load_demo
    from inbox.channels.meta import sandbox

    settings = rt.settings
    if settings.environment == "development" and "meta_graph_url" not in settings.model_fields_set:
        base = f"http://{args.host}:{args.port}"
        settings = settings.model_copy(
            update={"base_url": base, "meta_graph_url": base + sandbox.PATH}
        )
    box = settings.token_box()
    sealed = (lambda pid: box.seal(sandbox.demo_token(pid))) if sandbox.enabled(settings) else None
    summary = load_demo(
        rt.engine, now=utcnow(), calendar=rt.calendar, rules=rt.rules, sealed_token=sealed
    )
    print(summary)
    if args.no_serve:
        return 0
    return cmd_serve(rt, args, settings)
