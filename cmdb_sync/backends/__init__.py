"""CMDB backends; importing this package registers the built-in ``sql`` backend."""

from cmdb_sync.backends import sql
from cmdb_sync.backends.base import Backend, backends
from cmdb_sync.backends.ire import CiRef, ire_payload

__all__ = ["Backend", "CiRef", "backends", "ire_payload", "sql"]
