#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""ws_check.py URL [SECONDS [FAMILY...]] - the dashboard's view of a running stack.

Connects to the hub's WebSocket (URL, e.g. ws://127.0.0.1:18480/ws) the way the
page does, subscribes to FAMILY.* for each FAMILY (what a viewer limited to
those topics may ask for; "*" would be refused whole) and waits until a live sample of a topic
of every FAMILY has arrived (default: system and demo, i.e. a system.* topic
from rtdash-sysmetrics and a demo.* topic from rtdash-demo). Prints what it
saw; exit 0 when all came within SECONDS (default 20), 1 otherwise.
Debian's python3-websockets (asyncio API).
"""
import asyncio
import json
import sys

import websockets


async def check(url, seconds, families):
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + seconds
    seen = dict.fromkeys(families)
    topics = set()
    async with websockets.connect(url, subprotocols=["rtdash.v1"], max_size=None,
                                  open_timeout=seconds) as ws:
        await ws.send(json.dumps({"type": "subscribe",
                                  "topics": [f"{family}.*" for family in families]}))
        while not all(seen.values()):
            left = deadline - loop.time()
            if left <= 0:
                break
            try:
                frame = await asyncio.wait_for(ws.recv(), left)
            except asyncio.TimeoutError:
                break
            for line in frame.split("\n"):
                if not line:
                    continue
                msg = json.loads(line)
                kind = msg.get("type")
                if kind == "welcome":
                    print(f"  welcome: {msg.get('server')} {msg.get('version')}, "
                          f"{len(msg.get('topics') or [])} topics known")
                elif kind == "error":
                    print(f"  error from the hub: {msg.get('code')}: {msg.get('message')}")
                elif kind == "sample":
                    topic = msg["topic"]
                    topics.add(topic)
                    family = topic.split(".", 1)[0]
                    if family in seen and seen[family] is None:
                        seen[family] = topic
                        fields = json.dumps(msg.get("fields"), sort_keys=True)
                        print(f"  sample {topic} after {loop.time() - start:.1f} s: {fields[:100]}")
    missing = [f"{family}.*" for family, topic in seen.items() if topic is None]
    print(f"  topics with samples: {', '.join(sorted(topics)) or 'none'}")
    if missing:
        print(f"  no sample of {' and '.join(missing)} within {seconds} s")
        return 1
    return 0


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    families = sys.argv[3:] or ["system", "demo"]
    try:
        return asyncio.run(check(sys.argv[1], seconds, families))
    except (OSError, asyncio.TimeoutError, websockets.WebSocketException) as e:
        print(f"  WebSocket {sys.argv[1]}: {type(e).__name__}: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
