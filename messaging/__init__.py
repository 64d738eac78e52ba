"""Two-way messages between a work order's customer (through the portal link) and the staff
who handle it (the API, and engineers' devices through sync): text with attachments, read
receipts, and a push to the handler when the customer writes."""
