"""Local development and the README's run command: SQLite, debug on, a fixed local key."""

from uplift.config.env import env_bool, env_list, env_secret

from .base import *  # noqa: F403  (settings modules extend the base namespace)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_secret("SECRET_KEY", "dev-only-not-secret-uplift-local-instance")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

# The embedded SQLite database lives in DATA_DIR (./var by default); a fresh clone has none.
DATA_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
