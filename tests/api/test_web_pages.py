"""The reviewer page and the dashboard, driven in a real browser against a real server.

One server per module (uvicorn in a thread, SQLite in a temp folder, a copy of
the seed model's registry) and one headless chromium. Screenshots of each main
step go to `test-artifacts/`, named by test and step.

The browser is Debian's chromium at /usr/bin/chromium (Playwright's own download
is not used). Without it the tests are skipped, with the reason; CI sets
WALKTALK_REQUIRE_BROWSER=1 so that they fail there instead.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy.orm import Session

from api.app import create_app
from api.auth.keys import create_key
from api.auth.roles import Role
from api.settings import Settings
from models.registry import ModelRegistry
from nlp.areas import load_areas
from nlp.redact import Redactor
from nlp.resources import DEFAULT_AREAS, DEFAULT_TAXONOMY, SEED_DIR
from nlp.taxonomy import load_taxonomy
from tests.api.live_server import serve
from training.corpora import Corpora
from training.train import TrainConfig, run_training

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SEED_NOTES = 20  # seed test notes ingested
HOSTILE = (
    'Dark alley <img src=x onerror="document.body.dataset.pwned=1"> behind the '
    "<b>station</b>, no lights & nobody about"
)
NOTES = SEED_NOTES + 1  # and one whose text is markup; all of them start in the review queue
TRAINING_TIMEOUT_MS = 240_000  # the seed corpus trains in 20-60 s on two cores


@dataclass
class Site:
    """A running server, its base URL and an API key per role."""

    base: str
    keys: dict[str, str]
    home: Path

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def get(self, path: str, role: str = "admin") -> Any:
        response = httpx.get(f"{self.base}{path}", headers=self.headers(role), timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def theme_totals(self) -> dict[str, int]:
        rows = self.get("/v1/counts?group_by=theme", "reader")["rows"]
        return {row["theme"]: row["count"] for row in rows}


def seed_notes(count: int) -> list[dict[str, Any]]:
    """Notes from the seed test split, as a patrol app would send them."""
    lines = (SEED_DIR / "test.jsonl").read_text(encoding="utf-8").splitlines()[:count]
    records = [json.loads(line) for line in lines]
    fields = ("text", "source", "borough", "created_at")
    return [{"external_id": r["id"], **{f: r[f] for f in fields if r.get(f)}} for r in records]


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, model_home: Path, shared_redactor: Redactor
) -> Iterator[Site]:
    """A server on a copy of the seed model's registry, with notes ingested through the API.

    A copy, because the training test registers and activates versions, and
    `model_home` is shared with every other API test.
    """
    home = tmp_path_factory.mktemp("web-home")
    shutil.copytree(model_home / "models", home / "models")
    app = create_app(Settings(home=home, database_url=f"sqlite:///{home / 'w.db'}"))
    app.state.redactor = shared_redactor
    with serve(app) as base:
        with Session(app.state.engine) as session, session.begin():
            keys = {
                r.value: create_key(session, name=f"{r.value}-web", role=r.value)[1] for r in Role
            }
        site = Site(base=base, keys=keys, home=home)
        response = httpx.post(
            f"{base}/v1/notes",
            json={"notes": [*seed_notes(SEED_NOTES), {"external_id": "hostile", "text": HOSTILE}]},
            headers=site.headers("tagger"),
            timeout=60,
        )
        assert response.status_code == 201, response.text
        yield site


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless chromium; `--no-sandbox` because CI runs as root."""
    if not CHROMIUM.exists():
        reason = f"no browser at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("WALKTALK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}, and WALKTALK_REQUIRE_BROWSER=1 (as in CI)")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab (its own sessionStorage, so no key carries over between tests)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def shot(page: Page, request: pytest.FixtureRequest, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{request.node.name}-{step}.png", full_page=True)


def sign_in(page: Page, site: Site, key: str) -> None:
    page.goto(f"{site.base}/ui")
    page.get_by_label("API key").fill(key)
    page.get_by_test_id("sign-in").click()


def open_page(page: Page, site: Site, role: str, path: str) -> None:
    """Sign in as `role`, then go to one of the pages."""
    sign_in(page, site, site.keys[role])
    expect(page.get_by_test_id("who")).to_contain_text(f"({role})")
    page.goto(f"{site.base}{path}")


