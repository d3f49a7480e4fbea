"""The schema, its rules and composition, through the Python API (`sim.load_config`, `sim.run`).

Bad input must raise one `ConfigError` whose message is one line naming the key or the value;
the same inputs on the command line are in tests/test_cli.py.
"""

import math
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path
from typing import get_args, get_origin, get_type_hints

import pytest
import yaml
from omegaconf import OmegaConf, open_dict

import sim
from sim.config import (
    CONFIG_DIR,
    ConfigError,
    HandoffConfig,
    Rule,
    RunConfig,
    load_config,
    validate,
)

USER = Path(__file__).parent / "user_configs"


def refused(call) -> str:
    """The message of the ConfigError `call()` raises, checked to be one line."""
    with pytest.raises(ConfigError) as error:
        call()
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# --------------------------------------------------------------------------- overrides

BAD_OVERRIDES = [
    # (overrides, what the message must name)
    (["ai.automation_rate=1.5"], "ai.automation_rate = 1.5"),
    (["ai.automation_rate=-0.1"], "ai.automation_rate = -0.1"),
    (["ai.automation_rate=nan"], "ai.automation_rate = nan"),
    (["ai.automation_rate=inf"], "ai.automation_rate = inf"),
    (["market.prospects_per_rep=inf"], "market.prospects_per_rep = inf"),
    (["market.deal_value=-inf"], "market.deal_value = -inf"),
    (["org.stages.sales.headcount=-3"], "org.stages.sales.headcount = -3"),
    (["org.stages.brand_review.attention_hours=30"], "attention_hours = 30.0"),
    (["org.handoffs.0.routing.campaign_asset=1.2"], "org.handoffs[0].routing.campaign_asset"),
    (["org.handoffs.0.target=nowhere"], "org.handoffs[0].target = 'nowhere'"),
    (["org.stages.marketing.headcount=0"], "org.stages.marketing.headcount = 0"),
    (["org.stages.deal_desk.headcount=0"], "org.stages.deal_desk.headcount = 0"),
    (["market.base_reply_rate=2"], "market.base_reply_rate = 2.0"),
    (["market.asset_useful_reads=-1"], "market.asset_useful_reads = -1"),
    (["market.fatigue_messages_per_week=0"], "market.fatigue_messages_per_week = 0.0"),
    (["org.kinds.outreach_sequence.prospects_reached=-20"], "prospects_reached = -20"),
    (["org.kinds.proposal.relevance_mean=1"], "org.kinds.proposal.relevance_mean = 1.0"),
    (["ai.kinds.proposal.effort_ratio=0"], "ai.kinds.proposal.effort_ratio = 0.0"),
    (["org.stages.sales.role=wizard"], "org.stages.sales.role = 'wizard'"),
    (["metrics.dashboard_counts=some"], "metrics.dashboard_counts = 'some'"),
    (["task=dance"], "task = 'dance'"),
    (["days=0"], "days = 0"),
    (["days=10000000"], "100,000"),
    (["replications=0"], "replications = 0"),
    (["seed=-1"], "seed = -1"),
    (["days=many"], "days = 'many'"),
    (["ai.automation_rate=true"], "ai.automation_rate"),
    (["ai.rollout_day=500", "days=30"], "ai.rollout_day = 500"),
    (["metrics.warmup_days=30", "days=30"], "metrics.warmup_days = 30"),
    (["people.skill.floor=0.9"], "people.skill.floor = 0.9"),
    (["org.stages.sales.connective_hours=7"], "org.stages.sales.connective_hours = 7.0"),
    (["org.hours_per_day=25"], "org.hours_per_day = 25.0"),
    (["ai.automaton_rate=0.5"], "ai.automaton_rate"),
    (["+ai.automaton_rate=0.5"], "ai.automaton_rate"),
    (["++people.trust.fixd=true"], "people.trust.fixd"),
    (["~days"], "days"),
    (["~org.stages.brand_review.effort_hours.explainer"], "explainer"),
    (["org.name=${oc.env:ABSORB_UNSET_VARIABLE}"], "ABSORB_UNSET_VARIABLE"),
    (["org.name=../../escape"], "org.name = '../../escape'"),
    (["org.name='two words'"], "org.name = 'two words'"),
    (["org=nonexistent"], "org=nonexistent"),
    (["org=../../../elsewhere/x"], "org=../../../elsewhere/x"),
    (["org.control_steps.0.stage=managers"], "org.stages.managers.effort_hours"),
    (["org.control_steps.0.kind=proposal"], "org.control_steps[0].kind = 'proposal'"),
    (["seed=1,2"], "seed=1,2"),
    (["ai=default", "org=tandem"], "ai.kinds.outreach_sequence"),
]


