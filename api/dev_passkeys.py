"""Development-only page: register a passkey and sign in with it from a real browser.

It drives the app's JSON API (`/v1/auth/passkeys/...`) with the browser's
WebAuthn API, as the mobile app does with its platform's. A developer tool in
English, not a page for citizens; it answers 404 in production. The access
token comes from the address's fragment (`#token=...`, never sent to the
server or its logs) or is pasted in.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, get

from foundation.problems import NOT_FOUND, Problem

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Passkeys (development)</title>
<style>
body{font:1rem/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#111}
label{display:block;font-weight:600;margin-top:1rem}
input{width:100%;font:inherit;padding:.4rem;box-sizing:border-box}
button{font:inherit;padding:.5rem 1rem;margin:1rem .5rem 0 0;cursor:pointer}
pre{background:#f4f4f4;padding:1rem;white-space:pre-wrap;word-break:break-all}
#status[data-state="error"]{color:#a00000}
#status[data-state="registered"],#status[data-state="signed-in"]{color:#006400}
</style>
</head>
<body>
<main>
<h1>Passkeys (development)</h1>
<p>Register a passkey for a signed-in account, then sign in with it. This page calls
the same API as the app: <code>/v1/auth/passkeys/...</code>.</p>
<label for="token">Access token of a signed-in account (for registering)</label>
<input id="token" type="password" autocomplete="off" placeholder="hca_...">
<label for="name">Passkey name (optional)</label>
<input id="name" maxlength="60" placeholder="My laptop">
<button id="register" type="button">Register a passkey</button>
<button id="sign-in" type="button">Sign in with a passkey</button>
<p id="status" role="status" aria-live="polite" data-state="idle">Ready.</p>
<pre id="result"></pre>
</main>
<script>
"use strict";
const fromB64url = (text) => {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(b64 + "===".slice((b64.length + 3) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0)).buffer;
};
const toB64url = (buffer) => {
  let raw = "";
  for (const byte of new Uint8Array(buffer)) raw += String.fromCharCode(byte);
  return btoa(raw).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
};
const status = document.getElementById("status");
const result = document.getElementById("result");
const tokenInput = document.getElementById("token");
const fragment = new URLSearchParams(location.hash.slice(1));
if (fragment.get("token")) {
  tokenInput.value = fragment.get("token");
  history.replaceState(null, "", location.pathname);
}
const show = (state, text, body) => {
  status.dataset.state = state;
  status.textContent = text;
  result.textContent = body === undefined ? "" : JSON.stringify(body, null, 2);
};
async function api(path, body, token) {
  const headers = {"Content-Type": "application/json", "Accept-Language": "en"};
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    const error = new Error(answer.title + ": " + answer.detail);
    error.answer = answer;
    throw error;
  }
  return answer;
}
const attachment = (credential) => credential.authenticatorAttachment || null;

async function register() {
  const token = tokenInput.value.trim();
  show("working", "Asking the server for creation options...");
  const {challenge_id, options} = await api("/v1/auth/passkeys/registration/options", {}, token);
  const publicKey = {
    ...options,
    challenge: fromB64url(options.challenge),
    user: {...options.user, id: fromB64url(options.user.id)},
    excludeCredentials: (options.excludeCredentials || []).map((c) => ({...c, id: fromB64url(c.id)})),
  };
  show("working", "Waiting for the authenticator...");
  const credential = await navigator.credentials.create({publicKey});
  const response = credential.response;
  const json = {
    id: credential.id,
    rawId: toB64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toB64url(response.clientDataJSON),
      attestationObject: toB64url(response.attestationObject),
      transports: response.getTransports ? response.getTransports() : [],
    },
    authenticatorAttachment: attachment(credential),
    clientExtensionResults: credential.getClientExtensionResults(),
  };
  const name = document.getElementById("name").value.trim();
  const body = {challenge_id, credential: json};
  if (name) body.name = name;
  const passkey = await api("/v1/auth/passkeys/registration/verify", body, token);
  show("registered", "Passkey registered: " + passkey.name, passkey);
}

async function signIn() {
  show("working", "Asking the server for request options...");
  const {challenge_id, options} = await api("/v1/auth/passkeys/authentication/options", {});
  const publicKey = {
    ...options,
    challenge: fromB64url(options.challenge),
    allowCredentials: (options.allowCredentials || []).map((c) => ({...c, id: fromB64url(c.id)})),
  };
  show("working", "Waiting for the authenticator...");
  const credential = await navigator.credentials.get({publicKey});
  const response = credential.response;
  const json = {
    id: credential.id,
    rawId: toB64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toB64url(response.clientDataJSON),
      authenticatorData: toB64url(response.authenticatorData),
      signature: toB64url(response.signature),
      userHandle: response.userHandle ? toB64url(response.userHandle) : null,
    },
    authenticatorAttachment: attachment(credential),
    clientExtensionResults: credential.getClientExtensionResults(),
  };
  const tokens = await api(
    "/v1/auth/passkeys/authentication/verify", {challenge_id, credential: json, device: "dev page"}
  );
  const me = await api("/v1/me", undefined, tokens.access_token);
  tokenInput.value = tokens.access_token;
  show("signed-in", "Signed in as account " + me.account_id + " at aal " + tokens.aal, {
    aal: tokens.aal, expires_in: tokens.expires_in, account_id: me.account_id, me_aal: me.aal,
  });
}

const run = (action) => () => action().catch((error) => {
  show("error", String(error.message || error), error.answer);
});
document.getElementById("register").addEventListener("click", run(register));
document.getElementById("sign-in").addEventListener("click", run(signIn));
</script>
</body>
</html>
"""


@get(
    "/dev/passkeys",
    media_type=MediaType.HTML,
    include_in_schema=False,
    opt={"error_format": "html"},
)
async def passkeys_page(request: Request[Any, Any, Any]) -> str:
    if request.app.state.settings.is_production:
        raise Problem(NOT_FOUND)
    return PAGE


ROUTES = [passkeys_page]
