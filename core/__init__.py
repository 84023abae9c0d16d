"""The ground every package stands on: the database handle, the clock (and today in
France), the shape of a refusal and of a field error, the NIR and people's names, typed
settings, the throttle, URLs and the chosen language.

It lives apart from ``config`` so that dependencies point one way: ``config`` composes the
feature packages; all of them may use ``core``, and ``core`` uses none of them. Each of its
small modules is a public unit of its own.
"""
