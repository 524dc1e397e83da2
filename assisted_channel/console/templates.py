"""The console's Jinja templates. Every word comes from `t` (texts.py, through i18n).

Keyboard first: a skip link, real links and buttons, a label on every field, and a
thick focus outline. The only scripts are the two passkey ceremonies, which call the
console's JSON API (`/console/api/...`) exactly as any other client would.
"""

from __future__ import annotations

from assisted_channel.console import (
    access_report_page,
    acting_page,
    assist_page,
    notices_page,
    pin_page,
    recovery_page,
    staff_page,
)
from assisted_channel.console.texts import merged

LAYOUT = """<!doctype html>
<html lang="{{ locale }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} – {{ t.console }}</title>
<style>
*{box-sizing:border-box}
body{margin:0;font:1.125rem/1.6 system-ui,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR",sans-serif;color:#1a1a1a;background:#fff;word-break:keep-all}
a{color:#0b3d91}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}
.skip{position:absolute;left:-9999px;top:.5rem;padding:.5rem 1rem;background:#fff;font-weight:700}
.skip:focus{left:.5rem}
header{background:#f2f4f8;border-bottom:4px solid #0b3d91}
.wrap{max-width:56rem;margin:0 auto;padding:.75rem 1rem}
header .wrap{display:flex;flex-wrap:wrap;gap:.5rem 2rem;justify-content:space-between;align-items:center}
nav ul{list-style:none;margin:0;padding:0;display:flex;gap:1rem}
label{display:block;font-weight:700;margin-top:1rem}
.hint{display:block;font-weight:400;color:#3d3d3d}
input,select{font:inherit;padding:.4rem .5rem;border:2px solid #1a1a1a;min-width:16rem}
button{font:inherit;margin-top:1rem;padding:.5rem 1.25rem;border:2px solid #0b3d91;background:#0b3d91;color:#fff;border-radius:.25rem;cursor:pointer}
button.secondary{background:#fff;color:#0b3d91}
fieldset{border:0;padding:0;margin:1rem 0 0}
legend{font-weight:700}
.radio label{display:inline;font-weight:400;margin:0 0 0 .25rem}
.error{color:#7a0c0c;font-weight:700}
.notice{padding:.75rem 1rem;border-left:.5rem solid #0a4a25;background:#e8f4ec}
.problem{padding:.75rem 1rem;border-left:.5rem solid #7a0c0c;background:#fbeaea}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #767676;padding:.4rem .6rem;text-align:left}
.code{font:700 2rem/1.4 ui-monospace,monospace;letter-spacing:.1em}
</style>
</head>
<body>
<a class="skip" href="#main">{{ t.skip }}</a>
<header><div class="wrap">
<p><strong>{{ t.console }}</strong></p>
<nav aria-label="{{ t.language }}"><ul>
{% for language in languages %}<li><a href="{{ language.href }}" lang="{{ language.locale }}"{% if language.current %} aria-current="true"{% endif %}>{{ language.label }}</a></li>{% endfor %}
</ul></nav>
{% if signed_in %}<nav><ul>
<li><a href="{{ link('/console') }}">{{ t.home_title }}</a></li>
<li><a href="{{ link('/console/people') }}">{{ t.find_person }}</a></li>
</ul></nav>{% endif %}
</div></header>
<main id="main" tabindex="-1"><div class="wrap">
<h1>{{ title }}</h1>
{% block content %}{% endblock %}
</div></main>
<footer><div class="wrap"><p>{{ t.helpline }}</p></div></footer>
{% block script %}{% endblock %}
</body>
</html>
"""

# Base64url to and from ArrayBuffer, and a JSON post that throws the problem's words.
PASSKEY_SCRIPT = """<script>
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
const show = (state, text) => { status.dataset.state = state; status.textContent = text; };
async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "Accept-Language": document.documentElement.lang},
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error([answer.title, answer.detail].filter(Boolean).join(" "));
  return answer;
}
const run = (button, action) => button.addEventListener("click", () => {
  button.disabled = true;
  show("working", status.dataset.working);
  action().catch((error) => {
    show("error", (error && error.message) || status.dataset.failed);
    button.disabled = false;
    status.focus();
  });
});
</script>"""

