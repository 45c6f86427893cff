"""IAM: roles, customer-managed policies, role policy attachments, users, user inline policies.

IAM has a batch read: ``GetAccountAuthorizationDetails`` returns every user, role and local
policy of the account with their inline policies, attachments, tags, permission boundaries and
policy versions, a few hundred entries per page. All five collectors share that one paginated
listing (cached). ``ListRoles`` and ``ListPolicies`` add what it lacks (a role's description and
maximum session duration, a policy's id); only policy tags cost a call per policy
(``ListPolicyTags``). IAM is global: it is
collected once per account, and its resources carry no region.

``aws_iam_role_policy_attachment`` ids are random in Terraform state (a prefixed unique id);
changegate identifies an attachment as ``ROLE/POLICY_ARN`` on both views (see
``drift.normalize.identity``), which is also the provider's import id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from drift.aws.collectors.common import policy_text, tag_map, tagged, timestamp
from drift.aws.registry import Api, Collector, Context, Found, Scope, register
from drift.model import Resource

GET_AUTHORIZATION_DETAILS = Api("iam", "GetAccountAuthorizationDetails")
LIST_ROLES = Api("iam", "ListRoles")
LIST_POLICY_TAGS = Api("iam", "ListPolicyTags")
LIST_POLICIES = Api("iam", "ListPolicies")
_FILTER = ["User", "Role", "LocalManagedPolicy"]


def details(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    """The account's users, roles and local policies (one shared, paginated listing)."""
    out: dict[str, list[dict[str, Any]]] = {"users": [], "roles": [], "policies": []}
    for page in ctx.calls.pages(GET_AUTHORIZATION_DETAILS, "[@]", Filter=_FILTER):
        out["users"] += page.get("UserDetailList") or []
        out["roles"] += page.get("RoleDetailList") or []
        out["policies"] += page.get("Policies") or []
    return out


