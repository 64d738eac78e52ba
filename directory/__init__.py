"""The installed base: customers (tier, contacts), sites (cold-storage warehouses, plants) and
assets (device code, model, family, production line, system module)."""
