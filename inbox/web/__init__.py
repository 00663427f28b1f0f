"""The web interface: the pages people work in, served by Starlette.

``routes`` lists every route with the roles allowed on it; ``auth`` and ``csrf``
guard them; ``views/`` hold one module per screen (queue, item, dashboard, duty,
admin, login), ``templating`` and ``i18n`` render Swedish first (English
available), ``errors`` is the one error renderer, and ``templates/`` and
``static/`` ship inside the package. Views read through the named queries in
``inbox.store`` and write through ``inbox.actions``; they may import the
channels, actions, store, core, settings and runtime, never the API or the CLI.
"""
