"""``python -m inbox``: the same as the ``inbox`` command."""

from inbox.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
