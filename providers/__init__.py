"""Clients of the outside services we pay or depend on, and nothing else: a leaf package.

Each module speaks one provider's API through its real SDK and offers the core a few
narrow functions; none imports the core (only `foundation` for settings).

- `twilio_client`: SMS and calls through Twilio (or the development outbox), and
  Twilio's message and call lists for the resolver.
- `twilio_voice`: what a call says (TwiML), spoken in the person's language.
- `fcm`: push messages through Firebase Cloud Messaging.
- `bank_transfer`: the 1-won deposit that proves a bank account (outbox until the
  open-banking API is connected).
- `open_banking`: the open-banking network's account-holder inquiry (계좌실명조회).
"""
