"""The committed .mo catalogues agree with their .po sources; every text is translated."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from inbox.web import i18n


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_compiled_catalogue_matches_its_source(lang: str) -> None:
    path = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalogue = read_po(f)
    compiled = i18n.catalogue(lang)
    for message in catalogue:
        if not message.id or not isinstance(message.id, str):
            continue
        expected = message.string or message.id
        assert compiled.gettext(message.id) == expected
        if lang == "en":
            assert message.string, f"untranslated: {message.id!r}"


def test_unknown_language_falls_back_to_swedish() -> None:
    i18n.set_language("de")
    assert i18n.current_language() == "sv"
    assert i18n.gettext_("Logga ut") == "Logga ut"
    i18n.set_language("en")
    assert i18n.gettext_("Logga ut") == "Sign out"
    i18n.set_language("sv")
