"""End-to-end tests: Playwright (Python) drives Debian's Chromium against a live server.

Skipped with a notice when Chromium or axe-core is missing, unless CAREBOOK_REQUIRE_BROWSER=1
(CI), where a missing browser fails the run.
"""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CAREBOOK_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "var" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRED = os.environ.get("CAREBOOK_REQUIRE_BROWSER") == "1"

# Every page reports what the Content-Security-Policy blocked; a test that met any fails.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile || document.location.href}:${e.lineNumber} ${e.sample || ""}`);
}, true);
"""

# Playwright's sync API keeps an event loop in this thread; the ORM calls our tests make
# around it are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    missing = [
        what
        for what, ok in (
            ("Chromium", shutil.which(CHROMIUM) or Path(CHROMIUM).exists()),
            ("axe-core", AXE.exists()),
        )
        if not ok
    ]
    for item in items:
        if "e2e" not in str(item.fspath):
            continue
        item.add_marker(pytest.mark.e2e)
        if missing:
            if REQUIRED:
                raise pytest.UsageError(
                    f"CAREBOOK_REQUIRE_BROWSER=1 but missing: {', '.join(missing)}"
                )
            item.add_marker(
                pytest.mark.skip(reason=f"missing {', '.join(missing)} (make test installs them)")
            )


@pytest.fixture(scope="session")
def playwright_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def csp_violation(message) -> bool:
    return message.type == "error" and (
        message.text.startswith("CSP violation:") or "Content Security Policy" in message.text
    )


@pytest.fixture
def csp_violations():
    """What the Content-Security-Policy blocked in this test's pages; the test fails on any."""
    found = []
    yield found
    if found:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(found), pytrace=False)


@pytest.fixture
def new_page(playwright_browser, live_server, csp_violations):
    """Open a fresh browser context (own cookies) at a viewport; closed after the test."""
    contexts = []

    def collect(page):
        def on_console(message):
            if csp_violation(message):
                csp_violations.append(f"{page.url}: {message.text}")

        page.on("console", on_console)

    def make(width=1200, height=900):
        context = playwright_browser.new_context(
            viewport={"width": width, "height": height}, base_url=live_server.url
        )
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        context.on("page", collect)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request):
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(SHOTS / f"{request.node.name}-{name}.png"), full_page=True)

    return take


@pytest.fixture
def axe():
    """Run axe-core in the page; return the serious and critical violations."""
    source = AXE.read_text() if AXE.exists() else ""

    def check(page):
        # Evaluated through the DevTools protocol: an inline <script> would break the CSP.
        page.evaluate(source)
        result = page.evaluate(
            """async () => await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']}})"""
        )
        return [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return check