SIGN_IN = (
    """{% extends "layout.html" %}
{% block content %}
<p>{{ t.sign_in_intro }}</p>
<noscript><p class="problem">{{ t.no_script }}</p></noscript>
<button id="sign-in" type="button">{{ t.sign_in_button }}</button>
<p id="status" role="status" tabindex="-1" data-state="idle" data-working="{{ t.working }}" data-failed="{{ t.failed }}"></p>
{% endblock %}
{% block script %}"""
    + PASSKEY_SCRIPT
    + """<script>
"use strict";
run(document.getElementById("sign-in"), async () => {
  const {challenge_id, options} = await post("/console/api/sign-in/options", {});
  const publicKey = {
    ...options,
    challenge: fromB64url(options.challenge),
    allowCredentials: (options.allowCredentials || []).map((c) => ({...c, id: fromB64url(c.id)})),
  };
  const credential = await navigator.credentials.get({publicKey});
  const r = credential.response;
  await post("/console/api/sign-in/verify", {challenge_id, credential: {
    id: credential.id, rawId: toB64url(credential.rawId), type: credential.type,
    response: {
      clientDataJSON: toB64url(r.clientDataJSON), authenticatorData: toB64url(r.authenticatorData),
      signature: toB64url(r.signature), userHandle: r.userHandle ? toB64url(r.userHandle) : null,
    },
    authenticatorAttachment: credential.authenticatorAttachment || null,
    clientExtensionResults: credential.getClientExtensionResults(),
  }});
  show("signed-in", "");
  location.assign({{ home | tojson }});
});
</script>{% endblock %}
"""
)

ENROLL = (
    """{% extends "layout.html" %}
{% block content %}
{% if token %}
<p>{{ t.enroll_intro }}</p>
<noscript><p class="problem">{{ t.no_script }}</p></noscript>
<button id="enroll" type="button">{{ t.enroll_button }}</button>
<p id="status" role="status" tabindex="-1" data-state="idle" data-working="{{ t.working }}" data-failed="{{ t.failed }}"></p>
<p id="next" hidden><a href="{{ link('/console/sign-in') }}">{{ t.go_sign_in }}</a></p>
{% else %}
<p class="problem">{{ t.enroll_missing }}</p>
{% endif %}
{% endblock %}
{% block script %}{% if token %}"""
    + PASSKEY_SCRIPT
    + """<script>
"use strict";
const token = {{ token | tojson }};
run(document.getElementById("enroll"), async () => {
  const {challenge_id, options} = await post("/console/api/enroll/options", {token});
  const publicKey = {
    ...options,
    challenge: fromB64url(options.challenge),
    user: {...options.user, id: fromB64url(options.user.id)},
    excludeCredentials: (options.excludeCredentials || []).map((c) => ({...c, id: fromB64url(c.id)})),
  };
  const credential = await navigator.credentials.create({publicKey});
  const r = credential.response;
  await post("/console/api/enroll/verify", {token, challenge_id, credential: {
    id: credential.id, rawId: toB64url(credential.rawId), type: credential.type,
    response: {
      clientDataJSON: toB64url(r.clientDataJSON), attestationObject: toB64url(r.attestationObject),
      transports: r.getTransports ? r.getTransports() : [],
    },
    authenticatorAttachment: credential.authenticatorAttachment || null,
    clientExtensionResults: credential.getClientExtensionResults(),
  }});
  show("enrolled", {{ t.enrolled | tojson }});
  document.getElementById("enroll").hidden = true;
  document.getElementById("next").hidden = false;
});
</script>{% endif %}{% endblock %}
"""
)

