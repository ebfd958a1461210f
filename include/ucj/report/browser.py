"""Headless Chromium (Debian's ``chromium``): the rendered DOM of a page and screenshots.

Each call starts a fresh browser with a new, empty profile and no background traffic; the
report needs no network at all.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio"]


def find() -> str | None:
    for name in CANDIDATES:
        if path := shutil.which(name):
            return path
    return None


def _target(page: str | Path) -> str:
    text = str(page)
    return text if "://" in text else Path(text).resolve().as_uri()


def _run(page: str | Path, extra: list[str], timeout: float) -> subprocess.CompletedProcess:
    binary = find()
    if binary is None:
        raise FileNotFoundError("chromium not found (Debian: apt-get install -y chromium)")
    with tempfile.TemporaryDirectory(prefix="ucj-chromium-") as profile:
        return subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *extra, _target(page)],
            capture_output=True, text=True, timeout=timeout, check=True)


def dump_dom(page: str | Path, budget_ms: int | None = None, timeout: float = 90) -> str:
    """The DOM after the page loaded (``--virtual-time-budget`` lets scripts run first)."""
    extra = ["--dump-dom"] + ([f"--virtual-time-budget={budget_ms}"] if budget_ms else [])
    return _run(page, extra, timeout).stdout


def screenshot(page: str | Path, out: Path, width: int = 1200, height: int = 2400,
               budget_ms: int | None = None, timeout: float = 90) -> Path:
    """A PNG of the page's first ``width`` x ``height`` pixels."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    extra = [f"--window-size={width},{height}", f"--screenshot={out}"]
    if budget_ms:
        extra.append(f"--virtual-time-budget={budget_ms}")
    _run(page, extra, timeout)
    if not out.exists():
        raise RuntimeError(f"chromium wrote no screenshot of {page}")
    return out


def screenshot_with_cookies(url: str, out: Path, cookies: dict[str, str], width: int = 1400,
                            height: int = 900, wait: float = 8.0, timeout: float = 60) -> Path:
    """A PNG of a page that needs a session cookie (e.g. the Airflow UI's ``_token`` JWT),
    through the DevTools protocol: set the cookies, open the page, wait, capture."""
    import base64
    import json
    import re
    import time
    import urllib.request

    from websockets.sync.client import connect

    binary = find()
    if binary is None:
        raise FileNotFoundError("chromium not found (Debian: apt-get install -y chromium)")
    out = Path(out).resolve()
    with tempfile.TemporaryDirectory(prefix="ucj-chromium-") as profile:
        proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            port = None
            deadline = time.time() + timeout
            while port is None and time.time() < deadline:
                line = proc.stderr.readline()
                if m := re.search(r"DevTools listening on ws://[\d.]+:(\d+)/", line):
                    port = int(m.group(1))
            if port is None:
                raise RuntimeError("chromium did not open its DevTools port")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as resp:
                page = next(t for t in json.load(resp) if t["type"] == "page")
            with connect(page["webSocketDebuggerUrl"], max_size=None) as ws:
                ids = iter(range(1, 10_000))

                def call(method: str, **params):
                    n = next(ids)
                    ws.send(json.dumps({"id": n, "method": method, "params": params}))
                    while True:
                        msg = json.loads(ws.recv(timeout=timeout))
                        if msg.get("id") == n:
                            if "error" in msg:
                                raise RuntimeError(f"{method}: {msg['error']}")
                            return msg.get("result", {})

                call("Network.enable")
                for name, value in cookies.items():
                    call("Network.setCookie", name=name, value=value, url=url)
                call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                     deviceScaleFactor=1, mobile=False)
                call("Page.navigate", url=url)
                time.sleep(wait)
                data = call("Page.captureScreenshot", format="png")["data"]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(base64.b64decode(data))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return out
