"""The outside world, one folder each, in and out.

``meta/`` (the webhook, its signature, parsing, the durable delivery store and the
processor that turns deliveries into items), ``email/`` (parsing, .eml/.mbox
files, IMAP, replies by SMTP), ``csv/`` (backfill import), ``notify/``
(notifications out by e-mail and webhook) and ``webhook/`` (replies to API
pages, signed JSON); ``smtp`` is the SMTP connection both e-mail senders use.
A channel talks to its outside world and hands what it got to the actions; it
may import the actions, the store and the core, never the web, api or cli.
"""