def number(page: Page, testid: str) -> int:
    text = page.get_by_test_id(testid).inner_text()
    found = re.search(r"\d+", text)
    assert found, f"no number in {testid}: {text!r}"
    return int(found.group())


# ---- sign in --------------------------------------------------------------------------


def test_sign_in_links_only_the_pages_each_role_may_use(
    site: Site, page: Page, request: pytest.FixtureRequest
) -> None:
    sign_in(page, site, site.keys["reviewer"])
    expect(page.get_by_test_id("link-review")).to_be_visible()
    expect(page.get_by_test_id("link-dashboard")).to_have_count(0)
    shot(page, request, "1-reviewer")

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_label("API key")).to_be_visible()
    sign_in(page, site, site.keys["reader"])
    expect(page.get_by_test_id("link-dashboard")).to_be_visible()
    expect(page.get_by_test_id("link-review")).to_have_count(0)
    shot(page, request, "2-reader")


def test_a_bad_key_shows_the_apis_message(
    site: Site, page: Page, request: pytest.FixtureRequest
) -> None:
    bad = "wt_nothing_thisisnotakey"
    detail = httpx.get(f"{site.base}/v1/me", headers={"Authorization": f"Bearer {bad}"}).json()
    sign_in(page, site, bad)
    expect(page.get_by_test_id("signin-error")).to_have_text(detail["detail"])
    expect(page.get_by_test_id("link-review")).to_have_count(0)
    shot(page, request, "1-bad-key")


def test_pages_send_a_strict_content_security_policy(site: Site) -> None:
    for path in ("/ui", "/ui/review", "/ui/dashboard", "/ui/static/review.js"):
        response = httpx.get(f"{site.base}{path}")
        assert response.status_code == 200
        assert "script-src 'self'" in response.headers["content-security-policy"]
    missing = httpx.get(f"{site.base}/ui/static/..%2Fapp.py")
    assert missing.status_code == 404
    assert missing.json()["status"] == 404


# ---- review, then the dashboard --------------------------------------------------------


@dataclass
class Step:
    """One note of the review story: what the reviewer does, and how."""

    action: str  # "toggle+enter", "accept", "save", "skip"
    by_key: bool


STORY = [
    Step("toggle+enter", by_key=True),
    Step("accept", by_key=False),
    Step("accept", by_key=True),
    Step("skip", by_key=False),
    Step("skip", by_key=True),
    Step("save", by_key=False),
    Step("save", by_key=True),
    Step("accept", by_key=False),
    Step("accept", by_key=True),
    Step("save", by_key=False),
]
KEYS = {"accept": "a", "save": "Enter", "skip": "s"}


def do_step(page: Page, step: Step, toggled: Callable[[], None]) -> int:
    """Carry out one step on the note on screen; the change it makes to the lighting total.

    `toggled` is called after a toggle, before the save (for a screenshot).
    """
    delta = 0
    if step.action == "toggle+enter":
        toggle = page.get_by_test_id("toggle-lighting")
        was_on = toggle.get_attribute("aria-pressed") == "true"
        page.keyboard.press("1")  # lighting is the taxonomy's first theme
        expect(toggle).to_have_attribute("aria-pressed", str(not was_on).lower())
        delta = -1 if was_on else 1
        toggled()
        page.keyboard.press("Enter")
    elif step.by_key:
        page.keyboard.press(KEYS[step.action])
    else:
        page.get_by_test_id(step.action).click()
    return delta


