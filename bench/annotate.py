"""Benchmark: 32 concurrent clients over HTTP looping next item -> save -> submit.

A project of 100,000 items (bulk-seeded) and 32 annotators; each client asks for its
next item, saves an annotation of 5 to 50 boxes (If-Match "rev-0"), and submits. Prints
saves/s and p50/p99 latency of each call, against a real `labelwright serve` process.

Usage: python bench/annotate.py [--database-url URL] [--seconds 30] [--clients 32]
Target: p99 <= 50 ms per save and <= 20 ms for next-item, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).parent))
from seed import populate
from server import Server

from labelwright.config import Settings
from labelwright.domain.roles import ProjectRole
from labelwright.services import projects, users
from labelwright.services.context import Context
from labelwright.services.labelschema import append_schema, parse_schema

SCHEMA = {
    "classes": [
        {"id": "car", "name": "Car", "color": "#cc3333", "shape_kinds": ["bbox"]},
        {"id": "person", "name": "Person", "color": "#3366cc", "shape_kinds": ["bbox"]},
    ]
}


def prepare(ctx: Context, n_items: int, n_clients: int) -> tuple[int, list[str]]:
    """Seed the project, its schema and one annotator (with an API token) per client."""
    project_id, _, _ = populate(ctx, n_items, states=["new"])
    tokens = []
    with ctx.db.session() as sess:
        append_schema(sess, project_id, parse_schema(SCHEMA), 1, None)
        project = projects.find_project(sess, project_id)
        project.overlap = 1
        for k in range(n_clients):
            user = users.create_user(sess, f"annotator{k}", "bench password")
            projects.set_member(sess, project, user, ProjectRole.annotator)
            tokens.append(users.issue_token(sess, user, kind="api", name="bench"))
    return project_id, tokens


def boxes(rng: random.Random) -> dict:
    """An annotation body of 5 to 50 boxes inside a 1000x750 image."""
    objects = []
    for k in range(rng.randint(5, 50)):
        x, y = rng.uniform(0, 900), rng.uniform(0, 650)
        objects.append(
            {
                "id": f"o{k}",
                "class_id": rng.choice(["car", "person"]),
                "shape": {
                    "kind": "bbox",
                    "x": x,
                    "y": y,
                    "w": rng.uniform(5, 99),
                    "h": rng.uniform(5, 99),
                },
            }
        )
    return {"objects": objects}


async def client_loop(
    base: str,
    project_id: int,
    token: str,
    until: float,
    times: dict[str, list[float]],
    seed: int,
    think: float,
) -> None:
    """One annotator: with think=0 as fast as the server lets them, else pausing like a person.

    The pause between two calls is exponential with mean `think` seconds (the time a
    person looks at the image, then draws).
    """
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    api = f"{base}/api/projects/{project_id}"

    async def pause(scale: float = 1.0) -> None:
        if think:
            await asyncio.sleep(rng.expovariate(1 / think) * scale)

    async def timed(op: str, request):
        t0 = time.perf_counter()
        resp = await request
        times[op].append(time.perf_counter() - t0)
        return resp

    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        (await http.get(f"{base}/api/auth/me")).raise_for_status()  # connect and warm up
        while time.perf_counter() < until:
            await pause()
            lease = await timed("next", http.post(f"{api}/queue/next"))
            if lease.status_code == 204:
                return
            lease.raise_for_status()
            work = lease.json()
            await pause()
            body, etag = boxes(rng), {"If-Match": '"rev-0"'}
            url = f"{api}/items/{work['item_id']}/annotation"
            (await timed("save", http.put(url, json=body, headers=etag))).raise_for_status()
            await pause(0.25)
            submit = http.post(f"{api}/assignments/{work['assignment_id']}/submit")
            (await timed("submit", submit)).raise_for_status()


def report(label: str, times: dict[str, list[float]], seconds: float) -> None:
    """Print throughput and latency percentiles."""
    saves = len(times["save"])
    print(f"{label}: {saves} saves in {seconds:.0f} s = {saves / seconds:.0f} saves/s")
    for op, values in times.items():
        ms = sorted(v * 1000 for v in values)
        if ms:
            p99 = ms[max(0, int(len(ms) * 0.99) - 1)]
            print(
                f"  {op:7s} p50 {statistics.median(ms):6.1f} ms  p99 {p99:6.1f} ms  (n={len(ms)})"
            )


async def run_clients(
    base: str, project_id: int, tokens: list[str], seconds: float, think: float
) -> dict:
    times: dict[str, list[float]] = {"next": [], "save": [], "submit": []}
    until = time.perf_counter() + seconds
    await asyncio.gather(
        *(client_loop(base, project_id, t, until, times, k, think) for k, t in enumerate(tokens))
    )
    return times


def main() -> None:
    """Seed, start the server, run the clients, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean pause in seconds between calls (0: none)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lw-annotate-") as tmp:
        ctx = Context.open(Settings.from_env(data_dir=Path(tmp), database_url=args.database_url))
        if ctx.db.dialect == "postgresql":
            with ctx.db.engine.begin() as conn:
                conn.execute(
                    text("TRUNCATE projects, images, users, jobs RESTART IDENTITY CASCADE")
                )
        project_id, tokens = prepare(ctx, args.items, args.clients)
        ctx.close()
        server = Server(Path(tmp), args.database_url, workers=args.workers)
        server.start()
        try:
            start, server_cpu, client_cpu = time.perf_counter(), server.cpu_seconds(), _cpu()
            times = asyncio.run(
                run_clients(server.url, project_id, tokens, args.seconds, args.think)
            )
            elapsed = time.perf_counter() - start
            server_cpu, client_cpu = server.cpu_seconds() - server_cpu, _cpu() - client_cpu
        finally:
            server.stop()
        report(
            f"{ctx.db.dialect}, {args.clients} clients, think {args.think} s, "
            f"{args.workers} server processes",
            times,
            elapsed,
        )
        calls = sum(len(v) for v in times.values())
        report_cpu(calls, server_cpu, client_cpu, args.clients)


def _cpu() -> float:
    """This process's CPU time (the clients')."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report_cpu(calls: int, server_cpu: float, client_cpu: float, clients: int) -> None:
    """CPU per call, and the latency it implies for clients that never pause.

    With no pause, each client always has one call in flight, so by Little's law the mean
    latency is clients / throughput, and throughput is at most cores / CPU per call.
    """
    if not calls:
        return
    cores = os.cpu_count() or 1
    server_ms, client_ms = 1000 * server_cpu / calls, 1000 * client_cpu / calls
    ceiling = cores / ((server_cpu + client_cpu) / calls)
    print(
        f"  CPU per call: server {server_ms:.1f} ms, clients {client_ms:.1f} ms; on {cores} "
        f"cores at most {ceiling:.0f} calls/s, so with no pause a call waits at least "
        f"{1000 * clients / ceiling:.0f} ms on average"
    )


if __name__ == "__main__":
    main()
