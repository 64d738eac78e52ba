"""Alarm intake from IoT terminals (signed HTTP, MQTT, sync): deduplicated by the terminal's
own ids, one open work order per asset and alarm type."""
