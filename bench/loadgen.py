"""A closed-loop load generator: N labelers, each doing pull + submit pairs over its own keep-alive HTTP connection.

Runs as its own process (python bench/loadgen.py ...) and prints one JSON line: pairs, seconds, latencies.
One asyncio loop drives every connection with a minimal HTTP/1.1 client, so the generator spends little CPU per
request and no labeler waits on another's thread for the GIL: on a 2-core machine the server under test, not the
generator, sets the latencies measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlparse


class Connection:
    """One keep-alive HTTP/1.1 connection: POST a JSON body, read status and body (Content-Length framing)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, headers: str):
        self.reader, self.writer, self.host, self.headers = reader, writer, host, headers

    @classmethod
    async def open(cls, host: str, port: int, headers: dict[str, str]) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return cls(reader, writer, f"{host}:{port}", lines)

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\n{self.headers}Content-Length: {len(body)}\r\n\r\n".encode()
            + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        data = await self.reader.readexactly(length) if length else b""
        return status, data

    def close(self) -> None:
        self.writer.close()


async def labeler(host: str, port: int, mode: str, token: str, who: int, measure_from: float, stop_at: float,
                  out: dict[str, list]) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}", "X-Who": str(who)}
    conn = await Connection.open(host, port, headers)
    claim_path = "/api/v1/work/next" if mode == "groundwork" else "/claim"
    answer = json.dumps({"answer": {"label": "pos"}}).encode()
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            status, data = await conn.post(claim_path, b"{}")
            if status == 204:
                break
            aid = json.loads(data)["assignment_id"]
            submit = f"/api/v1/work/{aid}/submit" if mode == "groundwork" else f"/submit/{aid}"
            status, _ = await conn.post(submit, answer)
            if status != 200:
                out["errors"].append(status)
                continue
            out["ids"].append(aid)
            if started >= measure_from:  # pairs begun during warm-up are served but not measured
                out["latencies"].append(time.perf_counter() - started)
                out["count"][who] = out["count"].get(who, 0) + 1
    finally:
        conn.close()


async def run(url: str, mode: str, seconds: float, warmup: float, tokens: list[str]) -> dict:
    parsed = urlparse(url)
    out: dict = {"latencies": [], "ids": [], "errors": [], "count": {}}
    measure_from = time.perf_counter() + warmup
    stop_at = measure_from + seconds
    await asyncio.gather(*(labeler(parsed.hostname or "127.0.0.1", parsed.port or 80, mode, token, i + 1,
                                   measure_from, stop_at, out) for i, token in enumerate(tokens)))
    out["seconds"] = time.perf_counter() - measure_from
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--mode", choices=["groundwork", "bare"], required=True)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=2,
                        help="seconds of load before measuring starts: pool connections and first-use caches fill")
    parser.add_argument("--tokens", default="", help="comma-separated labeler tokens (groundwork mode)")
    parser.add_argument("--threads", type=int, default=32, help="concurrent labelers (connections)")
    args = parser.parse_args()
    tokens = args.tokens.split(",") if args.tokens else ["-"] * args.threads
    out = asyncio.run(run(args.url, args.mode, args.seconds, args.warmup, tokens[: args.threads]))
    print(json.dumps({"pairs": len(out["latencies"]), "seconds": out["seconds"], "latencies": out["latencies"],
                      "ids": out["ids"], "errors": out["errors"],
                      "per_thread": sorted(out["count"].get(i + 1, 0) for i in range(args.threads))}))


if __name__ == "__main__":
    main()
