"""RESULTS.md: the benchmark figures as Markdown tables, targets, profile and stated gaps."""

from __future__ import annotations

import math
from typing import Any

TARGET_REPS = 5


def _num(x: float, digits: int = 3) -> str:
    """A number with `digits` significant figures and thousands separators."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if x == 0:
        return "0"
    decimals = max(digits - 1 - int(math.floor(math.log10(abs(x)))), 0)
    return f"{x:,.{decimals}f}"


def _seed_case_met(s: dict[str, Any]) -> bool:
    """The seed case's target: simulate() within 8 s and the process within 300 MB."""
    return s["simulate_seconds"]["median"] <= 8.0 and max(s["max_rss_mb"]["values"]) <= 300.0


def _pct(x: float, signed: bool = False) -> str:
    if x is None or math.isnan(x):
        return "n/a"
    return f"{x:+.1%}" if signed else f"{x:.1%}"


def _stat(stat: dict[str, Any], digits: int = 3) -> str:
    """Median, with the range and count when there are several values."""
    values = stat["values"]
    if len(values) <= 1:
        return f"{_num(stat['median'], digits)} (n=1)"
    return (
        f"{_num(stat['median'], digits)} "
        f"({_num(min(values), digits)}–{_num(max(values), digits)}, n={len(values)})"
    )


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _verdict(met: bool | None, extra: str = "") -> str:
    text = "not evaluated" if met is None else ("**met**" if met else "**not met**")
    return f"{text}{extra}"


def _target(target: str, measured: str, met: bool | None, extra: str = "") -> dict[str, Any]:
    return {"target": target, "measured": measured, "met": met, "verdict": _verdict(met, extra)}


