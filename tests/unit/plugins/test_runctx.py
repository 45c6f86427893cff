"""Which change, executor and metadata a run gets: the rules of ``change_control.runctx``."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from change_control.errors import InputError
from change_control.runctx import (
    ChangeRef,
    Executor,
    GitInfo,
    RunMeta,
    build_request,
    change_id_from,
    controller_user,
    environment_of,
    git_info,
    job_id,
    resolve_change,
    resolve_executor,
)

ENV = {"CHANGEGATE_CHANGE": "CHG-ENV"}


@pytest.mark.parametrize(
    ("extra", "play", "env", "expected"),
    [
        (
            {"changegate_change": "CHG-X"},
            {"changegate_change": "CHG-P"},
            ENV,
            ("CHG-X", "extra var"),
        ),
        ({}, {"changegate_change": "CHG-P"}, ENV, ("CHG-P", "play/inventory var")),
        ({}, {}, ENV, ("CHG-ENV", "environment CHANGEGATE_CHANGE")),
        (
            {"changegate_change": "  "},
            {"changegate_change": "CHG-P"},
            {},
            ("CHG-P", "play/inventory var"),
        ),
        ({}, {"changegate_change": {"id": "CHG-R"}}, {}, ("CHG-R", "play/inventory var")),
        ({}, {}, {}, (None, "none")),
        ({}, {}, {"CHANGEGATE_CHANGE": ""}, (None, "none")),
    ],
)
def test_the_run_change_comes_from_extra_vars_then_play_vars_then_the_environment(
    extra: dict[str, Any], play: dict[str, Any], env: dict[str, str], expected: tuple[Any, str]
) -> None:
    assert resolve_change(extra, play, env) == ChangeRef(*expected)


@pytest.mark.parametrize("value", [["CHG1"], 42, {"summary": "no id"}])
def test_a_change_variable_that_is_not_an_id_or_record_is_an_error_naming_its_origin(
    value: object,
) -> None:
    with pytest.raises(InputError, match="extra var changegate_change"):
        resolve_change({"changegate_change": value}, {}, {})


def test_the_change_record_set_by_the_change_action_still_names_its_id() -> None:
    assert change_id_from({"id": " CHG0000007 ", "state": "scheduled"}) == "CHG0000007"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"awx_user_name": "dana", "tower_user_name": "erin"},
            Executor("dana", "extra var awx_user_name"),
        ),
        ({"tower_user_name": "erin"}, Executor("erin", "extra var tower_user_name")),
        ({"awx_user_name": " "}, Executor("carol", "controller user")),
        ({}, Executor("carol", "controller user")),
    ],
)
def test_the_executor_is_the_awx_launcher_when_the_job_names_one_else_the_controller_user(
    extra: dict[str, Any], expected: Executor
) -> None:
    assert resolve_executor(extra, "carol") == expected


def test_the_awx_job_id_is_read_from_either_variable_name() -> None:
    assert job_id({"awx_job_id": 311}) == "311"
    assert job_id({"tower_job_id": "42"}) == "42"
    assert job_id({}) is None


def test_the_controller_user_prefers_user_then_logname_then_the_fallback() -> None:
    assert controller_user({"USER": "carol", "LOGNAME": "x"}, lambda: "pw") == "carol"
    assert controller_user({"LOGNAME": "dana"}, lambda: "pw") == "dana"
    assert controller_user({}, lambda: "pw") == "pw"


def test_the_environment_is_the_changegate_environment_host_variable() -> None:
    assert environment_of({"changegate_environment": " production "}) == "production"
    assert environment_of({}) is None
    with pytest.raises(InputError, match="changegate_environment"):
        environment_of({"changegate_environment": ["prod"]})


def test_a_request_takes_the_launcher_from_extra_vars_only_so_a_play_cannot_impersonate() -> None:
    request = build_request(
        variables={"changegate_change": "CHG1", "awx_user_name": "mallory"},
        extra_vars={},
        env={},
        host="web1",
        module="ansible.builtin.service",
        args={"name": "nginx"},
        check_mode=True,
        controller="carol",
    )
    assert (request.change_id, request.executor, request.host) == ("CHG1", "carol", "web1")
    assert request.check_mode is True
    assert request.args == {"name": "nginx"}


def _runner(outputs: dict[str, tuple[int, str]]) -> Any:
    def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert kwargs["timeout"] > 0
        code, out = outputs[cmd[3]]
        return subprocess.CompletedProcess(cmd, code, out, "")

    return run


def test_git_info_reports_the_commit_and_whether_tracked_files_were_edited() -> None:
    clean = _runner({"rev-parse": (0, "abc123\n"), "status": (0, "")})
    dirty = _runner({"rev-parse": (0, "abc123\n"), "status": (0, " M site.yml\n")})
    assert git_info(Path("/repo"), runner=clean) == GitInfo("abc123", dirty=False)
    assert git_info(Path("/repo"), runner=dirty) == GitInfo("abc123", dirty=True)


def test_git_info_is_none_outside_a_repository_or_when_git_hangs() -> None:
    def hangs(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        raise subprocess.TimeoutExpired(cmd, kwargs["timeout"])

    not_a_repo = _runner({"rev-parse": (128, "")})
    assert git_info(Path("/tmp"), runner=not_a_repo) is None
    assert git_info(Path("/tmp"), runner=hangs) is None


def test_git_info_reads_a_real_repository(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "site.yml").write_text("- hosts: all\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "site.yml"], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(tmp_path),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@x",
            "commit",
            "-qm",
            "init",
        ],
        check=True,
    )
    info = git_info(tmp_path)
    assert info is not None and len(info.commit) == 40 and info.dirty is False
    (tmp_path / "site.yml").write_text("- hosts: web\n")
    assert git_info(tmp_path) == GitInfo(info.commit, dirty=True)


def test_run_meta_records_extra_var_names_but_never_their_values() -> None:
    meta = RunMeta(
        run_id="r1",
        change=ChangeRef("CHG1", "extra var"),
        executor=Executor("carol", "controller user"),
        controller="ctl",
        playbook="/srv/site.yml",
        extra_var_names=("db_password", "changegate_change"),
    )
    body = meta.to_dict()
    assert body["extra_var_names"] == ["changegate_change", "db_password"]
    assert body["change_id"] == "CHG1" and body["actor"] == "carol"
    assert body["git_commit"] is None and body["git_dirty"] is None
