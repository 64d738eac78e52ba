"""The private internals the project relies on: Piccolo's and aiosqlite's for kernel/db.py (its
engine pools SQLite connections and runs statements of a write transaction inline), aiomqtt's
for the MQTT ingest, ``re``'s parser for the priority rules. The packages are pinned exactly in
pyproject.toml; an upgrade that changes any of these fails here, not in production."""

import inspect
from pathlib import Path

import aiosqlite
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction

from kernel.engines import TunedSQLiteEngine


def parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_the_overridden_engine_methods_keep_their_signatures() -> None:
    for name in ("_run_in_new_connection", "_run_in_existing_connection"):
        ours, piccolos = getattr(TunedSQLiteEngine, name), getattr(SQLiteEngine, name)
        assert parameters(ours) == parameters(piccolos), name
    assert parameters(SQLiteEngine._run_in_new_connection) == [
        "self",
        "query",
        "args",
        "query_type",
        "table",
    ]
    assert parameters(SQLiteEngine.get_connection) == ["self"]


def test_transactions_expose_their_connection_and_type() -> None:
    assert "transaction_type" in parameters(SQLiteTransaction.__init__)
    for transaction in (SQLiteTransaction, PostgresTransaction):
        source = inspect.getsource(transaction.__aenter__)
        assert "self.connection = " in source, transaction
    assert "current_transaction" in inspect.getsource(SQLiteEngine.__init__)
    assert "self.pool" in inspect.getsource(PostgresEngine.__init__)


async def test_aiosqlite_keeps_the_sqlite3_connection_at_conn(tmp_path: Path) -> None:
    import sqlite3

    async with aiosqlite.connect(tmp_path / "probe.db") as connection:
        assert isinstance(connection._conn, sqlite3.Connection)


def test_piccolo_runs_its_queries_on_the_current_transactions_connection() -> None:
    """The group commit joins Piccolo's own queries by setting ``current_transaction`` to a
    view with ``connection``; the readers copy the engine's connection options and rows."""
    source = inspect.getsource(SQLiteEngine.run_querystring)
    assert "self.current_transaction.get()" in source
    assert "connection=current_transaction.connection" in source
    assert "self.connection_kwargs" in inspect.getsource(SQLiteEngine.__init__)
    from piccolo.engine.sqlite import dict_factory

    assert parameters(dict_factory) == ["cursor", "row"]


def test_aiomqtt_keeps_the_paho_client_whose_manual_acks_the_mqtt_ingest_uses() -> None:
    """alarms/mqtt.py acknowledges a message only after its ingest committed: aiomqtt has no
    such API, so it turns on paho's manual acks (``manual_ack_set``, before connecting) on
    ``aiomqtt.Client._client`` and calls its ``ack(mid, qos)``. Both are pinned exactly."""
    import aiomqtt
    import paho.mqtt.client as paho

    source = inspect.getsource(aiomqtt.Client.__init__)
    assert "self._client: mqtt.Client = mqtt.Client(" in source
    assert parameters(paho.Client.manual_ack_set) == ["self", "on"]
    assert parameters(paho.Client.ack) == ["self", "mid", "qos"]
    assert "self._manual_ack" in inspect.getsource(paho.Client._handle_publish)
    assert parameters(aiomqtt.Message.__init__)[1:] == [
        "topic",
        "payload",
        "qos",
        "retain",
        "mid",
        "properties",
    ]


async def test_an_aiomqtt_client_holds_a_paho_client_with_manual_acks() -> None:
    import aiomqtt
    import paho.mqtt.client as paho

    client = aiomqtt.Client("127.0.0.1", identifier="probe", clean_session=False)
    assert isinstance(client._client, paho.Client)
    client._client.manual_ack_set(True)
    assert client._client._manual_ack is True


def test_the_regex_parser_saved_patterns_walk_keeps_its_shape() -> None:
    """``kernel.patterns`` walks ``re``'s parse tree to refuse nested repeats in the patterns
    tenants save (priority rules, serial numbers; Python 3.11's
    ``re._parser``; the public ``sre_parse`` alias warns it is deprecated)."""
    from re import _constants, _parser  # type: ignore[attr-defined]

    (op, (low, high, sub)) = _parser.parse("(a+)+").data[0]
    assert op is _constants.MAX_REPEAT
    assert (low, high) == (1, _constants.MAXREPEAT)
    (group, (_, _, _, inner)) = sub.data[0]
    assert group is _constants.SUBPATTERN
    assert inner.data[0][0] is _constants.MAX_REPEAT
