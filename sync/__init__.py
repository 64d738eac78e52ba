"""Offline sync (issue: RxDB-compatible replication): the per-tenant change log, pull/push/stream
endpoints and the three-way merge. Work-order rules come from ``workorders.state_machine``."""
