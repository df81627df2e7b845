"""The README's screenshots, taken from the demo as it ships: `make screenshots`.

Starts `catalog serve --demo-data` on a state folder of its own (a fresh embedded
PostgreSQL with the 500-product demo catalog), creates an admin, signs in with
Chromium and writes docs/*.png at 1280x800. Nothing of a developer's own `.local`
is used or changed.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / ".venv" / "bin" / "catalog"
DOCS = ROOT / "docs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
EMAIL, PASSWORD = "screenshots@shop.example", "screenshots only 1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, serve: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            sys.exit(f"catalog serve stopped (exit code {serve.returncode})")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"catalog serve did not answer within {seconds:.0f} s")


def shoot(base: str) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage",
                                            "--disable-gpu"])
        page = browser.new_page(base_url=base, viewport={"width": 1280, "height": 800})
        page.goto("/login")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)

        def save(name):
            page.wait_for_load_state("networkidle")
            path = DOCS / f"{name}.png"
            page.screenshot(path=str(path))
            written.append(path)

        page.goto("/products/")
        save("products")
        product = page.locator("table tbody tr a").first
        product.click()
        page.wait_for_url("**/products/prod_*")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        save("product")
        page.goto(page.url.split("?")[0] + "/variants")
        save("variants")
        page.goto("/categories/")
        save("categories")
        browser.close()
    return written


def main() -> None:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="catalog-screens-") as state:
        env = {**os.environ, "CATALOG_STATE_DIR": state}
        env.pop("DATABASE_URL", None)
        subprocess.run([str(CATALOG), "create-user", EMAIL, "--role", "admin", "--name",
                        "Ana Lima", "--password-stdin"], input=PASSWORD + "\n", text=True,
                       env=env, check=True, stdout=subprocess.DEVNULL)
        # create-user has made and migrated the database, so serve --demo-data would
        # no longer see a new one: load the demo explicitly.
        subprocess.run([str(CATALOG), "demo-data", "--products", "500"], env=env,
                       check=True, stdout=subprocess.DEVNULL)
        serve = subprocess.Popen([str(CATALOG), "serve", "--port", str(port), "--no-worker"],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base, serve)
            for path in shoot(base):
                print(f"wrote {path.relative_to(ROOT)}")
        finally:
            os.killpg(serve.pid, signal.SIGINT)
            serve.wait(timeout=30)


if __name__ == "__main__":
    main()
