"""Messages chosen at run time, listed here so that ``pybabel extract`` finds them."""

from __future__ import annotations


def _(message: str) -> str:
    return message


RUNTIME_MESSAGES = (
    _("Ärendet är stängt."),
    _("Ärendet är tilldelat."),
    _("Tilldelningen är borttagen."),
    _("Ärendet är skickat till en annan förvaltning."),
    _("Anteckningen är sparad."),
    _("Rättelsen är sparad."),
    _("Diarienumret är sparat."),
    _("Ärendet har ett bevarandebeslut: det gallras och raderas inte."),
    _("Bevarandebeslutet är hävt."),
    _("Någon annan har svarat sedan du öppnade ärendet."),
    _("Kommunikatör"),
    _("Chef / samordnare"),
    _("Administratör"),
    _("kränkande"),
    _("hot"),
    _("personuppgifter"),
    _("reklam"),
    _("olagligt innehåll"),
    _("annat"),
    _("Felaktig begäran"),
    _("Du behöver logga in"),
    _("Du har inte behörighet"),
    _("Sidan finns inte"),
    _("Metoden stöds inte"),
    _("Uppgifterna behöver rättas"),
    _("För många försök"),
    _("Tjänsten är tillfälligt otillgänglig"),
    _("Något gick fel"),
    _("Ärendet finns inte."),
    _("Ärendet hör till en annan förvaltning."),
    _("Din roll får inte använda den här sidan."),
    _("Beredskapsvyn är för den som har beredskap."),
    _("CSRF-kontrollen misslyckades. Ladda om sidan och försök igen."),
    _("Logga in först."),
)
