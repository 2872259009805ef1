"""A closed-loop load generator: N threads, each a labeler doing pull + submit pairs over keep-alive HTTP.

Runs as its own process (python bench/loadgen.py ...) and prints one JSON line: pairs, seconds, latencies.
"""

from __future__ import annotations

import argparse
import http.client
import json
import threading
import time
from urllib.parse import urlparse


def labeler(host: str, port: int, mode: str, token: str, who: int, stop_at: float, out: dict[str, list]) -> None:
    conn = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}", "X-Who": str(who)}
    claim_path = "/api/v1/work/next" if mode == "groundwork" else "/claim"
    latencies, ids = [], []
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        conn.request("POST", claim_path, body=b"{}", headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if resp.status == 204:
            break
        task = json.loads(data)
        aid = task["assignment_id"]
        submit = f"/api/v1/work/{aid}/submit" if mode == "groundwork" else f"/submit/{aid}"
        conn.request("POST", submit, body=json.dumps({"answer": {"label": "pos"}}), headers=headers)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            out["errors"].append(resp.status)
            continue
        latencies.append(time.perf_counter() - started)
        ids.append(aid)
    out["latencies"].extend(latencies)  # list.extend is atomic under the GIL
    out["ids"].extend(ids)
    out["per_thread"].append(len(ids))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--mode", choices=["groundwork", "bare"], required=True)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--tokens", default="", help="comma-separated labeler tokens (groundwork mode)")
    parser.add_argument("--threads", type=int, default=32)
    args = parser.parse_args()
    parsed = urlparse(args.url)
    tokens = args.tokens.split(",") if args.tokens else ["-"] * args.threads
    out: dict[str, list] = {"latencies": [], "ids": [], "errors": [], "per_thread": []}
    started = time.perf_counter()
    stop_at = started + args.seconds
    threads = [threading.Thread(target=labeler, args=(parsed.hostname, parsed.port, args.mode, tokens[i], i + 1,
                                                      stop_at, out)) for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    print(json.dumps({"pairs": len(out["latencies"]), "seconds": elapsed, "latencies": out["latencies"],
                      "ids": out["ids"], "errors": out["errors"],
                      "per_thread": sorted(out["per_thread"])}))


if __name__ == "__main__":
    main()
