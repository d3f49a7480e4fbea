"""The dashboard: its controls, panels and model, and the page in a real browser."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from PIL import Image

import sim
from sim import app
from sim.model import OrgModel

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")


def controls(**changes) -> dict:
    """The dashboard's starting controls with some changed, as Reset passes them."""
    return {
        name: spec["value"] for name, spec in app.model_params(["default"], []).items()
    } | changes


def run(model, days: int):
    for _ in range(days):
        model.step()
    return model


# ------------------------------------------------------------------ controls
def test_controls_become_the_command_lines_overrides():
    assert app.scenario_overrides("gtm_2800", 0.8, 5, 0.5, False, []) == [
        "org=gtm_2800",
        "ai.automation_rate=0.8",
        "ai.rollout_day=5",
        "people.production.volume_elasticity=0.5",
        "governance.enabled=false",
    ]
    with_policies = app.scenario_overrides("default", policies=["audit", "quota"])
    assert with_policies == ["org=default", "policy=[audit,quota]"]
    assert app.scenario_overrides() == []  # nothing set: the config as it is


def test_a_checkbox_per_policy_file_and_none_without_the_folder(tmp_path):
    assert app.available_policies(tmp_path) == []
    (tmp_path / "policy").mkdir()
    for name in ("quota", "audit"):
        (tmp_path / "policy" / f"{name}.yaml").write_text("{}\n")
    assert app.available_policies(tmp_path) == ["audit", "quota"]
    params = app.model_params(["default"], ["audit", "quota"])
    assert params["policy_audit"] == {"type": "Checkbox", "value": False, "label": "Policy: audit"}
    assert "policy_quota" in params
    assert not [name for name in app.model_params(["default"], []) if name.startswith("policy_")]


def test_controls_start_at_the_configs_defaults():
    cfg = sim.load_config([])
    params = app.model_params(["default"], [])
    assert params["automation_rate"]["value"] == cfg.ai.automation_rate
    assert params["rollout_day"]["value"] == cfg.ai.rollout_day
    assert params["rollout_day"]["max"] == cfg.days - 1
    assert params["volume_elasticity"]["value"] == cfg.people.production.volume_elasticity
    assert params["governance"]["value"] == cfg.governance.enabled


def test_organisations_offered_are_those_that_run_with_the_default_ai():
    # the queueing networks (mm1, mmc, tandem) have no market and are left out
    assert app.available_organisations() == ["default", "gtm_2800"]


def test_an_unknown_control_is_refused_in_one_line():
    with pytest.raises(TypeError, match="unknown control 'policy_audit'; policies: policy_abs"):
        app.DashboardModel(**controls(), policy_audit=True)


def test_a_policy_checkbox_switches_the_policy_on():
    model = app.DashboardModel(**controls(), policy_training=True)
    assert model.cfg.policy.training.enabled and model.settings["policies"] == ["training"]
    assert not model.cfg.policy.relevance_filter.enabled


# ------------------------------------------------------------------ the model
def test_the_dashboard_runs_the_command_lines_model():
    overrides = ["ai.automation_rate=0.8", "ai.rollout_day=5", "governance.enabled=false"]
    reference = run(OrgModel(sim.load_config(overrides), replication=0), 30)
    shown = run(
        app.DashboardModel(**controls(automation_rate=0.8, rollout_day=5, governance=False)), 30
    )
    assert_frame_equal(app.books(shown), app.books(reference))


def test_control_steps_show_as_changed_hand_offs_and_only_with_governance():
    governed = run(app.DashboardModel(**controls(automation_rate=1.0, rollout_day=5)), 25)
    ungoverned = run(
        app.DashboardModel(**controls(automation_rate=1.0, rollout_day=5, governance=False)), 25
    )
    _, changed, rework = app.classify_handoffs(
        app.workflow_graph(governed), governed.initial_routing
    )
    assert changed and ("sales", "brand_review") in changed
    assert rework
    _, unchanged, _ = app.classify_handoffs(
        app.workflow_graph(ungoverned), ungoverned.initial_routing
    )
    assert unchanged == []


def test_stages_are_laid_out_in_the_order_work_flows_and_the_graphs_order():
    graph = app.workflow_graph(app.DashboardModel())
    positions = app.stage_layout(graph)
    columns = {}
    for stage in graph:  # the graph's order
        columns.setdefault(positions[stage][0], []).append(stage)
    assert columns[0.0] == ["marketing", "sales"]  # producers first
    assert columns[max(columns)] == ["market"]  # the market last
    for stages in columns.values():  # top to bottom in the graph's order, whatever the hash seed
        heights = [positions[stage][1] for stage in stages]
        assert heights == sorted(heights, reverse=True)


