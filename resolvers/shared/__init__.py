"""What every area uses: the request context, domain errors, keyset pagination, data loaders, the
clock, French formatting and the mail outbox."""
