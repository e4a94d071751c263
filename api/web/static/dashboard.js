// The analyst dashboard: filters kept in the URL that apply to every panel;
// totals, a tile map of the boroughs, hour of day, counts by theme over time (SVG
// drawn here), by BCU and by source, each number listing the notes behind it; a
// CSV of what is on screen; the models and, for roles that manage them, training
// runs, promotion and rollback.
"use strict";

(() => {
  const { call, el, svg, say, requireCaller, showCaller, themeClass, when } = walktalk;
  const $ = (id) => document.getElementById(id);
  const state = {
    themes: [], runs: [], canManage: false, canForce: false, polling: false,
    filters: {}, shown: null, loads: 0,
  };
  const ENDED = new Set(["succeeded", "failed"]);

  // ---- filters (they live in the URL, so a shared link shows the same view) ----

  const FILTERS = ["from", "to", "bcu", "borough", "source", "light", "theme"];
  const form = () => $("filters");

  function readFilters() {
    const params = new URLSearchParams(location.search);
    const out = {};
    for (const name of FILTERS) if (params.get(name)) out[name] = params.get(name);
    return out;
  }

  function showFilters(filters) {
    for (const name of FILTERS) form().elements[name].value = filters[name] || "";
  }

  function writeFilters() {
    const params = new URLSearchParams();
    for (const name of FILTERS) {
      const value = form().elements[name].value;
      if (value) params.set(name, value);
    }
    const query = params.toString();
    history.replaceState(null, "", query ? `${location.pathname}?${query}` : location.pathname);
    state.filters = readFilters();
  }

  /** The filters as /v1/counts and /v1/notes take them ("to" is inclusive on screen). */
  function apiFilters(extra = {}) {
    const f = { ...state.filters, ...extra };
    const params = new URLSearchParams();
    if (f.from) params.set("from", `${f.from}T00:00:00Z`);
    if (f.to) {
      const next = new Date(`${f.to}T00:00:00Z`);
      next.setUTCDate(next.getUTCDate() + 1);
      params.set("to", next.toISOString().replace(".000Z", "Z"));
    }
    for (const name of ["bcu", "borough", "source", "light", "theme", "hour"]) {
      if (f[name] !== undefined && f[name] !== null && f[name] !== "") params.set(name, f[name]);
    }
    return params;
  }

  const counts = (groups, extra = "") => {
    const params = apiFilters();
    params.set("group_by", groups);
    return call("GET", `/v1/counts?${params}${extra}`);
  };

  // ---- counts ----------------------------------------------------------------

  async function loadCounts() {
    const [byTheme, byMonth, byBcu, bySource, byBorough, boroughTotals, byHour] = await Promise.all([
      counts("theme"),
      counts("theme,period", "&period=month"),
      counts("bcu,theme"),
      counts("source,theme"),
      counts("borough,theme"),
      counts("borough"),
      counts("hour,theme"),
    ]);
    state.shown = { byTheme, byMonth, byBcu, bySource, byBorough, boroughTotals, byHour };
    drawTotals(byTheme);
    drawChart(byMonth.rows);
    drawMap(byBorough.rows, boroughTotals.rows);
    drawHours(byHour.rows);
    $("bcu-table").replaceChildren(crossTable(byBcu.rows, "bcu", "BCU"));
    $("source-table").replaceChildren(crossTable(bySource.rows, "source", "Source"));
    $("refreshed").textContent = `Updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.counts = String(++state.loads);
  }

  /** The themes a panel shows: the one filtered on, else all. */
  const shownThemes = () => (state.filters.theme ? [state.filters.theme] : state.themes);

  /** A number that lists the notes behind it when clicked. */
  function figure(value, testid, cell, label) {
    return el("button", {
      type: "button", class: "num", dataset: { testid },
      title: `List the ${value} note(s) behind this number`,
      onclick: () => drill(cell, label),
    }, String(value));
  }

  function drawTotals(answer) {
    const byName = new Map(answer.rows.map((row) => [row.theme, row.count]));
    const item = (label, value, testid, cls, cell) =>
      el("div", { class: `total ${cls}` }, el("dt", {}, label),
        el("dd", {}, cell ? figure(value, testid, cell, label) : el("span", { dataset: { testid } }, String(value))));
    $("totals").replaceChildren(
      item("Notes", answer.total.notes, "total-notes", "all", {}),
      item("Notes with a theme", answer.total.notes_with_theme, "total-notes-with-theme", "all", null),
      ...shownThemes().map((name) =>
        item(name, byName.get(name) || 0, `total-${name}`, themeClass(state.themes.indexOf(name)),
          { theme: name }),
      ),
    );
  }

  /** A table of `rowKey` (BCU, source) by theme; each cell has a stable test id. */
  function crossTable(rows, rowKey, label) {
    if (rows.length === 0) return el("p", { class: "help" }, "No notes here.");
    const cell = new Map(rows.map((r) => [`${r[rowKey]}\u0000${r.theme}`, r.count]));
    // Alphabetical, with notes that give no value last.
    const keys = [...new Set(rows.map((r) => r[rowKey]))].sort((a, b) =>
      a === null ? 1 : b === null ? -1 : String(a).localeCompare(String(b)),
    );
    const themes = shownThemes();
    const head = el("tr", {}, el("th", { scope: "col" }, label),
      ...themes.map((t) => el("th", { scope: "col", class: "n" }, t)));
    const body = keys.map((k) => {
      const name = k ?? "not given";
      return el("tr", {}, el("th", { scope: "row" }, name),
        ...themes.map((t) => {
          const value = cell.get(`${k}\u0000${t}`) || 0;
          const testid = `${rowKey}-${name}-${t}`;
          return el("td", { class: "n" }, k === null
            ? el("span", { dataset: { testid } }, String(value))
            : figure(value, testid, { [rowKey]: k, theme: t }, `${name}, ${t}`));
        }));
    });
    return el("table", {}, el("thead", {}, head), el("tbody", {}, body));
  }

  // ---- the borough map: one square per borough, placed as on a map of London ----

  // Column and row of each borough on an 8 x 7 grid, in the usual equal-area
  // square-tile layout of London (north at the top, the Thames between rows 3 and 4).
  const TILES = [
    ["Enfield", "ENF", 4, 0],
    ["Harrow", "HRW", 2, 1], ["Barnet", "BNT", 3, 1], ["Haringey", "HGY", 4, 1],
    ["Waltham Forest", "WTH", 5, 1],
    ["Hillingdon", "HDN", 0, 2], ["Ealing", "EAL", 1, 2], ["Brent", "BRN", 2, 2],
    ["Camden", "CMD", 3, 2], ["Islington", "ISL", 4, 2], ["Hackney", "HCK", 5, 2],
    ["Redbridge", "RDB", 6, 2], ["Havering", "HAV", 7, 2],
    ["Hounslow", "HNS", 0, 3], ["Hammersmith and Fulham", "HMS", 1, 3],
    ["Kensington and Chelsea", "KNS", 2, 3], ["Westminster", "WST", 3, 3],
    ["City of London", "CTY", 4, 3], ["Tower Hamlets", "TOW", 5, 3], ["Newham", "NWM", 6, 3],
    ["Barking and Dagenham", "BKD", 7, 3],
    ["Richmond upon Thames", "RCH", 1, 4], ["Wandsworth", "WND", 2, 4], ["Lambeth", "LAM", 3, 4],
    ["Southwark", "SWK", 4, 4], ["Lewisham", "LSH", 5, 4], ["Greenwich", "GRN", 6, 4],
    ["Bexley", "BXL", 7, 4],
    ["Kingston upon Thames", "KNG", 2, 5], ["Merton", "MRT", 3, 5], ["Croydon", "CRD", 4, 5],
    ["Bromley", "BRM", 5, 5],
    ["Sutton", "STN", 3, 6],
  ];
  const SHADES = 5;

  /** Notes per borough: with the theme filtered on, or with any theme. */
  function drawMap(themeRows, totalRows) {
    const theme = state.filters.theme;
    const rows = theme ? themeRows.filter((r) => r.theme === theme) : totalRows;
    // Notes with no borough have no square (the BCU table counts them as "not given").
    const value = new Map(rows.filter((r) => r.borough).map((r) => [r.borough, r.notes]));
    const top = Math.max(1, ...value.values());
    // Up to five bins of whole numbers, each ending at a rounded share of the largest value.
    const edges = [...new Set(Array.from({ length: SHADES }, (_, i) => Math.ceil((top * (i + 1)) / SHADES)))];
    const shade = (v) => (v === 0 ? 0 : 1 + edges.findIndex((edge) => v <= edge));
    const size = 64;
    const tiles = TILES.map(([name, short, col, row]) => {
      const v = value.get(name) || 0;
      return svg("g", {
        class: `tile shade-${shade(v)}`, transform: `translate(${col * (size + 4)},${row * (size + 4)})`,
        "data-borough": name, "data-testid": `tile-${name}`, "data-value": String(v),
        tabindex: "0", role: "button", "aria-label": `${name}: ${v} notes`,
        onclick: () => drill({ borough: name, theme }, theme ? `${name}, ${theme}` : name),
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") drill({ borough: name, theme }, name); },
      },
      svg("rect", { width: size, height: size, rx: 4 }),
      svg("text", { x: size / 2, y: 26, "text-anchor": "middle", class: "short" }, short),
      svg("text", { x: size / 2, y: 48, "text-anchor": "middle", class: "value" }, String(v)),
      svg("title", {}, `${name}: ${v} notes`));
    });
    $("map").replaceChildren(svg("svg", {
      viewBox: `0 0 ${8 * (size + 4)} ${7 * (size + 4)}`, role: "group",
      "aria-labelledby": "map-heading", class: "tile-map",
    }, ...tiles));
    $("map-legend").replaceChildren(
      el("span", {}, theme ? `Notes with ${theme}:` : "Notes with any theme:"),
      el("span", { class: "key" }, el("span", { class: "swatch shade-0", "aria-hidden": "true" }), "0"),
      ...edges.map((edge, i) => {
        const low = i === 0 ? 1 : edges[i - 1] + 1;
        return el("span", { class: "key" },
          el("span", { class: `swatch shade-${i + 1}`, "aria-hidden": "true" }),
          low === edge ? String(edge) : `${low}–${edge}`);
      }),
    );
  }

  // ---- hour of day ----------------------------------------------------------------

  function drawHours(rows) {
    const value = new Map(rows.map((r) => [`${r.theme}\u0000${r.hour}`, r.count]));
    const top = Math.max(1, ...rows.map((r) => r.count));
    const hours = Array.from({ length: 24 }, (_, h) => h);
    const head = el("tr", {}, el("th", { scope: "col" }, "Theme"),
      ...hours.map((h) => el("th", { scope: "col", class: "n" }, String(h).padStart(2, "0"))));
    const body = shownThemes().map((t) => el("tr", { class: themeClass(state.themes.indexOf(t)) },
      el("th", { scope: "row" }, t),
      ...hours.map((h) => {
        const v = value.get(`${t}\u0000${h}`) || 0;
        const td = el("td", { class: "n heat" },
          v ? figure(v, `hour-${t}-${h}`, { theme: t, hour: h }, `${t}, ${h}:00-${h}:59`)
            : el("span", { dataset: { testid: `hour-${t}-${h}` } }, "0"));
        td.style.setProperty("--heat", (v / top).toFixed(3)); // CSSOM: allowed by the CSP
        return td;
      })));
    $("hours").replaceChildren(el("table", { class: "hours" }, el("thead", {}, head), el("tbody", {}, body)));
  }

  // ---- the notes behind a number ----------------------------------------------------

  async function drill(cell, label) {
    const params = apiFilters(cell);
    params.set("limit", "50");
    const page = await call("GET", `/v1/notes?${params}`);
    $("drill").hidden = false;
    $("drill-heading").textContent = `Notes behind "${label || "all notes"}"`;
    $("drill-list").replaceChildren(...page.notes.map((n) => el("li", { dataset: { note: String(n.id) } },
      el("p", { class: "meta" }, `#${n.id} · ${when(n.created_at)} · ${n.borough || "no borough"} · `,
        n.themes.join(", ") || "no theme", " · ",
        el("a", { href: `/ui/review?note=${n.id}` }, "review")),
      n.text_withheld
        ? el("p", { class: "withheld" }, "Text withheld: flagged for safeguarding.")
        : el("p", { class: "text" }, n.text))));
    $("drill-more").textContent = page.next_cursor ? "The 50 newest are shown." : "";
    $("drill").scrollIntoView({ block: "nearest" });
  }

  // ---- CSV of what is on screen ---------------------------------------------------------

  function csvOfScreen() {
    const out = [["walktalk dashboard"], ["filters", new URLSearchParams(state.filters).toString() || "none"]];
    const { byTheme, byMonth, byBcu, bySource, byBorough, boroughTotals, byHour } = state.shown;
    const block = (title, header, rows) => { out.push([], [title], header, ...rows); };
    block("totals", ["measure", "count"], [["notes", byTheme.total.notes],
      ["notes with a theme", byTheme.total.notes_with_theme],
      ...byTheme.rows.map((r) => [r.theme, r.count])]);
    block("month by theme", ["month", "theme", "count"], byMonth.rows.map((r) => [r.period.slice(0, 7), r.theme, r.count]));
    block("borough (notes with any theme)", ["borough", "notes"], boroughTotals.rows.map((r) => [r.borough ?? "", r.notes]));
    block("borough by theme", ["borough", "theme", "count"], byBorough.rows.map((r) => [r.borough ?? "", r.theme, r.count]));
    block("hour by theme", ["hour", "theme", "count"], byHour.rows.map((r) => [r.hour, r.theme, r.count]));
    block("bcu by theme", ["bcu", "theme", "count"], byBcu.rows.map((r) => [r.bcu ?? "", r.theme, r.count]));
    block("source by theme", ["source", "theme", "count"], bySource.rows.map((r) => [r.source ?? "", r.theme, r.count]));
    const quote = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
    return out.map((row) => row.map(quote).join(",")).join("\n") + "\n";
  }

  function download() {
    const blob = new Blob([csvOfScreen()], { type: "text/csv" });
    const link = el("a", { href: URL.createObjectURL(blob), download: "walktalk-dashboard.csv" });
    document.body.append(link);
    link.click();
    link.remove();
  }

  async function fillFilterChoices() {
    const areas = await call("GET", "/v1/areas");
    const add = (select, values) => select.append(...values.map((v) => el("option", { value: v }, v)));
    add(form().elements.bcu, areas.bcus);
    add(form().elements.borough, areas.boroughs.map((b) => b.name));
    add(form().elements.theme, state.themes);
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
    await fillFilterChoices();
    state.filters = readFilters();
    showFilters(state.filters);
    $("counts").hidden = false;
    $("models").hidden = false;
    $("refresh").addEventListener("click", () => loadCounts().catch(report));
    $("download").addEventListener("click", download);
    form().addEventListener("change", () => { writeFilters(); loadCounts().catch(report); });
    $("clear-filters").addEventListener("click", () => {
      form().reset();
      writeFilters();
      loadCounts().catch(report);
    });
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
