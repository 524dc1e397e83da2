"""What the tests share: factories, helpers that drive the app, and fakes of the providers.

Nothing here is a test; test modules import from here, never from each other.
"""
