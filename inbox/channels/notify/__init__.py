"""Notifications out: the outbox delivered by e-mail (SMTP) and JSON webhooks."""
