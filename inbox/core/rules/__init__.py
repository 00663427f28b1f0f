"""The rules files as frozen, validated models: one TOML reader, one ``RulesError``.

``files`` reads a TOML file and turns validation errors into messages that name
the file, the key and what is wrong; ``tagging`` (departments, topics, routing,
pages, calendar), ``duty`` (escalation and the rota) and ``saved_replies`` build on
it. Pure: the standard library, pydantic and the core.
"""