HOME = """{% extends "layout.html" %}
{% block content %}
{% include "notices.html" %}
<table>
<tr><th scope="row">{{ t.staff_name }}</th><td id="staff-name">{{ name }}</td></tr>
<tr><th scope="row">{{ t.office }}</th><td>{{ office }}</td></tr>
<tr><th scope="row">{{ t.role }}</th><td>{{ role }}</td></tr>
</table>
<ul>
<li><a href="{{ link('/console/people') }}">{{ t.find_person }}</a></li>
{% if is_supervisor %}<li><a href="{{ link('/console/approvals') }}">{{ t.link_approvals }}</a></li>
<li><a href="{{ link('/console/access-report') }}" id="access-report-link">{{ t.ar_link }}</a></li>{% endif %}
{% if is_admin %}<li><a href="{{ link('/console/staff') }}" id="staff-link">{{ t.staff_link }}</a></li>{% endif %}
</ul>
<form method="post" action="{{ link('/console/sign-out') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<button type="submit" class="secondary">{{ t.sign_out }}</button>
</form>
{% endblock %}
"""

ERRORS = """{% if errors %}<div class="problem" role="alert"><p><strong>{{ t.errors_title }}</strong></p><ul>
{% for field, message in errors.items() %}<li><a href="#{{ field }}">{{ message }}</a></li>{% endfor %}
</ul></div>{% endif %}"""

PEOPLE = (
    """{% extends "layout.html" %}
{% block content %}
"""
    + ERRORS
    + """
<form method="get" action="/console/people">
{% if locale_param %}<input type="hidden" name="lang" value="{{ locale_param }}">{% endif %}
<p>{{ t.people_intro }}</p>
<label for="name">{{ t.name }}</label>
{% if errors.get('name') %}<p class="error" id="name-error">{{ errors.get('name') }}</p>{% endif %}
<input id="name" name="name" value="{{ name }}" maxlength="100" autocomplete="off" required{% if errors.get('name') %} aria-invalid="true" aria-describedby="name-error"{% endif %}>
<label for="birth_date">{{ t.birth_date }} <span class="hint" id="birth-hint">{{ t.birth_date_hint }}</span></label>
{% if errors.get('birth_date') %}<p class="error" id="birth-error">{{ errors.get('birth_date') }}</p>{% endif %}
<input id="birth_date" name="birth_date" value="{{ birth_date }}" inputmode="numeric" autocomplete="off" required aria-describedby="birth-hint{% if errors.get('birth_date') %} birth-error{% endif %}"{% if errors.get('birth_date') %} aria-invalid="true"{% endif %}>
<div><button type="submit">{{ t.search }}</button></div>
</form>
{% if people is not none %}
<h2>{{ t.results }}</h2>
{% if people %}<table><thead><tr><th scope="col">{{ t.name }}</th><th scope="col">{{ t.birth_date }}</th><th scope="col">{{ t.phone }}</th><th scope="col"><span class="hint">{{ t.open }}</span></th></tr></thead><tbody>
{% for person in people %}<tr><td>{{ person.name }}</td><td>{{ person.birth_date }}</td><td>{{ person.phone_masked or t.no_phone }}</td>
<td><a href="{{ link('/console/people/' ~ person.id) }}" aria-label="{{ t.open_person.format(name=person.name) }}">{{ t.open }}</a></td></tr>{% endfor %}
</tbody></table>
{% else %}<p>{{ t.nobody }}</p>{% endif %}
{% endif %}
{% endblock %}
"""
)