@pytest.mark.parametrize(
    ("overrides", "named"), BAD_OVERRIDES, ids=[" ".join(o) for o, _ in BAD_OVERRIDES]
)
def test_load_config_refuses_bad_overrides_in_one_line(overrides, named, monkeypatch):
    monkeypatch.delenv("ABSORB_UNSET_VARIABLE", raising=False)
    assert named in refused(lambda: sim.load_config(overrides))


def test_routing_that_sums_above_one_is_rejected():
    message = refused(lambda: sim.load_config(["org.handoffs.2.routing.campaign_asset=1.0"]))
    assert "routing sum = 1.3" in message and "brand_review" in message


def test_a_bound_that_names_a_key_shows_its_value():
    message = refused(lambda: sim.load_config(["ai.rollout_day=500", "days=30"]))
    assert "< days (30)" in message and "ai.automation_rate=0" in message


# --------------------------------------------------------------------------- sim.run


def _mutated(change):
    cfg = sim.load_config(["days=30", "ai.rollout_day=10"])
    with open_dict(cfg):
        change(cfg)
    return cfg


BAD_RUNS = {
    "automation 1.5": (lambda c: setattr(c.ai, "automation_rate", 1.5), "ai.automation_rate"),
    "headcount -5": (lambda c: setattr(c.org.stages.sales, "headcount", -5), "headcount = -5"),
    "days 0": (lambda c: setattr(c, "days", 0), "days = 0"),
    "seed -1": (lambda c: setattr(c, "seed", -1), "seed = -1"),
    "unknown hand-off target": (
        lambda c: setattr(c.org.handoffs[0], "target", "nowhere"),
        "'nowhere'",
    ),
    "NaN deal value": (lambda c: setattr(c.market, "deal_value", math.nan), "deal_value = nan"),
    "stage that receives work without people": (
        lambda c: setattr(c.org.stages.managers, "headcount", 0),
        "org.stages.managers.headcount = 0",
    ),
    "a stage with no effort for what it receives": (
        lambda c: c.org.stages.engineering.effort_hours.pop("proposal"),
        "org.stages.engineering.effort_hours has no proposal",
    ),
    "a closed cycle": (
        lambda c: c.org.handoffs.append(
            HandoffConfig(source="managers", target="sales", routing={"status_report": 1.0})
        ),
        "can never leave",
    ),
}


@pytest.mark.parametrize(("change", "named"), BAD_RUNS.values(), ids=BAD_RUNS.keys())
def test_sim_run_validates_before_it_runs(change, named):
    cfg = _mutated(change)
    assert named in refused(lambda: sim.run(cfg, progress=False))


def test_sim_run_refuses_a_bare_schema_naming_what_is_missing():
    assert "org.name" in refused(lambda: sim.run(OmegaConf.structured(RunConfig)))


def test_the_api_and_the_command_line_give_the_same_line(tmp_path, monkeypatch, capsys):
    from sim.cli import main

    monkeypatch.chdir(tmp_path)
    for overrides in (["ai.automation_rate=nan"], ["ai.rollout_day=500", "days=30"]):
        message = refused(lambda overrides=overrides: sim.load_config(overrides))
        monkeypatch.setattr("sys.argv", ["absorb", *overrides])
        with pytest.raises(SystemExit):
            main()
        assert capsys.readouterr().err.strip() == f"absorb: error: {message}"


