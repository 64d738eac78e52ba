"""Error codes and their statuses: every code has one HTTP status (``server.errors.STATUS``), and
``classify`` picks codes by the exception's type and causes, never by its message."""

import json
from http import HTTPStatus

import msgspec
import pytest
from litestar.exceptions import ClientException, SerializationException, ValidationException
from litestar.serialization import decode_json

from mobile_contract.errors import ErrorCode
from server.errors import STATUS, classify
from tests.factories import World
from tests.server.test_bad_input import WORK_ORDERS, error_of, raw_post, work_order_count
from tests.server.test_hostile_input import DEPTH, deep

#: The codes that say the fault is the server's: 5xx. Every other code is the client's: 4xx.
SERVER_SIDE = {ErrorCode.INTERNAL_ERROR, ErrorCode.SERVICE_UNAVAILABLE}


# The table ------------------------------------------------------------------------------------


def test_every_error_code_has_a_status() -> None:
    missing = [code.value for code in ErrorCode if code not in STATUS]
    assert not missing, f"error codes without an HTTP status in server.errors.STATUS: {missing}"
    assert set(STATUS) == set(ErrorCode)


@pytest.mark.parametrize("code", list(ErrorCode), ids=str)
def test_statuses_are_4xx_for_the_client_and_5xx_for_the_server(code: ErrorCode) -> None:
    status = HTTPStatus(STATUS[code])  # a real status, not just a number
    if code in SERVER_SIDE:
        assert 500 <= status < 600, (code, status)
    else:
        assert 400 <= status < 500, (code, status)


# By type, over HTTP -------------------------------------------------------------------------


async def test_a_malformed_json_body_is_400_malformed_json(world: World) -> None:
    for content in (b'{"title": ', b'{"title": "x",}', b"{'title': 'x'}"):
        response = await raw_post(world, "dispatcher", WORK_ORDERS, content, "application/json")
        error = error_of(response, 400, "malformed_json")
        assert error["message"].startswith("The request body is not valid JSON"), error
    assert await work_order_count(world) == 0


async def test_valid_json_of_the_wrong_shape_is_422_validation_failed(world: World) -> None:
    cases = (([1], "data"), ({"title": 5}, "title"), ({"title": "ok", "tags": 3}, "tags"))
    for body, field in cases:
        content = json.dumps(body).encode()
        response = await raw_post(world, "dispatcher", WORK_ORDERS, content, "application/json")
        error = error_of(response, 422, "validation_failed")
        assert [item["field"] for item in error["details"]["errors"]] == [field], error
    assert await work_order_count(world) == 0


async def test_deeply_nested_json_is_400_malformed_json(world: World) -> None:
    for content in (deep(DEPTH), '{"title": "ok", "tags": ' + deep(DEPTH) + "}"):
        response = await raw_post(
            world, "dispatcher", WORK_ORDERS, content.encode(), "application/json"
        )
        error = error_of(response, 400, "malformed_json")
        assert "nests too deeply" in error["message"], error
    assert await work_order_count(world) == 0


# By type, not by message ----------------------------------------------------------------------


def _raised(exc: Exception) -> Exception:
    """``exc`` as the handler sees it: raised, with its traceback."""
    try:
        raise exc
    except Exception as caught:
        return caught


def test_our_own_recursion_error_stays_a_500() -> None:
    """Only a RecursionError out of Litestar's body decoder is the client's document."""

    def recurse(n: int) -> int:
        return recurse(n + 1) + 1

    with pytest.raises(RecursionError) as info:
        recurse(0)
    status, body = classify(info.value)
    assert (status, body.code) == (500, ErrorCode.INTERNAL_ERROR)
    # Even with msgspec's own wording, if our code raised it.
    words = _raised(RecursionError("maximum recursion depth exceeded while deserializing"))
    assert classify(words)[1].code == ErrorCode.INTERNAL_ERROR


def _raised_from(exc: Exception, cause: BaseException) -> Exception:
    try:
        raise exc from cause
    except Exception as caught:
        return caught


def test_a_typed_decode_refusing_well_formed_json_is_not_malformed() -> None:
    """Litestar's chain for a body it cannot read: ClientException from SerializationException
    from msgspec's error. ``msgspec.ValidationError`` is a ``DecodeError`` subclass, so the
    chain's types, not the words, tell well-formed-but-refused from malformed."""
    with pytest.raises(SerializationException) as refused:
        decode_json(b"[1]", target_type=dict)
    assert isinstance(refused.value.__cause__, msgspec.ValidationError)
    status, body = classify(_raised_from(ClientException(str(refused.value)), refused.value))
    assert (status, body.code) == (400, ErrorCode.VALIDATION_FAILED)
    with pytest.raises(SerializationException) as broken:
        decode_json(b'{"a": ')
    assert type(broken.value.__cause__) is msgspec.DecodeError
    status, body = classify(_raised_from(ClientException(str(broken.value)), broken.value))
    assert (status, body.code) == (400, ErrorCode.MALFORMED_JSON)


def test_messages_that_sound_malformed_do_not_choose_the_code() -> None:
    client = _raised(ClientException("JSON is malformed: invalid character (byte 0)"))
    status, body = classify(client)
    assert (status, body.code) == (400, ErrorCode.VALIDATION_FAILED)
    validation = _raised(ValidationException("Validation failed for GET /x?q=malformed"))
    status, body = classify(validation)
    assert (status, body.code) == (422, ErrorCode.VALIDATION_FAILED)
    # A failure to encode our own answer is ours, whatever it says.
    encoding = _raised(SerializationException("JSON is malformed"))
    assert classify(encoding)[0] == 500
