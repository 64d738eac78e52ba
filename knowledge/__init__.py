"""The knowledge base: versioned articles, fault-code tables and reply templates; a search
index that finds Chinese and English as it is typed; suggestions for a work order; and the
citations that say which articles a repair used."""