# --------------------------------------------------------------------------- a user's org files

BAD_ORG_FILES = {
    # file in tests/user_configs/org: (what the message names, line in the file or None)
    "self_loop": ("org.handoffs[0].routing.job", 6),
    "closed_cycle": ("draft -> check -> draft", 9),
    "unstaffed_control": ("org.stages.audit.headcount = 0", 5),
    "no_effort": ("org.stages.review.effort_hours has no memo", 5),
    "unstaffed_receiver": ("org.stages.review.headcount = 0", 5),
    "no_role": ("org.stages.desk.role", 4),
    "no_name": ("org.name", None),
    "empty": ("org.name", None),
    "malformed": ("found '<block mapping start>'", 5),
    "duplicate_stage": ("duplicate key desk", 5),
    "unknown_key": ("org.stages.desk.headcont", 6),
    "wrong_type": ("org.stages.desk.headcount = 'many'", 6),
    "path_name": ("org.name = '../../../elsewhere'", 1),
    "spaced_stage": ("'front desk'", 4),
    "not_a_mapping": ("org/not_a_mapping", None),
    "too_attentive": ("org.stages.desk.attention_hours = 30.0", 7),
    "unknown_target": ("org.handoffs[0].target = 'nowhere'", 6),
    "staffed_market": ("org.stages.out.headcount = 5", 5),
    "unknown_kind": ("effort_hours.jobb", 4),
    "nan_effort": ("org.stages.desk.effort_hours.job = nan", 4),
    "infinite_arrivals": ("arrival_rate_per_hour.job = inf", 4),
    "routing_above_one": ("routing sum = 1.4", 9),
}


@pytest.mark.parametrize(("name", "expected"), BAD_ORG_FILES.items(), ids=BAD_ORG_FILES.keys())
def test_a_broken_org_file_is_reported_with_its_file_and_line(name, expected):
    named, line = expected
    message = refused(lambda: load_config([f"org={name}", "ai=none"], config_dir=USER))
    assert named in message
    path = USER / "org" / f"{name}.yaml"
    assert str(path) in message
    if line is not None:
        assert f"{path}, line {line}" in message


def test_a_defaults_list_cannot_reach_out_of_the_search_path():
    message = refused(lambda: load_config(["org=escape", "ai=none"], config_dir=USER))
    assert "org/escape names 'org/../outside' in its defaults list" in message


def test_a_value_set_on_the_command_line_is_not_blamed_on_the_file():
    message = refused(
        lambda: load_config(
            ["org=too_attentive", "ai=none", "org.stages.desk.attention_hours=9"], config_dir=USER
        )
    )
    assert "attention_hours = 9.0" in message and "too_attentive.yaml" not in message


def test_a_missing_config_dir_is_named():
    assert "no such folder" in refused(lambda: load_config([], config_dir=USER / "nowhere"))


# --------------------------------------------------------------------------- accepted


def test_default_and_seed_case_organisations():
    default = sim.load_config([])
    people = sum(stage.headcount for stage in default.org.stages.values())
    assert 60 <= people <= 150
    seed_case = sim.load_config(["org=gtm_2800"])
    assert sum(stage.headcount for stage in seed_case.org.stages.values()) == 2800
    assert seed_case.days == 195 and seed_case.ai.rollout_day == 20


GOOD = {
    "one-stage org from a user's folder": (["org=acme", "ai=acme"], USER),
    "unicode stage and kind names": (["org=uebung", "ai=none"], USER),
    "a loop that work can leave": (["org=loop_leaves", "ai=none"], USER),
    "a user's org through hydra.searchpath": (
        [f"hydra.searchpath=[file://{USER}]", "org=acme", "ai=none"],
        None,
    ),
    "no AI, so the roll-out day may lie beyond the run": (
        ["ai.automation_rate=0", "ai.rollout_day=500", "days=30"],
        None,
    ),
    "the longest run allowed": (["days=100000"], None),
    "the largest seed": ([f"seed={2**63 - 1}"], None),
    "scientific notation": (["ai.automation_rate=1e-3"], None),
    "a new entry added with +": (["+org.stages.sales.effort_hours.explainer=1.0"], None),
}


