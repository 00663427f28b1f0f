"""Facebook, Instagram and Messenger through Meta: webhook deliveries in, Graph API calls out.

``webhook`` answers Meta (handshake, signed deliveries), ``signature`` checks
``X-Hub-Signature-256``, ``store`` keeps every delivery durably before it is
acknowledged, ``parse`` turns a delivery into normalised events and
``processor`` runs the loop that hands stored deliveries to the actions.
``graph`` is the Graph API client the sender calls to answer and moderate.
"""
