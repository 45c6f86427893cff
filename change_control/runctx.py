"""Which change an Ansible run belongs to, who runs it, and where it runs from.

Plain Python: the Ansible plugins hand in plain mappings (their extra vars, the variables Ansible
resolved for a host, the environment) and get plain values back, so every rule here is tested
without a playbook. The rules:

* **Change**: extra var ``changegate_change`` > play/inventory var ``changegate_change`` >
  environment ``CHANGEGATE_CHANGE``. The value is a change id, or the record the
  ``changegate.itsm.change`` action stores as a fact (a mapping with an ``id``), so asserting a
  change early in a play never hides its id from later gated tasks.
* **Executor**: the AWX/AAP launcher (extra var ``awx_user_name``, else ``tower_user_name``)
  when the job environment names one, else the controller user. Only *extra* vars count: a play
  var could otherwise impersonate someone else and defeat segregation of duties.
* **Run metadata**: controller host, git commit and dirty flag of the playbook's repository
  (``git`` with a timeout, because a hung network filesystem must not hang a run), AWX/AAP job id.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from change_control.errors import InputError
from change_control.gate import Request

CHANGE_VAR = "changegate_change"
ENV_CHANGE = "CHANGEGATE_CHANGE"
#: Host variable naming the environment a host belongs to (``scope.environments``, freezes).
ENVIRONMENT_VAR = "changegate_environment"
#: Extra vars AWX/AAP sets for the launching user, newest name first.
LAUNCHER_VARS = ("awx_user_name", "tower_user_name")
#: Extra vars AWX/AAP sets for the job id, newest name first.
JOB_ID_VARS = ("awx_job_id", "tower_job_id")
#: How long ``git`` may take before the run goes on without a commit.
GIT_TIMEOUT_S = 2.0

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


@dataclass(frozen=True)
class ChangeRef:
    """The run's change id (``None`` when the run names none) and where it was found."""

    change_id: str | None
    origin: str


@dataclass(frozen=True)
class Executor:
    """Who runs the tasks, as segregation of duties compares it, and where that came from."""

    name: str
    origin: str


def change_id_from(value: object, *, origin: str = CHANGE_VAR) -> str | None:
    """The change id a variable holds: text, or a change record (mapping) with an ``id``.

    Blank text means "no change". Anything else is an ``InputError`` naming ``origin``, because
    a list or a number here is a typo that would otherwise read as "no change".
    """
    if value is None:
        return None
    if isinstance(value, Mapping):
        value = value.get("id")
        if value is None:
            raise InputError(f"{origin}: a change record must carry an 'id'")
    if isinstance(value, str):
        text = value.strip()
        return text or None
    raise InputError(
        f"{origin}: expected a change id such as CHG0000001, got {type(value).__name__}"
    )


def resolve_change(
    extra_vars: Mapping[str, Any], play_vars: Mapping[str, Any], env: Mapping[str, str]
) -> ChangeRef:
    """The run's change: extra var > play/inventory var > ``CHANGEGATE_CHANGE``.

    ``play_vars`` may be the variables Ansible resolved for a host (which already include the
    extra vars): the extra vars are looked at first either way, so the origin is reported right.
    """
    for origin, source in (("extra var", extra_vars), ("play/inventory var", play_vars)):
        if CHANGE_VAR in source:
            found = change_id_from(source[CHANGE_VAR], origin=f"{origin} {CHANGE_VAR}")
            if found is not None:
                return ChangeRef(found, origin)
    found = change_id_from(env.get(ENV_CHANGE), origin=f"environment {ENV_CHANGE}")
    if found is not None:
        return ChangeRef(found, f"environment {ENV_CHANGE}")
    return ChangeRef(None, "none")


def resolve_executor(extra_vars: Mapping[str, Any], controller_user: str) -> Executor:
    """The AWX/AAP launcher when its job environment names one, else the controller user."""
    for name in LAUNCHER_VARS:
        value = extra_vars.get(name)
        if isinstance(value, str) and value.strip():
            return Executor(value.strip(), f"extra var {name}")
    return Executor(controller_user, "controller user")


