"""What the data's own words are called in the interface: one table, one filter.

The database and the code say ``high``, ``comment``, ``answered``; people read
"hög", "kommentar", "besvarat". Templates show a value with
``{{ item.priority|label("priority") }}``; a value the table does not know (a
priority an organisation added to its rules) is shown as it is.
"""

from __future__ import annotations

from inbox.core.text import Text
from inbox.web.i18n import translate

__all__ = ["LABELS", "label"]

LABELS: dict[str, dict[str, Text]] = {
    "channel": {
        "facebook": Text("Facebook"),
        "instagram": Text("Instagram"),
        "messenger": Text("Messenger"),
        "linkedin": Text("LinkedIn"),
        "email": Text("e-post"),
        "web": Text("webbformulär"),
        "other": Text("annan kanal"),
    },
    "kind": {
        "comment": Text("kommentar"),
        "reply": Text("svar i en tråd"),
        "private_message": Text("privat meddelande"),
        "email": Text("e-brev"),
        "mention": Text("omnämnande"),
        "other": Text("annat"),
    },
    "priority": {
        "urgent": Text("brådskande"),
        "high": Text("hög"),
        "normal": Text("normal"),
        "low": Text("låg"),
    },
    "resolution": {
        "answered": Text("besvarat"),
        "no_reply_needed": Text("kräver inget svar"),
        "spam": Text("skräp"),
        "removed": Text("borttaget"),
    },
    "status": {"open": Text("öppet"), "closed": Text("stängt")},
    "role": {
        "communicator": Text("Kommunikatör"),
        "supervisor": Text("Chef / samordnare"),
        "admin": Text("Administratör"),
    },
    "sentiment": {
        "positive": Text("positiv"),
        "neutral": Text("neutral"),
        "negative": Text("negativ"),
    },
    "flag": {
        "threat": Text("hot"),
        "offensive": Text("kränkande"),
        "personal_data": Text("personuppgifter"),
        "question": Text("fråga"),
    },
    "source": {
        "inbox": Text("i inkorgen"),
        "platform": Text("på sidan"),
        "elsewhere": Text("givet någon annanstans"),
        "acknowledgement": Text("bekräftelse"),
        "api": Text("via API"),
    },
    "level": {"primary": Text("i första hand"), "backup": Text("reserv")},
    "urgent_reason": {
        "priority": Text("hög prioritet"),
        "crisis": Text("kris"),
        "threat": Text("hot"),
        "offensive": Text("kränkande"),
    },
    "receives": {
        "all": Text("allt"),
        "feed": Text("kommentarer"),
        "messages": Text("meddelanden"),
    },
    "calendar": {"office": Text("kontorstid"), "24x7": Text("dygnet runt")},
    "language": {"sv": Text("svenska"), "en": Text("engelska")},
    # The details an event keeps (``key=value`` in the item's history).
    "event_field": {
        "assignee": Text("tilldelad"),
        "previous": Text("tidigare"),
        "department": Text("förvaltning"),
        "resolution": Text("utfall"),
        "reason": Text("skäl"),
        "detail": Text("förklaring"),
        "field": Text("fält"),
        "old": Text("före"),
        "new": Text("efter"),
        "person": Text("person"),
        "level": Text("nivå"),
        "user": Text("användare"),
        "role": Text("roll"),
        "departments": Text("förvaltningar"),
        "operation": Text("åtgärd"),
        "source": Text("källa"),
        "sent_at": Text("tidpunkt"),
    },
    "field": {
        "topic": Text("ämne"),
        "sentiment": Text("sentiment"),
        "department": Text("förvaltning"),
    },
    "event": {
        "item_received": Text("inkom"),
        "read": Text("öppnat"),
        "revealed": Text("personuppgifter visade"),
        "registered": Text("skickat till registrator"),
        "registry_reference": Text("diarienummer angivet"),
        "exported": Text("exporterat"),
        "page_added": Text("sida tillagd"),
        "user_added": Text("användare tillagd"),
        "closed": Text("stängt"),
        "removed": Text("borttaget"),
        "reopened": Text("öppnat igen"),
        "assigned": Text("tilldelat"),
        "note": Text("intern anteckning"),
        "sent_to_department": Text("skickat till förvaltning"),
        "rerouted": Text("flyttat av reglerna"),
        "corrected": Text("rättat"),
        "edited": Text("ändrat av skribenten"),
        "comment": Text("kommentar"),
        "urgent": Text("brådskande"),
        "escalated": Text("larm skickat"),
        "escalation_forwarded": Text("larm skickat till reserven"),
        "escalation_acknowledged": Text("larm kvitterat"),
        "notification_queued": Text("avisering köad"),
        "email": Text("e-post"),
        "email_auto_reply": Text("automatiskt svar"),
        "outbound_queued": Text("köat för att skickas"),
        "outbound_sent": Text("skickat"),
        "outbound_failed": Text("kunde inte skickas"),
        "outbound_retry": Text("nytt försök att skicka"),
        "outbound_uncertain": Text("osäkert om det kom fram"),
        "outbound_settled": Text("sändning avgjord för hand"),
        "outbound_looked_up": Text("kontrollerat på sidan"),
        "hidden_on_platform": Text("dolt på sidan"),
        "unhidden_on_platform": Text("visas igen på sidan"),
        "removed_on_platform": Text("raderat på sidan"),
        "response_inbox": Text("svar skickat från inkorgen"),
        "response_platform": Text("svar givet på sidan"),
        "response_elsewhere": Text("svar givet någon annanstans"),
        "response_acknowledgement": Text("bekräftelse"),
        "response_api": Text("svar registrerat via API"),
        "acknowledged": Text("bekräftat"),
        "bulk": Text("ändrat tillsammans med andra"),
        "bulk_undone": Text("ändring ångrad"),
        "lease_taken": Text("sändning påbörjad"),
        "lease_released": Text("sändning avslutad"),
    },
}


def label(value: object, group: str) -> str:
    """``value`` as people call it (in the reader's language); unknown values as they are."""
    if value is None or value == "":
        return ""
    found = LABELS.get(group, {}).get(str(value))
    return translate(found) if found is not None else str(value)
