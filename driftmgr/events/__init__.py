"""In-process subscriptions to the event log (see :mod:`driftmgr.events.bus`)."""