# ------------------------------------------------------------------ the books as an index
def test_books_are_indexed_to_the_pre_ai_days():
    days = np.arange(40)
    timeseries = pd.DataFrame(
        {
            "day": days,
            "artifacts_per_fte": np.where(days < 20, 2.0, 4.0),
            "messages_sent": np.full(40, 100.0),
            "wins": np.zeros(40),
        }
    )
    columns = {"artifacts_per_fte": "artifacts", "messages_sent": "messages", "wins": "wins"}
    index = app.indexed_books(timeseries, columns, app.baseline_days(20, 10))
    assert list(index.columns) == ["artifacts", "messages"]  # wins: pre-AI mean 0, no index
    assert index.loc[15, "artifacts"] == pytest.approx(100.0)
    assert index.loc[39, "artifacts"] == pytest.approx(200.0)  # 10-day mean all after roll-out
    assert index.loc[24, "artifacts"] == pytest.approx(150.0)  # half of the window after it
    assert index["messages"].eq(100.0).all()
    assert app.indexed_books(timeseries.iloc[:5], columns, app.baseline_days(20, 10)).empty


def test_the_baseline_is_the_pre_ai_days_after_the_warm_up_when_there_are_any():
    assert app.baseline_days(rollout_day=20, warmup_days=10) == range(10, 20)
    assert app.baseline_days(rollout_day=5, warmup_days=10) == range(0, 5)
    assert not app.baseline_days(rollout_day=0, warmup_days=10)


@pytest.mark.parametrize("org", ["default", "gtm_2800"])
def test_every_panel_draws_on_day_zero_and_after_the_roll_out(org):
    model = app.DashboardModel(**controls(org=org, rollout_day=3))
    for days in (0, 8):
        run(model, days)
        for name, draw in app.PANELS.items():
            figure, caption = draw(model)
            assert figure.axes and caption, name


# ------------------------------------------------------------------ the page in a browser
class NetworkTrap:
    """A local proxy that accepts connections and records them: the server's way out."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.address = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.attempts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.attempts += 1
            connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_served(url: str, server: subprocess.Popen, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the dashboard server exited with {server.returncode}")
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise AssertionError(f"the dashboard did not answer at {url} within {seconds:.0f} s")


def ink(png: bytes) -> float:
    """Share of pixels that are not (near) white: 0 for a blank area."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    return float((pixels < 235).mean())


def royal_blue(png: bytes) -> int:
    """Pixels of the blue that marks hand-offs changed by control steps."""
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return int(((red < 100) & (green > 85) & (green < 130) & (blue > 200)).sum())


def set_slider(page, sent: list[str], label: str, keys: list[str], value: str) -> None:
    """Move a slider with the keyboard and wait until its value has gone to the server.

    ipywidgets holds a widget's further updates until the server acknowledges the previous
    one, while a button's click goes at once: a Reset clicked too early would overtake the
    slider. So wait for the websocket frame that carries the final value.
    """
    slider = page.locator(".v-input", has_text=label).locator("[role=slider]")
    first = len(sent)
    slider.focus()
    for key in keys:
        slider.press(key)
    update = f'"state":{{"v_model":{value}}}'
    deadline = time.monotonic() + 10.0
    while not any(update in frame for frame in sent[first:]):
        assert time.monotonic() < deadline, f"{label}: {value} never reached the server"
        page.wait_for_timeout(50)


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium is absent (/usr/bin/chromium); `make test` installs it when run as root",
)
def shot(page, selector: str, tries: int = 20) -> bytes:
    """A screenshot of an element once two in a row agree (a redraw may be under way)."""
    from playwright.sync_api import Error

    last = None
    for _ in range(tries):
        try:
            now = page.locator(selector).screenshot()
        except Error:  # the element was replaced by a redraw while being captured
            now = None
        if now is not None and now == last:
            return now
        last = now
        page.wait_for_timeout(500)
    raise AssertionError(f"{selector} kept changing for {tries / 2:g} s")


def settled(page, locator, tries: int = 30, quiet: int = 4) -> str:
    """The locator's text once it has not changed for `quiet` seconds (fails if it never does).

    A step under way when Pause is pressed still lands, and on a loaded machine one step (a
    month of days and five panels drawn) can take several seconds.
    """
    text, unchanged = locator.inner_text(), 0
    for _ in range(tries):
        page.wait_for_timeout(1000)
        now = locator.inner_text()
        unchanged = unchanged + 1 if now == text else 0
        if unchanged >= quiet:
            return now
        text = now
    raise AssertionError(f"still changing after {tries} s: {text}")


