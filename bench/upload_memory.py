"""Benchmark: upload a multi-gigabyte archive over HTTP and report the server's peak memory.

Builds a zip holding one small JPEG and one large incompressible member, streams it to
`PUT /api/projects/{id}/uploads/{name}` of a real server, and reads the server's peak
resident memory (VmHWM) afterwards. Target: far below the upload's size.

Usage: python bench/upload_memory.py [--gib 2] [--database-url URL]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from server import Server

from labelwright.config import Settings
from labelwright.services import projects, users
from labelwright.services.context import Context

CHUNK = 8 * 2**20


def build_archive(path: Path, size: int) -> None:
    """A zip with a JPEG and `size` bytes of random data (stored, so nothing shrinks)."""
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buf, "JPEG")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("photo.jpg", buf.getvalue())
        with zf.open("payload.bin", "w", force_zip64=True) as member:
            for _ in range(size // CHUNK):
                member.write(os.urandom(CHUNK))


def peak_rss_mib(pid: int) -> float:
    """VmHWM of a process in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def chunks(path: Path):
    """The file as a stream of chunks (httpx sends them without buffering the whole)."""
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            yield block


def main() -> None:
    """Build, upload, report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gib", type=float, default=2.0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    size = int(args.gib * 2**30)
    with tempfile.TemporaryDirectory(prefix="lw-upload-") as tmp:
        root = Path(tmp)
        archive = root / "big.zip"
        build_archive(archive, size)
        uploaded = archive.stat().st_size
        ctx = Context.open(
            Settings.from_env(data_dir=root / "data", database_url=args.database_url)
        )
        with ctx.db.session() as sess:
            admin = users.create_user(sess, "admin", "bench password", is_admin=True)
            project_id = projects.create_project(sess, "upload", creator=admin).id
            token = users.issue_token(sess, admin, kind="api")
        ctx.close()
        server = Server(root / "data", args.database_url)
        server.start()
        try:
            before = peak_rss_mib(server.proc.pid)
            start = time.perf_counter()
            resp = httpx.put(
                f"{server.url}/api/projects/{project_id}/uploads/big.zip",
                content=chunks(archive),
                headers={"Authorization": f"Bearer {token}"},
                timeout=600,
            )
            elapsed = time.perf_counter() - start
            peak = peak_rss_mib(server.proc.pid)
        finally:
            server.stop()
    body = resp.json()
    print(
        f"uploaded {uploaded / 2**30:.2f} GiB "
        f"in {elapsed:.1f} s: HTTP {resp.status_code}, added {body.get('added')}, "
        f"rejected {[r['name'] for r in body.get('rejected_files', [])]}; "
        f"server peak RSS {peak:.0f} MiB (at start {before:.0f} MiB)"
    )


if __name__ == "__main__":
    main()
