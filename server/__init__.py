"""Composes the packages into one service: settings, the Litestar app factory, auth, error
mapping, lifespan (database, background workers), health and the ``fieldops`` CLI."""
