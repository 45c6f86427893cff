"""``cmdb impact`` on a real Terraform state with a module and resource dependencies."""

from __future__ import annotations

import pytest

from change_control.store.engine import Store
from cmdb_sync.query import impact_of, names_of, resolve_ci
from tests.integration.cmdb.cmdb_support import Project, run_sync

pytestmark = pytest.mark.terraform


def impacted(store: Store, ref: str) -> list[tuple[int, str]]:
    with store.read() as conn:
        found = impact_of(conn, resolve_ci(conn, ref))
        names = names_of(conn, [hit.ci_id for hit in found])
    return sorted((hit.depth, names[hit.ci_id][1]) for hit in found)


def test_impact_lists_every_transitive_dependant_of_module_and_resources(
    store: Store, project: Project
) -> None:
    run_sync(store, f"tfstate={project.state}")
    # Terraform records dependencies transitively: db depends on module.net's resources
    # (depends_on = [module.net]), web[*] on db and on them, lb on all of the above.
    assert impacted(store, "module.net.terraform_data.vpc") == [
        (1, "module.net.terraform_data.subnet"),
        (1, "terraform_data.db"),
        (1, "terraform_data.lb"),
        (1, "terraform_data.web[0]"),
        (1, "terraform_data.web[1]"),
    ]
    assert impacted(store, "terraform_data.db") == [
        (1, "terraform_data.lb"),
        (1, "terraform_data.web[0]"),
        (1, "terraform_data.web[1]"),
    ]
    assert impacted(store, "terraform_data.web[1]") == [(1, "terraform_data.lb")]
    assert impacted(store, "terraform_data.lb") == []
    # A module impacts what it contains, and through them their dependants.
    assert impacted(store, "module.net") == [
        (1, "module.net.terraform_data.subnet"),
        (1, "module.net.terraform_data.vpc"),
        (2, "terraform_data.db"),
        (2, "terraform_data.lb"),
        (2, "terraform_data.web[0]"),
        (2, "terraform_data.web[1]"),
    ]
