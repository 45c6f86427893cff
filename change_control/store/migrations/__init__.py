"""Alembic migrations of the store, applied programmatically by ``change_control.store.migrate``.

A package (not a bare directory) so the wheel ships ``env.py``, the template and every revision.
"""
