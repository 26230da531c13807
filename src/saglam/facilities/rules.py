"""Facility lifecycle rules (pure)."""

from __future__ import annotations

from datetime import date

from saglam.core.message import Message
from saglam.facilities.enums import FacilityStatus, LifecycleEvent

#: event → (statuses it may follow, status it leads to; None keeps the status)
TRANSITIONS: dict[LifecycleEvent, tuple[frozenset[FacilityStatus], FacilityStatus | None]] = {
    LifecycleEvent.COMMISSIONED: (frozenset({FacilityStatus.ACTIVE}), FacilityStatus.ACTIVE),
    LifecycleEvent.RECONSTRUCTION_STARTED: (
        frozenset({FacilityStatus.ACTIVE}),
        FacilityStatus.UNDER_RECONSTRUCTION,
    ),
    LifecycleEvent.RECONSTRUCTION_FINISHED: (
        frozenset({FacilityStatus.UNDER_RECONSTRUCTION}),
        FacilityStatus.ACTIVE,
    ),
    LifecycleEvent.REHABILITATED: (frozenset({FacilityStatus.ACTIVE}), None),
    LifecycleEvent.CLOSED: (
        frozenset({FacilityStatus.ACTIVE, FacilityStatus.UNDER_RECONSTRUCTION}),
        FacilityStatus.CLOSED,
    ),
}


def next_status(
    current: FacilityStatus,
    event: LifecycleEvent,
    on: date,
    last_event_on: date | None,
    already_commissioned: bool,
    today: date,
) -> tuple[FacilityStatus | None, str | None]:
    """The status after ``event``, or (None, reason) when the event is impossible."""
    if on > today:
        return None, Message("the event date is in the future")
    if last_event_on and on < last_event_on:
        return None, Message(
            "the event date is before the previous event (%(on)s)", on=last_event_on.isoformat()
        )
    if event is LifecycleEvent.COMMISSIONED and already_commissioned:
        return None, Message("the facility is already commissioned")
    allowed_from, to = TRANSITIONS[event]
    if current not in allowed_from:
        return None, Message(
            "cannot record %(event)s while the facility is %(status)s",
            event=event.value,
            status=current.value,
        )
    return (to or current), None
