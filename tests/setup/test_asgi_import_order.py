"""``import notifications.routing`` works at the top of asgi.py, before Django is set up."""

import subprocess
import sys
import textwrap
from pathlib import Path

ASGI = textwrap.dedent(
    """
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

    from channels.auth import AuthMiddlewareStack
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.core.asgi import get_asgi_application

    import notifications.routing  # before get_asgi_application(): must not touch models

    application = ProtocolTypeRouter({
        "http": get_asgi_application(),
        "websocket": AuthMiddlewareStack(
            URLRouter(notifications.routes.websocket_urlpatterns)
        ),
    })
    print("ok")
    """
)


def test_routing_imports_before_django_setup(tmp_path: Path) -> None:
    (tmp_path / "seed_asgi.py").write_text(ASGI)
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", "import seed_asgi"],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{root}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