@pytest.mark.parametrize(("overrides", "config_dir"), GOOD.values(), ids=GOOD.keys())
def test_unusual_valid_configs_are_accepted(overrides, config_dir):
    cfg = load_config(overrides, config_dir=config_dir)
    validate(cfg)


def test_a_users_one_stage_org_runs_through_the_api():
    cfg = load_config(
        ["org=acme", "ai=acme", "days=12", "ai.rollout_day=4", "metrics.warmup_days=1"],
        config_dir=USER,
    )
    result = sim.run(cfg, progress=False)
    assert len(result.timeseries) == 12
    assert result.summary["per_replication"][0]["artifacts_created"] > 0


def test_unicode_names_survive_to_the_model():
    cfg = load_config(
        ["org=uebung", "ai=none", "days=10", "metrics.warmup_days=1"], config_dir=USER
    )
    assert list(cfg.org.stages) == ["vertrieb", "prüfung", "kunden"]
    assert sim.run(cfg, progress=False).summary["per_replication"][0]["artifacts_created"] > 0


# --------------------------------------------------------------------------- the schema itself


def _schema_fields(schema, prefix=""):
    hints = get_type_hints(schema)
    for spec in fields(schema):
        hint = hints[spec.name]
        if is_dataclass(hint):
            yield from _schema_fields(hint, f"{prefix}{spec.name}.")
        else:
            yield f"{prefix}{spec.name}", hint, spec


def test_every_number_in_the_schema_declares_its_range():
    from sim import config

    unbounded = []
    for schema in (RunConfig, config.StageConfig, config.KindConfig, config.AiKindConfig):
        for key, hint, spec in _schema_fields(schema):
            if hint in (int, float):
                rule = spec.metadata.get("rule", Rule())
                if rule.low is None and rule.above is None:
                    unbounded.append(key)
    assert unbounded == []


def _scalars(node, prefix=""):
    for key, value in (node or {}).items():
        if isinstance(value, dict):
            yield from _scalars(value, f"{prefix}{key}.")
        elif not isinstance(value, list):
            yield f"{prefix}{key}", value


def test_group_files_only_override_the_defaults_in_sim_config():
    """Each default lives in one place: no YAML outside experiment/ repeats a schema default."""
    defaults = OmegaConf.to_container(OmegaConf.structured(RunConfig), throw_on_missing=False)
    repeated = []
    files = [CONFIG_DIR / "config.yaml"] + [
        path
        for group in ("org", "ai", "market")
        for path in sorted((CONFIG_DIR / group).glob("*.yaml"))
    ]
    for path in files:
        data = yaml.safe_load(path.read_text()) or {}
        data.pop("defaults", None), data.pop("hydra", None)
        package = "" if path.parent == CONFIG_DIR else f"{path.parent.name}."
        for key, value in _scalars(data, package):
            node = defaults
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None and not isinstance(node, dict) and node == value:
                repeated.append(f"{path.relative_to(CONFIG_DIR)}: {key}")
    assert repeated == []


def test_each_default_carries_a_note_of_its_source():
    """Every scalar with a number default in sim/config.py has a comment on its line or above."""
    source = Path(sim.config.__file__).read_text().splitlines()
    numeric = tuple(f"{name}:" for name in _numeric_field_names())
    missing = []
    for number, line in enumerate(source):
        stripped = line.strip()
        if not stripped.startswith(numeric):
            continue
        if "= param(" not in stripped:
            continue
        above = source[number - 1].strip()
        if "#" not in stripped and not above.startswith("#"):
            missing.append(stripped)
    assert missing == []


