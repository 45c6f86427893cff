"""The drift auditor's tables in the one store: audits, findings and captured baselines.

Repositories work on the connection of their caller's unit of work (``Store.begin()`` or
``Store.read()``); ``SqlAuditStorage`` is what ``drift.audit`` talks to. Importing this package
imports SQLAlchemy: the CLI imports it inside commands only.
"""
