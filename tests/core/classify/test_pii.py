"""Finding and masking personal data: what is found, what is left alone."""

from __future__ import annotations

import pytest

from inbox.core.classify.pii import find_personal_data, id_number_kind, mask

# 811218-9876 has a valid check digit; 811218-9875 does not.
FOUND = [
    # identity and coordination numbers, right and wrong check digits
    ("811218-9876", "[personnummer]"),
    ("811218-9875", "[personnummer]"),
    ("8112189875", "[personnummer]"),
    ("19811218-9875", "[personnummer]"),
    ("198112189875", "[personnummer]"),
    ("811218+9875", "[personnummer]"),
    ("811218 9876", "[personnummer]"),
    ("811218 - 9875", "[personnummer]"),
    ("pnr 0501011234", "pnr [personnummer]"),
    ("820866-5417", "[samordningsnummer]"),
    ("820866-5418", "[samordningsnummer]"),
    ("Mitt personnummer är 19121212-1212, var är remissen?", None),
    # phone numbers
    ("Ring 070-123 45 67", "Ring [telefon]"),
    ("ring 0701234567 tack", "ring [telefon] tack"),
    ("+46 70 765 43 21", "[telefon]"),
    ("+46701234567", "[telefon]"),
    ("0046 8 123 456 78", "[telefon]"),
    ("växeln 08-123 456 78", "växeln [telefon]"),
    ("031-12 34 56", "[telefon]"),
    ("+46 (0)31 12 34 56", "[telefon]"),
    ("Ring mig på 070-123 45 67.", "Ring mig på [telefon]."),
    ("Ring 08-123 456 78, tack", "Ring [telefon], tack"),
    ("(031-12 34 56)", "([telefon])"),
    ("Mitt nr: 811218-9875.", "Mitt nr: [personnummer]."),
    ("tel.0701234567", "tel.[telefon]"),
    # e-mail
    ("mejla anna.karlsson@example.com.", "mejla [e-post]."),
    ("per+inbox@mail.se", "[e-post]"),
    # postal addresses
    ("Jag bor på Storgatan 12 B, 123 45 Stockholm", "Jag bor på [adress]"),
    ("Kungsvägen 3", "[adress]"),
    ("Sankt Eriksgatan 5 lgh 1102", "[adress]"),
    ("adress: Drottninggatan 45", "adress: [adress]"),
    ("SE-123 45 Göteborg", "[adress]"),
    ("skicka till 411 05 Göteborg", "skicka till [adress]"),
    ("Lilla Nygatan 7, 3 tr", "[adress], 3 tr"),
]


@pytest.mark.parametrize(("text", "masked"), FOUND)
def test_found_and_masked(text: str, masked: str | None) -> None:
    assert find_personal_data(text), text
    result = mask(text)
    if masked is not None:
        assert result == masked
    assert not any(ch.isdigit() for ch in result.replace("3 tr", "")), result


# Other numbers first: the searches start at the first long number (or just before).
AFTER_OTHER_NUMBERS = [
    (
        "Buss 4, 12 maj, 12345 kr. Ring +46 (0)31 12 34 56",
        "Buss 4, 12 maj, 12345 kr. Ring [telefon]",
    ),
    (
        "Kö 123 45, sedan 2024: 811218-9875 är mitt nummer",
        "Kö 123 45, sedan 2024: [personnummer] är mitt nummer",
    ),
    ("3 st, 0046 8 123 456 78", "3 st, [telefon]"),
    ("Rum 12, Storgatan 12 B", "Rum 12, [adress]"),
    ("Linje 1234567 är full, ring 070-123 45 67", "Linje 1234567 är full, ring [telefon]"),
]


@pytest.mark.parametrize(("text", "masked"), AFTER_OTHER_NUMBERS)
def test_found_after_other_numbers(text: str, masked: str) -> None:
    assert mask(text) == masked


FALSE_ALARMS = [
    # order, invoice and case numbers
    "Mitt ordernummer är 20230415-1234",
    "Ordernummer 811218-9875",
    "Faktura 0701234567",
    "OCR 8112189876",
    "Ärende 1234567890",
    "Beställning 12345 Stockholm",
    # dates and times
    "Möte 2024-03-15 kl 14.00",
    "den 01-02-2024",
    "år 2019-2020",
    "kl 08.00-17.00",
    "06-12",
    "Jag väntade 45 minuter, 14:30 till 15:15",
    "15.03.2024",
    "2024.01.02",
    "2019-01-02-03",
    "20240315",
    # amounts and other numbers
    "Det kostar 1 250 kr",
    "summa 12 345 kr",
    "125 000 000 kronor",
    "Totalt 100 00 kronor",
    "Ring 1177 eller 112",
    "811318-9876",  # month 13
    "810230-1234",  # 30 February
    "820896-5417",  # coordination number with day 36
    # street-like words without a number
    "hela vägen 3 gånger",
    "Storgatan är avstängd",
    "en plan för 2025",
]


@pytest.mark.parametrize("text", FALSE_ALARMS)
def test_false_alarms(text: str) -> None:
    assert find_personal_data(text) == (), text
    assert mask(text) == text


def test_nearest_word_decides() -> None:
    text = "Order 12, mitt personnummer 811218-9875"
    assert mask(text) == "Order 12, mitt personnummer [personnummer]"


@pytest.mark.parametrize(
    ("parts", "kind"),
    [
        (("81", "12", "18", "-", "9876"), "personnummer"),
        (("81", "12", "18", "", "9875"), "personnummer"),
        (("07", "01", "23", "", "4567"), None),  # more likely a phone number
        (("1981", "12", "78", "", "9875"), "samordningsnummer"),
        (("81", "02", "30", "-", "9876"), None),
    ],
)
def test_id_number_kind(parts: tuple[str, str, str, str, str], kind: str | None) -> None:
    assert id_number_kind(*parts) == kind


def test_mask_empty() -> None:
    assert mask("") == ""
    assert mask(None) == ""
