// Warns before an unused session ends, offers to stay signed in, and keeps what was typed into
// this page's forms across the sign-out and the login that follows (sessionStorage, this tab
// only). The server decides when a session ends (carebook.accounts.sessions); this file only
// asks it. Loaded on logged-in pages: <script src=".../session.js" data-status-url="...">.
(() => {
  "use strict";
  const script = document.currentScript;
  const statusUrl = script && script.dataset.statusUrl;
  if (!statusUrl || !window.fetch) return;

  const here = location.pathname + location.search;
  const storeKey = "carebook:unsaved:" + here;
  const SKIP = ["password", "hidden", "file", "submit", "button", "reset", "image"];
  let timer = null;
  let ticker = null;
  let notice = null;
  let signingOut = false;

  function csrfToken() {
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall through to a form's token */ }
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // --- keeping unsaved form text -------------------------------------------------------------
  function keptFields(form) {
    return Array.from(form.elements).filter((el) => {
      if (!el.name || el.disabled) return false;
      if (el.tagName === "TEXTAREA") return true;
      return el.tagName === "INPUT" && !SKIP.includes((el.type || "").toLowerCase());
    });
  }

  function formKey(form, index) {
    return (form.id || form.getAttribute("action") || "") + "#" + index;
  }

  function saveForms() {
    const saved = {};
    document.querySelectorAll("form").forEach((form, index) => {
      const values = [];
      keptFields(form).forEach((el, i) => {
        if (el.type === "checkbox" || el.type === "radio") {
          if (el.checked !== el.defaultChecked) values.push([i, el.name, el.checked]);
        } else if (el.value !== el.defaultValue) {
          values.push([i, el.name, el.value]);
        }
      });
      if (values.length) saved[formKey(form, index)] = values;
    });
    try {
      if (Object.keys(saved).length) sessionStorage.setItem(storeKey, JSON.stringify(saved));
    } catch (e) { /* storage full or disabled: nothing to keep */ }
  }

  function restoreForms() {
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(storeKey) || "null");
      sessionStorage.removeItem(storeKey);
    } catch (e) { return; }
    if (!saved) return;
    let restored = 0;
    document.querySelectorAll("form").forEach((form, index) => {
      const values = saved[formKey(form, index)];
      if (!values) return;
      const fields = keptFields(form);
      values.forEach(([i, name, value]) => {
        const el = fields[i];
        if (!el || el.name !== name) return;
        if (el.type === "checkbox" || el.type === "radio") el.checked = Boolean(value);
        else el.value = String(value);
        el.dispatchEvent(new Event("input", { bubbles: true }));
        restored += 1;
      });
    });
    if (restored) {
      showMessage("What you had typed before you were signed out is back in the form. " +
        "Check it, then save.");
    }
  }

  function showMessage(text) {
    const main = document.getElementById("main");
    if (!main) return;
    const box = document.createElement("div");
    box.className = "msg msg-success";
    box.setAttribute("role", "status");
    box.textContent = text;
    main.prepend(box);
  }

  // --- the warning ---------------------------------------------------------------------------
  function minutesAndSeconds(seconds) {
    const s = Math.max(0, Math.round(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function showNotice(secondsLeft) {
    const endsAt = Date.now() + secondsLeft * 1000;
    if (!notice) {
      notice = document.createElement("div");
      notice.className = "msg msg-warning session-warning";
      notice.setAttribute("role", "alertdialog");
      notice.setAttribute("aria-labelledby", "session-warning-text");
      // CSSOM, not a style attribute: the CSP allows this and keeps the notice in view.
      notice.style.position = "sticky";
      notice.style.top = "0";
      notice.style.zIndex = "10";
      const text = document.createElement("p");
      text.id = "session-warning-text";
      text.append("You will be signed out in ");
      const clock = document.createElement("strong");
      clock.className = "session-warning-clock";
      text.append(clock, " because nothing happened for a while. What you typed is kept.");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-small";
      button.textContent = "Stay signed in";
      button.addEventListener("click", staySignedIn);
      notice.append(text, button);
      const main = document.getElementById("main") || document.body;
      main.prepend(notice);
      button.focus({ preventScroll: false });
    }
    const clock = notice.querySelector(".session-warning-clock");
    clearInterval(ticker);
    const tick = () => { clock.textContent = minutesAndSeconds((endsAt - Date.now()) / 1000); };
    tick();
    ticker = setInterval(tick, 1000);
  }

  function hideNotice() {
    clearInterval(ticker);
    if (notice) notice.remove();
    notice = null;
  }

  // --- asking the server ---------------------------------------------------------------------
  function ask(method) {
    return fetch(statusUrl, {
      method,
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then((response) => response.json());
  }

  function signOut(loginUrl) {
    if (signingOut) return;
    signingOut = true;
    saveForms();
    location.assign((loginUrl || "/account/login/") + "?next=" + encodeURIComponent(here));
  }

  function schedule(info) {
    clearTimeout(timer);
    if (!info || !info.authenticated) {
      hideNotice();
      signOut(info && info.login_url);
      return;
    }
    const left = info.seconds_left;
    const warn = info.warn_seconds;
    if (left <= warn) {
      showNotice(left);
      // Look again soon: another tab may have kept the session alive meanwhile.
      timer = setTimeout(check, Math.min(left + 1, 15) * 1000);
    } else {
      hideNotice();
      timer = setTimeout(check, (left - warn) * 1000);
    }
  }

  function check() {
    ask("GET").then(schedule, () => { timer = setTimeout(check, 30000); });
  }

  function staySignedIn() {
    ask("POST").then(schedule, () => { timer = setTimeout(check, 5000); });
  }

  document.addEventListener("visibilitychange", () => {
    // Timers sleep with the laptop; ask again when the page is looked at.
    if (document.visibilityState === "visible") check();
  });
  restoreForms();
  check();
})();
