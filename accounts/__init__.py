"""Tenants, users (roles, phone), teams and their members, login sessions and tokens."""
