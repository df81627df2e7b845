"""History: every change to the catalog, who made it, and putting it back."""
