"""The dashboard: the organisation model in the browser, one working day per step.

`make dashboard` serves it with `solara run sim/app.py`, Solara's version check and telemetry
off so that nothing leaves the machine. Mesa's SolaraViz draws the page: the controls in the
sidebar (organisation, automation rate, roll-out day, volume elasticity, governance, one
checkbox per file in `configs/policy/`; step, play, reset), and five panels: the workflow
graph (stages coloured by utilisation, sized by their queue), queues per stage, the dashboard
books and the outcome books side by side (each indexed to its pre-AI baseline), and people's
trust, skill and exhaustion.

The model is the command line's: the controls become Hydra overrides, `sim.load_config`
composes them and `OrgModel` runs them. Reset re-creates the model as
`DashboardModel(**controls)`, the way SolaraViz re-creates any Mesa model.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import networkx as nx
import pandas as pd
import solara
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from mesa.experimental.scenarios import Scenario
from mesa.visualization import SolaraViz

import sim
from sim.config import CONFIG_DIR
from sim.model import OrgModel
from sim.policies import available as policy_files

# ------------------------------------------------------------------ reads of the model
# Every read of the model and its config is in this block: when the model's internals change,
# these few functions change and nothing below them does.

_compose_lock = threading.Lock()  # Hydra's global state: one composition at a time


def compose(overrides: list[str]):
    """The validated run config for these Hydra overrides, as the command line composes it."""
    with _compose_lock:
        return sim.load_config(overrides)


def scenario_settings(cfg) -> dict:
    """The values of a composed config that the controls and the panels show."""
    return {
        "org": cfg.org.name,
        "automation_rate": float(cfg.ai.automation_rate),
        "rollout_day": int(cfg.ai.rollout_day),
        "volume_elasticity": float(cfg.people.production.volume_elasticity),
        "governance": bool(cfg.governance.enabled),
        "days": int(cfg.days),
        "warmup_days": int(cfg.metrics.warmup_days),
    }


def books(model: OrgModel) -> pd.DataFrame:
    """One row per day so far: both sets of books, queues and utilisation per stage, people."""
    return model.datacollector.get_model_vars_dataframe()


def workflow_graph(model: OrgModel) -> nx.DiGraph:
    """The graph the model routes work on, control steps included.

    Stages carry `role`; hand-offs carry `routing` (probability per artifact kind) and
    `rework` (the way back to the author).
    """
    return model.graph


def stage_names(model: OrgModel) -> list[str]:
    """The stages, in the order the model keeps them."""
    return list(model.stages.names)


# ------------------------------------------------------------------ the controls
POLICY_PREFIX = "policy_"
MARKET_ROLE = "market"


def scenario_overrides(
    org: str | None = None,
    automation_rate: float | None = None,
    rollout_day: int | None = None,
    volume_elasticity: float | None = None,
    governance: bool | None = None,
    policies: list[str] | None = None,
) -> list[str]:
    """The Hydra overrides the command line would take for these controls (None: the default)."""
    values = {
        "org": org,
        "ai.automation_rate": automation_rate,
        "ai.rollout_day": rollout_day,
        "people.production.volume_elasticity": volume_elasticity,
        "governance.enabled": None if governance is None else str(governance).lower(),
        "policy": f"[{','.join(policies)}]" if policies else None,
    }
    return [f"{key}={value}" for key, value in values.items() if value is not None]


def available_policies(config_dir: Path = CONFIG_DIR) -> list[str]:
    """The policies in `configs/policy/` (none while that folder does not exist)."""
    return policy_files(config_dir)


def available_organisations(config_dir: Path = CONFIG_DIR) -> list[str]:
    """The organisations in `configs/org/` that run with the default AI and market.

    The queueing networks (`mm1`, `tandem` …) have no market and need `ai=none`; they are
    left out rather than offered and refused.
    """
    usable = []
    for path in sorted((config_dir / "org").glob("*.yaml")):
        try:
            compose([f"org={path.stem}"])
        except sim.ConfigError:
            continue
        usable.append(path.stem)
    return usable


def model_params(organisations: list[str], policies: list[str]) -> dict:
    """SolaraViz's controls, one per keyword of `DashboardModel`, at the config's defaults."""
    defaults = scenario_settings(compose([]))
    params = {
        "org": {
            "type": "Select",
            "value": defaults["org"],
            "values": organisations,
            "label": "Organisation",
        },
        "automation_rate": {
            "type": "SliderFloat",
            "value": defaults["automation_rate"],
            "min": 0.0,
            "max": 1.0,
            "step": 0.05,
            "label": "Automation rate",
        },
        "rollout_day": {
            "type": "SliderInt",
            "value": defaults["rollout_day"],
            "min": 0,
            "max": defaults["days"] - 1,
            "step": 1,
            "label": "Roll-out day",
        },
        "volume_elasticity": {
            "type": "SliderFloat",
            "value": defaults["volume_elasticity"],
            "min": 0.0,
            "max": 3.0,
            "step": 0.02,
            "label": "Volume elasticity",
        },
        "governance": {
            "type": "Checkbox",
            "value": defaults["governance"],
            "label": "Governance adds control steps",
        },
    }
    for policy in policies:
        params[POLICY_PREFIX + policy] = {
            "type": "Checkbox",
            "value": False,
            "label": f"Policy: {policy}",
        }
    return params


class DashboardModel(OrgModel):
    """The organisation model, built from the dashboard's controls.

    Args:
        org: an organisation in `configs/org/`; each control left at None keeps the config's
            default.
        automation_rate: share of drafts AI makes once rolled out.
        rollout_day: working day on which AI becomes available.
        volume_elasticity: how strongly drafting volume responds to cheaper drafts.
        governance: whether escaped defects make brand and legal add control steps.
        scenario: the empty Mesa scenario that SolaraViz passes on Reset (the random streams
            come from the config's seed).
        **policies: `policy_<name>=True` for each policy of `configs/policy/` to apply.
    """

    def __init__(
        self,
        org: str | None = None,
        automation_rate: float | None = None,
        rollout_day: int | None = None,
        volume_elasticity: float | None = None,
        governance: bool | None = None,
        scenario: Scenario | None = None,
        **policies: bool,
    ):
        if scenario is not None and scenario.rng is not None:
            raise ValueError(
                "DashboardModel: the random streams come from the config's seed, not rng"
            )
        known = set(available_policies())
        unknown = [key for key in policies if key.removeprefix(POLICY_PREFIX) not in known]
        if unknown:
            allowed = ", ".join(POLICY_PREFIX + p for p in sorted(known)) or "none"
            raise TypeError(f"DashboardModel: unknown control {unknown[0]!r}; policies: {allowed}")
        chosen = [key.removeprefix(POLICY_PREFIX) for key, on in sorted(policies.items()) if on]
        overrides = scenario_overrides(
            org, automation_rate, rollout_day, volume_elasticity, governance, chosen
        )
        cfg = compose(overrides)
        super().__init__(cfg, replication=0)
        self.settings = scenario_settings(cfg) | {"policies": chosen}
        self._books: tuple[int, pd.DataFrame] | None = None
        graph = workflow_graph(self)
        self.stage_positions = stage_layout(graph)
        self.initial_routing = {
            (source, target): dict(routing)
            for source, target, routing in graph.edges(data="routing", default={})
        }

    def books_so_far(self) -> pd.DataFrame:
        """The books up to today, collected once per day however many panels read them."""
        if self._books is None or self._books[0] != self.steps:
            self._books = (self.steps, books(self))
        return self._books[1]


# ------------------------------------------------------------------ drawing
ROLLING_DAYS = 10  # books are noisy day to day (wins, replies): a 10-day mean, as in books.png
FIGURE_SIZE = (6.0, 4.2)
DPI = 80
DASHBOARD_BOOKS = {"artifacts_per_fte": "artifacts per FTE", "messages_sent": "messages sent"}
OUTCOME_BOOKS = {
    "qualified_pipeline": "qualified pipeline",
    "wins": "wins",
    "response_rate": "response rate",
    "time_to_send_days": "time to send (lower is better)",
    "escaped_defects": "escaped defects (lower is better)",
}
PEOPLE = {
    "trust_mean": "trust in AI (reviewers)",
    "skill_mean": "skill (reviewers)",
    "exhaustion_mean": "exhaustion (everyone)",
    "burnout_share": "share burnt out",
}
UTILISATION_COLOURS = colormaps["RdYlGn_r"]
CHANGED_COLOUR = "royalblue"  # a hue the utilisation colours do not use


def stage_layout(graph: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Stage positions: one column per step of the flow (rework edges left out), left to right.

    Within a column the stages keep the graph's order, so the picture is the same in every
    process (networkx's generations come out in set order, which varies with the hash seed).
    """
    flow = nx.DiGraph()
    flow.add_nodes_from(graph)
    flow.add_edges_from((u, v) for u, v, rework in graph.edges(data="rework") if not rework)
    if not nx.is_directed_acyclic_graph(flow):
        return nx.spring_layout(graph, seed=0)
    order = {stage: i for i, stage in enumerate(graph)}
    positions = {}
    for column, stages in enumerate(nx.topological_generations(flow)):
        stages = sorted(stages, key=order.__getitem__)
        for row, stage in enumerate(stages):
            positions[stage] = (float(column), (len(stages) - 1) / 2.0 - row)
    return positions


def _figure() -> tuple[Figure, Axes]:
    fig = Figure(figsize=FIGURE_SIZE, dpi=DPI)
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.92)
    return fig, fig.add_subplot()


