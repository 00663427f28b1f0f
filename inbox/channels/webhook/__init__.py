"""API channels (web forms, other platforms): replies POSTed to the page's reply_webhook.

``reply`` sends a communicator's reply as signed JSON to the address the page
names, with an idempotency key so a repeat is recognised, and says whether the
receiver took it, refused it, never got it, or may have got it
(``inbox.core.send_outcome``).
"""
