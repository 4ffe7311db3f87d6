# SPDX-License-Identifier: MIT
"""PROTOCOL.md Decision 17: batching of queued messages into one frame, and
the write delay that lets a busy client's messages share frames. A real hub,
real ZeroMQ publishers, real WebSocket clients."""

import asyncio
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtdash_harness import (Hub, WSClient, apublisher, check, check_eq, is_sample,  # noqa: E402
                            run_tests, samples_of, slow_raw_reader)

T0 = 1764300000000


async def test_write_delay_coalesces_a_busy_client_only():
    """--write-delay-ms: a client written to less than the delay ago waits out
    the delay, so what arrives meanwhile shares one frame; a quiet client is
    written at once. With 0, every message goes out alone."""
    for delay_ms in (300, 0):
        with Hub(["--write-delay-ms", str(delay_ms)]) as hub:
            c = await WSClient.connect(hub)
            await c.subscribe(["wd.*"])
            pub = await apublisher(hub)
            await asyncio.sleep(1.5)  # quiet: the last write (a "clients" count too) is long past
            t0 = time.monotonic()
            pub.sample("wd.a", {"v": 0}, seq=1)
            await c.wait_for(is_sample("wd.a", seq=1), 5, "first sample")
            first_ms = (time.monotonic() - t0) * 1000
            nframes = len(c.frames)
            for i in range(2, 6):  # four more, 30 ms apart: inside the delay
                await asyncio.sleep(0.03)
                pub.sample("wd.a", {"v": i}, seq=i)
            await c.wait_for(is_sample("wd.a", seq=5), 5, "fifth sample")
            frames = c.frames[nframes:]
            print("  (write delay %d ms: first sample after %.0f ms; the next four in %d "
                  "frame(s))" % (delay_ms, first_ms, len(frames)))
            check(first_ms < 150, "a quiet client waited %.0f ms for a sample (write delay %d "
                  "ms applies to busy clients only)" % (first_ms, delay_ms))
            if delay_ms:
                check(len(frames) == 1, "four samples within the write delay came in %d frames"
                      % len(frames))
            else:
                check_eq(len(frames), 4, "frames for four samples 30 ms apart, no write delay")
            c.check_framing()
            await c.close()


async def test_burst_batched_frames_split_into_valid_lines():
    with Hub() as hub:
        fast = await WSClient.connect(hub)
        await fast.subscribe(["*"])
        slow = slow_raw_reader(hub)
        time.sleep(0.3)
        pub = await apublisher(hub)
        topics = ["b.t%d" % i for i in range(4)]
        n = 2000
        for i in range(n):
            pub.sample(topics[i % 4], {"i": i, "x": i * 0.5}, ts=T0 + i, seq=i // 4 + 1)
            if i % 250 == 249:
                await asyncio.sleep(0.005)
        last = n // 4
        for t in topics:
            await fast.wait_for(is_sample(t, seq=last), 10, "last sample of %s" % t)
        fast.check_framing()
        # per topic: strictly increasing seq; a skipped seq is announced with gap:true
        for t in topics:
            ms = samples_of(fast.log, t)
            seqs = [m["seq"] for m in ms]
            check(all(a < b for a, b in zip(seqs, seqs[1:])), "%s: seqs not increasing" % t)
            for a, m in zip([0] + seqs, ms):
                if m["seq"] != a + 1:
                    check(m.get("gap") is True, "%s: seq %d follows %d without gap:true"
                          % (t, m["seq"], a))
        multi = sum(1 for f in fast.frames if "\n" in f)
        print("  (fast client: %d messages in %d frames, %d frames with several)"
              % (len(fast.log), len(fast.frames), multi))
        # the slow reader's frames: batched, each <= 64 KiB unless one message
        await asyncio.sleep(0.5)
        slow.sock.settimeout(5)
        frames, got_last = [], set()
        deadline = time.monotonic() + 15
        while len(got_last) < 4 and time.monotonic() < deadline:
            op, data = slow.recv_message()
            check(op == 0x1, "slow client: opcode %d" % op)
            frames.append(data)
            for line in data.split(b"\n"):
                m = json.loads(line.decode("utf-8"))
                check(isinstance(m, dict) and "type" in m, "line without type: %r" % line[:100])
                if m.get("type") == "sample" and m.get("seq") == last:
                    got_last.add(m["topic"])
        slow.close()
        check_eq(len(got_last), 4, "slow client got the last sample of every topic")
        multi = [f for f in frames if b"\n" in f]
        check(multi, "no batched frame among %d frames to a client that read late (Decision 17)"
              % len(frames))
        big = [len(f) for f in frames if len(f) > 65536 and b"\n" in f]
        check(not big, "batched frames over 64 KiB: %s" % big[:5])
        check(all(not f.endswith(b"\n") and not f.startswith(b"\n") for f in frames),
              "frame with a leading or trailing newline")
        await fast.close()


if __name__ == "__main__":
    run_tests(globals())
