"""Where things are, for tests at any depth of the tree."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RULES = REPO / "inbox" / "default_rules"
DATA = REPO / "tests" / "data"
# Third-party payloads beside the checkout (always there in CI; see its README).
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"