def test_the_page_in_a_browser_steps_the_model_offline(tmp_path):
    """`make dashboard`, driven in Chromium: controls reach the model, stepping moves the panels.

    The server's own way out goes to a trap (HTTP(S)_PROXY) and the browser may reach only the
    server: the page must render with nothing fetched from the network.
    """
    from playwright.sync_api import expect, sync_playwright

    # into the test's folder; to refresh the README's figure of the dashboard:
    # ABSORB_SCREENSHOT=docs/figures/dashboard.png pytest tests/test_app.py
    screenshot = Path(os.environ.get("ABSORB_SCREENSHOT") or tmp_path / "dashboard.png")

    port, trap = free_port(), NetworkTrap()
    url = f"http://127.0.0.1:{port}/"
    environment = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy"}
    environment |= {name: trap.address for name in ("HTTP_PROXY", "HTTPS_PROXY")}
    environment |= {name.lower(): trap.address for name in ("HTTP_PROXY", "HTTPS_PROXY")}
    server = subprocess.Popen(
        ["make", "--no-print-directory", "dashboard", f"DASHBOARD_PORT={port}"],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # make, its shell and solara in one group, ended together
    )
    outside, failed = [], []
    try:
        wait_until_served(url, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
            page = browser.new_page(viewport={"width": 1500, "height": 1400})
            page.set_default_timeout(20_000)

            def only_the_server(route):
                if route.request.url.startswith(url):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", only_the_server)
            sent: list[str] = []
            page.on("websocket", lambda socket: socket.on("framesent", lambda f: sent.append(f)))
            page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto(url)

            graph = page.locator(".panel-graph")
            graph_caption = graph.locator(".caption")
            expect(graph_caption).to_contain_text("automation rate 0.50 from day 20")
            day_zero = {
                name: shot(page, f".panel-{name} img") for name in ("graph", "dashboard-books")
            }
            assert ink(day_zero["graph"]) > 0.02, "the workflow graph is blank"

            set_slider(page, sent, "Automation rate", ["End"], "1")
            set_slider(page, sent, "Roll-out day", ["Home"] + ["ArrowRight"] * 15, "15")
            page.get_by_role("button", name="Reset").click()
            expect(graph_caption).to_contain_text("automation rate 1.00 from day 15")

            page.get_by_role("button", name="Step").click()
            expect(graph_caption).to_contain_text("; 1 day run")
            set_slider(page, sent, "Render Interval", ["ArrowRight"] * 15, "31")  # days a step
            page.get_by_role("button", name="Step").click()
            expect(graph_caption).to_contain_text("; 32 days run")

            stepped = {
                name: shot(page, f".panel-{name} img")
                for name in ("graph", "queues", "dashboard-books", "outcome-books", "people")
            }
            captions = {
                name: page.locator(f".panel-{name} .caption").inner_text()
                for name in ("graph", "dashboard-books", "outcome-books")
            }
            page.screenshot(path=screenshot)

            page.get_by_role("button", name="▶").click()
            expect(graph_caption).not_to_contain_text("; 32 days run")  # playing
            page.get_by_role("button", name="❚❚").click()
            expect(page.get_by_role("button", name="▶")).to_be_enabled()
            paused = settled(page, graph_caption)  # a step already under way may still land
            page.wait_for_timeout(1500)
            assert graph_caption.inner_text() == paused, "the model went on after Pause"
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        log = server.communicate(timeout=30)[0].decode(errors="replace")

    assert outside == [], f"the page asked for something off this machine: {outside}"
    assert failed == [], f"requests the server could not answer (not bundled?): {failed}"
    assert trap.attempts == 0, f"the server tried to reach the network:\n{log}"
    for name, png in stepped.items():
        assert ink(png) > 0.02, f"the {name} panel is blank"
    assert stepped["graph"] != day_zero["graph"]
    assert stepped["dashboard-books"] != day_zero["dashboard-books"]
    assert "control steps in place 2" in captions["graph"]
    assert royal_blue(stepped["graph"]) > 50 and royal_blue(day_zero["graph"]) == 0
    assert captions["dashboard-books"].startswith("day 31: artifacts per FTE")
    assert captions["outcome-books"].startswith("day 31: qualified pipeline")
    assert ink(screenshot.read_bytes()) > 0.05
