"""EC2 types: ``aws_instance``, ``aws_ebs_volume``, ``aws_key_pair``.

All three are batch listings (``DescribeInstances``, ``DescribeVolumes``, ``DescribeKeyPairs``):
no call per resource. An instance's ``root_block_device``/``ebs_block_device`` need the volumes'
size, type and encryption, which come from the same ``DescribeVolumes`` listing the volume
collector makes (cached, so the region pays for it once). Attributes only
``DescribeInstanceAttribute`` returns (``user_data``, ``disable_api_termination``,
``disable_api_stop``, ``instance_initiated_shutdown_behavior``) would cost four calls per
instance; they are not collected, and ``covered`` says so, so the audit never reports them as
removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drift.aws.collectors.common import block, tag_map, tagged, timestamp
from drift.aws.registry import FILTER_CHUNK, Api, Collector, Context, Found, Listing, register

DESCRIBE_INSTANCES = Api("ec2", "DescribeInstances")
DESCRIBE_VOLUMES = Api("ec2", "DescribeVolumes")
DESCRIBE_KEY_PAIRS = Api("ec2", "DescribeKeyPairs")

#: States in which the provider still considers an instance to exist.
LIVE_STATES = ("pending", "running", "shutting-down", "stopping", "stopped")
_STATE_FILTER = {"Name": "instance-state-name", "Values": list(LIVE_STATES)}


def _primary_interface(instance: Mapping[str, Any]) -> Mapping[str, Any]:
    for interface in instance.get("NetworkInterfaces") or ():
        if (interface.get("Attachment") or {}).get("DeviceIndex") == 0:
            return dict(interface)
    return {}


def _network(instance: Mapping[str, Any]) -> dict[str, Any]:
    primary = _primary_interface(instance)
    ipv6 = [a["Ipv6Address"] for a in primary.get("Ipv6Addresses") or ()]
    secondary = [
        p["PrivateIpAddress"]
        for p in primary.get("PrivateIpAddresses") or ()
        if not p.get("Primary")
    ]
    in_vpc = bool(instance.get("SubnetId"))
    return {
        "subnet_id": instance.get("SubnetId"),
        "private_ip": instance.get("PrivateIpAddress"),
        "public_ip": instance.get("PublicIpAddress"),
        "private_dns": instance.get("PrivateDnsName"),
        "public_dns": instance.get("PublicDnsName"),
        "primary_network_interface_id": primary.get("NetworkInterfaceId"),
        # The provider's test: the primary interface has an association (a public address).
        "associate_public_ip_address": primary.get("Association") is not None,
        "source_dest_check": bool(instance.get("SourceDestCheck", True)),
        "ipv6_address_count": len(ipv6),
        "ipv6_addresses": ipv6,
        "secondary_private_ips": secondary,
        "vpc_security_group_ids": (
            [g["GroupId"] for g in instance.get("SecurityGroups") or ()] if in_vpc else []
        ),
    }


def _cpu(instance: Mapping[str, Any]) -> dict[str, Any]:
    cpu = instance.get("CpuOptions") or {}
    return {
        "cpu_core_count": cpu.get("CoreCount"),
        "cpu_threads_per_core": cpu.get("ThreadsPerCore"),
        "cpu_options": block(
            {
                "core_count": cpu.get("CoreCount"),
                "threads_per_core": cpu.get("ThreadsPerCore"),
                "amd_sev_snp": cpu.get("AmdSevSnp"),
            }
        ),
    }


def _options(instance: Mapping[str, Any]) -> dict[str, Any]:
    metadata = instance.get("MetadataOptions") or {}
    dns = instance.get("PrivateDnsNameOptions") or {}
    reservation = instance.get("CapacityReservationSpecification") or {}
    return {
        **_cpu(instance),
        "metadata_options": block(
            {
                "http_endpoint": metadata.get("HttpEndpoint"),
                "http_protocol_ipv6": metadata.get("HttpProtocolIpv6"),
                "http_put_response_hop_limit": metadata.get("HttpPutResponseHopLimit"),
                "http_tokens": metadata.get("HttpTokens"),
                "instance_metadata_tags": metadata.get("InstanceMetadataTags"),
            }
        ),
        "enclave_options": (
            [{"enabled": bool(instance["EnclaveOptions"].get("Enabled"))}]
            if instance.get("EnclaveOptions") is not None
            else []
        ),
        "maintenance_options": block(
            {"auto_recovery": (instance.get("MaintenanceOptions") or {}).get("AutoRecovery")}
        ),
        "private_dns_name_options": block(
            {
                "hostname_type": dns.get("HostnameType"),
                "enable_resource_name_dns_a_record": dns.get("EnableResourceNameDnsARecord"),
                "enable_resource_name_dns_aaaa_record": dns.get("EnableResourceNameDnsAAAARecord"),
            }
        ),
        "capacity_reservation_specification": block(
            {"capacity_reservation_preference": reservation.get("CapacityReservationPreference")}
        ),
        "hibernation": bool((instance.get("HibernationOptions") or {}).get("Configured")),
    }


def _device(mapping: Mapping[str, Any], volume: Mapping[str, Any]) -> dict[str, Any]:
    """One ``*_block_device`` entry: the mapping plus its volume's settings."""
    ebs = mapping.get("Ebs") or {}
    encrypted = bool(volume.get("Encrypted"))
    tags = tag_map(volume.get("Tags"))
    return {
        "device_name": mapping.get("DeviceName"),
        "volume_id": ebs.get("VolumeId"),
        "delete_on_termination": bool(ebs.get("DeleteOnTermination")),
        "encrypted": encrypted,
        "kms_key_id": volume.get("KmsKeyId") if encrypted else None,
        "iops": int(volume.get("Iops") or 0),
        "throughput": int(volume.get("Throughput") or 0),
        "volume_size": volume.get("Size"),
        "volume_type": volume.get("VolumeType"),
        "tags": tags,
        "tags_all": dict(tags),
    }


