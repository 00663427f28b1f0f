"""The audit trail, readable: which events count as what, and a Swedish sentence for each.

Pure. The kinds a data protection officer asks about (read, revealed, replied,
removed, exported, erased, registered) are groups of stored event kinds; every
other kind is shown too, in a plain sentence naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from inbox.core.classify.pii import mask
from inbox.core.text import Text

# A person opening an item is recorded at most once per person, item and this span.
READ_EVERY_SECONDS = 3600


@dataclass(frozen=True)
class KindGroup:
    label: Text
    kinds: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()

    def matches(self, kind: str) -> bool:
        return kind in self.kinds or kind.startswith(self.prefixes)


GROUPS: dict[str, KindGroup] = {
    "read": KindGroup(Text("öppnade ett ärende"), ("read",)),
    "revealed": KindGroup(Text("visade personuppgifter"), ("revealed",)),
    "replied": KindGroup(Text("svarade"), ("outbound_sent",), ("response_",)),
    "removed": KindGroup(
        Text("tog bort"), ("removed", "hidden_on_platform", "removed_on_platform")
    ),
    "exported": KindGroup(Text("exporterade"), ("exported",)),
    "erased": KindGroup(Text("raderade"), ("erased",), ("erase", "person_erase", "retention")),
    "registered": KindGroup(Text("registrerade som ärende"), ("registered", "registry_reference")),
}


def group_of(kind: str) -> str | None:
    return next((key for key, group in GROUPS.items() if group.matches(kind)), None)


def _value(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def _typed(data: Mapping[str, Any], key: str) -> str:
    """Something a person typed (a reason): personal data in it is masked here too."""
    return mask(_value(data, key))


def describe(
    kind: str,
    who: str,
    item_id: int | None,
    data: Mapping[str, Any],
    *,
    kind_label: str | None = None,
) -> Text:
    """One sentence, in Swedish, saying who did what to which item; other kinds are
    named by ``kind_label`` (as the interface calls them) or as stored."""
    item = str(item_id) if item_id is not None else ""
    if kind == "read":
        return Text("%(who)s öppnade ärende %(item)s.", who=who, item=item)
    if kind == "revealed":
        return Text(
            "%(who)s visade personuppgifterna i ärende %(item)s. Skäl: %(reason)s",
            who=who,
            item=item,
            reason=_typed(data, "reason"),
        )
    if kind.startswith("response_"):
        return Text("%(who)s svarade på ärende %(item)s.", who=who, item=item)
    if kind == "outbound_sent":
        return Text("%(who)s skickade ett svar på ärende %(item)s.", who=who, item=item)
    if kind in GROUPS["removed"].kinds:
        return Text(
            "%(who)s tog bort ärende %(item)s. Skäl: %(reason)s",
            who=who,
            item=item,
            reason=_typed(data, "reason") or "–",
        )
    if kind == "exported":
        return Text(
            "%(who)s exporterade %(what)s (%(count)s rader, %(format)s).",
            who=who,
            what=_value(data, "what"),
            count=_value(data, "count"),
            format=_value(data, "format"),
        )
    if kind == "registered":
        return Text(
            "%(who)s skickade ärende %(item)s till registrator %(to)s.",
            who=who,
            item=item,
            to=_value(data, "to"),
        )
    if kind == "registry_reference":
        return Text(
            "%(who)s angav diarienummer %(reference)s för ärende %(item)s.",
            who=who,
            item=item,
            reference=_value(data, "reference"),
        )
    if GROUPS["erased"].matches(kind):
        if item:
            return Text("%(who)s raderade uppgifter i ärende %(item)s.", who=who, item=item)
        return Text("%(who)s raderade personuppgifter.", who=who)
    named = kind_label or kind
    if item:
        return Text("%(who)s: %(kind)s (ärende %(item)s).", who=who, kind=named, item=item)
    return Text("%(who)s: %(kind)s.", who=who, kind=named)
