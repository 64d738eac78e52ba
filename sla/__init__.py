"""SLA policies, business calendars, clocks, timers and escalations."""
