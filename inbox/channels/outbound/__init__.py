"""Replies and moderation out: the sender that delivers the outbound queue, once each.

``sender`` claims what is due (``inbox.actions.outbound``), sends each action on
its page's platform (Meta's Graph API, e-mail, an API page's reply webhook) and
records the answer. The platforms' own clients live in their channel folders.
"""
