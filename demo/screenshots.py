"""`make screenshots`: the README's pictures, taken from the running demo so that they stay true.

Starts `python -m demo.serve` (the same demo `make run` starts, on its usual ports) unless one
already answers, then drives Debian's Chromium (never a downloaded browser) through Playwright:
the demo host page with the widget at desktop width and at 360 px, and the back office's inbox
signed in as a demo operator. The PNGs land in docs/img/.
"""
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

HOST_PAGE = "http://localhost:8000/"
APP = "http://127.0.0.1:5000"
OUT = Path(__file__).resolve().parent.parent / "docs" / "img"
DEMO_PASSWORD = "frontdesk-demo"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except (urllib.error.URLError, OSError):
        return False


def _start_demo() -> subprocess.Popen | None:
    """The demo's servers, started here when nobody runs them yet; None when they already run."""
    if _answers(f"{APP}/w/demo/") and _answers(HOST_PAGE):
        return None
    demo = subprocess.Popen([sys.executable, "-m", "demo.serve"], stdout=subprocess.DEVNULL)
    for _ in range(120):
        if _answers(f"{APP}/w/demo/") and _answers(HOST_PAGE):
            return demo
        time.sleep(0.5)
    demo.terminate()
    sys.exit("screenshots: the demo did not start (is `make run`'s set-up done?)")


def _widget_frame_ready(page) -> None:
    page.wait_for_selector("iframe")
    frame = page.frame_locator("iframe").first
    frame.locator("main").first.wait_for()
    page.wait_for_timeout(500)  # the loader fits the iframe to its content


def _shoot_host_page(browser, name: str, width: int, height: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": height},
                                  reduced_motion="reduce")
    page = context.new_page()
    page.goto(HOST_PAGE)
    _widget_frame_ready(page)
    page.screenshot(path=OUT / name, full_page=width < 600)
    context.close()


def _shoot_back_office(browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{APP}/admin/login")
    page.fill("input[name=email]", "op.ht@demo.frontdesk")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{APP}/admin/**")
    page.screenshot(path=OUT / "back-office.png")
    context.close()


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("screenshots: Debian's chromium is needed (apt-get install chromium)")
    OUT.mkdir(parents=True, exist_ok=True)
    demo = _start_demo()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True)
            _shoot_host_page(browser, "widget-desktop.png", 1280, 900)
            _shoot_host_page(browser, "widget-phone.png", 360, 740)
            _shoot_back_office(browser)
            browser.close()
    finally:
        if demo is not None:
            demo.terminate()
            demo.wait(15)
    print(f"screenshots written to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
