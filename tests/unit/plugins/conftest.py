"""Make the collection importable as ``ansible_collections.changegate.itsm`` (as Ansible does).

``collections/ansible_collections/changegate/itsm`` is a symlink to the repository root, so the
plugins are imported from the working tree without installing the collection.
"""

from __future__ import annotations

import sys
from pathlib import Path

COLLECTIONS = Path(__file__).resolve().parents[3] / "collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))
