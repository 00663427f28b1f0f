"""The pure core: the rules of the trade over plain data, with no I/O.

The working calendar and the SLA clock, the metrics, access rules, queue filters,
classification (``classify/``), routing and tagging, a period's figures against
the previous one in words (``comparison``), the one CSV writer (``csv_out``),
the rules files as validated models (``rules/``), notification texts and Swedish
formatting. Everything here
takes the clock and the data as arguments. It may import the standard library,
pydantic, rapidfuzz, holidays, babel, argon2 and cryptography, and other core
modules; never starlette, sqlalchemy/sqlmodel, apscheduler, httpx or anything
else in ``inbox`` (a guard test holds it so).
"""
