// The analyst dashboard: counts by theme over time (an SVG chart drawn here),
// by BCU and by source; the models and, for roles that manage them, training
// runs, promotion and rollback.
"use strict";

(() => {
  const { call, el, svg, say, requireCaller, showCaller, themeClass, when } = walktalk;
  const $ = (id) => document.getElementById(id);
  const state = { themes: [], runs: [], canManage: false, canForce: false, polling: false };
  const ENDED = new Set(["succeeded", "failed"]);
  const counts = (query) => call("GET", `/v1/counts?${query}`);

  // ---- counts ----------------------------------------------------------------

  async function loadCounts() {
    const [byTheme, byMonth, byBcu, bySource] = await Promise.all([
      counts("group_by=theme"),
      counts("group_by=theme,period&period=month"),
      counts("group_by=bcu,theme"),
      counts("group_by=source,theme"),
    ]);
    drawTotals(byTheme);
    drawChart(byMonth.rows);
    $("bcu-table").replaceChildren(crossTable(byBcu.rows, "bcu", "BCU"));
    $("source-table").replaceChildren(crossTable(bySource.rows, "source", "Source"));
    $("refreshed").textContent = `Updated ${new Date().toLocaleTimeString()}`;
  }

  function drawTotals(answer) {
    const byName = new Map(answer.rows.map((row) => [row.theme, row.count]));
    const item = (label, value, testid, cls) =>
      el("div", { class: `total ${cls}` }, el("dt", {}, label),
        el("dd", { dataset: { testid } }, String(value)));
    $("totals").replaceChildren(
      item("Notes", answer.total.notes, "total-notes", "all"),
      item("Notes with a theme", answer.total.notes_with_theme, "total-notes-with-theme", "all"),
      ...state.themes.map((name, i) =>
        item(name, byName.get(name) || 0, `total-${name}`, themeClass(i)),
      ),
    );
  }

  /** A table of `rowKey` (BCU or source) by theme; each cell has a stable test id. */
  function crossTable(rows, rowKey, label) {
    if (rows.length === 0) return el("p", { class: "help" }, "No notes yet.");
    const cell = new Map(rows.map((r) => [`${r[rowKey]}\u0000${r.theme}`, r.count]));
    // Alphabetical, with notes that give no value last.
    const keys = [...new Set(rows.map((r) => r[rowKey]))].sort((a, b) =>
      a === null ? 1 : b === null ? -1 : String(a).localeCompare(String(b)),
    );
    const head = el("tr", {}, el("th", { scope: "col" }, label),
      ...state.themes.map((t) => el("th", { scope: "col", class: "n" }, t)));
    const body = keys.map((k) => {
      const name = k ?? "not given";
      return el("tr", {}, el("th", { scope: "row" }, name),
        ...state.themes.map((t) =>
          el("td", { class: "n", dataset: { testid: `${rowKey}-${name}-${t}` } },
            String(cell.get(`${k}\u0000${t}`) || 0))));
    });
    return el("table", {}, el("thead", {}, head), el("tbody", {}, body));
  }

  // ---- the chart ---------------------------------------------------------------

  const CHART = { w: 760, h: 300, left: 48, right: 36, top: 16, bottom: 40 };

  const monthLabel = (period) => {
    const d = new Date(`${period.slice(0, 7)}-01T00:00:00Z`);
    return d.toLocaleDateString("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });
  };

  /** A y-axis top that is a round number at or above the largest count. */
  function niceMax(max) {
    if (max <= 4) return Math.max(1, max);
    const step = 10 ** Math.floor(Math.log10(max));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= max) return m * step;
    return 10 * step;
  }

  /** Every month from the first to the last, so a month without notes shows as 0, not a gap. */
  function months(rows) {
    const seen = rows.map((r) => r.period.slice(0, 7)).sort();
    if (seen.length === 0) return [];
    const out = [];
    let [year, month] = seen[0].split("-").map(Number);
    const last = seen[seen.length - 1];
    for (;;) {
      const key = `${year}-${String(month).padStart(2, "0")}`;
      out.push(key);
      if (key >= last || out.length > 600) return out;
      [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
    }
  }

  function drawChart(rows) {
    const periods = months(rows);
    if (periods.length === 0) {
      $("chart").replaceChildren(el("p", { class: "help" }, "No notes yet."));
      $("chart-table").replaceChildren();
      $("chart-legend").replaceChildren();
      return;
    }
    const value = new Map(rows.map((r) => [`${r.theme}\u0000${r.period.slice(0, 7)}`, r.count]));
    const at = (t, p) => value.get(`${t}\u0000${p}`) || 0;
    const top = niceMax(Math.max(...rows.map((r) => r.count)));
    const { w, h, left, right, top: pad, bottom } = CHART;
    const x = (i) => left + (periods.length === 1 ? (w - left - right) / 2
      : (i * (w - left - right)) / (periods.length - 1));
    const y = (v) => h - bottom - (v * (h - bottom - pad)) / top;
    const every = Math.ceil(periods.length / 12);
    const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(f * top))
      .filter((v, i, all) => all.indexOf(v) === i)
      .map((v) => svg("g", { class: "grid" },
        svg("line", { x1: left, x2: w - right, y1: y(v), y2: y(v) }),
        svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, String(v))));
    const labels = periods.map((p, i) => (i % every === 0
      ? svg("text", { class: "axis", x: x(i), y: h - bottom + 18, "text-anchor": "middle" }, monthLabel(p))
      : null));
    const series = state.themes.map((t, ti) => svg("g", { class: `series ${themeClass(ti)}`, "data-theme": t },
      svg("polyline", { points: periods.map((p, i) => `${x(i)},${y(at(t, p))}`).join(" ") }),
      ...periods.map((p, i) => svg("circle", { cx: x(i), cy: y(at(t, p)), r: 3.5 },
        svg("title", {}, `${t}, ${monthLabel(p)}: ${at(t, p)}`)))));
    $("chart").replaceChildren(svg("svg", {
      viewBox: `0 0 ${w} ${h}`, role: "img", "aria-labelledby": "chart-heading",
      class: "line-chart",
    }, ...grid, ...labels, ...series));
    $("chart-legend").replaceChildren(...state.themes.map((t, i) =>
      el("span", { class: `key ${themeClass(i)}` }, el("span", { class: "swatch", "aria-hidden": "true" }), t)));
    $("chart-table").replaceChildren(el("table", {},
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Month"),
        ...state.themes.map((t) => el("th", { scope: "col", class: "n" }, t)))),
      el("tbody", {}, periods.map((p) => el("tr", {}, el("th", { scope: "row" }, monthLabel(p)),
        ...state.themes.map((t) => el("td", { class: "n" }, String(at(t, p)))))))));
  }

  // ---- models ------------------------------------------------------------------

  async function loadModels() {
    const answer = await call("GET", "/v1/models");
    $("active-model").textContent = answer.active || "none";
    $("loaded-model").textContent = answer.loaded || "none";
    const head = el("tr", {}, ...["Version", "Kind", "Created", "Macro-F1 (out-of-distribution)",
      "Macro-F1 (seed test)", "Behaviour pass rate", ""].map((h) => el("th", { scope: "col" }, h)));
    const figure = (x) => (typeof x === "number" ? x.toFixed(3) : "—");
    const rows = answer.versions.map((v) => el("tr", { class: v.active ? "active" : null, dataset: { version: v.version } },
      el("th", { scope: "row" }, v.version),
      el("td", {}, v.kind),
      el("td", {}, when(v.created_at)),
      el("td", { class: "n", dataset: { testid: `ood-f1-${v.version}` } }, figure(v.ood_macro_f1)),
      el("td", { class: "n", dataset: { testid: `f1-${v.version}` } }, figure(v.macro_f1)),
      el("td", { class: "n" }, figure(v.behaviour)),
      el("td", {}, v.active ? el("strong", {}, "active")
        : state.canManage ? el("button", { type: "button", dataset: { testid: `promote-${v.version}` },
          onclick: () => promote(v.version) }, "Promote") : "")));
    $("versions").replaceChildren(el("table", {}, el("thead", {}, head), el("tbody", {}, rows)));
    $("rollback-row").hidden = !state.canManage;
  }

  /**
   * Report a models action: the API's answer, or its refusal (`detail`), in the
   * status line; `onRefusal` may add a way forward next to the refusal.
   */
  async function modelAction(work, onRefusal) {
    const line = $("models-message");
    say(line, "");
    try {
      say(line, await work(), "ok");
    } catch (err) {
      say(line, err.message, "error");
      if (onRefusal) onRefusal(line);
    }
    await loadModels();
  }

  const activate = (version, force) =>
    call("POST", `/v1/models/${encodeURIComponent(version)}/activate`, { force });

  /** Promote through the gate; an admin whose promotion is refused may then force it. */
  const promote = (version) => modelAction(async () => {
    const answer = await activate(version, false);
    return `${answer.active} is now active (the promotion gate passed).`;
  }, state.canForce ? (line) => line.append(" ", el("button", {
    type: "button", class: "secondary", dataset: { testid: `force-${version}` },
    onclick: () => modelAction(async () => {
      const answer = await activate(version, true);
      return `${answer.active} is now active (forced past the promotion gate).`;
    }),
  }, `Activate ${version} anyway`)) : null);

  const rollback = () => modelAction(async () => {
    const answer = await call("POST", "/v1/models/rollback");
    return `Rolled back: ${answer.active} is active again.`;
  });

  // ---- training runs -------------------------------------------------------------

  const percent = (p) => `${Math.round((p || 0) * 100)}%`;

  async function loadRuns() {
    state.runs = (await call("GET", "/v1/training-runs")).runs;
    drawRuns(state.runs);
    const going = state.runs.find((r) => !ENDED.has(r.status));
    if (going && !state.polling) follow(going).catch((err) => say($("error"), err.message, "error"));
  }

  function drawRuns(runs) {
    const head = el("tr", {}, ...["Run", "Status", "Progress", "Version", "Started", "Finished", "Message"]
      .map((h) => el("th", { scope: "col" }, h)));
    const rows = runs.map((r) => el("tr", { dataset: { testid: `run-${r.id}`, status: r.status } },
      el("th", { scope: "row" }, String(r.id)),
      el("td", { class: `status ${r.status}` }, r.status),
      el("td", { class: "n" }, percent(r.progress)),
      el("td", {}, r.version || ""),
      el("td", {}, when(r.created_at)),
      el("td", {}, when(r.finished_at)),
      el("td", {}, r.error || r.message || "")));
    $("run-list").replaceChildren(runs.length
      ? el("table", {}, el("thead", {}, head), el("tbody", {}, rows))
      : el("p", { class: "help" }, "No training runs yet."));
  }

  function showRun(run) {
    const bar = $("run-progress");
    bar.hidden = ENDED.has(run.status);
    bar.value = run.progress || 0;
    const detail = run.status === "failed" ? run.error || run.message
      : run.status === "succeeded" ? `version ${run.version} registered` : run.message;
    $("run-status").textContent = `Run ${run.id}: ${run.status}, ${percent(run.progress)}${detail ? ` — ${detail}` : ""}`;
    $("run-status").dataset.status = run.status;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Poll a run every second until it ends, then re-read the runs and models. */
  async function follow(run) {
    state.polling = true;
    $("start-run").disabled = true;
    try {
      while (!ENDED.has(run.status)) {
        showRun(run);
        await sleep(1000);
        run = await call("GET", `/v1/training-runs/${run.id}`);
        const latest = run;
        drawRuns(state.runs.map((r) => (r.id === latest.id ? latest : r)));
      }
      showRun(run);
    } finally {
      state.polling = false;
      $("start-run").disabled = false;
    }
    await Promise.all([loadRuns(), loadModels()]);
  }

  async function startRun() {
    $("start-run").disabled = true;
    try {
      const kind = $("run-kind").value;
      const run = await call("POST", "/v1/training-runs", { kind, include_reviewed: true });
      await loadRuns();
      if (!state.polling) await follow(run);
    } catch (err) {
      $("run-status").textContent = err.message;
      $("run-status").dataset.status = "error";
      $("start-run").disabled = state.polling;
    }
  }

  // ---- start -------------------------------------------------------------------

  const report = (err) => say($("error"), err.message, "error");

  async function start() {
    const caller = await requireCaller();
    if (!caller) return;
    showCaller(caller);
    if (!caller.permissions.includes("read_counts")) {
      say($("error"), `The role '${caller.role}' may not read counts.`, "error");
      return;
    }
    state.canManage = caller.permissions.includes("manage_models");
    state.canForce = caller.permissions.includes("force_models");
    state.themes = (await call("GET", "/v1/themes")).themes.map((t) => t.name);
    $("counts").hidden = false;
    $("models").hidden = false;
    $("refresh").addEventListener("click", () => loadCounts().catch(report));
    $("rollback").addEventListener("click", rollback);
    const work = [loadCounts(), loadModels()];
    if (state.canManage) {
      $("runs").hidden = false;
      $("start-run").addEventListener("click", startRun);
      work.push(loadRuns());
    }
    await Promise.all(work);
    document.body.dataset.ready = "true";
  }

  start().catch(report);
})();
