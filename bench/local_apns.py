"""The local APNs of the tests (tests/push/apns_server.py) as a process of its own, so a
benchmark's relay and the server do not share one core: prints ``{"url", "ca_file"}`` as one
JSON line, then serves until killed. The ES256 public key comes from the file in argv[1]."""

import asyncio
import json
import sys
from pathlib import Path

from tests.push.apns_server import ApnsServer


async def main(public: str) -> None:
    server = ApnsServer(public_key_pem=public, team_id=sys.argv[2], key_id=sys.argv[3])
    server.record = False
    await server.start()
    print(json.dumps({"url": server.url, "ca_file": server.ca_file}), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]).read_text()))
