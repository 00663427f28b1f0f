"""Storage: the tables, the engine and sessions, migrations and named reads.

``models`` are the tables, ``db`` the engine, sessions, migrations and bulk
writes, ``queries`` the named reads the views and commands use (plain rows),
``report`` the per-page figures aggregated in the database. ``migrations/`` is
package data for alembic. May import sqlalchemy/sqlmodel, psycopg and the core;
never the actions, channels, web, api or cli.
"""
