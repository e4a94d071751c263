// The sign-in page: check a key with GET /v1/me, keep it for this tab, and link
// only to the pages the key's role may use.
"use strict";

(() => {
  const { call, el, say, key, setKey, forgetKey } = walktalk;
  const PAGES = [
    { href: "/ui/review", label: "Review", needs: ["review", "adjudicate"], testid: "link-review",
      about: "correct the themes of notes in the review queue" },
    { href: "/ui/dashboard", label: "Dashboard", needs: ["read_counts"], testid: "link-dashboard",
      about: "counts by theme, area and time; models and training runs" },
  ];
  const form = document.getElementById("signin-form");
  const input = document.getElementById("api-key");
  const error = document.getElementById("signin-error");

  /** Swap the form for the caller's name and the links their permissions allow. */
  function showSignedIn(me) {
    document.getElementById("signin").hidden = true;
    document.getElementById("signed-in").hidden = false;
    document.getElementById("who").textContent = `${me.name} (${me.role})`;
    const allowed = PAGES.filter((p) => p.needs.some((need) => me.permissions.includes(need)));
    document.getElementById("pages").replaceChildren(
      ...allowed.map((p) =>
        el("li", {}, el("a", { href: p.href, dataset: { testid: p.testid } }, p.label), ` — ${p.about}`),
      ),
    );
    document.getElementById("no-pages").hidden = allowed.length > 0;
  }

  function showSignIn() {
    document.getElementById("signin").hidden = false;
    document.getElementById("signed-in").hidden = true;
    input.value = "";
    input.focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    say(error, "");
    const candidate = input.value.trim();
    try {
      const me = await call("GET", "/v1/me", undefined, { apiKey: candidate });
      setKey(candidate);
      input.value = "";
      showSignedIn(me);
    } catch (err) {
      say(error, err.message, "error");
      input.select();
    }
  });

  document.getElementById("sign-out").addEventListener("click", () => {
    forgetKey();
    showSignIn();
  });

  // Already signed in in this tab: show the links straight away.
  if (key()) {
    call("GET", "/v1/me").then(showSignedIn, (err) => {
      forgetKey();
      showSignIn();
      say(error, err.message, "error");
    });
  }
})();