def test_reviews_in_the_browser_change_the_dashboard_totals(
    site: Site, browser: Browser, page: Page, request: pytest.FixtureRequest
) -> None:
    before = site.theme_totals()
    dashboard = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    open_page(dashboard, site, "analyst", "/ui/dashboard")
    expect(dashboard.get_by_test_id("total-lighting")).to_have_text(str(before.get("lighting", 0)))
    shot(dashboard, request, "1-dashboard-before")

    open_page(page, site, "reviewer", "/ui/review")
    expect(page.get_by_test_id("card")).to_be_visible()
    left = number(page, "remaining")
    assert left == NOTES
    expect(page.get_by_test_id("shortcuts")).to_contain_text("1 lighting")
    shot(page, request, "2-review-first-note")

    delta = 0
    reviewed: list[int] = []
    skipped: list[int] = []
    for step in STORY:
        shown = page.get_by_test_id("note-id").inner_text()
        delta += do_step(page, step, lambda: shot(page, request, "3-review-toggled"))
        expect(page.get_by_test_id("note-id")).not_to_have_text(shown)
        (skipped if step.action == "skip" else reviewed).append(int(shown.lstrip("#")))
        left -= step.action != "skip"
        expect(page.get_by_test_id("remaining")).to_have_text(f"{left} left")
    shot(page, request, "4-review-after-ten")

    assert delta in (1, -1)
    for note_id in reviewed:
        assert site.get(f"/v1/notes/{note_id}", "reader")["labels_from"] == "review"
    for note_id in skipped:
        assert site.get(f"/v1/notes/{note_id}", "reader")["labels_from"] == "prediction"
    after = site.theme_totals()
    assert after["lighting"] == before.get("lighting", 0) + delta
    assert {t: n for t, n in after.items() if t != "lighting"} == {
        t: n for t, n in before.items() if t != "lighting"
    }

    dashboard.get_by_test_id("refresh").click()
    expect(dashboard.get_by_test_id("total-lighting")).to_have_text(str(after["lighting"]))
    shot(dashboard, request, "5-dashboard-after")
    dashboard.context.close()


def accept_until(page: Page, note_id: int) -> None:
    """Accept notes (key A) until the one wanted is on screen.

    Skipping would hand each note back to the queue, where a more useful one
    comes first again: a note the model is sure of could then never come up.
    """
    for _ in range(NOTES + 2):
        shown = page.get_by_test_id("note-id").inner_text()
        if shown == f"#{note_id}":
            return
        page.keyboard.press("a")
        expect(page.get_by_test_id("note-id")).not_to_have_text(shown)
    pytest.fail(f"note {note_id} never came up in the review queue")


def test_note_text_is_shown_as_text_with_its_evidence_highlighted(
    site: Site, page: Page, request: pytest.FixtureRequest
) -> None:
    # A note of its own: an earlier test may already have reviewed the fixture's one.
    response = httpx.post(
        f"{site.base}/v1/notes",
        json={"notes": [{"external_id": "hostile-evidence", "text": HOSTILE}]},
        headers=site.headers("tagger"),
        timeout=60,
    )
    assert response.status_code == 201, response.text
    note = site.get(f"/v1/notes/{response.json()['notes'][0]['id']}", "reader")
    assert "<img" in note["text"]
    open_page(page, site, "admin", "/ui/review")
    expect(page.get_by_test_id("card")).to_be_visible()
    accept_until(page, note["id"])
    text = page.get_by_test_id("note-text")
    expect(text).to_have_text(note["text"])
    assert text.locator("img, b").count() == 0
    assert page.evaluate("document.body.dataset.pwned") is None
    spans = [s for spans in note["prediction"]["evidence"].values() for s in spans]
    assert spans, "the note should have evidence to highlight"
    expect(text.locator("mark").first).to_be_visible()
    for theme in note["prediction"]["themes"]:
        expect(page.get_by_test_id(f"toggle-{theme}")).to_have_attribute("aria-pressed", "true")
    shot(page, request, "1-evidence")
    page.goto(f"{site.base}/ui")  # leaving the page gives its leased notes back


def test_overlapping_spans_split_the_text_at_every_boundary(site: Site, page: Page) -> None:
    page.goto(f"{site.base}/ui")
    pieces = page.evaluate(
        """walktalk.segments("a🌙 dark lane", {isolation: [[3, 12]], lighting: [[1, 8], [40, 50]]},
                              ["lighting", "harassment", "isolation"])"""
    )
    assert pieces == [
        {"text": "a", "themes": []},
        {"text": "🌙 ", "themes": ["lighting"]},
        {"text": "dark ", "themes": ["lighting", "isolation"]},
        {"text": "lane", "themes": ["isolation"]},
    ]


# ---- training, promotion, rollback -----------------------------------------------------