def _devices(
    instance: Mapping[str, Any], volumes: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    root_name = instance.get("RootDeviceName")
    root: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for mapping in instance.get("BlockDeviceMappings") or ():
        volume_id = (mapping.get("Ebs") or {}).get("VolumeId")
        volume = volumes.get(str(volume_id), {})
        device = _device(mapping, volume)
        if mapping.get("DeviceName") == root_name:
            root.append(device)
        else:
            device["snapshot_id"] = volume.get("SnapshotId")
            others.append(device)
    return {"root_block_device": root, "ebs_block_device": others}


def _instance(
    instance: Mapping[str, Any], ctx: Context, volumes: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    ident = instance["InstanceId"]
    placement = instance.get("Placement") or {}
    profile = str((instance.get("IamInstanceProfile") or {}).get("Arn", ""))
    attributes: dict[str, Any] = {
        "id": ident,
        "arn": ctx.arn("ec2", f"instance/{ident}"),
        "ami": instance.get("ImageId"),
        "instance_type": instance.get("InstanceType"),
        "instance_state": (instance.get("State") or {}).get("Name"),
        "availability_zone": placement.get("AvailabilityZone"),
        "placement_group": placement.get("GroupName"),
        "placement_partition_number": int(placement.get("PartitionNumber") or 0),
        "tenancy": placement.get("Tenancy"),
        "host_id": placement.get("HostId"),
        "host_resource_group_arn": placement.get("HostResourceGroupArn"),
        "key_name": instance.get("KeyName"),
        "ebs_optimized": bool(instance.get("EbsOptimized")),
        "monitoring": (instance.get("Monitoring") or {}).get("State") in ("enabled", "pending"),
        "iam_instance_profile": profile.rsplit("/", 1)[-1] if profile else None,
        "outpost_arn": instance.get("OutpostArn"),
        "instance_lifecycle": instance.get("InstanceLifecycle"),
        "spot_instance_request_id": instance.get("SpotInstanceRequestId"),
        **_network(instance),
        **_options(instance),
        **_devices(instance, volumes),
    }
    return tagged(attributes, tag_map(instance.get("Tags")))


def _attached_volumes(ctx: Context, instances: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The instances' volumes: the shared region listing, or only theirs under a scope."""
    if ctx.ids is None:
        return {v["VolumeId"]: v for v in ctx.calls.pages(DESCRIBE_VOLUMES, "Volumes[]")}
    wanted = sorted(
        {
            str(m["Ebs"]["VolumeId"])
            for i in instances
            for m in i.get("BlockDeviceMappings") or ()
            if (m.get("Ebs") or {}).get("VolumeId")
        }
    )
    found: dict[str, Any] = {}
    for start in range(0, len(wanted), FILTER_CHUNK):
        chunk = wanted[start : start + FILTER_CHUNK]
        filters = [{"Name": "volume-id", "Values": chunk}]
        for volume in ctx.calls.pages(DESCRIBE_VOLUMES, "Volumes[]", Filters=filters):
            found[volume["VolumeId"]] = volume
    return found


_INSTANCES = Listing(
    DESCRIBE_INSTANCES,
    "Reservations[].Instances[]",
    "InstanceId",
    lambda item, _: dict(item),
    params={"Filters": [_STATE_FILTER]},
    id_filter="instance-id",
)


def collect_instances(ctx: Context) -> list[Found]:
    """Instances that are not terminated (the provider treats those as gone)."""
    instances = [i for i in _INSTANCES.items(ctx) if ctx.wanted(i["InstanceId"])]
    volumes = _attached_volumes(ctx, instances) if instances else {}
    return [Found(i["InstanceId"], _instance(i, ctx, volumes)) for i in instances]


def _volume(volume: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    ident = volume["VolumeId"]
    encrypted = bool(volume.get("Encrypted"))
    attributes: dict[str, Any] = {
        "id": ident,
        "arn": ctx.arn("ec2", f"volume/{ident}"),
        "availability_zone": volume.get("AvailabilityZone"),
        "encrypted": encrypted,
        "kms_key_id": volume.get("KmsKeyId") if encrypted else None,
        "iops": int(volume.get("Iops") or 0),
        "throughput": int(volume.get("Throughput") or 0),
        "size": volume.get("Size"),
        "snapshot_id": volume.get("SnapshotId"),
        "type": volume.get("VolumeType"),
        "multi_attach_enabled": bool(volume.get("MultiAttachEnabled")),
        "outpost_arn": volume.get("OutpostArn"),
        "create_time": timestamp(volume.get("CreateTime")),
    }
    return tagged(attributes, tag_map(volume.get("Tags")))


def _key_pair(key: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    name = key["KeyName"]
    attributes: dict[str, Any] = {
        "id": name,
        "key_name": name,
        "key_pair_id": key.get("KeyPairId"),
        "fingerprint": key.get("KeyFingerprint"),
        "key_type": key.get("KeyType"),
        "arn": ctx.arn("ec2", f"key-pair/{name}"),
    }
    return tagged(attributes, tag_map(key.get("Tags")))


_INSTANCE_ATTRIBUTES = frozenset(
    {
        "id",
        "arn",
        "ami",
        "instance_type",
        "instance_state",
        "availability_zone",
        "placement_group",
        "placement_partition_number",
        "tenancy",
        "host_id",
        "host_resource_group_arn",
        "key_name",
        "ebs_optimized",
        "monitoring",
        "iam_instance_profile",
        "outpost_arn",
        "instance_lifecycle",
        "spot_instance_request_id",
        "subnet_id",
        "private_ip",
        "public_ip",
        "private_dns",
        "public_dns",
        "primary_network_interface_id",
        "associate_public_ip_address",
        "source_dest_check",
        "ipv6_address_count",
        "ipv6_addresses",
        "secondary_private_ips",
        "vpc_security_group_ids",
        "cpu_core_count",
        "cpu_threads_per_core",
        "cpu_options",
        "metadata_options",
        "enclave_options",
        "maintenance_options",
        "private_dns_name_options",
        "capacity_reservation_specification",
        "hibernation",
        "root_block_device",
        "ebs_block_device",
        "tags",
        "tags_all",
    }
)

register(
    Collector(
        type="aws_instance",
        service="ec2",
        apis=(DESCRIBE_INSTANCES, DESCRIBE_VOLUMES),
        collect=collect_instances,
        covered=_INSTANCE_ATTRIBUTES,
        help="DescribeInstances (+ the region's DescribeVolumes listing for block devices); "
        "user_data and the DescribeInstanceAttribute flags are not collected",
    )
)

register(
    Collector(
        type="aws_ebs_volume",
        service="ec2",
        apis=(DESCRIBE_VOLUMES,),
        collect=Listing(DESCRIBE_VOLUMES, "Volumes[]", "VolumeId", _volume, id_filter="volume-id"),
        covered=frozenset(
            {
                "id",
                "arn",
                "availability_zone",
                "encrypted",
                "kms_key_id",
                "iops",
                "throughput",
                "size",
                "snapshot_id",
                "type",
                "multi_attach_enabled",
                "outpost_arn",
                "create_time",
                "tags",
                "tags_all",
            }
        ),
        help="DescribeVolumes (one paginated call per region)",
    )
)

register(
    Collector(
        type="aws_key_pair",
        service="ec2",
        apis=(DESCRIBE_KEY_PAIRS,),
        collect=Listing(
            DESCRIBE_KEY_PAIRS, "KeyPairs[]", "KeyName", _key_pair, id_filter="key-name"
        ),
        covered=frozenset(
            {"id", "key_name", "key_pair_id", "fingerprint", "key_type", "arn", "tags", "tags_all"}
        ),
        help="DescribeKeyPairs (one call per region; public_key is write-only)",
    )
)
