"""The live dispatcher feed: work-order changes, SLA warnings, breaches and escalations of a
tenant, in commit order, streamed to dispatch roles and resumable from a cursor."""
