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
"use strict";

const SCOPE = "/kiosk";
const UNSIGNED = new Set([
  "/kiosk/enrol", "/kiosk/enrol.js", "/kiosk/sw.js", "/kiosk/kiosk.js", "/kiosk/kiosk.css",
]);
const DATABASE = "hanchang-kiosk";
const STORE = "device";

self.addEventListener("install", (event) => event.waitUntil(self.skipWaiting()));
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function b64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
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

async function signedFetch(request) {
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
    credentials: "same-origin",
    cache: "no-store",
    redirect: request.mode === "navigate" ? "manual" : request.redirect,
  };
  if (body.byteLength > 0) init.body = body;
  return fetch(url.href, init);
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
  if (UNSIGNED.has(url.pathname) || !fromThisKiosk(event.request)) return;
  event.respondWith(signedFetch(event.request));
});
