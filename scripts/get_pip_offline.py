"""Offline stand-in for ansible-test's pip bootstrap script (``get-pip-24.2.py``).

``ansible-test sanity`` builds one virtualenv per sanity test, created ``--without-pip``, and
bootstraps pip in it by running a script it downloads from ci-files.testing.ansible.com. That
host is unreachable here and in CI, and ansible-test says where a copy may be placed instead:
``~/.ansible/test/cache/get_pip_24_2.py``. ``scripts/ansible_test_sanity.sh`` copies this file
there when nothing is cached yet.

It receives pip's arguments (``--disable-pip-version-check pip==24.2 [--no-setuptools]
[--no-wheel]``), installs the pip wheel bundled with CPython (``ensurepip``), then lets that pip
install the pinned version from the configured index. ``ensurepip`` deletes every ``PIP_*``
variable and sets ``PIP_CONFIG_FILE=/dev/null`` in ``os.environ``, which would silently drop the
CA bundle and index settings of pip.conf; so the caller's environment is captured first and
handed back to pip unchanged.
"""

from __future__ import annotations

import ensurepip
import os
import subprocess
import sys

# get-pip.py's own flags; pip install does not know them.
GET_PIP_ONLY_FLAGS = frozenset({"--no-setuptools", "--no-wheel"})


def main(argv: list[str]) -> int:
    """Bootstrap pip, then install the requested pip version with the caller's settings."""
    environment = dict(os.environ)
    ensurepip.bootstrap(upgrade=True)
    pip_args = [arg for arg in argv if arg not in GET_PIP_ONLY_FLAGS]
    command = [sys.executable, "-m", "pip", "install", "--upgrade", *pip_args]
    return subprocess.call(command, env=environment)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
