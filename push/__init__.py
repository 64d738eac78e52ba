"""Push delivery (issue: outbox, APNs and FCM over HTTP/2, backoff, dead letters, on-call
alerts). Notifications are written beside the change that causes them, in its transaction."""
