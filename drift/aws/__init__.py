"""Live AWS collection: boto3 responses in the Terraform AWS provider's attribute layout.

Layers, each in its own module (snyk/driftctl's enumerator/repository split, cloud-custodian's
declarative resource specs):

- ``session``: which accounts (default chain, ``--profile``, ``--role-arn`` per account) and
  which regions (``--region`` or every enabled region);
- ``repository``: the one place that calls boto3: clients with adaptive retries, paginators,
  per-service call counting, a response cache, and AWS errors turned into ``Denied`` /
  ``Unavailable`` naming the IAM action;
- ``registry`` and ``collectors``: one declarative ``Collector`` per Terraform type (which API,
  which result key, which id, which mapping, which attributes it observes);
- ``engine``: runs the collectors with bounded concurrency per region and service, global
  services once, ``--only-managed`` scoping (``scope``), and exposes ``AwsSource`` (a live
  ``Source``); ``live`` plugs it into a ``drift audit`` plan;
- ``stats``: call counts per service, region and type; ``iam_policy``: the read-only policy.

docs/aws.md is the user's guide.

Importing this package imports neither boto3 nor botocore: they load when a collection runs.
"""

from __future__ import annotations
