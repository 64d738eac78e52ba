"""What every domain package shares and nothing else: domain errors, the caller (actor and
request metadata), the database handle with its transaction rules, and the clock."""
