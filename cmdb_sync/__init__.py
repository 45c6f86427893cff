"""CMDB reconciliation: inputs become configuration items, relations and drift status.

``cmdb_sync.sync.sync`` is the entry point (the ``changegate cmdb sync`` command is a thin
adapter over it); ``cmdb_sync.query`` reads the CMDB; ``cmdb_sync.inventory`` serves the
``changegate.itsm.cmdb`` inventory plugin. See docs/cmdb.md.
"""
