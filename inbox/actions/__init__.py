"""Every write to the database, each with its audit event: one module per noun.

As zulip's ``zerver/actions/``: ``intake`` stores new items, ``responses`` records
replies, ``item_work`` holds the work people do on an item, ``bulk`` the same on many
items at once (and its undo), ``sla_sweep``,
``urgency``, ``escalations`` and ``digests`` watch the clock, ``outbox`` queues
notifications, and ``pages``, ``users``, ``api_tokens``, ``leases``, ``sign_in``,
``flags``, ``email`` (mail in), ``meta_intake`` (Meta webhook deliveries in) and
``demo`` the rest; ``audit`` is the trail they all leave. Functions take the
clock (``now``) and the actor as arguments; nothing here reads the time itself,
so tests and backfills can move it. May import the store and the core; never the
channels, web, api or cli.
"""
