"""Target work activities chosen by rule (placeholder until written)."""
