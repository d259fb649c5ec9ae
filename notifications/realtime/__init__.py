"""The realtime wing: this worker's sockets (hub, consumer, credentials, socket auth) and
the bus that carries changes between workers."""