def job_id(extra_vars: Mapping[str, Any]) -> str | None:
    """The AWX/AAP job id, when the run is an AWX/AAP job."""
    for name in JOB_ID_VARS:
        value = extra_vars.get(name)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def environment_of(variables: Mapping[str, Any]) -> str | None:
    """The host's environment: host variable ``changegate_environment`` (``None`` when unset).

    One explicit variable, usually set in ``group_vars/<env>.yml``, rather than guessing from
    group names: a host in groups ``prod_web`` and ``staging_db`` has no obvious environment,
    and a wrong guess would let a production task through a staging-only change.
    """
    value = variables.get(ENVIRONMENT_VAR)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{ENVIRONMENT_VAR}: expected text such as 'production'")
    return value.strip() or None


def build_request(
    *,
    variables: Mapping[str, Any],
    extra_vars: Mapping[str, Any],
    env: Mapping[str, str],
    host: str,
    module: str,
    args: Mapping[str, Any],
    check_mode: bool,
    controller: str,
) -> Request:
    """The gate's request for one host and task, from what Ansible knows about both.

    ``variables`` are the host's resolved variables, ``extra_vars`` the run's extra vars only,
    ``controller`` the controller user. The instant is left to the caller's ``now``.
    """
    return Request(
        change_id=resolve_change(extra_vars, variables, env).change_id,
        executor=resolve_executor(extra_vars, controller).name,
        host=host,
        module=module,
        environment=environment_of(variables),
        check_mode=check_mode,
        args=dict(args),
    )


def controller_user(env: Mapping[str, str], fallback: Callable[[], str]) -> str:
    """The login running ``ansible-playbook``: ``$USER``/``$LOGNAME``, else ``fallback()``.

    ``fallback`` is ``getpass.getuser`` in production; it is injected so tests stay pure.
    """
    for name in ("USER", "LOGNAME"):
        value = env.get(name, "").strip()
        if value:
            return value
    return fallback()


@dataclass(frozen=True)
class GitInfo:
    """Where the playbook's code came from: the commit and whether the tree had local edits."""

    commit: str
    dirty: bool


def git_info(
    directory: Path, *, timeout: float = GIT_TIMEOUT_S, runner: Runner = subprocess.run
) -> GitInfo | None:
    """The commit and dirty flag of the repository holding ``directory``; ``None`` if not one.

    Any failure (no git, not a repository, timeout) yields ``None``: the ledger records the
    absence, and a run never fails because its playbook is not under version control.
    """
    head = _git(runner, directory, timeout, "rev-parse", "HEAD")
    if head is None:
        return None
    status = _git(runner, directory, timeout, "status", "--porcelain", "--untracked-files=no")
    return GitInfo(commit=head.strip(), dirty=bool(status and status.strip()))


def _git(runner: Runner, directory: Path, timeout: float, *args: str) -> str | None:
    try:
        done = runner(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def new_run_id() -> str:
    """A fresh run id (uuid4): unique across controllers sharing one store."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class RunMeta:
    """What the ledger's ``run_start`` event says about a run (never any variable's value)."""

    run_id: str
    change: ChangeRef
    executor: Executor
    controller: str
    playbook: str
    git: GitInfo | None = None
    inventory: Sequence[str] = ()
    limit: str | None = None
    tags: Sequence[str] = ()
    skip_tags: Sequence[str] = ()
    check_mode: bool = False
    diff_mode: bool = False
    ansible_version: str = ""
    awx_job_id: str | None = None
    extra_var_names: Sequence[str] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The ``run_start`` body (the change snapshot is added by the caller)."""
        return {
            "run_id": self.run_id,
            "change_id": self.change.change_id,
            "change_origin": self.change.origin,
            "actor": self.executor.name,
            "actor_origin": self.executor.origin,
            "controller": self.controller,
            "playbook": self.playbook,
            "git_commit": self.git.commit if self.git else None,
            "git_dirty": self.git.dirty if self.git else None,
            "inventory": list(self.inventory),
            "limit": self.limit,
            "tags": list(self.tags),
            "skip_tags": list(self.skip_tags),
            "check_mode": self.check_mode,
            "diff_mode": self.diff_mode,
            "ansible_version": self.ansible_version,
            "awx_job_id": self.awx_job_id,
            "extra_var_names": sorted(self.extra_var_names),
        }
