"""Forms of the improvements context, a module per topic."""
