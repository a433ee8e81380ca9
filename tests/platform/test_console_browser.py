"""The console in a real browser: headless Chromium (Debian's chromium and chromium-driver)
opens /graphql of a served instance with no route to the internet needed, the editor renders, a
query typed into it runs, and its result appears. A screenshot is kept in test-results/."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.support.processes import Server

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
RESULTS = Path(__file__).resolve().parents[2] / "test-results"

# CI installs the browser (.ci/run); a newcomer's machine may not have it.
needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER) and not os.environ.get("CI"),
    reason="Chromium and ChromeDriver are not installed (apt-get install chromium chromium-driver)",
)


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # As root, offline: no sandbox, and none of Chromium's own calls home.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,800",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='bailleurs-chromium-')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@needs_browser
@pytest.mark.slow
async def test_console_runs_a_query_in_a_real_browser(database_url, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    with Server("--no-demo", database_url=database_url, port=free_port(), cwd=tmp_path) as server:
        browser = _browser()
        try:
            browser.get(f"{server.url}/graphql")
            wait = WebDriverWait(browser, 30)
            editor = wait.until(ready.presence_of_element_located(
                (By.CSS_SELECTOR, ".graphiql-query-editor .CodeMirror")))
            # CodeMirror 5 takes keys through its hidden textarea: select all, type, run.
            editor.click()
            typing = browser.switch_to.active_element
            typing.send_keys(Keys.CONTROL, "a")
            typing.send_keys(Keys.DELETE)
            typing.send_keys("{ health ")  # the editor closes the brace itself
            wait.until(lambda b: "health" in b.find_element(
                By.CSS_SELECTOR, ".graphiql-query-editor").text)
            browser.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
            wait.until(lambda b: '"ok"' in b.find_element(
                By.CSS_SELECTOR, ".graphiql-response").text)
            result = browser.find_element(By.CSS_SELECTOR, ".graphiql-response").text
            RESULTS.mkdir(exist_ok=True)
            browser.save_screenshot(str(RESULTS / "console.png"))
            refused = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        finally:
            browser.quit()
    assert '"health": "ok"' in result
    # No blocked script, style or font: the Content-Security-Policy and the bundles agree.
    assert refused == []


async def test_console_page_and_api_name_no_other_origin(api):
    page = await api.client.get("/graphql", headers={"accept": "text/html"})
    answer = await api.post("{ health }")
    policy = page.headers["content-security-policy"]
    assert answer.headers["content-security-policy"] == policy
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "http" not in policy and "unsafe-eval" not in policy
    # Every script and style the page loads is served here, with its licence beside it.
    assets = re.findall(r'(?:src|href)="(/[^"]+)"', page.text)
    assert len(assets) == 6 and "http" not in page.text.split("<body>")[1]
    for path in [*assets, "/console-assets/LICENSE.graphiql", "/console-assets/LICENSE.react"]:
        served = await api.client.get(path)
        assert served.status_code == 200, path
    assert "max-age" in served.headers["cache-control"]


async def test_no_console_and_no_bundles_when_graphiql_is_off(settings):
    from dataclasses import replace

    import httpx
    from asgi_lifespan import LifespanManager

    from bailleurs.app import create_app

    app = create_app(replace(settings, graphiql=False))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
            page = await client.get("/graphql", headers={"accept": "text/html"})
            bundle = await client.get("/console-assets/graphiql.min.js")
    assert page.status_code == 404 and bundle.status_code == 404
