"""Headless Chromium for the browser tests: Debian's chromium, driven by Selenium.

`make test` installs chromium and chromium-driver when they are missing. A test that needs a
browser fails (never skips) without them, so a CI machine that lost them cannot pass silently.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).parent / "artifacts"


def chromium(downloads: Path | None = None):
    """A new headless Chromium session; the caller quits it."""
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver):
        pytest.fail("browser tests need Debian's chromium and chromium-driver: "
                    "run `make test` (it installs them) or apt-get install chromium chromium-driver")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not try to download anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000"):
        options.add_argument(arg)
    # The console log (driver.get_log("browser")): a page refused by its Content-Security-Policy
    # says so there ("Refused to ...").
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if downloads is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                  "download.prompt_for_download": False})
    return webdriver.Chrome(service=Service(driver), options=options)


def policy_violations(driver) -> list[str]:
    """Console lines since the last call in which Chromium reports a Content-Security-Policy
    refusal (each read empties the log)."""
    return [entry["message"] for entry in driver.get_log("browser")
            if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]]