def test_analyst_trains_promotes_and_rolls_back_from_the_dashboard(
    site: Site, page: Page, request: pytest.FixtureRequest
) -> None:
    first = site.get("/v1/models")["active"]
    open_page(page, site, "analyst", "/ui/dashboard")
    expect(page.get_by_test_id("active-model")).to_have_text(first)
    shot(page, request, "1-before")

    page.get_by_test_id("start-run").click()
    status = page.get_by_test_id("run-status")
    expect(status).to_contain_text("Run ")
    shot(page, request, "2-running")
    expect(status).to_have_attribute("data-status", "succeeded", timeout=TRAINING_TIMEOUT_MS)
    shot(page, request, "3-trained")

    run = site.get("/v1/training-runs", "analyst")["runs"][0]
    assert run["status"] == "succeeded"
    version = run["version"]
    assert version != first
    page.get_by_test_id(f"promote-{version}").click()
    expect(page.get_by_test_id("active-model")).to_have_text(version)
    expect(page.get_by_test_id("models-message")).to_contain_text("gate passed")
    assert site.get("/v1/models")["active"] == version
    shot(page, request, "4-promoted")

    page.get_by_test_id("rollback").click()
    expect(page.get_by_test_id("active-model")).to_have_text(first)
    assert site.get("/v1/models")["active"] == first
    shot(page, request, "5-rolled-back")


def register_weak_model(site: Site, tmp_path: Path) -> str:
    """A version trained on 30 seed notes only: the promotion gate must refuse it."""
    few = tmp_path / "few.jsonl"
    lines = (SEED_DIR / "train.jsonl").read_text(encoding="utf-8").splitlines()[:30]
    few.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_training(
        TrainConfig(kind="linear", data=[few], name="weak-linear", c_grid=[16.0]),
        corpora=Corpora(),
        registry=ModelRegistry(site.home / "models"),
        taxonomy=load_taxonomy(DEFAULT_TAXONOMY),
        areas=load_areas(DEFAULT_AREAS),
    )
    assert not result.activated
    return result.version


