"""Production: every secret and host from the environment, HTTPS assumed behind a proxy.

Passes ``manage.py check --deploy`` without warnings (see tests/test_settings.py).
See docs/deployment.md.
"""

from django.core.exceptions import ImproperlyConfigured

from uplift.config.env import env_bool, env_int, env_list, env_secret

from .base import *  # noqa: F403  (settings modules extend the base namespace)

DEBUG = False
SECRET_KEY = env_secret("SECRET_KEY")  # no default: production must set it
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])  # no default either: name the public host names
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set the environment variable ALLOWED_HOSTS (comma-separated).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The proxy terminates TLS and sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# WhiteNoise serves the collected static files from the web workers (no CDN).
MIDDLEWARE = [
    MIDDLEWARE[0],  # noqa: F405  (SecurityMiddleware stays first)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],  # noqa: F405
]

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
