// Shared by every page: the API key in sessionStorage, calls to the JSON API,
// errors as the API's problem documents, and a DOM builder that only ever sets
// text (note text is user data: it is never parsed as markup).
"use strict";

const walktalk = (() => {
  const KEY = "walktalk.key";

  /** An error answer of the API (RFC 9457): `detail` is the sentence to show. */
  class ApiProblem extends Error {
    constructor(status, problem) {
      super((problem && problem.detail) || `The API answered ${status}.`);
      this.status = status;
      this.problem = problem || {};
    }
  }

  const key = () => sessionStorage.getItem(KEY);
  const setKey = (value) => sessionStorage.setItem(KEY, value);
  const forgetKey = () => sessionStorage.removeItem(KEY);

  /** Call the API with the stored key; JSON in and out; throws ApiProblem on an error. */
  async function call(method, path, body, { apiKey = key(), keepalive = false } = {}) {
    const headers = { Accept: "application/json" };
    if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
    const init = { method, headers, keepalive };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      throw new ApiProblem(0, { detail: "The API cannot be reached; try again in a moment." });
    }
    if (response.status === 204) return null;
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (err) {
      data = null;
    }
    if (!response.ok) throw new ApiProblem(response.status, data);
    return data;
  }

  /**
   * Build an element: `el("td", {class: "n", dataset: {testid: "x"}}, "text", child)`.
   * Strings become text nodes, so nothing given here is ever parsed as HTML.
   */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** The same for SVG elements (the dashboard draws its chart with them). */
  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    setAttrs(node, attrs);
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function setAttrs(node, attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "dataset") {
        for (const [k, v] of Object.entries(value)) node.dataset[k] = String(v);
      } else if (name.startsWith("on")) {
        node.addEventListener(name.slice(2), value);
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    }
  }

  /** Show a message in a status or alert region (text only). */
  function say(region, message, kind = "info") {
    region.textContent = message || "";
    region.dataset.kind = kind;
    region.hidden = !message;
  }

  /**
   * The signed-in caller (`GET /v1/me`), or a redirect to the sign-in page when
   * there is no key or it no longer works.
   */
  async function requireCaller() {
    if (!key()) {
      window.location.assign("/ui");
      return null;
    }
    try {
      return await call("GET", "/v1/me");
    } catch (err) {
      if (err.status === 401) {
        forgetKey();
        window.location.assign("/ui");
        return null;
      }
      throw err;
    }
  }

  /** The header's "signed in as" line and sign-out button, on every page but sign-in. */
  function showCaller(caller, onSignOut) {
    const slot = document.getElementById("caller");
    if (!slot) return;
    slot.replaceChildren(
      el("span", { dataset: { testid: "caller" } }, `${caller.name} (${caller.role})`),
      " ",
      el(
        "button",
        {
          type: "button",
          class: "secondary",
          dataset: { testid: "sign-out" },
          onclick: async () => {
            if (onSignOut) await onSignOut();
            forgetKey();
            window.location.assign("/ui");
          },
        },
        "Sign out",
      ),
    );
  }

  /**
   * The text cut at every span boundary, each piece with the themes whose spans
   * cover it (in `order`, unknown themes last), so overlapping spans of different
   * themes never break the text. Offsets are code points, as the API counts them,
   * not UTF-16 units; spans outside the text are clipped to it.
   */
  function segments(text, evidence, order = []) {
    const chars = Array.from(text);
    const rank = (theme) => (order.includes(theme) ? order.indexOf(theme) : order.length);
    const spans = [];
    for (const [theme, ranges] of Object.entries(evidence || {})) {
      for (const [start, end] of ranges) {
        const s = Math.max(0, Math.min(chars.length, start));
        const e = Math.max(s, Math.min(chars.length, end));
        if (e > s) spans.push({ theme, s, e });
      }
    }
    const cuts = new Set([0, chars.length]);
    for (const { s, e } of spans) cuts.add(s).add(e);
    const points = [...cuts].sort((a, b) => a - b);
    const pieces = [];
    for (let i = 0; i + 1 < points.length; i += 1) {
      const [a, b] = [points[i], points[i + 1]];
      const covering = new Set(spans.filter((x) => x.s <= a && b <= x.e).map((x) => x.theme));
      const themes = [...covering].sort((x, y) => rank(x) - rank(y));
      pieces.push({ text: chars.slice(a, b).join(""), themes });
    }
    return pieces;
  }

  /** An API time (ISO, UTC) as "2026-03-01 21:00", or "" for none. */
  const when = (iso) => (iso ? `${String(iso).slice(0, 16).replace("T", " ")}` : "");

  /** Theme colours by taxonomy position (themes are data, so colours follow order). */
  const themeClass = (index) => `theme-${index % 8}`;

  return {
    ApiProblem, call, el, svg, say, key, setKey, forgetKey, requireCaller, showCaller,
    themeClass, segments, when,
  };
})();
