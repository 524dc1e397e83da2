// Every kiosk page's script (templates/layout.html), loaded in <head>: the settings are
// applied before the page is drawn, the rest once it is parsed.
//
// - Settings, kept in sessionStorage for this person and cleared at sign-out: larger text
//   (200%), high contrast, the audio guide and its volume.
// - The keypad alone works everything (docs/kiosk.md): digits type; arrows move the focus
//   to the previous (up, left) or next (down, right) control in page order; Enter
//   chooses; minus (-), Escape or Backspace outside a field go back (the page's
//   `data-back`; in a field of letters, minus and the others type once it is not empty); dot (.) reads the page again; star (*) turns audio on or off; plus (+)
//   and slash (/) make it louder or quieter.
// - Audio: speechSynthesis reads the page's `data-spoken` when it opens and each control
//   when it gets the focus (its `data-spoken`, else its label and hint; never what is
//   typed: a PIN is never spoken). Where there is no voice for the page's language the
//   page says so and offers the others. In audio mode the keypad's digits stay in order;
//   otherwise they are shuffled.
// - Inactivity: a warning after 60 s with a large "more time" button (as often as the
//   person wants; it keeps the server session alive too), sign-out after 80 s.
// - The line to the centre: on the browser's "online" event and every minute, the service
//   worker is asked to replay what it kept while offline (sw.js).
// - Sign-out, by button or inactivity: the server session ends (its answer carries
//   Clear-Site-Data: "cache"), forms and settings are cleared, and the start page replaces
//   this one in the history.
"use strict";

