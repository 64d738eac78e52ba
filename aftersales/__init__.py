"""After-sales advice: a tenant's decision tree says whether a case is an exchange, a repair,
a refund or one to escalate, and which contract clause says so."""
