"""`make bench-pages`: public page throughput under gunicorn, beside hello-world.

Loads the demo into a fresh database under build/bench/, serves it with
gunicorn (2 workers, portal.settings.bench: production settings, DEBUG off) on
a free loopback port, and drives each URL with wrk for a bounded time. Prints
requests/s and p50/p95/p99 latency per URL, and each page's ratio to the
hello-world Django view measured by the same server in the same run.

Run with the project's virtualenv: .venv/bin/python scripts/bench_pages.py
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "build" / "bench"
PYTHON = sys.executable
TARGET_RATIO = 0.20

# wrk reports p50/p95/p99 (microseconds) through this script as one JSON line.
WRK_REPORT_LUA = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, '
    .. '"status_errors": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

URL_LOOKUP = """
import json
import django
django.setup()
from knowledge.models import SolutionArticlePage, TopicIndexPage
article = SolutionArticlePage.objects.live().order_by("pk").first()
topic = TopicIndexPage.objects.live().order_by("pk").first()
print(json.dumps({
    "article": article.url if article else None,
    "topic": topic.url if topic else None,
}))
"""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def bench_env(page_cache: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # the embedded default: SQLite
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.bench",
            "BANCHENG_VAR_DIR": str(BENCH_DIR),
            "CACHE_LOCATION": str(BENCH_DIR / "cache"),
            "BANCHENG_SEARCH_ENGINE": "embedded",
            "PYTHONDONTWRITEBYTECODE": "1",
            "BANCHENG_PAGE_CACHE": "1" if page_cache else "0",
        }
    )
    return env


def manage(env: dict[str, str], *args: str, quiet: bool = True) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    return result.stdout


def prepare_site(env: dict[str, str]) -> dict[str, str]:
    log(f"fresh demo database in {BENCH_DIR.relative_to(ROOT)}/")
    shutil.rmtree(BENCH_DIR, ignore_errors=True)
    BENCH_DIR.mkdir(parents=True)
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    manage(env, "collectstatic", "--noinput")
    found = subprocess.run(
        [PYTHON, "-c", URL_LOOKUP], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    pages = json.loads(found.stdout.strip().splitlines()[-1])
    missing = [name for name, url in pages.items() if not url]
    if missing:
        raise SystemExit(f"the demo has no live {', '.join(missing)} page")
    return pages


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            return response.status, response.headers.get("X-Cache", "-")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("X-Cache", "-")


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    log(f"gunicorn on 127.0.0.1:{port} with {workers} workers")
    process = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--error-logfile",
            str(BENCH_DIR / "gunicorn.log"),
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited; see build/bench/gunicorn.log")
        try:
            if fetch(f"http://127.0.0.1:{port}/bench/hello/")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


def run_wrk(url: str, duration: int, threads: int, connections: int) -> dict:
    script = BENCH_DIR / "report.lua"
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"wrk failed on {url}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    report["rps"] = report["requests"] / (report["duration_us"] / 1_000_000)
    return report


def measure(base: str, name: str, path: str, args: argparse.Namespace) -> dict:
    url = base + path
    # Prime: the first view renders and stores; every later one is what readers get.
    fetch(url)
    status, cache_state = fetch(url)
    if status != 200:
        raise SystemExit(f"{name} {path} answered {status}")
    log(f"{name}: {path} (X-Cache {cache_state}), {args.duration} s")
    report = run_wrk(url, args.duration, args.threads, args.connections)
    report["cache"] = cache_state
    report["errors"] = report["status_errors"] + report["socket_errors"]
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per URL")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--search", default="注销", help="query for the search page")
    parser.add_argument(
        "--no-page-cache", action="store_true", help="measure with the anonymous page cache off"
    )
    args = parser.parse_args()

    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: run scripts/system-deps.sh bench (Debian package wrk)")
    env = bench_env(page_cache=not args.no_page_cache)
    pages = prepare_site(env)
    (BENCH_DIR / "report.lua").write_text(WRK_REPORT_LUA)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    hello_path = "/bench/hello/"
    targets = [
        ("home", "/"),
        ("article", pages["article"]),
        ("topic", pages["topic"]),
        ("search", f"/search/?q={quote(args.search)}"),
    ]
    server = start_gunicorn(env, port, args.workers)
    hellos: list[dict] = []
    rows = []
    try:
        # hello, page, hello, page, ..., hello: each page is compared with the
        # hello-world runs right before and after it, so load drift on a shared
        # machine affects both sides of the ratio alike.
        hellos.append(measure(base, "hello-world", hello_path, args))
        for name, path in targets:
            report = measure(base, name, path, args)
            hellos.append(measure(base, "hello-world", hello_path, args))
            report["hello_rps"] = (hellos[-2]["rps"] + hellos[-1]["rps"]) / 2
            rows.append((name, path, report))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    hello_rps = sum(h["rps"] for h in hellos) / len(hellos)
    print()
    print(
        f"page cache {'off' if args.no_page_cache else 'on'}, "
        f"gunicorn {args.workers} workers, wrk {args.threads} threads / {args.connections} "
        f"connections / {args.duration} s per URL, loopback, {os.cpu_count()} CPUs"
    )
    header = (
        f"{'page':<12} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'cache':>6} {'hello req/s':>11} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    h = hellos[0]
    print(
        f"{'hello-world':<12} {hello_rps:>8.0f} {h['p50'] / 1000:>7.1f} {h['p95'] / 1000:>7.1f} "
        f"{h['p99'] / 1000:>7.1f} {sum(x['errors'] for x in hellos):>6d} {'-':>6} "
        f"{hello_rps:>11.0f} {'100%':>6}"
    )
    below = []
    for name, path, r in rows:
        ratio = r["rps"] / r["hello_rps"]
        print(
            f"{name:<12} {r['rps']:>8.0f} {r['p50'] / 1000:>7.1f} {r['p95'] / 1000:>7.1f} "
            f"{r['p99'] / 1000:>7.1f} {r['errors']:>6d} {r['cache']:>6} "
            f"{r['hello_rps']:>11.0f} {ratio:>6.0%}"
        )
        if ratio < TARGET_RATIO:
            below.append(name)
    print(
        f"hello-world: {len(hellos)} runs, {min(x['rps'] for x in hellos):.0f}-"
        f"{max(x['rps'] for x in hellos):.0f} req/s (p50/p95/p99 shown for the first); "
        f"ratio = page / mean of the hello-world runs around it; target >= {TARGET_RATIO:.0%}"
    )
    for name, path, _ in rows:
        print(f"  {name}: {path}")
    if below:
        print(f"below target: {', '.join(below)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
