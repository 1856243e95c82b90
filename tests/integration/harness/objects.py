"""YAML of the objects tests and benchmarks apply: a Seed whose destination "s3"
points at an s3rver, with its credentials Secret."""

from harness.s3 import ACCESS_KEY_ID, SECRET_ACCESS_KEY


def s3_seed_yaml(s3, backup_restore_extra=""):
    """Secret kube-system/s3-creds and Seed kubermatic/test-seed with destination
    "s3" = bucket "backups" at `s3`. `backup_restore_extra`: more lines under
    spec.etcdBackupRestore, indented by four spaces (defaultDestination, ...)."""
    return f"""
apiVersion: v1
kind: Secret
metadata: {{name: s3-creds, namespace: kube-system}}
stringData: {{ACCESS_KEY_ID: {ACCESS_KEY_ID}, SECRET_ACCESS_KEY: {SECRET_ACCESS_KEY}}}
---
apiVersion: kubermatic.k8c.io/v1
kind: Seed
metadata: {{name: test-seed, namespace: kubermatic}}
spec:
  etcdBackupRestore:
{backup_restore_extra}    destinations:
      s3:
        bucketName: backups
        endpoint: {s3.endpoint}
        credentials: {{name: s3-creds, namespace: kube-system}}
"""
