"""Signing keys: generation, encryption at rest, rotation and the JWKS."""
