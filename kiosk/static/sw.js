// The kiosk's service worker: signs every request under /kiosk with the kiosk's device
// key, kept (not extractable) in IndexedDB by the enrolment page. The signed string and
// the headers are described in auth/kiosk_signatures.py:
//
//   hanchang-kiosk-v1 \n METHOD \n path?query \n base64url(SHA-256(body)) \n
//   timestamp \n nonce \n kiosk id
//
// Navigations and form posts included: the body is read, digested and sent again with the
// headers. A navigation's redirect is handed back to the browser, whose next request
// comes through here again and is signed in its turn.
//
// When the line to the centre drops (docs/kiosk.md, "When the line drops"):
// - The public pages (the start page, the offline page, the shell's script and style) are
//   kept in a cache, fetched without the person's cookie, and shown when the network
//   fails; any other page gives the offline page.
// - "Apply" pressed offline (the confirm page's form post) is kept in IndexedDB with the
//   time it was pressed, its idempotency key and the session, and the offline page says
//   so. When the line returns (the next request that gets through, or the pages' nudge
//   every minute) the queue is replayed to POST /kiosk/queue/applications, signed like
//   every request, before anything else; an answer that is final (accepted or refused)
//   removes the item, a failure of the line or the server keeps it for the next try.
// - A sign-out that could not reach the server is done when the line returns, right
//   after the replay (never before: it ends the session the queue was kept under).
"use strict";

const SCOPE = "/kiosk";
const UNSIGNED = new Set([
  "/kiosk/enrol", "/kiosk/enrol.js", "/kiosk/sw.js", "/kiosk/kiosk.js", "/kiosk/kiosk.css",
]);
const DATABASE = "hanchang-kiosk";
const STORE = "device";
const CACHE = "hanchang-kiosk-public-v1";
const PUBLIC = [
  "/kiosk", "/kiosk?lang=en", "/kiosk/offline", "/kiosk/offline?lang=en",
  "/kiosk/offline?queued=1", "/kiosk/offline?queued=1&lang=en",
  "/kiosk/kiosk.js", "/kiosk/kiosk.css",
];
const SHELL = new Set(["/kiosk/kiosk.js", "/kiosk/kiosk.css"]);
const QUEUE_DATABASE = "hanchang-kiosk-queue";
const QUEUE = "applications";
const FLAGS = "flags";
const APPLY = /^\/kiosk\/benefits\/([^/]+)\/apply$/;
const REPLAY = "/kiosk/queue/applications";
const REFRESH_MS = 10 * 60 * 1000;

let cachedAt = 0;

self.addEventListener("install", (event) => event.waitUntil(
  self.skipWaiting().then(() => keepPublicPages().catch(() => {}))));
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "line-check") {
    event.waitUntil(lineBack().then(refreshPublicPages).catch(() => {}));
  }
});

function b64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function device() {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DATABASE, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const reading = opening.result.transaction(STORE).objectStore(STORE).get("key");
      reading.onsuccess = () => { opening.result.close(); resolve(reading.result); };
      reading.onerror = () => reject(reading.error);
    };
  });
}

// The queue of applications kept offline, and the flags (a sign-out to do).
let queueDatabase = null;
async function queueStore(name, mode) {
  if (!queueDatabase) {
    const opening = indexedDB.open(QUEUE_DATABASE, 1);
    opening.onupgradeneeded = () => {
      opening.result.createObjectStore(QUEUE, { keyPath: "idempotency_key" });
      opening.result.createObjectStore(FLAGS);
    };
    queueDatabase = await done(opening);
  }
  return queueDatabase.transaction(name, mode).objectStore(name);
}

async function signedFetch(request, credentials = "same-origin") {
  const url = new URL(request.url);
  const method = request.method.toUpperCase();
  const body = method === "GET" || method === "HEAD"
    ? new ArrayBuffer(0) : await request.clone().arrayBuffer();
  const headers = new Headers(request.headers);
  const found = await device();
  if (found) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = b64url(crypto.getRandomValues(new Uint8Array(16)));
    const digest = b64url(await crypto.subtle.digest("SHA-256", body));
    const text = ["hanchang-kiosk-v1", method, url.pathname + url.search, digest, timestamp,
      nonce, String(found.kioskId)].join("\n");
    const algorithm = found.algorithm === "Ed25519"
      ? { name: "Ed25519" } : { name: "ECDSA", hash: "SHA-256" };
    const signature = await crypto.subtle.sign(
      algorithm, found.privateKey, new TextEncoder().encode(text));
    headers.set("X-Kiosk-Id", String(found.kioskId));
    headers.set("X-Kiosk-Timestamp", timestamp);
    headers.set("X-Kiosk-Nonce", nonce);
    headers.set("X-Kiosk-Signature", b64url(signature));
  }
  const init = {
    method,
    headers,
    credentials,
    cache: "no-store",
    redirect: request.mode === "navigate" ? "manual" : request.redirect,
  };
  if (body.byteLength > 0) init.body = body;
  return fetch(url.href, init);
}