def _numeric_field_names():
    from sim import config

    names = set()
    for schema in (
        config.RunConfig,
        config.KindConfig,
        config.StageConfig,
        config.AiKindConfig,
        config.OrgConfig,
    ):
        for key, hint, _ in _schema_fields(schema):
            if hint in (int, float):
                names.add(key.rsplit(".", 1)[-1])
    return names


def _allowed(rule: Rule, hint) -> str:
    if rule.one_of:
        return "one of " + ", ".join(f"`{choice}`" for choice in rule.one_of)
    kind = {int: "integer", float: "finite number", bool: "true or false", str: "text"}[hint]
    bounds = []
    for bound, sign in ((rule.low, ">="), (rule.above, ">"), (rule.high, "<="), (rule.below, "<")):
        if bound is not None:
            shown = (
                f"`{bound}`"
                if isinstance(bound, str)
                else f"{bound:g}"
                if isinstance(bound, float)
                else f"{bound:,}"
            )
            bounds.append(f"{sign} {shown}")
    text = kind + (" " + ", ".join(bounds) if bounds else "")
    text += f" (while `{rule.when}` > 0)" if rule.when else ""
    return text + (", a plain identifier" if rule.identifier else "")


def test_the_configuration_page_lists_every_key_with_its_default_and_rule():
    from sim import config

    page = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text()
    rows, keys = [], set()
    for schema, prefix in [
        (RunConfig, ""),
        (config.StageConfig, "org.stages.<stage>."),
        (config.KindConfig, "org.kinds.<kind>."),
        (config.AiKindConfig, "ai.kinds.<kind>."),
    ]:
        for key, hint, spec in _schema_fields(schema, prefix):
            keys.add(key)
            if hint not in (int, float, bool, str):
                continue
            default = spec.default
            shown = (
                "required"
                if default == "???"
                else f"`{str(default).lower() if isinstance(default, bool) else default}`"
            )
            rule = spec.metadata.get("rule", Rule())
            rows.append(f"| `{key}` | {shown} | {_allowed(rule, hint)} |")
    assert [row for row in rows if row not in page] == []
    table = page.split("## Every key, its default and what it may be")[1].split("\n## ")[0]
    listed = [line.split("`")[1] for line in table.splitlines() if line.startswith("| `")]
    assert [key for key in listed if key not in keys] == []  # and no key the schema lacks


# --------------------------------------------------------------------------- the calibration table

STANDINGS = ("sourced", "fitted", "assumed", "switch", "setting")
CALIBRATION = "## Calibration: every parameter's standing"
# where a table of the config keeps its entries, and the schema of one entry
ENTRIES = {
    "org.stages.<stage>.": "StageConfig",
    "org.handoffs[].": "HandoffConfig",
    "org.kinds.<kind>.": "KindConfig",
    "org.control_steps[].": "ControlStepConfig",
    "ai.kinds.<kind>.": "AiKindConfig",
}
SCALARS = (int, float, bool, str)


def _a_value(hint) -> bool:
    """A scalar, an optional scalar, or a table of scalars: a parameter, not a nesting."""
    args = get_args(hint)
    if get_origin(hint) is dict:
        return args[1] in SCALARS
    if type(None) in args:
        return all(arg in SCALARS or arg is type(None) for arg in args)
    return hint in SCALARS


def _shown(default) -> str:
    if default == "???":
        return "required"
    if default is None:
        return "`null`"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{default}`"


def _calibration_keys() -> dict[str, str]:
    """Every key of the schema, with its default as the calibration table shows it."""
    from sim import config

    keys = {}
    schemas = [(RunConfig, "")] + [
        (getattr(config, name), prefix) for prefix, name in ENTRIES.items()
    ]
    for schema, prefix in schemas:
        for key, hint, spec in _schema_fields(schema, prefix):
            if _a_value(hint):
                table = spec.default_factory is not MISSING
                keys[key] = "`{}`" if table else _shown(spec.default)
    return keys


def _calibration_rows(page: str) -> list[list[str]]:
    start = page.index(CALIBRATION)
    end = page.find("\n## ", start + len(CALIBRATION))
    rows = []
    for line in page[start : end if end >= 0 else None].splitlines():
        if line.startswith("| `"):
            rows.append([cell.strip() for cell in line.strip("| ").split(" | ")])
    return rows


