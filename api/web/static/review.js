// The review queue: one note at a time, its evidence highlighted, its themes as
// toggles; save, accept or skip by click or key; fetch more when the batch is done.
"use strict";

(() => {
  const { call, el, say, requireCaller, showCaller, themeClass, segments, when } = walktalk;
  const BATCH = 10;
  const $ = (id) => document.getElementById(id);

  const state = {
    themes: [], // theme names in taxonomy order (keys 1..n follow it)
    queue: [], // leased items not shown yet
    current: null, // the item on screen
    selected: new Set(), // the toggled themes of the current item
    left: 0, // notes left, as shown
    skipped: new Set(), // ids skipped in this tab, shown again only when nothing else is left
    busy: false,
  };

  // ---- evidence highlighting -------------------------------------------------

  const themeIndex = (theme) => {
    const i = state.themes.indexOf(theme);
    return i < 0 ? state.themes.length : i;
  };

  function highlighted(text, evidence) {
    return segments(text, evidence, state.themes).map(({ text: piece, themes }) => {
      if (themes.length === 0) return document.createTextNode(piece);
      const classes = ["ev", themeClass(themeIndex(themes[0]))];
      if (themes.length > 1) classes.push("overlap", `under-${themeClass(themeIndex(themes[1]))}`);
      return el(
        "mark",
        { class: classes.join(" "), title: themes.join(" + "), dataset: { themes: themes.join(" ") } },
        piece,
      );
    });
  }

  // ---- drawing ---------------------------------------------------------------

  function buildToggles(themes) {
    $("theme-count").textContent = String(themes.length);
    $("toggles").replaceChildren(
      ...themes.map((t, i) =>
        el(
          "button",
          {
            type: "button",
            class: `toggle ${themeClass(i)}`,
            "aria-pressed": "false",
            "aria-keyshortcuts": i < 9 ? String(i + 1) : null,
            title: t.description,
            dataset: { theme: t.name, testid: `toggle-${t.name}` },
            onclick: () => toggle(t.name),
          },
          el("kbd", {}, i < 9 ? String(i + 1) : ""),
          ` ${t.name} `,
          el("span", { class: "score", dataset: { testid: `score-${t.name}` } }, ""),
        ),
      ),
    );
    $("legend").replaceChildren(
      "Evidence: ",
      ...themes.map((t, i) => el("mark", { class: `ev ${themeClass(i)}` }, t.name)),
      " (underlined where two themes overlap)",
    );
    const keys = $("shortcut-list").querySelector("dd");
    keys.textContent = `toggle ${themes.map((t, i) => `${i + 1} ${t.name}`).join(", ")}`;
  }

  function showLeft() {
    $("remaining").textContent = `${state.left} left`;
  }

  function drawToggles() {
    for (const button of $("toggles").querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(state.selected.has(button.dataset.theme)));
    }
  }

  function draw(item) {
    const p = item.prediction || { themes: [], scores: {}, evidence: {}, model: "" };
    $("note-id").textContent = `#${item.id}`;
    const area = [item.borough, item.bcu].filter(Boolean).join(", ");
    $("note-meta").textContent = [item.source, area, when(item.created_at)].filter(Boolean).join(" · ");
    $("reason").textContent = item.reason || "—";
    $("note-status").textContent = item.status ? `Review status: ${item.status.replace("_", " ")}.` : "";
    $("note-text").replaceChildren(...highlighted(item.text, p.evidence));
    for (const name of state.themes) {
      const score = p.scores ? p.scores[name] : undefined;
      $("toggles").querySelector(`[data-theme="${CSS.escape(name)}"] .score`).textContent =
        typeof score === "number" ? score.toFixed(2) : "";
    }
    $("predicted").textContent = p.themes.length ? p.themes.join(", ") : "no theme";
    $("model-version").textContent = p.model || "—";
    $("comment").value = "";
    state.selected = new Set(item.themes);
    drawToggles();
    $("card").hidden = false;
    $("empty").hidden = true;
    // A new note takes the focus: screen readers announce it, and Enter saves it
    // rather than pressing whichever button was clicked last.
    $("note-heading").focus();
  }

  // ---- the queue -------------------------------------------------------------

  /**
   * Lease the next batch. Notes skipped in this tab are given straight back unless
   * nothing else is left; asking for a few more makes room for them.
   */
  async function fetchBatch() {
    const limit = Math.min(50, BATCH + state.skipped.size);
    const batch = await call("GET", `/v1/review/queue?limit=${limit}`);
    const fresh = batch.items.filter((item) => !state.skipped.has(item.id));
    state.left = batch.remaining;
    if (fresh.length === 0) return batch.items;
    for (const item of batch.items) {
      if (state.skipped.has(item.id)) release(item.id);
    }
    for (const item of fresh.slice(BATCH)) release(item.id);
    return fresh.slice(0, BATCH);
  }

  /** A note opened by a link (from the dashboard), shown before the queue's own. */
  async function opened(id) {
    const note = await call("GET", `/v1/notes/${encodeURIComponent(id)}`);
    return {
      ...note,
      text: note.text_withheld ? "(Text withheld: flagged for safeguarding.)" : note.text,
      status: null,
      reason: "opened from a link",
      opened: true,
    };
  }

  function release(id, { keepalive = false } = {}) {
    return call("DELETE", `/v1/review/queue/${id}`, undefined, { keepalive }).catch(() => null);
  }

  async function next() {
    if (state.queue.length === 0) state.queue = await fetchBatch();
    state.current = state.queue.shift() || null;
    if (state.current) {
      draw(state.current);
    } else {
      state.left = 0;
      $("card").hidden = true;
      $("empty").hidden = false;
    }
    showLeft();
  }

  /**
   * Run one action at a time; an error is shown and the note stays on screen.
   * A review takes a note off the count; a skip does not (the note stays queued).
   */
  async function act(work, { reviewed = true } = {}) {
    if (state.busy || !state.current) return;
    state.busy = true;
    say($("error"), "");
    try {
      await work(state.current);
      if (reviewed) state.left = Math.max(0, state.left - 1);
      await next();
    } catch (err) {
      say($("error"), err.message, "error");
    } finally {
      state.busy = false;
    }
  }

  function save(themes) {
    return act(async (item) => {
      const comment = $("comment").value.trim() || null;
      const answer = await call("PUT", `/v1/notes/${item.id}/labels`, { themes, comment });
      const saved = answer.themes.length ? answer.themes.join(", ") : "no theme";
      say($("status"), `Saved note #${item.id}: ${saved}.`);
    });
  }

  const saveToggled = () => save(state.themes.filter((t) => state.selected.has(t)));
  const accept = () => save([...((state.current && state.current.prediction) || { themes: [] }).themes]);
  const skip = () =>
    act(async (item) => {
      if (item.opened) return; // opened by link, not leased: nothing to give back
      await call("DELETE", `/v1/review/queue/${item.id}`);
      state.skipped.add(item.id);
      say($("status"), `Skipped note #${item.id}; it goes back to the queue.`);
    }, { reviewed: false });

  function toggle(theme) {
    if (!state.current || state.busy) return;
    if (state.selected.has(theme)) state.selected.delete(theme);
    else state.selected.add(theme);
    drawToggles();
  }

  // ---- keys ------------------------------------------------------------------

  function onKey(event) {
    if (!state.current || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement;
    const isToggle = target instanceof HTMLButtonElement && target.classList.contains("toggle");
    if (event.key === "Enter") {
      // A focused action button or link keeps its own Enter; Shift+Enter types a new line.
      if ((target instanceof HTMLButtonElement && !isToggle) || target instanceof HTMLAnchorElement) return;
      if (typing && event.shiftKey) return;
      event.preventDefault();
      saveToggled();
      return;
    }
    if (typing) return;
    const digit = Number.parseInt(event.key, 10);
    if (digit >= 1 && digit <= Math.min(9, state.themes.length)) {
      event.preventDefault();
      toggle(state.themes[digit - 1]);
    } else if (event.key === "a" || event.key === "A") {
      event.preventDefault();
      accept();
    } else if (event.key === "s" || event.key === "S") {
      event.preventDefault();
      skip();
    }
  }

  /** Give back leased notes not yet reviewed, so others can take them at once. */
  function releaseAll({ keepalive = false } = {}) {
    const ids = [state.current, ...state.queue].filter((item) => item && !item.opened)
      .map((item) => item.id);
    state.current = null;
    state.queue = [];
    return Promise.all(ids.map((id) => release(id, { keepalive })));
  }

  async function start() {
    const caller = await requireCaller();
    if (!caller) return;
    showCaller(caller, () => releaseAll());
    if (!caller.permissions.includes("review") && !caller.permissions.includes("adjudicate")) {
      say($("error"), `The role '${caller.role}' takes no part in review.`, "error");
      return;
    }
    const taxonomy = await call("GET", "/v1/themes");
    state.themes = taxonomy.themes.map((t) => t.name);
    buildToggles(taxonomy.themes);
    $("accept").addEventListener("click", accept);
    $("save").addEventListener("click", saveToggled);
    $("skip").addEventListener("click", skip);
    document.addEventListener("keydown", onKey);
    window.addEventListener("pagehide", () => releaseAll({ keepalive: true }));
    const linked = new URLSearchParams(location.search).get("note");
    if (linked) state.queue.push(await opened(linked));
    await next();
  }

  start().catch((err) => say($("error"), err.message, "error"));
})();