(() => {
  const PREFS = "hanchang-kiosk-prefs";
  const DEFAULTS = { large: false, contrast: false, audio: false, volume: 3 };
  const root = document.documentElement;

  function prefs() {
    try {
      return { ...DEFAULTS, ...JSON.parse(sessionStorage.getItem(PREFS) || "{}") };
    } catch (broken) {
      return { ...DEFAULTS };
    }
  }
  function keep(changed) {
    const now = { ...prefs(), ...changed };
    sessionStorage.setItem(PREFS, JSON.stringify(now));
    return now;
  }
  function applyClasses(p) {
    root.classList.toggle("large-text", p.large);
    root.classList.toggle("high-contrast", p.contrast);
    root.classList.toggle("audio", p.audio);
  }
  applyClasses(prefs());

  // Audio ----------------------------------------------------------------------------
  function voiceFor(lang) {
    if (!("speechSynthesis" in window)) return null;
    const voices = window.speechSynthesis.getVoices();
    return voices.find((v) => v.lang.toLowerCase().startsWith(lang)) || null;
  }
  function speak(text) {
    if (!text) return;
    root.dataset.lastSpoken = text; // what was said, for tests (headless has no voices)
    const p = prefs();
    if (!p.audio || !("speechSynthesis" in window)) return;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = root.lang;
    utterance.volume = p.volume / 5;
    const voice = voiceFor(root.lang);
    if (voice) utterance.voice = voice;
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(utterance);
  }
  function labelText(element) {
    if (element.labels && element.labels.length) {
      return Array.from(element.labels).map((l) => l.textContent.trim()).join(" ");
    }
    return (element.getAttribute("aria-label") || element.textContent || "").trim();
  }
  function spokenFor(element) {
    // A field is read by its label and hint, never by what is typed in it.
    if (element.dataset.spoken) return element.dataset.spoken;
    return labelText(element).replace(/\s+/g, " ");
  }
  function showVoiceNotice() {
    const notice = document.getElementById("no-voice");
    if (!notice) return;
    const missing = prefs().audio && !voiceFor(root.lang);
    notice.hidden = !missing;
    if (missing) {
      // Offer the languages the device has a voice for (both when it cannot tell).
      for (const link of notice.querySelectorAll("a[hreflang]")) {
        const lang = link.getAttribute("hreflang");
        link.parentElement.hidden = lang === root.lang
          || ("speechSynthesis" in window && speechSynthesis.getVoices().length > 0
            && !voiceFor(lang));
      }
    }
  }

  // Focus order ----------------------------------------------------------------------
  const FOCUSABLE = "a[href], summary, button:not([disabled]), input:not([type=hidden]):not([disabled]),"
    + " select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
  function controls() {
    const dialog = document.getElementById("idle");
    const scope = dialog && !dialog.hidden ? dialog : document;
    return Array.from(scope.querySelectorAll(FOCUSABLE)).filter(
      (e) => e.getClientRects().length > 0 && !e.closest("[hidden]"));
  }
  function move(step) {
    const list = controls();
    if (!list.length) return;
    const at = list.indexOf(document.activeElement);
    const next = at < 0 ? (step > 0 ? 0 : list.length - 1)
      : Math.min(Math.max(at + step, 0), list.length - 1);
    list[next].focus();
  }
  function isField(element) {
    return element && (element.tagName === "TEXTAREA"
      || (element.tagName === "INPUT" && !["button", "submit", "checkbox", "radio"].includes(element.type)));
  }
  function goBack() {
    const back = document.body.dataset.back;
    if (back && back !== location.pathname + location.search) location.assign(back);
    else history.back();
  }

  // The on-screen keypad -------------------------------------------------------------
  function shuffleKeypads(inOrder) {
    for (const keypad of document.querySelectorAll(".keypad[data-shuffle]")) {
      const keys = Array.from(keypad.querySelectorAll("button[data-digit]"));
      const digits = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"];
      if (!inOrder) {
        for (let i = digits.length - 1; i > 0; i -= 1) {
          const j = crypto.getRandomValues(new Uint32Array(1))[0] % (i + 1);
          [digits[i], digits[j]] = [digits[j], digits[i]];
        }
      }
      keys.forEach((key, i) => { key.dataset.digit = digits[i]; key.textContent = digits[i]; });
      keypad.dataset.order = inOrder ? "fixed" : "shuffled";
    }
  }
  function press(keypad, key) {
    // Into the form's numeric field last focused (the PIN, its repetition, a code).
    const field = document.getElementById(keypad.dataset.current || keypad.dataset.target);
    if (!field) return;
    const max = Number(field.getAttribute("maxlength") || 6);
    if (key.digit !== undefined && field.value.length < max) field.value += key.digit;
    if (key.erase) field.value = field.value.slice(0, -1);
    if (key.clear) field.value = "";
    // How many digits are in, never which.
    speak(keypad.dataset.entered.replace("{count}", String(field.value.length)));
  }

  // Settings buttons -----------------------------------------------------------------
  function showPrefs() {
    const p = prefs();
    for (const button of document.querySelectorAll("[data-pref]")) {
      const on = Boolean(p[button.dataset.pref]);
      button.setAttribute("aria-pressed", String(on));
      button.dataset.spoken = labelText(button) + (on ? " ✓" : "");
    }
    const volume = document.getElementById("volume");
    if (volume) volume.textContent = volume.dataset.template.replace("{level}", String(p.volume));
    applyClasses(p);
    showVoiceNotice();
  }
  function toggle(name) {
    const p = keep({ [name]: !prefs()[name] });
    if (name === "audio") shuffleKeypads(p.audio);
    showPrefs();
    if (name === "audio" && p.audio) speak(document.body.dataset.spoken);
  }
  function changeVolume(step) {
    keep({ volume: Math.min(5, Math.max(1, prefs().volume + step)) });
    showPrefs();
    speak(document.getElementById("volume").textContent);
  }

  // Sign-out and inactivity ------------------------------------------------------------
  let ending = false;
  async function signOut() {
    if (ending) return;
    ending = true;
    for (const form of document.forms) form.reset();
    const signedIn = document.body.hasAttribute("data-signed-in");
    if (signedIn) {
      try {
        await fetch("/kiosk/sign-out", {
          method: "POST", credentials: "same-origin", redirect: "manual", cache: "no-store",
        });
      } catch (offline) { /* the session also ends on the server after 15 minutes */ }
    }
    sessionStorage.clear();
    const home = new URL(document.body.dataset.home, location.href);
    if (signedIn) home.searchParams.set("signed_out", "1");
    // Replace: "back" from the start page cannot return to this page.
    location.replace(home.href);
  }

  let warnTimer = null;
  let endTimer = null;
  function idleWatched() {
    // Someone signed in, or settings or a page away from the start to undo (not while
    // the kiosk is being enrolled: data-idle-end="0").
    if (document.body.dataset.idleEnd === "0") return false;
    return document.body.hasAttribute("data-signed-in")
      || location.pathname !== "/kiosk"
      || sessionStorage.getItem(PREFS) !== null;
  }
  function restartIdle() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    if (!idleWatched() || ending) return;
    const warning = Number(document.body.dataset.idleWarning || 60) * 1000;
    const end = Number(document.body.dataset.idleEnd || 80) * 1000;
    warnTimer = setTimeout(showIdleWarning, warning);
    endTimer = setTimeout(signOut, end);
  }
  function showIdleWarning() {
    const dialog = document.getElementById("idle");
    if (!dialog) return;
    dialog.hidden = false;
    document.getElementById("more-time").focus({ preventScroll: true });
    speak(dialog.dataset.spoken);
  }
  async function moreTime() {
    const dialog = document.getElementById("idle");
    dialog.hidden = true;
    restartIdle();
    if (document.body.hasAttribute("data-signed-in")) {
      // Keeps the server's session alive as long as the page.
      fetch("/kiosk/more-time", { method: "POST", credentials: "same-origin", cache: "no-store" })
        .catch(() => {});
    }
    const main = document.getElementById("main");
    if (main) main.focus({ preventScroll: true });
  }

  // The card unlock page (kiosk/card_unlock.py's signed JSON) --------------------------
  async function postJson(url, body) {
    const answer = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body),
    });
    return { ok: answer.ok, body: await answer.json() };
  }
  function cardUnlock() {
    const start = document.getElementById("unlock-start");
    const verify = document.getElementById("unlock-verify");
    const status = document.getElementById("unlock-status");
    if (!start || !verify) return;
    let challenge = null;
    const say = (text) => { status.hidden = false; status.textContent = text; speak(text); };
    const failed = (body) => start.dataset.failed.replace("{reason}", body.detail || body.title);
    start.addEventListener("submit", async (event) => {
      event.preventDefault();
      const answer = await postJson(start.action, { card_token: start.elements.card.value });
      if (!answer.ok) { say(failed(answer.body)); return; }
      challenge = answer.body.challenge_id;
      say(answer.body.message);
      verify.hidden = false;
      document.getElementById("unlock-code").focus();
    });
    verify.addEventListener("submit", async (event) => {
      event.preventDefault();
      const answer = await postJson(verify.action, {
        card_token: start.elements.card.value,
        challenge_id: challenge,
        code: document.getElementById("unlock-code").value,
      });
      if (!answer.ok) { say(failed(answer.body)); return; }
      start.reset();
      verify.reset();
      verify.hidden = true;
      say(answer.body.message);
      document.getElementById("back").focus();
    });
  }

  // Wiring -----------------------------------------------------------------------------
  function onKey(event) {
    restartIdle();
    const target = event.target;
    const key = event.key;
    if (key === "ArrowDown" || key === "ArrowRight") { event.preventDefault(); move(1); return; }
    if (key === "ArrowUp" || key === "ArrowLeft") { event.preventDefault(); move(-1); return; }
    // In a field that takes letters (a card's code, an enrollment code) these keys type,
    // once something is typed there (no code starts with one of them).
    if (isField(target) && target.getAttribute("inputmode") !== "numeric" && target.value
      && ["-", ".", "*", "+", "/"].includes(key)) return;
    if (key === ".") { event.preventDefault(); speak(document.body.dataset.spoken); return; }
    if (key === "*") { event.preventDefault(); toggle("audio"); return; }
    if (key === "+") { event.preventDefault(); changeVolume(1); return; }
    if (key === "/") { event.preventDefault(); changeVolume(-1); return; }
    const dialog = document.getElementById("idle");
    if (dialog && !dialog.hidden) return;
    if (key === "-" || key === "Escape" || (key === "Backspace" && !isField(target))) {
      event.preventDefault();
      goBack();
      return;
    }
    const keypad = target.closest && target.closest(".keypad[data-target]");
    if (keypad && /^[0-9]$/.test(key)) {
      event.preventDefault();
      press(keypad, { digit: key });
      return;
    }
    if (key === "Enter" && isField(target) && target.form) {
      // Enter in a field goes on to the form's next field; in its last one it sends.
      const fields = Array.from(target.form.elements).filter(
        (e) => isField(e) && !e.closest("[hidden]"));
      const next = fields[fields.indexOf(target) + 1];
      if (next) { event.preventDefault(); next.focus(); }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const body = document.body;
    // Every control says what it is: exposed in the DOM (`data-spoken`) for audio mode.
    for (const element of document.querySelectorAll(FOCUSABLE)) {
      if (!element.dataset.spoken) element.dataset.spoken = spokenFor(element);
    }
    shuffleKeypads(prefs().audio);
    showPrefs();
    if ("speechSynthesis" in window) speechSynthesis.addEventListener("voiceschanged", showVoiceNotice);

    document.addEventListener("keydown", onKey, true);
    for (const kind of ["pointerdown", "input", "touchstart"]) {
      document.addEventListener(kind, restartIdle, { passive: true, capture: true });
    }
    document.addEventListener("focusin", (event) => {
      const element = event.target;
      if (isField(element) && element.form && element.getAttribute("inputmode") === "numeric") {
        const keypad = element.form.querySelector(".keypad[data-target]");
        if (keypad) keypad.dataset.current = element.id;
      }
      if (element.matches && element.matches(FOCUSABLE)) speak(spokenFor(element));
    });
    for (const button of document.querySelectorAll("[data-pref]")) {
      button.addEventListener("click", () => { toggle(button.dataset.pref); });
    }
    for (const button of document.querySelectorAll("[data-volume]")) {
      button.addEventListener("click", () => changeVolume(Number(button.dataset.volume)));
    }
    for (const keypad of document.querySelectorAll(".keypad[data-target]")) {
      keypad.addEventListener("click", (event) => {
        const button = event.target.closest("button");
        if (!button) return;
        press(keypad, {
          digit: button.dataset.digit,
          erase: button.dataset.key === "erase",
          clear: button.dataset.key === "clear",
        });
      });
    }
    for (const form of document.querySelectorAll("form[data-sign-out]")) {
      form.addEventListener("submit", (event) => { event.preventDefault(); signOut(); });
    }
    const more = document.getElementById("more-time");
    if (more) more.addEventListener("click", moreTime);
    cardUnlock();
    const lineCheck = () => {
      const worker = "serviceWorker" in navigator && navigator.serviceWorker.controller;
      if (worker) worker.postMessage({ type: "line-check" });
    };
    window.addEventListener("online", lineCheck);
    setInterval(lineCheck, 60 * 1000);

    const first = document.querySelector("[autofocus]") || document.querySelector("[data-primary]");
    if (first) first.focus({ preventScroll: true });
    speak(body.dataset.spoken);
    restartIdle();
  });

  // A page brought back from the back-forward cache is fetched again (personal pages are
  // never kept: Cache-Control: no-store).
  window.addEventListener("pageshow", (event) => { if (event.persisted) location.reload(); });
})();
