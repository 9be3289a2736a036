"""Pages of the improvements context; each module lists its own ``urlpatterns``."""