// The public pages, without the person's cookie: nothing of a person is ever cached.
async function keepPublicPages() {
  const cache = await caches.open(CACHE);
  for (const path of PUBLIC) {
    const answer = await signedFetch(new Request(path), "omit");
    if (answer.ok) await cache.put(path, answer);
  }
  cachedAt = Date.now();
}

async function offlinePage(lang, queued) {
  const cache = await caches.open(CACHE);
  const params = new URLSearchParams();
  if (queued) params.set("queued", "1");
  if (lang) params.set("lang", lang);
  const query = params.toString();
  const page = await cache.match("/kiosk/offline" + (query ? "?" + query : ""))
    || await cache.match("/kiosk/offline");
  return page || new Response("이 키오스크는 지금 연결이 끊겼어요. / This kiosk is offline.", {
    status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

async function fromCache(url) {
  const cache = await caches.open(CACHE);
  // The page as asked, else the same page in its language only (/kiosk?signed_out=1).
  const lang = url.searchParams.get("lang");
  return await cache.match(url.pathname + url.search)
    || await cache.match(url.pathname + (lang ? "?lang=" + lang : ""))
    || offlinePage(lang, false);
}

// "Apply" pressed while offline: kept with the moment it was pressed.
async function keepApplication(url, form) {
  const programme = decodeURIComponent(url.pathname.match(APPLY)[1]);
  const fields = new URLSearchParams(form);
  const item = {
    session_id: fields.get("session_id"),
    idempotency_key: fields.get("idempotency_key"),
    pressed_at: new Date().toISOString(),
    programme_id: programme,
    bank_account_id: Number(fields.get("bank_account_id")),
    contact_preference: fields.get("contact_preference"),
    confirmed: fields.get("confirmed") === "yes",
  };
  if (!item.session_id || !item.idempotency_key || !item.confirmed) return false;
  const store = await queueStore(QUEUE, "readwrite");
  // A second press of the same form keeps the first press's time.
  if (!(await done(store.get(item.idempotency_key)))) await done(store.add(item));
  return true;
}

let replaying = null;
async function drainQueue() {
  const items = await done((await queueStore(QUEUE, "readonly")).getAll());
  for (const item of items) {
    const answer = await signedFetch(new Request(REPLAY, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(item),
    }));
    // Final: accepted (201, 200 again) or refused for good (400, 403, 422). Kept for the
    // next try: the signature not taken now (401, a clock off), busy (409, 429), 5xx.
    if ([200, 201, 400, 403, 422].includes(answer.status)) {
      await done((await queueStore(QUEUE, "readwrite")).delete(item.idempotency_key));
    }
  }
}

async function signOutIfPending() {
  const flags = await queueStore(FLAGS, "readonly");
  if (!(await done(flags.get("sign-out")))) return;
  const answer = await signedFetch(new Request("/kiosk/sign-out", { method: "POST" }));
  if (answer.status < 500) await done((await queueStore(FLAGS, "readwrite")).delete("sign-out"));
}

// The line may be back: the queue first, then a sign-out left over.
function lineBack() {
  if (!replaying) {
    replaying = drainQueue().then(signOutIfPending).finally(() => { replaying = null; });
  }
  return replaying;
}

function refreshPublicPages() {
  if (Date.now() - cachedAt > REFRESH_MS) {
    cachedAt = Date.now();
    keepPublicPages().catch(() => { cachedAt = 0; });
  }
}

async function answer(request) {
  const url = new URL(request.url);
  const method = request.method.toUpperCase();
  const applying = method === "POST" && APPLY.test(url.pathname)
    ? await request.clone().text() : null;
  try {
    try {
      await lineBack();
    } catch (stillDown) { /* the request below says whether the line is up */ }
    const got = await signedFetch(request);
    refreshPublicPages();
    return got;
  } catch (offline) {
    if (applying !== null) {
      const kept = await keepApplication(url, applying);
      const params = new URLSearchParams();
      if (kept) params.set("queued", "1");
      if (url.searchParams.get("lang")) params.set("lang", url.searchParams.get("lang"));
      const query = params.toString();
      return Response.redirect(
        new URL("/kiosk/offline" + (query ? "?" + query : ""), self.location.origin).href, 303);
    }
    if (method === "POST" && url.pathname === "/kiosk/sign-out") {
      await done((await queueStore(FLAGS, "readwrite")).put(true, "sign-out"));
    }
    if (request.mode === "navigate") return fromCache(url);
    return Response.error();
  }
}

function fromThisKiosk(request) {
  // A post is signed only when one of our own pages sent it, not a page from elsewhere.
  if (request.method === "GET" || request.method === "HEAD") return true;
  try {
    return new URL(request.referrer).origin === self.location.origin;
  } catch (noReferrer) {
    return false;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname !== SCOPE && !url.pathname.startsWith(SCOPE + "/")) return;
  if (SHELL.has(url.pathname)) {
    event.respondWith(fetch(event.request).catch(
      async () => (await caches.match(url.pathname)) || Response.error()));
    return;
  }
  if (UNSIGNED.has(url.pathname) || !fromThisKiosk(event.request)) return;
  event.respondWith(answer(event.request));
});