def _mark_rollout(ax: Axes, rollout_day: int) -> None:
    ax.axvline(rollout_day, color="grey", linestyle=":", linewidth=1)


def _no_days_yet(ax: Axes, text: str = "no days yet: press Step or \u25b6") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()


def latest_day(timeseries: pd.DataFrame) -> pd.Series:
    """The last day's row (empty before the first step)."""
    return timeseries.iloc[-1] if len(timeseries) else pd.Series(dtype=float)


def classify_handoffs(graph: nx.DiGraph, initial_routing: dict) -> tuple[list, list, list]:
    """Hand-offs that carry work as on day 0, that carry work changed since, and rework edges.

    A control step reroutes a kind of artifact: the hand-offs it creates or feeds are
    "changed"; the one it drained carries nothing and is not listed.
    """
    carrying, changed, rework = [], [], []
    for source, target, data in graph.edges(data=True):
        routing = data.get("routing") or {}
        if data.get("rework"):
            rework.append((source, target))
        elif any(routing.values()):
            same = routing == initial_routing.get((source, target), {})
            (carrying if same else changed).append((source, target))
    return carrying, changed, rework


def graph_figure(
    graph: nx.DiGraph, latest: pd.Series, positions: dict, initial_routing: dict
) -> Figure:
    """The workflow graph: colour utilisation, area queue, hand-offs changed since day 0 blue.

    Args:
        graph: the model's workflow graph as it is now.
        latest: the last day's row of the books (queues and utilisation per stage).
        positions: stage positions; recomputed if the graph has gained a stage.
        initial_routing: each hand-off's routing on day 0.
    """
    fig, ax = _figure()
    if not set(graph) <= set(positions):
        positions = stage_layout(graph)
    stages = list(graph)
    is_market = {s: graph.nodes[s].get("role") == MARKET_ROLE for s in stages}
    queue = {s: float(latest.get(f"queue_{s}", 0.0)) for s in stages}
    norm = Normalize(0.0, 1.0)
    colours = []
    for stage in stages:
        utilisation = latest.get(f"utilisation_{stage}", math.nan)
        grey = is_market[stage] or pd.isna(utilisation)
        colours.append("lightgrey" if grey else UTILISATION_COLOURS(norm(utilisation)))
    # area grows with the square root of the queue so that a runaway queue stays on the page
    sizes = [min(200.0 + 150.0 * math.sqrt(queue[s]), 2500.0) for s in stages]
    carrying, changed, rework = classify_handoffs(graph, initial_routing)
    nodes = {"pos": positions, "ax": ax, "node_size": sizes, "nodelist": stages}
    nx.draw_networkx_nodes(graph, node_color=colours, edgecolors="black", **nodes)
    # hand-offs curve a little so that one passing a stage in line does not seem to enter it
    curve = {"connectionstyle": "arc3,rad=0.12", **nodes}
    nx.draw_networkx_edges(
        graph, edgelist=rework, style="dashed", edge_color="silver",
        connectionstyle="arc3,rad=0.3", **nodes,
    )  # fmt: skip
    nx.draw_networkx_edges(graph, edgelist=carrying, edge_color="dimgrey", **curve)
    nx.draw_networkx_edges(graph, edgelist=changed, edge_color=CHANGED_COLOUR, width=2.5, **curve)
    for stage, size in zip(stages, sizes, strict=True):
        waiting = "" if is_market[stage] or latest.empty else f"\n{queue[stage]:.0f} queued"
        ax.annotate(
            stage.replace("_", " ") + waiting,
            positions[stage],
            xytext=(0, -(math.sqrt(size) / 2 + 2)),  # under the node, whatever its size
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=7,
        )
    fig.colorbar(ScalarMappable(norm, UTILISATION_COLOURS), ax=ax, label="utilisation", shrink=0.8)
    ax.set_title(
        "Workflow: colour utilisation, area queue, blue changed by control steps", fontsize=9
    )
    ax.margins(0.15)
    ax.set_axis_off()
    return fig


