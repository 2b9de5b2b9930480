"""Durability check: SIGKILL the server again and again while clients save.

Clients save annotations over HTTP and remember every save the server acknowledged.
The server is killed with SIGKILL several times and restarted. Afterwards every
acknowledged revision must be present with exactly the body that was sent, and no
annotation may point at a missing or half-written revision.

Usage: python bench/durability.py [--database-url URL] [--kills 5] [--clients 16]
Exits non-zero when anything acknowledged was lost.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).parent))
from annotate import boxes, prepare
from server import Server

from labelwright.config import Settings
from labelwright.services.context import Context
from labelwright.store.tables import Annotation, AnnotationRevision, Item


def digest(body: dict) -> str:
    """A stable fingerprint of an annotation body."""
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class Client(threading.Thread):
    """Saves to its own items until told to stop; records acknowledged saves."""

    def __init__(
        self,
        k: int,
        token: str,
        project_id: int,
        items: list[int],
        server: Server,
        stop: threading.Event,
    ) -> None:
        super().__init__(daemon=True)
        self.k, self.token, self.project_id, self.items = k, token, project_id, items
        self.server, self.stop_event = server, stop
        self.acked: list[tuple[int, int, str]] = []  # (item id, revision, body digest)
        self.revisions: dict[int, int] = {}
        self.errors = 0

    def run(self) -> None:
        rng = random.Random(self.k)
        headers = {"Authorization": f"Bearer {self.token}"}
        while not self.stop_event.is_set():
            item = rng.choice(self.items)
            url = f"{self.server.url}/api/projects/{self.project_id}/items/{item}/annotation"
            try:
                if item not in self.revisions:  # (re)learn the revision after any doubt
                    self.revisions[item] = httpx.get(url, headers=headers, timeout=5).json()[
                        "revision"
                    ]
                body = boxes(rng)
                resp = httpx.put(
                    url,
                    json=body,
                    timeout=5,
                    headers={**headers, "If-Match": f'"rev-{self.revisions[item]}"'},
                )
            except (httpx.HTTPError, KeyError, ValueError):
                self.revisions.pop(item, None)  # the save may or may not have landed
                self.errors += 1
                time.sleep(0.05)
                continue
            if resp.status_code == 200:
                saved = resp.json()
                self.revisions[item] = saved["revision"]
                self.acked.append((item, saved["revision"], digest(saved["body"])))
            else:
                self.revisions.pop(item, None)


def verify(ctx: Context, project_id: int, acked: list[tuple[int, int, str]]) -> list[str]:
    """Every acknowledged revision present and unchanged; every pointer complete."""
    problems = []
    with ctx.db.session() as sess:
        for annotation in sess.scalars(
            select(Annotation).where(Annotation.project_id == project_id)
        ):
            count = sess.scalar(
                select(func.count())
                .select_from(AnnotationRevision)
                .where(AnnotationRevision.annotation_id == annotation.id)
            )
            if count != annotation.revision:
                problems.append(
                    f"annotation {annotation.id}: pointer at {annotation.revision}, "
                    f"{count} revisions stored"
                )
        bodies = {}
        for item_id, number, body in sess.execute(
            select(
                Annotation.item_id,
                AnnotationRevision.number,
                AnnotationRevision.body,
            )
            .join(AnnotationRevision, AnnotationRevision.annotation_id == Annotation.id)
            .where(Annotation.project_id == project_id)
        ):
            bodies[(item_id, number)] = digest(body)
    for item_id, number, fingerprint in acked:
        if bodies.get((item_id, number)) != fingerprint:
            problems.append(
                f"item {item_id} revision {number}: acknowledged but "
                f"{'missing' if (item_id, number) not in bodies else 'changed'}"
            )
    return problems


def main() -> int:
    """Run the kill loop and verify; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between kills")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lw-durability-") as tmp:
        ctx = Context.open(Settings.from_env(data_dir=Path(tmp), database_url=args.database_url))
        if ctx.db.dialect == "postgresql":
            with ctx.db.engine.begin() as conn:
                conn.execute(
                    text("TRUNCATE projects, images, users, jobs RESTART IDENTITY CASCADE")
                )
        n_items = args.clients * 20
        project_id, tokens = prepare(ctx, n_items, args.clients)
        with ctx.db.session() as sess:
            item_ids = list(sess.scalars(select(Item.id).where(Item.project_id == project_id)))
        server = Server(Path(tmp), args.database_url, workers=1)
        server.start()
        stop = threading.Event()
        clients = [
            Client(k, t, project_id, item_ids[k :: args.clients], server, stop)
            for k, t in enumerate(tokens)
        ]
        for c in clients:
            c.start()
        for kill in range(args.kills):
            time.sleep(args.interval)
            before = sum(len(c.acked) for c in clients)
            server.kill()
            print(f"kill {kill + 1}: SIGKILL after {before} acknowledged saves", flush=True)
            time.sleep(0.3)
            server.start()
        time.sleep(args.interval)
        stop.set()
        for c in clients:
            c.join(timeout=10)
        server.stop()
        acked = [a for c in clients for a in c.acked]
        problems = verify(ctx, project_id, acked)
        ctx.close()
    errors = sum(c.errors for c in clients)
    print(
        f"{ctx.db.dialect}: {len(acked)} acknowledged saves across {args.kills} SIGKILLs "
        f"({errors} requests cut off by kills); {len(problems)} problems"
    )
    for p in problems[:20]:
        print("  " + p)
    return 1 if problems or not acked else 0


if __name__ == "__main__":
    sys.exit(main())
