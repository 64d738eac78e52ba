"""When a repair will be done: P50 and P80 time to resolution estimated from similar closed
work orders, conditioned on where this one stands, and explained in plain words."""
