"""The ground floor: what every other package stands on, importing nothing of ours but `i18n`.

- `settings`, `settings_values`, `provider_settings`: the environment read once, checked,
  typed (the outside services' sections in `provider_settings`).
- `db`: the pool that refuses a second connection under a held one, transactions,
  request slots.
- `problems`, `errors`: RFC 9457 problem types and the one renderer every channel uses;
  domain errors (`InvalidInput`, ...) that carry no HTTP.
- `audit`: the hash-chained audit log.
- `jobs`: the two arq queues (interactive, bulk) and enqueueing after commit.
- `metrics`: request timings per route for the status page.
- `client_address`: who is calling (behind the configured proxies).
- `idempotency_key`: the `Idempotency-Key` header, checked.
- `korea`: Korea's time zone.
"""