PERSON = (
    """{% extends "layout.html" %}
{% block content %}
<table>
<tr><th scope="row">{{ t.name }}</th><td id="person-name">{{ person.name }}</td></tr>
<tr><th scope="row">{{ t.birth_date }}</th><td>{{ person.birth_date }}</td></tr>
<tr><th scope="row">{{ t.phone }}</th><td>{{ person.phone_masked or t.no_phone }}</td></tr>
</table>
{% if checked == "match" %}<p class="notice" role="status" id="checked">{{ t.checked_match }}</p>
{% elif checked == "mismatch" %}<p class="problem" role="status" id="checked">{{ t.checked_mismatch }}</p>{% endif %}
<p id="match-state">{{ matched_text }}</p>
<h2>{{ t.check_title }}</h2>
"""
    + ERRORS
    + """
<form method="post" action="{{ link('/console/people/' ~ person.id ~ '/verify') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<label for="document_type">{{ t.document_type }}</label>
{% if errors.get('document_type') %}<p class="error" id="document-type-error">{{ errors.get('document_type') }}</p>{% endif %}
<select id="document_type" name="document_type" required>
<option value="">{{ t.choose }}</option>
{% for value, label in document_types %}<option value="{{ value }}"{% if value == form.get('document_type', '') %} selected{% endif %}>{{ label }}</option>{% endfor %}
</select>
<label for="document_last4">{{ t.last4 }}</label>
{% if errors.get('document_last4') %}<p class="error" id="last4-error">{{ errors.get('document_last4') }}</p>{% endif %}
<input id="document_last4" name="document_last4" value="{{ form.get('document_last4', '') }}" maxlength="4" autocomplete="off" required>
<fieldset class="radio" id="result"><legend>{{ t.result }}</legend>
{% if errors.get('result') %}<p class="error">{{ errors.get('result') }}</p>{% endif %}
{% for value, label in results %}<div><input type="radio" id="result-{{ value }}" name="result" value="{{ value }}"{% if value == form.get('result', '') %} checked{% endif %}><label for="result-{{ value }}">{{ label }}</label></div>{% endfor %}
</fieldset>
<button type="submit">{{ t.record_check }}</button>
</form>
{% if person.matched_at %}
<h2>{{ t.after_match }}</h2>
<form method="post" action="{{ link('/console/people/' ~ person.id ~ '/access-card') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<p class="hint">{{ t.issue_card_hint }}</p>
<button type="submit" id="issue-card">{{ t.issue_card }}</button>
</form>
<form method="post" action="{{ link('/console/people/' ~ person.id ~ '/enrollment-code') }}">
<input type="hidden" name="{{ csrf_field }}" value="{{ csrf }}">
<button type="submit" id="issue-code" class="secondary">{{ t.issue_code }}</button>
</form>
<p><a href="{{ link('/console/people/' ~ person.id ~ '/pin') }}" id="set-pin">{{ t.pin_link }}</a></p>
{% endif %}
<h2>{{ t.account_title }}</h2>
<ul>
<li><a href="{{ link('/console/people/' ~ person.id ~ '/recovery') }}">{{ t.link_recovery }}</a></li>
<li><a href="{{ link('/console/people/' ~ person.id ~ '/phones') }}">{{ t.link_phones }}</a></li>
<li><a href="{{ link('/console/people/' ~ person.id ~ '/delegations') }}">{{ t.link_delegations }}</a></li>
<li><a href="{{ link('/console/people/' ~ person.id ~ '/benefits') }}" id="benefits">{{ t.act_link }}</a></li>
{% if is_supervisor %}<li><a href="{{ link('/console/people/' ~ person.id ~ '/audit') }}">{{ t.link_audit }}</a></li>{% endif %}
</ul>
{% endblock %}
"""
)

CODE = """{% extends "layout.html" %}
{% block content %}
<p>{{ intro }}</p>
<p class="code" id="code">{{ code }}</p>
<p><a href="{{ link('/console/people/' ~ person_id) }}">{{ t.back_to_person }}</a></p>
{% endblock %}
"""

BASE_TEMPLATES: dict[str, str] = {
    "layout.html": LAYOUT,
    "errors.html": ERRORS,
    "sign_in.html": SIGN_IN,
    "enroll.html": ENROLL,
    "home.html": HOME,
    "people.html": PEOPLE,
    "person.html": PERSON,
    "code.html": CODE,
}

# Each part's `<part>_page.py` adds its own templates (they may include "errors.html").
PARTS: tuple[dict[str, str], ...] = (
    pin_page.TEMPLATES,
    acting_page.TEMPLATES,
    staff_page.TEMPLATES,
    assist_page.TEMPLATES,
    recovery_page.TEMPLATES,
    notices_page.TEMPLATES,
    access_report_page.TEMPLATES,
)

TEMPLATES = merged(BASE_TEMPLATES, *PARTS)