def baseline_days(rollout_day: int, warmup_days: int) -> range:
    """The pre-AI days the books are indexed to.

    From the end of the warm-up to the roll-out, as in the run's summary; from day 0 when the
    roll-out comes before the warm-up ends (the queues are still filling, but they are the
    only days without AI). Empty when AI is there from day 0.
    """
    return range(warmup_days if warmup_days < rollout_day else 0, rollout_day)


def indexed_books(
    timeseries: pd.DataFrame, columns: dict[str, str], baseline: range
) -> pd.DataFrame:
    """The books as an index: each column's 10-day mean over its mean on the baseline days.

    While the baseline days are still running, the index is to those so far. A column whose
    baseline mean is zero has no index and is left out.

    Returns:
        One row per day (index `day`), one column per label of `columns` that has an index.
    """
    if timeseries.empty:
        return pd.DataFrame()
    before = timeseries[timeseries["day"].isin(baseline)]
    present = [c for c in columns if c in timeseries]
    means = before[present].mean()
    usable = [c for c in present if pd.notna(means[c]) and means[c] != 0]
    daily = timeseries.set_index("day")[usable]
    index = 100.0 * daily.rolling(ROLLING_DAYS, min_periods=1).mean() / means[usable]
    return index.rename(columns=columns)


def books_figure(
    index: pd.DataFrame,
    title: str,
    baseline: range,
    rollout_day: int,
    limits: tuple[float, float],
) -> Figure:
    """One set of books as index lines on a log scale, on the y-range both sets share."""
    fig, ax = _figure()
    if index.empty:
        wait = f"the baseline: days {baseline.start}-{baseline.stop - 1}" if baseline else "none"
        _no_days_yet(ax, f"no pre-AI day to index to yet ({wait})")
        return fig
    for label in index.columns:
        ax.plot(index.index, index[label], label=label)
    ax.axhline(100, color="black", linewidth=0.5)
    _mark_rollout(ax, rollout_day)
    # a log scale: halving and doubling lie equally far from 100
    ax.set_yscale("log")
    ticks = [100.0 * 2.0**k for k in range(-6, 7) if limits[0] <= 100.0 * 2.0**k <= limits[1]]
    ax.set_yticks(ticks, [f"{tick:g}" for tick in ticks])
    ax.minorticks_off()
    ylabel = f"index, mean of days {baseline.start}-{baseline.stop - 1} = 100"
    ax.set(xlabel="working day", ylabel=ylabel, ylim=limits)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    return fig


