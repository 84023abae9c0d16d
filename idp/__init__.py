"""OpenID Connect provider: partner sites and FranceConnect sign people in with ameli."""
