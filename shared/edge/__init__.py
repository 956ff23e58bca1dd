"""HTTP and queue semantics without the host: routes' answers, queue messages, lists, callers' payloads and
credentials, holding changes while paused, retry and poison, the operator page's assets."""
