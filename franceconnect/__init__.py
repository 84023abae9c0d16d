"""FranceConnect relying party, and a local sandbox provider for development."""
