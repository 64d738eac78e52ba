"""The customer portal: token links that reach one work order, and what a customer does there."""