def _scaling_target(sc: dict[str, Any]) -> dict[str, Any]:
    target = "Cost per agent-day flat within ±30% from 1,000 to 100,000 people"
    rows = {r["people"]: r for r in sc["rows"]}
    base = rows.get(1000)
    if not base or not base.get("reps"):
        return _target(target, "1,000 people not measured", None)
    parts, verdicts = [], []
    for n in (10_000, 100_000):
        row = rows.get(n)
        if row and row.get("reps"):
            wall = row["us_per_agent_day"]["median"] / base["us_per_agent_day"]["median"]
            cpu = row["cpu_us_per_agent_day"]["median"] / base["cpu_us_per_agent_day"]["median"]
            parts.append(f"{n:,}: {wall:.2f}× (CPU {cpu:.2f}×)")
            verdicts.append(0.7 <= wall <= 1.3)
        elif row and "floor_us_per_agent_day" in row:
            floor = row["floor_us_per_agent_day"] / base["us_per_agent_day"]["median"]
            parts.append(f"{n:,}: more than {floor:.2f}× (stopped at the deadline)")
            verdicts.append(False if floor > 1.3 else None)
        else:
            parts.append(f"{n:,}: not measured")
            verdicts.append(None)
    met = False if False in verdicts else (None if None in verdicts else True)
    return _target(target, "relative to 1,000 people: " + "; ".join(parts), met)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with its measured figure and verdict (met, not met, not evaluated).

    Verdicts use wall time, as the targets do; CPU-time figures are shown beside them
    because other work on the machine lengthens wall time but hardly CPU time.
    """
    out = []
    q = results.get("queueing")
    if q:
        absorb = q["tools"]["absorb"]
        ratio, matched = absorb["ratio_to_simpy"], absorb["matched"]
        stretch = " (stretch 5×: " + ("met" if ratio >= 5.0 and matched else "not met") + ")"
        out.append(
            _target(
                "Queueing: absorb ≥ 2× SimPy services/s, theory matched (stretch 5×)",
                f"{ratio:.2f}× SimPy (per CPU second {absorb['cpu_ratio_to_simpy']:.2f}×); "
                f"sojourn {_pct(absorb['relative_error'], True)} from theory "
                f"({'matched' if matched else 'not matched'})",
                ratio >= 2.0 and matched,
                stretch,
            )
        )
    s = results.get("seed_case")
    if s:
        wall = s["simulate_seconds"]["median"]
        cpu = s["simulate_cpu_seconds"]["median"]
        process = s["process_seconds"]["median"]
        rss = max(s["max_rss_mb"]["values"])
        process_met = process <= 8.0 and rss <= 300.0
        out.append(
            _target(
                "Seed case (gtm_2800, 195 days, coping on) ≤ 8 s and ≤ 300 MB",
                f"simulate() {_num(wall)} s wall ({_num(cpu)} s CPU); whole process "
                f"{_num(process)} s; peak {_num(rss)} MB",
                _seed_case_met(s),
                f" on simulate() (whole process: {'met' if process_met else 'not met'})",
            )
        )
    h = results.get("horizon")
    if h:
        cost, memory = h["cost_ratio"]["median"], h["memory_ratio"]
        out.append(
            _target(
                "780 days at automation 1.0 (default org): last-quarter cost per day ≤ 1.3× the "
                "first quarter after roll-out; peak memory ≤ 1.3× a 195-day run",
                f"cost {_num(cost)}× ({_num(1e3 * h['first_quarter_day_cpu_seconds']['median'])}"
                f" → {_num(1e3 * h['last_quarter_day_cpu_seconds']['median'])} ms CPU a day); "
                f"memory {_num(memory)}× ({_num(h['short_max_rss_mb']['median'])} → "
                f"{_num(h['long_max_rss_mb']['median'])} MB)",
                cost <= 1.3 and memory <= 1.3,
            )
        )
    sc = results.get("scaling")
    if sc:
        out.append(_scaling_target(sc))
    w = results.get("sweep")
    if w:
        share = w["batched_overhead_share"]
        out.append(
            _target(
                "Sweep overhead ≤ 10% of wall time",
                f"{_pct(share)} with replications inside one job per worker; "
                f"{_pct(w['sweep_overhead_share'])} with one job per run",
                share <= 0.10,
            )
        )
    return out


def _machine(
    m: dict[str, Any], total: float | None, sections: dict[str, float] | None = None
) -> list[str]:
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    rows = [
        ["Date", m["date"]],
        ["CPU", f"{m['cpu']}, {m['cores']} cores"],
        ["Memory", f"{m['memory_gb']} GB"],
        ["OS", m["os"]],
        ["Python", m["python"]],
        ["Packages", versions],
        [
            "Code",
            f"commit {m['commit']}"
            + (
                " with uncommitted changes in sim/ or configs/"
                if m["sim_or_configs_modified"]
                else ""
            ),
        ],
        ["Load average (1/5/15 min) at start", " / ".join(map(str, m["load_average_start"]))],
    ]
    if total is not None:
        rows.append(["Total wall time of this run", f"{total:.0f} s"])
    if sections:
        rows.append(
            ["Wall time per section", ", ".join(f"{k} {v:.0f} s" for k, v in sections.items())]
        )
    return _table(["", ""], rows)


def _queueing(q: dict[str, Any]) -> list[str]:
    spec = q["spec"]
    stations = ", ".join(
        f"{name} c={c} s={s} h (ρ={u})"
        for name, c, s, u in zip(
            spec["stations"],
            spec["servers"],
            spec["mean_service_hours"],
            spec["utilisations"],
            strict=True,
        )
    )
    lines = [
        f"Network (`benchmarks.peers.JacksonSpec`): external arrivals γ={spec['gamma']}/h at "
        f"{spec['stations'][0]}; {stations}; rework {spec['rework_prob']:.0%} from "
        f"{spec['stations'][-1]} back to {spec['stations'][0]}. Horizon "
        f"{spec['horizon_hours']:,.0f} h (warm-up {spec['warmup_hours']:,.0f} h), about "
        f"{spec['expected_services']:,.0f} services per run; analytic mean network sojourn "
        f"T = {q['analytic_sojourn_hours']:.4f} h. {q['reps']} repetitions (seeds 1000+), "
        "the three tools interleaved in one process. absorb's org is built from the spec; it "
        + (
            "is the shipped `configs/org/tandem.yaml` (checked), so "
            "`absorb experiment=validate_queueing org=tandem` validates this very network."
            if q.get("same_as_org_tandem")
            else "differs from the shipped `configs/org/tandem.yaml`."
        ),
        "",
    ]
    rows = []
    for name, t in q["tools"].items():
        low, high = t["sojourn_ci95"]
        rows.append(
            [
                name,
                _stat(t["services_per_second"]),
                f"{t['ratio_to_simpy']:.2f}×",
                f"{_num(t['services_per_cpu_second']['median'])} ({t['cpu_ratio_to_simpy']:.2f}×)",
                _stat(t["wall_seconds"]),
                _num(t["services"]["median"], 6),
                f"{t['sojourn_mean_hours']:.4f} ± {t['sojourn_stderr_hours']:.4f}",
                f"{q['analytic_sojourn_hours']:.4f}",
                _pct(t["relative_error"], True),
                f"{'yes' if t['matched'] else 'no'} (95% CI {low:.3f}–{high:.3f})",
            ]
        )
    lines += _table(
        [
            "Tool",
            "Services/s, median (range, n)",
            "Ratio to SimPy",
            "Services per CPU s (ratio)",
            "Wall s",
            "Services",
            "Mean sojourn h ± s.e.",
            "Analytic h",
            "Error",
            "Theory matched",
        ],
        rows,
    )
    lines += [
        "",
        "Sojourn method per tool (mean over repetitions; s.e. from their spread; "
        "matched = 95% t-interval covers theory or error < 3%, the rule of "
        "`sim.validation`):",
        "",
    ]
    lines += [f"- {name}: {t['method']}." for name, t in q["tools"].items()]
    lines += [
        "- absorb's timed part: `OrgModel(cfg)` and one `step()` per 24-h day (config "
        "composition excluded); SimPy: environment, resources and `run`; Ciw: network, "
        "simulation and `simulate_until_max_time` (records read after timing)."
    ]
    return lines


def _seed(s: dict[str, Any]) -> list[str]:
    lines = [
        f"`{' '.join(s['overrides'])}`: {s['people']:,} people, {s['days']} days = "
        f"{s['agent_days']:,} agent-days. Each repetition is a fresh interpreter "
        "(`python -m benchmarks.child simulate org=gtm_2800`: `sim.load_config` then "
        "`sim.runner.simulate(cfg)`); peak memory and CPU from the kernel (`os.wait4`).",
        "",
    ]
    rows = [
        ["simulate() wall s", _stat(s["simulate_seconds"])],
        ["simulate() CPU s", _stat(s["simulate_cpu_seconds"])],
        [
            "Whole process wall s (interpreter, imports, config, simulate)",
            _stat(s["process_seconds"]),
        ],
        ["Whole process CPU s", _stat(s["cpu_seconds"])],
        ["Peak resident memory MB", _stat(s["max_rss_mb"])],
        [
            "Peak memory of interpreter + imports + config alone (no simulation) MB",
            f"{_num(s['baseline_rss_mb'])} (n=1)",
        ],
        ["Agent-days per second (simulate())", _stat(s["agent_days_per_second"])],
        [
            "Imports s / config s",
            f"{_num(s['import_seconds']['median'])} / {_num(s['config_seconds']['median'])}",
        ],
    ]
    if "cli" in s:
        c = s["cli"]
        rows.append(
            [
                f"`{c['command']}` wall s (once; Hydra, outputs and figures)",
                f"{_num(c['wall_seconds'])} (n=1; CPU {_num(c['cpu_seconds'])} s, "
                f"peak {_num(c['max_rss_mb'])} MB)",
            ]
        )
    return lines + _table(["Figure", "Median (range, n)"], rows)


def _horizon(h: dict[str, Any]) -> list[str]:
    short, long = h["days"]
    lines = [
        f"`{' '.join(h['overrides'])}` on the default organisation, {long} days against {short}. "
        f"Each run is a fresh interpreter (`python -m benchmarks.child days ... days={long}`) "
        "that times the CPU of every day; a quarter is a quarter of the days after the "
        "roll-out, and its cost is the median day. Memory from the kernel (`os.wait4`).",
        "",
    ]
    ms = {
        key: {**h[key], "values": [1e3 * v for v in h[key]["values"]]}
        for key in ("first_quarter_day_cpu_seconds", "last_quarter_day_cpu_seconds")
    }
    for stat in ms.values():
        stat["median"] = 1e3 * stat["median"] if stat["values"] else stat["median"]
    rows = [
        ["CPU ms a day, first quarter after roll-out", _stat(ms["first_quarter_day_cpu_seconds"])],
        ["CPU ms a day, last quarter", _stat(ms["last_quarter_day_cpu_seconds"])],
        ["Last / first quarter", _stat(h["cost_ratio"])],
        [f"Peak memory MB, {short} days", _stat(h["short_max_rss_mb"])],
        [f"Peak memory MB, {long} days", _stat(h["long_max_rss_mb"])],
        [f"{long} / {short} days memory", _num(h["memory_ratio"])],
    ]
    return lines + _table(["Figure", "Median (range, n)"], rows)


def _scaling(sc: dict[str, Any]) -> list[str]:
    lines = [
        f"The default organisation (100 people) with every stage's headcount × N/100 "
        f"(`org.stages.<stage>.headcount=<n>`), {sc['days']} days, one fresh interpreter per "
        "repetition calling `sim.runner.simulate(cfg)`.",
        "",
    ]
    measured = [r for r in sc["rows"] if r.get("reps")]
    ref = next((r for r in measured if r["people"] == 1000), None)
    rows = []
    for r in sc["rows"]:
        if not r.get("reps"):
            rows.append(
                [f"{r['people']:,}", f"{r['agent_days']:,}", "0", "skipped: " + r["skipped"]]
                + [""] * 4
            )
            continue
        cost = r["us_per_agent_day"]["median"]
        rel = f"{cost / ref['us_per_agent_day']['median']:.2f}×" if ref else "n/a"
        rows.append(
            [
                f"{r['people']:,}",
                f"{r['agent_days']:,}",
                f"{r['reps']}" + ("" if r["reps"] >= TARGET_REPS else f" of {r['reps_wanted']}"),
                _stat(r["simulate_seconds"]),
                _stat(r["us_per_agent_day"]),
                _stat(r["cpu_us_per_agent_day"]),
                _stat(r["max_rss_mb"]),
                rel,
            ]
        )
    return lines + _table(
        [
            "People",
            "Agent-days",
            "Reps",
            "simulate() wall s",
            "µs per agent-day",
            "CPU µs per agent-day",
            "Peak memory MB",
            "Cost vs 1,000",
        ],
        rows,
    )


def _sweep(w: dict[str, Any]) -> list[str]:
    per = w["simulate_seconds_per_run"]
    lines = [
        f"`absorb {w['command']}` as a subprocess (one job per run); the same {w['runs']} runs "
        f"as one job per worker with replications inside (`absorb {w['batched_command']}`, "
        "the layout the effect presets use); and all of them inside one job "
        f"(`absorb replications={w['runs']} days={w['days']} figures=false`). "
        f"Simulation time: `sim.runner.simulate` for seeds 0..{w['runs'] - 1} of the same "
        f"config, one after the other in one fresh interpreter, summed "
        f"({_num(w['simulate_seconds_total'])} s; {_num(per['median'])} s per run). "
        f"Non-simulation share of the sweep = 1 − (simulation / {w['workers']} workers) / wall; "
        "of the one job = 1 − simulation / wall.",
        "",
    ]
    rows = [
        [
            f"Sweep, joblib, {w['workers']} workers",
            _stat(w["sweep_wall_seconds"]),
            _stat(w["sweep_cpu_seconds"]),
            _num(w["sweep_runs_per_minute"]),
            f"{_pct(w['sweep_overhead_share'])} of wall "
            f"({_pct(w['sweep_overhead_cpu_share'])} of CPU)",
        ],
        [
            f"Sweep, joblib, {w['workers']} workers, {w['workers']} jobs × "
            f"{w['runs'] // w['workers']} replications",
            _stat(w["batched_wall_seconds"]),
            _stat(w["batched_cpu_seconds"]),
            _num(w["batched_runs_per_minute"]),
            f"{_pct(w['batched_overhead_share'])} of wall"
            + (
                f" ({_pct(w['batched_overhead_cpu_share'])} of CPU)"
                if "batched_overhead_cpu_share" in w
                else ""
            ),
        ],
        [
            f"One job, replications={w['runs']} (1 core)",
            _stat(w["one_job_wall_seconds"]),
            _stat(w["one_job_cpu_seconds"]),
            _num(w["one_job_runs_per_minute"]),
            f"{_pct(w['one_job_overhead_share'])} of wall",
        ],
    ]
    lines += _table(["Run", "Wall s", "CPU s", "Runs per minute", "Not simulation"], rows)
    lines += [
        "",
        f"Of the sweep's overhead, the command line's validation of every swept value "
        f"before Hydra starts (`sim.cli.preflight`, in-process) takes "
        f"{_num(w['preflight_seconds'])} s.",
    ]
    return lines


def _profile(name: str, p: dict[str, Any]) -> list[str]:
    lines = [
        f"### {name}",
        "",
        f"pyinstrument, {p['what']}: {_num(p['duration_seconds'])} s profiled.",
        "",
        "Hottest functions by own time (share of the profiled run):",
        "",
    ]
    lines += _table(
        ["Function", "Where", "Own time", "With callees"],
        [
            [f"`{h['function']}`", h["location"], _pct(h["self_share"]), _pct(h["total_share"])]
            for h in p["self"]
        ],
    )
    lines += ["", "Hottest functions of `sim/` including what they call:", ""]
    lines += _table(
        ["Function", "Where", "With callees", "Own time"],
        [
            [f"`{h['function']}`", h["location"], _pct(h["total_share"]), _pct(h["self_share"])]
            for h in p["total"]
        ],
    )
    return lines


def _reps(what: str, made: int, wanted: int) -> str:
    why = "the time budget ran out" if made < wanted else "as planned for this run"
    return f"{what}: {made} repetition(s), fewer than {TARGET_REPS} ({why}; {wanted} planned)."


def gaps(results: dict[str, Any]) -> list[str]:
    """Where the run fell short of the method (fewer repetitions, skipped sizes)."""
    out = []
    q = results.get("queueing")
    if q and q["reps"] < TARGET_REPS:
        out.append(_reps("Queueing", q["reps"], q["reps_wanted"]))
    s = results.get("seed_case")
    if s and s["reps"] < TARGET_REPS:
        out.append(_reps("Seed case", s["reps"], s["reps_wanted"]))
    if s and "cli" in s:
        out.append("Seed case: the command line `absorb org=gtm_2800` is timed once, as asked.")
    sc = results.get("scaling")
    if sc:
        for r in sc["rows"]:
            if not r.get("reps"):
                out.append(f"Scaling, {r['people']:,} people: not measured ({r['skipped']}).")
            elif r["reps"] < TARGET_REPS:
                out.append(
                    _reps(f"Scaling, {r['people']:,} people", r["reps"], r["reps_wanted"])
                    + " One run of this size takes "
                    f"{_num(r['process_seconds']['median'])} s; the whole `make bench` "
                    "must stay under 10 minutes."
                )
    w = results.get("sweep")
    if w:
        if w["reps"] < TARGET_REPS:
            pair = w["sweep_wall_seconds"]["median"] + w["one_job_wall_seconds"]["median"]
            out.append(
                _reps("Sweep", w["reps"], w["reps_wanted"])
                + f" A sweep and its one-job alternative take {_num(pair)} s together;"
                f" each is itself a total over {w['runs']} runs. The simulation time"
                f" is measured once (the sum of {w['runs']} runs)."
            )
        last = w["runs"] - 1
        out.append(
            f"Sweep: the one-job alternative runs replications 0..{last} of seed 0; the "
            f"simulation time is measured on seeds 0..{last} (replication 0), the "
            "sweep's configs: the same model and run length, other random streams."
        )
    return out


def causes(results: dict[str, Any]) -> list[str]:
    """Why each target that is not met is missed, with the measured figures."""
    out = []
    sc = results.get("scaling")
    rows = {row["people"]: row for row in (sc or {}).get("rows", []) if row.get("reps")}
    if 1000 in rows and 100_000 in rows:
        low = rows[1000]["us_per_agent_day"]["median"]
        high = rows[100_000]["us_per_agent_day"]["median"]
        if high / low > 1.3:
            out.append(
                f"Scaling ({_num(high / low)}× from 1,000 to 100,000 people). The number of events "
                "per agent-day does not change with size (every stage keeps its ratios), and the "
                "profile shows the same calls at every size, each costing more. Events and "
                "patience deadlines are already kept in time buckets sized by headcount, and "
                "per-person hours and tallies in flat arrays, so no structure's depth grows with "
                "size. What still grows is the working set: at 100,000 people about nine million "
                "artifacts are made in 60 days, each a Python object of its own, and over a "
                "hundred thousand wait at the saturated brand review "
                f"({_num(rows[100_000]['max_rss_mb']['median'])} MB at 100,000 people against "
                f"{_num(rows[1000]['max_rss_mb']['median'])} MB at 1,000); "
                "the likely cause is that each object access misses the CPU caches more often "
                "(inferred, not measured with hardware counters). The cyclic garbage collector is "
                "already off during a run. Closing the rest would take artifact state held in "
                "per-stage arrays instead of one object per artifact, a rewrite of the engine; "
                "it was not made."
            )
    s = results.get("seed_case")
    if s and not _seed_case_met(s):
        cpu = s["simulate_cpu_seconds"]["median"]
        made = s["artifacts_created"]
        hottest = (s.get("profile") or {}).get("self", [])
        patience = ("_push_deadline", "_live", "_forget_stale_deadlines", "patience_hours")
        share = sum(r["self_share"] for r in hottest if r["function"].endswith(patience))
        out.append(
            f"Seed case ({_num(cpu)} s of CPU in simulate()). The run makes {made:,} artifacts, "
            f"{_num(1e6 * cpu / made)} µs of CPU each over all their events. When the 8 s target "
            "was set (commit f7aede0) the run made 912,438 artifacts in 7.86 s of CPU, 8.6 µs "
            "each: the volume is nearly the same, the cost per artifact has doubled since, as "
            "coping (patience, bypass, sampling, governance) and the people and market "
            "mechanisms each added work to every artifact. In the profile below the patience "
            "deadlines alone (`_push_deadline`, `_live`, `_forget_stale_deadlines`, "
            f"`patience_hours`) take {_pct(share)} of the run by own time; the rest is spread "
            "over the per-event work of drafting, review and hand-off. Halving it would take "
            "the rewrite that scaling needs too (artifact state in arrays, events handled per "
            "stage in batches); it was not made."
        )
    w = results.get("sweep")
    if w and w["batched_overhead_share"] > 0.10:
        per = w["simulate_seconds_per_run"]["median"]
        imports = (s or {}).get("import_seconds", {}).get("median")  # the seed case section's
        measured = (
            f" (importing the model takes {_num(imports)} s in a fresh interpreter, section 2)"
            if imports is not None
            else ""
        )
        out.append(
            f"Sweep overhead ({_pct(w['batched_overhead_share'])} with replications inside one "
            f"job per worker). A run of the default organisation simulates in {_num(per)} s, so "
            f"{w['runs']} runs are only {_num(w['simulate_seconds_total'] / w['workers'])} s of "
            "simulation per worker, against fixed costs that do not shrink with the sweep: the "
            "interpreter and imports (mesa, pandas, scipy, Hydra) in the main process and again "
            f"in each freshly spawned joblib worker{measured}, Hydra's set-up of the sweep and "
            "of every job, and the command line's validation "
            f"of every swept value ({_num(w['preflight_seconds'])} s). Hydra's joblib launcher "
            "always starts fresh loky workers, so their imports cannot be shared with the main "
            "process; at 10% the whole sweep could spend about "
            f"{_num(0.1 / 0.9 * w['simulate_seconds_total'] / w['workers'])} s outside "
            f"simulation. One job running all {w['runs']} replications "
            f"spends {_pct(w['one_job_overhead_share'])} outside simulation but leaves a core "
            "idle. The share falls as sweeps grow: the effect presets run 220 runs in 22 jobs "
            "(docs/experiments.md gives their wall times)."
        )
    return out


def render(results: dict[str, Any], total_seconds: float | None = None) -> str:
    """The whole RESULTS.md."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m benchmarks`); see `benchmarks/README.md`. Every "
        "figure is the median of the stated number of repetitions (n), with the range.",
        "",
        "## Machine",
        "",
    ]
    sections = {
        key: results[key]["section_seconds"]
        for key in ("queueing", "seed_case", "horizon", "sweep", "scaling")
        if key in results and "section_seconds" in results[key]
    }
    lines += _machine(results["machine"], total_seconds, sections)
    lines += [
        "",
        "Other work on the machine lengthens wall times: see the load averages "
        "recorded per section in `results.json`, and compare wall with CPU time.",
        "",
    ]
    lines += ["## Targets", ""]
    lines += _table(
        ["Target", "Measured", "Verdict"],
        [[t["target"], t["measured"], t["verdict"]] for t in targets(results)],
    )
    sections = [
        ("queueing", "1. Queueing network against SimPy and Ciw", _queueing),
        ("seed_case", "2. Seed case", _seed),
        ("horizon", "3. Long runs", _horizon),
        ("scaling", "4. Scaling", _scaling),
        ("sweep", "5. Sweeps", _sweep),
    ]
    for key, title, write in sections:
        if key in results:
            lines += ["", f"## {title}", ""] + write(results[key])
    profiles = [
        (name, results[key]["profile"])
        for key, name in (("queueing", "Queueing network (absorb)"), ("seed_case", "Seed case"))
        if key in results and "profile" in results[key]
    ]
    if profiles:
        lines += ["", "## Profile", ""]
        for name, p in profiles:
            lines += _profile(name, p) + [""]
    missed = causes(results)
    if missed:
        lines += ["", "## Targets not met: causes", ""] + [f"- {c}" for c in missed]
    stated = gaps(results)
    if stated:
        lines += ["", "## Stated gaps", ""] + [f"- {g}" for g in stated]
    return "\n".join(lines).rstrip() + "\n"
