"""Lambda: ``aws_lambda_function``.

``ListFunctions`` returns each function's configuration in batch; ``GetFunction`` (one call per
function) adds the tags, the reserved concurrency and the image URI, which the listing lacks.

Environment variables often hold secrets, so their values are never collected: each value is
replaced by a digest (``drift.normalize.digests``), which the normalizer also applies to the
declared value, so a changed variable is still found. Snapshot files therefore hold digests,
never values, and the live resource marks ``environment`` sensitive so reports print no value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drift.aws.collectors.common import block, tagged
from drift.aws.registry import Api, Collector, Context, Found, register
from drift.normalize.digests import digest

LIST_FUNCTIONS = Api("lambda", "ListFunctions")
GET_FUNCTION = Api("lambda", "GetFunction")
SENSITIVE = frozenset({("environment",)})


def _environment(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    variables = (config.get("Environment") or {}).get("Variables") or {}
    if not variables:
        return []
    return [{"variables": {k: digest(str(v)) if v else "" for k, v in variables.items()}}]


def _runtime(config: Mapping[str, Any]) -> dict[str, Any]:
    """Environment, tracing, storage, image, logging and SnapStart blocks."""
    image = config.get("ImageConfigResponse", {}).get("ImageConfig") or {}
    logging = config.get("LoggingConfig") or {}
    snap = config.get("SnapStart") or {}
    snap_on = snap.get("ApplyOn") not in (None, "None")
    return {
        "environment": _environment(config),
        "tracing_config": block({"mode": (config.get("TracingConfig") or {}).get("Mode")}),
        "ephemeral_storage": block({"size": (config.get("EphemeralStorage") or {}).get("Size")}),
        "image_config": block(
            {
                "command": image.get("Command"),
                "entry_point": image.get("EntryPoint"),
                "working_directory": image.get("WorkingDirectory"),
            }
        ),
        "logging_config": block(
            {
                "log_format": logging.get("LogFormat"),
                "log_group": logging.get("LogGroup"),
                "application_log_level": logging.get("ApplicationLogLevel"),
                "system_log_level": logging.get("SystemLogLevel"),
            }
        ),
        "snap_start": block(
            {"apply_on": snap.get("ApplyOn"), "optimization_status": snap.get("OptimizationStatus")}
        )
        if snap_on
        else [],
    }


def _connections(config: Mapping[str, Any]) -> dict[str, Any]:
    """Dead-letter target, file systems and VPC attachment."""
    vpc = config.get("VpcConfig") or {}
    return {
        "dead_letter_config": block(
            {"target_arn": (config.get("DeadLetterConfig") or {}).get("TargetArn")}
        ),
        "file_system_config": [
            {"arn": f.get("Arn"), "local_mount_path": f.get("LocalMountPath")}
            for f in config.get("FileSystemConfigs") or ()
        ],
        "vpc_config": (
            block(
                {
                    "subnet_ids": vpc.get("SubnetIds"),
                    "security_group_ids": vpc.get("SecurityGroupIds"),
                    "vpc_id": vpc.get("VpcId"),
                    "ipv6_allowed_for_dual_stack": bool(vpc.get("Ipv6AllowedForDualStack")),
                }
            )
            if vpc.get("SubnetIds")
            else []
        ),
    }


def _function(ctx: Context, config: Mapping[str, Any]) -> list[Found]:
    name = str(config["FunctionName"])
    full = ctx.calls.call(GET_FUNCTION, FunctionName=name)
    arn = config.get("FunctionArn")
    reserved = (full.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
    attributes: dict[str, Any] = {
        "id": name,
        "function_name": name,
        "arn": arn,
        "invoke_arn": (
            f"arn:{ctx.partition}:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/"
            f"{arn}/invocations"
        ),
        "architectures": config.get("Architectures") or [],
        "code_sha256": config.get("CodeSha256"),
        "description": config.get("Description"),
        "handler": config.get("Handler"),
        "image_uri": (full.get("Code") or {}).get("ImageUri"),
        "kms_key_arn": config.get("KMSKeyArn"),
        "last_modified": config.get("LastModified"),
        "layers": [layer["Arn"] for layer in config.get("Layers") or ()],
        "memory_size": config.get("MemorySize"),
        "package_type": config.get("PackageType"),
        "role": config.get("Role"),
        "runtime": config.get("Runtime"),
        "timeout": config.get("Timeout"),
        "source_code_size": config.get("CodeSize"),
        "signing_job_arn": config.get("SigningJobArn"),
        "signing_profile_version_arn": config.get("SigningProfileVersionArn"),
        "reserved_concurrent_executions": -1 if reserved is None else reserved,
        **_runtime(config),
        **_connections(config),
    }
    tags = {k: v for k, v in (full.get("Tags") or {}).items() if not k.startswith("aws:")}
    return [Found(name, tagged(attributes, tags), sensitive=SENSITIVE)]


def collect_functions(ctx: Context) -> list[Found]:
    """Functions of the region (``$LATEST``), one ``GetFunction`` each."""
    configs = [
        c for c in ctx.calls.pages(LIST_FUNCTIONS, "Functions[]") if ctx.wanted(c["FunctionName"])
    ]
    return ctx.each(lambda config: _function(ctx, config), configs)


register(
    Collector(
        type="aws_lambda_function",
        service="lambda",
        apis=(LIST_FUNCTIONS, GET_FUNCTION),
        collect=collect_functions,
        covered=frozenset(
            {
                "id",
                "function_name",
                "arn",
                "invoke_arn",
                "architectures",
                "code_sha256",
                "description",
                "handler",
                "image_uri",
                "kms_key_arn",
                "last_modified",
                "layers",
                "memory_size",
                "package_type",
                "role",
                "runtime",
                "timeout",
                "source_code_size",
                "signing_job_arn",
                "signing_profile_version_arn",
                "reserved_concurrent_executions",
                "environment",
                "dead_letter_config",
                "tracing_config",
                "ephemeral_storage",
                "file_system_config",
                "image_config",
                "logging_config",
                "snap_start",
                "vpc_config",
                "tags",
                "tags_all",
            }
        ),
        help="ListFunctions (batch configuration) + GetFunction per function for tags and "
        "reserved concurrency; environment values are digested, never collected",
    )
)