def _boundary(item: Mapping[str, Any]) -> str | None:
    return (item.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")


def _role(role: Mapping[str, Any], listed: Mapping[str, Any]) -> dict[str, Any]:
    name = role["RoleName"]
    attributes: dict[str, Any] = {
        "id": name,
        "name": name,
        "arn": role.get("Arn"),
        "path": role.get("Path"),
        "unique_id": role.get("RoleId"),
        "create_date": timestamp(role.get("CreateDate")),
        "description": listed.get("Description"),
        "max_session_duration": listed.get("MaxSessionDuration"),
        "assume_role_policy": policy_text(role.get("AssumeRolePolicyDocument")),
        "permissions_boundary": _boundary(role),
        "inline_policy": [
            {"name": p["PolicyName"], "policy": policy_text(p.get("PolicyDocument"))}
            for p in role.get("RolePolicyList") or ()
        ],
        "managed_policy_arns": [p["PolicyArn"] for p in role.get("AttachedManagedPolicies") or ()],
    }
    return tagged(attributes, tag_map(role.get("Tags")))


def collect_roles(ctx: Context) -> list[Found]:
    """Roles: the authorization details merged with ``ListRoles``."""
    roles = [r for r in details(ctx)["roles"] if ctx.wanted(r["RoleName"])]
    listed = {r["RoleName"]: r for r in ctx.calls.pages(LIST_ROLES, "Roles[]")} if roles else {}
    return [Found(r["RoleName"], _role(r, listed.get(r["RoleName"], {}))) for r in roles]


def collect_attachments(ctx: Context) -> list[Found]:
    """One ``aws_iam_role_policy_attachment`` per (role, attached managed policy)."""
    out = []
    for role in details(ctx)["roles"]:
        for attached in role.get("AttachedManagedPolicies") or ():
            ident = f"{role['RoleName']}/{attached['PolicyArn']}"
            if ctx.wanted(ident):
                attributes = {
                    "id": ident,
                    "role": role["RoleName"],
                    "policy_arn": attached["PolicyArn"],
                }
                out.append(Found(ident, attributes))
    return out


def _default_document(policy: Mapping[str, Any]) -> str | None:
    for version in policy.get("PolicyVersionList") or ():
        if version.get("IsDefaultVersion") or version.get("VersionId") == policy.get(
            "DefaultVersionId"
        ):
            return policy_text(version.get("Document"))
    return None


def _policy(ctx: Context, policy: Mapping[str, Any], listed: Mapping[str, Any]) -> list[Found]:
    arn = str(policy["Arn"])
    tags = ctx.calls.pages(LIST_POLICY_TAGS, "Tags[]", PolicyArn=arn)
    attributes: dict[str, Any] = {
        "id": arn,
        "arn": arn,
        "name": policy.get("PolicyName") or listed.get("PolicyName") or arn.rsplit("/", 1)[-1],
        "path": policy.get("Path"),
        "description": policy.get("Description"),
        "policy_id": policy.get("PolicyId") or listed.get("PolicyId"),
        "attachment_count": policy.get("AttachmentCount"),
        "policy": _default_document(policy),
    }
    return [Found(arn, tagged(attributes, tag_map(tags)))]


def collect_policies(ctx: Context) -> list[Found]:
    """Customer-managed policies with their default version's document and their tags."""
    policies = [p for p in details(ctx)["policies"] if ctx.wanted(str(p["Arn"]))]
    listed = (
        {p["Arn"]: p for p in ctx.calls.pages(LIST_POLICIES, "Policies[]", Scope="Local")}
        if policies
        else {}
    )
    return ctx.each(lambda p: _policy(ctx, p, listed.get(p["Arn"], {})), policies)


def collect_users(ctx: Context) -> list[Found]:
    """Users (their login profiles and keys are other types, never collected here)."""
    out = []
    for user in details(ctx)["users"]:
        name = user["UserName"]
        if not ctx.wanted(name):
            continue
        attributes: dict[str, Any] = {
            "id": name,
            "name": name,
            "arn": user.get("Arn"),
            "path": user.get("Path"),
            "unique_id": user.get("UserId"),
            "permissions_boundary": _boundary(user),
        }
        out.append(Found(name, tagged(attributes, tag_map(user.get("Tags")))))
    return out


def collect_user_policies(ctx: Context) -> list[Found]:
    """Inline user policies, id ``USER:NAME`` as in the provider."""
    out = []
    for user in details(ctx)["users"]:
        for inline in user.get("UserPolicyList") or ():
            ident = f"{user['UserName']}:{inline['PolicyName']}"
            if ctx.wanted(ident):
                attributes = {
                    "id": ident,
                    "name": inline["PolicyName"],
                    "user": user["UserName"],
                    "policy": policy_text(inline.get("PolicyDocument")),
                }
                out.append(Found(ident, attributes))
    return out


def attachment_key(resource: Resource) -> Iterable[str]:
    """``--only-managed`` key of a declared attachment: ``ROLE/POLICY_ARN``."""
    role, arn = resource.attributes.get("role"), resource.attributes.get("policy_arn")
    return (f"{role}/{arn}",) if role and arn else ()


def _iam(
    type_: str,
    collect: Any,
    apis: tuple[Api, ...],
    covered: frozenset[str] | None,
    help: str,
    **extra: Any,
) -> None:
    register(
        Collector(
            type=type_,
            service="iam",
            apis=(GET_AUTHORIZATION_DETAILS, *apis),
            collect=collect,
            covered=covered,
            scope=Scope.GLOBAL,
            help=help,
            **extra,
        )
    )


_iam(
    "aws_iam_role",
    collect_roles,
    (LIST_ROLES,),
    frozenset(
        {
            "id",
            "name",
            "arn",
            "path",
            "unique_id",
            "create_date",
            "description",
            "max_session_duration",
            "assume_role_policy",
            "permissions_boundary",
            "inline_policy",
            "managed_policy_arns",
            "tags",
            "tags_all",
        }
    ),
    "GetAccountAuthorizationDetails + ListRoles (batch, once per account)",
)
_iam(
    "aws_iam_policy",
    collect_policies,
    (LIST_POLICIES, LIST_POLICY_TAGS),
    frozenset(
        {
            "id",
            "arn",
            "name",
            "path",
            "description",
            "policy_id",
            "attachment_count",
            "policy",
            "tags",
            "tags_all",
        }
    ),
    "GetAccountAuthorizationDetails (local policies) + ListPolicies, ListPolicyTags per policy",
)
_iam(
    "aws_iam_role_policy_attachment",
    collect_attachments,
    (),
    None,
    "GetAccountAuthorizationDetails; id ROLE/POLICY_ARN on both views",
    scoped_by=attachment_key,
)
_iam(
    "aws_iam_user",
    collect_users,
    (),
    frozenset(
        {"id", "name", "arn", "path", "unique_id", "permissions_boundary", "tags", "tags_all"}
    ),
    "GetAccountAuthorizationDetails (batch, once per account)",
)
_iam(
    "aws_iam_user_policy",
    collect_user_policies,
    (),
    frozenset({"id", "name", "user", "policy"}),
    "GetAccountAuthorizationDetails; id USER:NAME",
)
