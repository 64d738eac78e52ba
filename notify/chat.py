"""The chat channels' wire formats: WeChat official-account template messages, and the WeCom
and DingTalk group robots' markdown messages.

Each answers HTTP 200 with ``errcode`` 0 when it took the message; another ``errcode`` in a
200 is a refusal, classified here: a wrong address (an open id that is not a follower, a
robot removed from its group or one whose security settings refuse us) is dead at once,
sending too fast waits as the service asks, "system busy" is an outage.

WeChat wants an access token in the URL. With the channel's ``app_id`` the secret is the
AppSecret and the provider gets tokens from the token endpoint (WeChat's, or a central token
service that hands out the account's current token), keeping each until shortly before it
expires and fetching a new one when WeChat says it expired. Without ``app_id`` the secret is
the access token itself: for an endpoint that takes a long-lived token (a gateway in front
of WeChat that refreshes the real one); WeChat's own tokens expire within hours, so a static
one there stops working, and its refusal opens the circuit and alerts on-call.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from notify.providers import Outgoing, Route, by_status, json_object, post
from push.providers import Answer, Verdict
from push.webhooks import dingtalk_sign, fit

WECHAT_TOKEN_ENDPOINT = "https://api.weixin.qq.com/cgi-bin/token"
_EXPIRED_TOKEN = frozenset({40001, 40014, 42001})
_BAD_OPEN_ID = frozenset({40003, 43004, 43101})  # not a follower, unfollowed, refused these
_BAD_MESSAGE = frozenset({40037, 47003})  # no such template, a field it refuses
_BAD_CREDENTIALS = frozenset({40013, 40125, 40164, 41002, 41004})  # appid, secret, IP list
_MARKDOWN_BYTES = {"wecom": 4_000, "dingtalk": 18_000}  # what each robot takes, with room


def _with_query(url: str, query: dict[str, Any]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"


def _refused(
    answer: dict[str, Any],
    response: httpx.Response,
    verdict: Verdict,
    *,
    outage: bool = False,
    wait: float | None = None,
) -> Answer:
    reason = f"errcode {answer.get('errcode')}: {str(answer.get('errmsg') or '')[:150]}"
    return Answer(
        verdict,
        response.status_code,
        reason,
        response.text[:4000],
        retry_after_seconds=wait,
        outage=outage,
    )


@dataclass
class _Token:
    value: str
    until: float


class WeChatTemplates:
    """``POST {endpoint}?access_token=…`` with ``{"touser", "template_id", "url", "data"}``:
    ``url`` is the portal link; ``data`` fills the template's slots ``first`` (the headline),
    ``keyword1`` (the work order number), ``keyword2`` (its status in the customer's words)
    and ``remark`` (the tenant's text)."""

    name = "wechat"

    def __init__(
        self, client: httpx.AsyncClient, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.client, self.clock = client, clock
        self._tokens: dict[tuple[str, str], _Token] = {}

    async def send(self, item: Outgoing, route: Route) -> Answer:
        token = await self._token(route)
        if isinstance(token, Answer):
            return token
        body = {
            "touser": item.address,
            "template_id": str(route.options.get("template_id") or ""),
            "url": item.portal_link,
            "data": {
                "first": {"value": item.headline},
                "keyword1": {"value": item.number},
                "keyword2": {"value": item.status_words},
                "remark": {"value": item.text},
            },
        }
        response = await post(
            self.client, _with_query(route.endpoint, {"access_token": token}), body
        )
        if isinstance(response, Answer):
            return response
        failed = by_status(response)
        if failed is not None:
            return failed
        answer = json_object(response)
        code = answer.get("errcode", 0)
        if code == 0:
            return Answer(Verdict.DELIVERED, response.status_code, "", response.text[:4000])
        if code in _EXPIRED_TOKEN:
            if route.options.get("app_id"):
                self._tokens.pop(self._key(route), None)  # the next try fetches a new one
                return _refused(answer, response, Verdict.RETRY)
            return _refused(answer, response, Verdict.PROVIDER_AUTH)
        if code in _BAD_CREDENTIALS:
            return _refused(answer, response, Verdict.PROVIDER_AUTH)
        if code in _BAD_OPEN_ID or code in _BAD_MESSAGE:
            return _refused(answer, response, Verdict.DEAD)
        if code == -1:  # "system busy"
            return _refused(answer, response, Verdict.RETRY, outage=True)
        return _refused(answer, response, Verdict.RETRY)

    @staticmethod
    def _key(route: Route) -> tuple[str, str]:
        token_endpoint = str(route.options.get("token_endpoint") or WECHAT_TOKEN_ENDPOINT)
        return token_endpoint, str(route.options.get("app_id") or "")

    async def _token(self, route: Route) -> str | Answer:
        app_id = str(route.options.get("app_id") or "")
        if not app_id:
            return route.secret
        key = self._key(route)
        held = self._tokens.get(key)
        if held is not None and held.until > self.clock():
            return held.value
        query = {"grant_type": "client_credential", "appid": app_id, "secret": route.secret}
        try:
            response = await self.client.get(_with_query(key[0], query))
        except httpx.HTTPError as error:
            return Answer(
                Verdict.RETRY, reason=f"token endpoint: {type(error).__name__}", outage=True
            )
        failed = by_status(response)
        if failed is not None:
            return failed
        answer = json_object(response)
        token, lifetime = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(token, str) or not token:
            verdict = Verdict.RETRY if answer.get("errcode") == -1 else Verdict.PROVIDER_AUTH
            return _refused(answer, response, verdict)
        seconds = float(lifetime) if isinstance(lifetime, int | float) else 7200.0
        self._tokens[key] = _Token(token, self.clock() + max(seconds - 300.0, seconds / 2))
        return token


def _robot_answer(response: httpx.Response | Answer, kind: str) -> Answer:
    if isinstance(response, Answer):
        return response
    failed = by_status(response)
    if failed is not None:
        return failed
    answer = json_object(response)
    code = answer.get("errcode")
    if code == 0:
        return Answer(Verdict.DELIVERED, response.status_code, "", response.text[:4000])
    if code == -1:
        return _refused(answer, response, Verdict.RETRY, outage=True)
    if (kind, code) in (("wecom", 45009), ("dingtalk", 130101)):
        # Too fast: WeCom takes 20 a minute; DingTalk then blocks the robot for 10 minutes.
        wait = 60.0 if kind == "wecom" else 600.0
        return _refused(answer, response, Verdict.RETRY, wait=wait)
    # Anything else (a removed robot, a wrong key, a signature or keyword its security
    # settings refuse) is this robot's, and will not change by itself.
    return _refused(answer, response, Verdict.DEAD)


class WeComRobot:
    """A WeCom group robot: ``{"msgtype": "markdown", "markdown": {"content"}}`` to its
    webhook (the key is in it)."""

    name = "wecom"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def send(self, item: Outgoing, route: Route) -> Answer:
        content = fit(f"**{item.headline}**\n{item.text}", _MARKDOWN_BYTES["wecom"])
        body = {"msgtype": "markdown", "markdown": {"content": content}}
        return _robot_answer(await post(self.client, route.endpoint, body), self.name)


class DingTalkRobot:
    """A DingTalk group robot: ``{"msgtype": "markdown", "markdown": {"title", "text"}}`` to
    its webhook, signed with ``timestamp`` and ``sign`` (加签) when it has a secret."""

    name = "dingtalk"

    def __init__(
        self, client: httpx.AsyncClient, *, wall_clock: Callable[[], float] = time.time
    ) -> None:
        self.client, self.wall_clock = client, wall_clock

    async def send(self, item: Outgoing, route: Route) -> Answer:
        text = fit(f"#### {item.headline}\n\n{item.text}", _MARKDOWN_BYTES["dingtalk"])
        body = {"msgtype": "markdown", "markdown": {"title": item.headline, "text": text}}
        url = route.endpoint
        if route.secret:
            timestamp = int(self.wall_clock() * 1000)
            signed = {"timestamp": timestamp, "sign": dingtalk_sign(route.secret, timestamp)}
            url = _with_query(url, signed)
        return _robot_answer(await post(self.client, url, body), self.name)
