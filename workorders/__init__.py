"""The work-order domain: work orders, their state machine and transition locks, the
append-only timeline, notes and checklist items. Later: rules engine, routing, SLA, knowledge
base, customer portal, analytics."""
