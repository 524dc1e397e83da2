// Enrolling this kiosk (kiosk/enrolment.py): make the kiosk's own key pair in the browser,
// not extractable (Ed25519 where the browser offers it, else ECDSA P-256), register its
// public key with the one-time code, keep the private key in IndexedDB for the service
// worker, then install the service worker, which signs every /kiosk request with it.
"use strict";

const DATABASE = "hanchang-kiosk";
const STORE = "device";

function b64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function openDevice() {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DATABASE, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
}

async function keepDevice(device) {
  const database = await openDevice();
  await new Promise((resolve, reject) => {
    const writing = database.transaction(STORE, "readwrite");
    writing.objectStore(STORE).put(device, "key");
    writing.oncomplete = resolve;
    writing.onerror = () => reject(writing.error);
  });
  database.close();
}

async function makeKeyPair() {
  try {
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    return { algorithm: "Ed25519", pair };
  } catch (notOffered) {
    const pair = await crypto.subtle.generateKey(
      { name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    return { algorithm: "ES256", pair };
  }
}

async function enrol(form, say) {
  if (!window.isSecureContext || !crypto.subtle || !("serviceWorker" in navigator)) {
    say(form.dataset.unsupported);
    return;
  }
  say(form.dataset.working);
  const { algorithm, pair } = await makeKeyPair();
  const publicKey = await crypto.subtle.exportKey("spki", pair.publicKey);
  const answer = await fetch("/kiosk/enrol", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Accept": "application/json" },
    body: JSON.stringify({
      code: form.elements.code.value, algorithm, public_key: b64url(publicKey),
    }),
  });
  const body = await answer.json();
  if (answer.status !== 201) {
    say(form.dataset.failed.replace("{reason}", body.detail || body.title || answer.status));
    return;
  }
  await keepDevice({ kioskId: body.kiosk_id, algorithm, privateKey: pair.privateKey });
  await navigator.serviceWorker.register("/kiosk/sw.js", { scope: "/kiosk" });
  await navigator.serviceWorker.ready;
  say(form.dataset.done);
  window.location.assign("/kiosk");
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("enrol");
  const status = document.getElementById("enrol-status");
  const say = (text) => { status.textContent = text; };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    enrol(form, say).catch((error) => say(form.dataset.failed.replace("{reason}", error)));
  });
});
