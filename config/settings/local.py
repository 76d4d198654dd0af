"""Developer machine and the demo (`make run`): the embedded default, served as users see the product.

DEBUG stays off unless asked for (DEBUG=1), so the product's own 403/404/500 pages show, not Django's debug
page listing every URL; WhiteNoise serves the static files straight from the apps' folders.
"""
import warnings

from .base import *  # noqa: F403
from .base import env

# WhiteNoise serves from the finders here; the collected folder (STATIC_ROOT) is for production only.
warnings.filterwarnings("ignore", message="No directory at: .*staticfiles", category=UserWarning)

DEBUG = env.bool("DEBUG", default=False)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