def lines_figure(
    timeseries: pd.DataFrame, columns: dict[str, str], title: str, ylabel: str, rollout_day: int
) -> Figure:
    """Raw daily values of some columns (queues, people's state)."""
    fig, ax = _figure()
    present = {c: label for c, label in columns.items() if c in timeseries}
    if timeseries.empty or not present:
        _no_days_yet(ax)
        return fig
    for column, label in present.items():
        ax.plot(timeseries["day"], timeseries[column], label=label)
    _mark_rollout(ax, rollout_day)
    ax.set(xlabel="working day", ylabel=ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    return fig


# ------------------------------------------------------------------ panels
# Each panel draws a figure and a one-line caption from the model as it is now.
def _both_books(model: DashboardModel) -> tuple[pd.DataFrame, pd.DataFrame, range, tuple]:
    """Both sets of books indexed to the same baseline days, and the y-range they share."""
    timeseries = model.books_so_far()
    baseline = baseline_days(model.settings["rollout_day"], model.settings["warmup_days"])
    dashboard = indexed_books(timeseries, DASHBOARD_BOOKS, baseline)
    outcome = indexed_books(timeseries, OUTCOME_BOOKS, baseline)
    values = pd.concat([dashboard, outcome], axis=1).to_numpy().ravel()
    positive = values[pd.notna(values) & (values > 0)]
    low, high = (positive.min(), positive.max()) if positive.size else (100.0, 100.0)
    return dashboard, outcome, baseline, (min(low, 100.0) / 1.2, max(high, 100.0) * 1.2)


def _index_caption(index: pd.DataFrame) -> str:
    if index.empty:
        return "index: none yet"
    latest = index.iloc[-1]
    values = ", ".join(f"{label} {value:.0f}" for label, value in latest.items())
    return f"day {index.index[-1]:.0f}: {values}"


def _latest_caption(latest: pd.Series, columns: dict[str, str], digits: int) -> str:
    present = [(label, latest[c]) for c, label in columns.items() if c in latest.index]
    if not present:
        return "none yet"
    values = ", ".join(f"{label} {value:.{digits}f}" for label, value in present)
    return f"day {latest['day']:.0f}: {values}"


def scenario_caption(settings: dict, latest: pd.Series) -> str:
    """The scenario the model runs and how far it is: what the controls gave it."""
    policies = ", ".join(settings["policies"]) or "none"
    days = 0 if latest.empty else int(latest["day"]) + 1
    run = f"{days} day{'' if days == 1 else 's'} run"
    steps = "" if latest.empty else f", control steps in place {latest['control_steps']:.0f}"
    return (
        f"{settings['org']}: automation rate {settings['automation_rate']:.2f} from day "
        f"{settings['rollout_day']}, volume elasticity {settings['volume_elasticity']:.2f}, "
        f"governance {'on' if settings['governance'] else 'off'}, policies {policies}; "
        f"{run}{steps}"
    )


def workflow_panel(model: DashboardModel) -> tuple[Figure, str]:
    """The workflow graph as the model routes work today, and the scenario it runs."""
    latest = latest_day(model.books_so_far())
    figure = graph_figure(
        workflow_graph(model), latest, model.stage_positions, model.initial_routing
    )
    return figure, scenario_caption(model.settings, latest)


def queues_panel(model: DashboardModel) -> tuple[Figure, str]:
    """Artifacts waiting at each stage."""
    timeseries = model.books_so_far()
    columns = {f"queue_{s}": s.replace("_", " ") for s in stage_names(model)}
    rollout = model.settings["rollout_day"]
    figure = lines_figure(timeseries, columns, "Queues per stage", "artifacts waiting", rollout)
    return figure, _latest_caption(latest_day(timeseries), columns, digits=0)


def dashboard_books_panel(model: DashboardModel) -> tuple[Figure, str]:
    """What the dashboard counts, indexed to its pre-AI baseline."""
    dashboard, _, baseline, limits = _both_books(model)
    title = "Dashboard books (10-day mean)"
    figure = books_figure(dashboard, title, baseline, model.settings["rollout_day"], limits)
    return figure, _index_caption(dashboard)


def outcome_books_panel(model: DashboardModel) -> tuple[Figure, str]:
    """What reaches customers and revenue, on the dashboard books' index and scale."""
    _, outcome, baseline, limits = _both_books(model)
    title = "Outcome books (10-day mean)"
    figure = books_figure(outcome, title, baseline, model.settings["rollout_day"], limits)
    return figure, _index_caption(outcome)


def people_panel(model: DashboardModel) -> tuple[Figure, str]:
    """Reviewers' trust in AI and skill; everyone's exhaustion and the share burnt out."""
    timeseries = model.books_so_far()
    title = "People: trust, skill, exhaustion"
    figure = lines_figure(timeseries, PEOPLE, title, "share, 0 to 1", model.settings["rollout_day"])
    return figure, _latest_caption(latest_day(timeseries), PEOPLE, digits=2)


PANELS = {
    "graph": workflow_panel,
    "queues": queues_panel,
    "dashboard-books": dashboard_books_panel,
    "outcome-books": outcome_books_panel,
    "people": people_panel,
}  # two a row: the dashboard and the outcome books side by side


def panel_component(name: str, draw):
    """A SolaraViz component (redrawn at every update) showing one panel.

    Its CSS class `panel-<name>` names it on the page.
    """

    def Panel(model: DashboardModel):
        figure, caption = draw(model)
        with solara.Column(gap="0px", classes=[f"panel-{name}"]) as panel:
            solara.FigureMatplotlib(figure, format="png")
            solara.Text(caption, classes=["caption"])
        return panel

    return Panel


model_parameters = model_params(available_organisations(), available_policies())
model = DashboardModel(**{name: spec["value"] for name, spec in model_parameters.items()})
page = SolaraViz(
    model,
    components=[panel_component(name, draw) for name, draw in PANELS.items()],
    model_params=model_parameters,
    name="absorb: an organisation absorbing AI-drafted work",
)
