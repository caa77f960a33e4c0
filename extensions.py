"""Flask extensions, created unbound and bound to the app in create_app()."""

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

import services.shared_limits  # noqa: F401 (registers the gazette+sqlite limits store)

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()

# Rate limits live in Redis when REDIS_URL is set (shared by every instance), else in a
# SQLite file every worker of the machine shares (services/shared_limits.py). Limits are declared on the views that need them; there is no default limit.
limiter = Limiter(key_func=get_remote_address)

# Rendered readers' pages (services/page_cache.py): in process by default, in Redis when
# REDIS_URL is set; their generations where every process sees them (services/generations.py).
cache = Cache()