def test_a_refused_promotion_shows_the_gates_reasons_and_an_admin_may_force_it(
    site: Site, page: Page, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    first = site.get("/v1/models")["active"]
    weak = register_weak_model(site, tmp_path)
    open_page(page, site, "admin", "/ui/dashboard")
    page.get_by_test_id(f"promote-{weak}").click()
    message = page.get_by_test_id("models-message")
    expect(message).to_contain_text(f"{weak} is worse than the active {first}")
    expect(page.get_by_test_id("active-model")).to_have_text(first)
    assert site.get("/v1/models")["active"] == first
    shot(page, request, "1-refused")

    page.get_by_test_id(f"force-{weak}").click()
    expect(page.get_by_test_id("active-model")).to_have_text(weak)
    expect(message).to_contain_text("forced past the promotion gate")
    shot(page, request, "2-forced")
    page.get_by_test_id("rollback").click()
    expect(page.get_by_test_id("active-model")).to_have_text(first)
    assert site.get("/v1/models")["active"] == first


# ---- the API docs ------------------------------------------------------------------------


def test_the_api_docs_render_from_this_server_alone_under_its_csp(
    site: Site, page: Page, request: pytest.FixtureRequest
) -> None:
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    refused: list[str] = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.goto(f"{site.base}/docs")
    expect(page.locator(".opblock-summary-path", has_text="/v1/classify").first).to_be_visible()
    shot(page, request, "1-docs")
    assert hosts == {site.base.split("/")[2]}
    assert refused == []


# ---- dashboard panels: filters in the URL, the borough map, hour of day, drill-down, CSV ---


def counts_of(site: Site, **params: Any) -> dict[str, Any]:
    answer: dict[str, Any] = site.get(f"/v1/counts?{urlencode(params)}", "reader")
    return answer


def loaded(page: Page, times: int) -> None:
    """Wait until the counts have been drawn `times` times since the page opened."""
    expect(page.locator("body")).to_have_attribute("data-counts", str(times))


def panel_shot(page: Page, testid: str, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.get_by_test_id(testid).screenshot(path=ARTIFACTS / f"dashboard-{name}.png")


def assert_screen_matches(page: Page, site: Site, **filters: Any) -> None:
    totals = counts_of(site, group_by="theme", **filters)
    assert number(page, "total-notes") == totals["total"]["notes"]
    for row in totals["rows"]:
        assert number(page, f"total-{row['theme']}") == row["count"]
    for row in counts_of(site, group_by="borough", **filters)["rows"]:
        if row["borough"]:
            tile = page.get_by_test_id(f"tile-{row['borough']}")
            expect(tile).to_have_attribute("data-value", str(row["notes"]))
    for row in counts_of(site, group_by="hour,theme", **filters)["rows"]:
        assert number(page, f"hour-{row['theme']}-{row['hour']}") == row["count"]
    for row in counts_of(site, group_by="bcu,theme", **filters)["rows"]:
        if row["bcu"]:
            assert number(page, f"bcu-{row['bcu']}-{row['theme']}") == row["count"]


def test_filters_live_in_the_url_and_every_panel_matches_the_counts(site: Site, page: Page) -> None:
    open_page(page, site, "analyst", "/ui/dashboard?source=participant")
    loaded(page, 1)
    expect(page.get_by_test_id("filter-source")).to_have_value("participant")
    assert_screen_matches(page, site, source="participant")
    page.get_by_test_id("filter-source").select_option("")
    loaded(page, 2)
    assert_screen_matches(page, site)
    for testid, name in (("totals", "totals"), ("map", "map"), ("hours", "hours")):
        panel_shot(page, testid, name)
    panel_shot(page, "chart", "months")
    panel_shot(page, "bcu-table", "bcu")

    page.get_by_test_id("filter-light").select_option("dark")
    loaded(page, 3)
    expect(page).to_have_url(re.compile(r"light=dark"))
    assert_screen_matches(page, site, light="dark")
    shared = page.url
    page.goto(shared)  # a shared link shows the same view
    loaded(page, 1)
    expect(page.get_by_test_id("filter-light")).to_have_value("dark")
    assert_screen_matches(page, site, light="dark")
    page.screenshot(path=ARTIFACTS / "dashboard-full.png", full_page=True)


def test_a_number_lists_the_notes_behind_it(site: Site, page: Page) -> None:
    open_page(page, site, "analyst", "/ui/dashboard")
    loaded(page, 1)
    lighting = number(page, "total-lighting")
    assert lighting > 0
    page.get_by_test_id("total-lighting").click()
    items = page.get_by_test_id("drill-list").locator("li")
    expect(items).to_have_count(min(lighting, 50))
    for note_id in items.evaluate_all("(lis) => lis.map((li) => Number(li.dataset.note))"):
        assert "lighting" in site.get(f"/v1/notes/{note_id}", "reader")["themes"]
    panel_shot(page, "drill", "notes-behind-a-number")

    busiest = max(
        (r for r in counts_of(site, group_by="borough")["rows"] if r["borough"]),
        key=lambda r: r["notes"],
    )
    page.get_by_test_id(f"tile-{busiest['borough']}").click()
    expect(page.get_by_test_id("drill-heading")).to_contain_text(busiest["borough"])
    notes_there = counts_of(site, group_by="theme", borough=busiest["borough"])["total"]["notes"]
    expect(items).to_have_count(min(notes_there, 50))

    first = items.first.get_attribute("data-note")
    items.first.get_by_role("link", name="review").click()  # the note opens for review
    expect(page.get_by_test_id("note-id")).to_have_text(f"#{first}")


def test_the_csv_download_holds_what_is_on_screen(site: Site, page: Page) -> None:
    open_page(page, site, "analyst", "/ui/dashboard?light=dark")
    loaded(page, 1)
    with page.expect_download() as caught:
        page.get_by_test_id("download").click()
    text = Path(caught.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["filters", "light=dark"] in rows
    totals = counts_of(site, group_by="theme", light="dark")
    assert ["notes", str(totals["total"]["notes"])] in rows
    for row in counts_of(site, group_by="hour,theme", light="dark")["rows"]:
        assert [str(row["hour"]), row["theme"], str(row["count"])] in rows
    for row in counts_of(site, group_by="borough,theme", light="dark")["rows"]:
        assert [row["borough"] or "", row["theme"], str(row["count"])] in rows