def _check_calibration_table(page: str) -> list[str]:
    """What is wrong with the calibration table on `page`: one line per fault."""
    keys = _calibration_keys()
    defaults = OmegaConf.to_container(sim.load_config([]), resolve=True)
    faults, seen, targets = [], {}, {}
    for cells in _calibration_rows(page):
        if len(cells) != 4:
            faults.append(f"{cells[0]}: {len(cells)} cells, not 4")
            continue
        key, default, standing, text = cells[0].strip("`"), cells[1], cells[2], cells[3]
        seen[key] = seen.get(key, 0) + 1
        if key in keys:
            expected = keys[key]
        else:  # one entry of a table with a standing of its own: `ai.kinds.proposal.effort_ratio`
            head, name, field = (["", "", ""] + key.rsplit(".", 2))[-3:]
            generic = next((p for p in ENTRIES if head and p.startswith(f"{head}.<")), None)
            entry = defaults
            for part in (*head.split("."), name):
                entry = entry.get(part, {}) if isinstance(entry, dict) else {}
            if generic is None or f"{generic}{field}" not in keys or field not in entry:
                faults.append(f"{key}: not a key of the schema nor an entry of the default config")
                continue
            expected = _shown(entry[field])
        if default != expected:
            faults.append(f"{key}: default {default}, the schema's is {expected}")
        if standing not in STANDINGS:
            faults.append(f"{key}: standing {standing!r}")
        if standing == "fitted":
            target = text.split("target:", 1)[1].split(";")[0].strip() if "target:" in text else ""
            if not target:
                faults.append(f"{key}: fitted, but names no target")
            elif target in targets:
                faults.append(f"{key}: fitted to the target of {targets[target]}: {target}")
            else:
                targets[target] = key
        elif not text:
            faults.append(f"{key}: no source or reason")
    faults += [f"{key}: {n} rows" for key, n in seen.items() if n > 1]
    faults += [f"{key}: no row" for key in keys if key not in seen]
    return faults


def test_the_calibration_table_lists_every_parameter_once():
    page = (Path(__file__).parent.parent / "docs" / "model.md").read_text()
    assert _check_calibration_table(page) == []


def test_the_calibration_check_finds_a_missing_row_and_a_shared_target():
    page = (Path(__file__).parent.parent / "docs" / "model.md").read_text()
    row = next(line for line in page.splitlines() if line.startswith("| `ai.rollout_day` |"))
    assert _check_calibration_table(page.replace(row + "\n", "")) == ["ai.rollout_day: no row"]
    shared = page.replace(
        row, "| `ai.rollout_day` | `20` | fitted | target: " + _fitted_target(page) + "; by hand |"
    )
    assert _check_calibration_table(shared) == [
        f"people.production.volume_elasticity: fitted to the target of ai.rollout_day: "
        f"{_fitted_target(page)}"
    ]
    assert _check_calibration_table(
        page.replace(row, row.replace("| assumed |", "| guessed |"))
    ) == ["ai.rollout_day: standing 'guessed'"]
    assert _check_calibration_table(page.replace(row, row.replace("`20`", "`21`"))) == [
        "ai.rollout_day: default `21`, the schema's is `20`"
    ]
    stray = page.replace(row, row.replace("ai.rollout_day", "ai.kinds.nothing.effort_ratio"))
    assert (
        "ai.kinds.nothing.effort_ratio: not a key of the schema"
        in _check_calibration_table(stray)[0]
    )


def _fitted_target(page: str) -> str:
    cells = next(c for c in _calibration_rows(page) if "volume_elasticity" in c[0])
    return cells[3].split("target:", 1)[1].split(";")[0].strip()
