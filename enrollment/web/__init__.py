"""The web pages of enrollment: the steps of both paths, and the live checks of their forms."""
