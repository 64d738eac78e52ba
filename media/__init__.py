"""Media evidence (issue: S3/MinIO and local stores, upload sessions, verification, required
evidence before resolving, hash-chained evidence ledger)."""
