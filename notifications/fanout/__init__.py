"""How an audience becomes notification rows and pushes: inline (batched) or on the task queue."""
