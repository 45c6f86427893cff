"""The built-in collectors: importing this package registers every one of them.

One module per AWS service (``ec2``, ``vpc``, ``sg``, ``s3``, ``iam``, ``kms``, ``rds``,
``dynamodb``, ``lambda_``, ``route53``), shape helpers in ``common``.
"""

from __future__ import annotations

from drift.aws.collectors import (  # noqa: F401  (imported for their registrations)
    dynamodb,
    ec2,
    iam,
    kms,
    lambda_,
    rds,
    route53,
    s3,
    sg,
    vpc,
)
