"""Real nginx (Debian's package) in front of dashboard instances on loopback, for the tests
and the benchmarks, with the configuration of docs/deploy.md "Several instances behind
nginx": the same balancing rule, locations and forwarded headers; plain HTTP on a free
loopback port instead of TLS, one worker process, files in a temporary prefix.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil

from dashboard.redis_server import free_port
from support.processes import wait_for

CONF = """\
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    # --- as docs/deploy.md, "Several instances behind nginx" ---
    map $cookie_cn_session $cn_balance {{
        ""      $remote_addr:$remote_port;     # no session: spread per connection
        default $cookie_cn_session;            # a signed-in browser stays on one instance
    }}
    upstream changning {{
        hash $cn_balance consistent;
{servers}
    }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        location /live {{
            proxy_pass http://changning;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 3600s;
            proxy_buffering off;
        }}
        location / {{
            proxy_pass http://changning;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("nginx is not installed: `make bench` installs Debian's package")
    return found


@contextlib.contextmanager
def nginx(ports: list[int]) -> Iterator[tuple[int, list[int]]]:
    """nginx on a free loopback port in front of ``ports``: (its port, its pids)."""
    prefix = Path(tempfile.mkdtemp(prefix="cn-nginx-"))
    port = free_port()
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=2 fail_timeout=5s;" for p in ports)
    user = "user root;" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(CONF.format(user=user, prefix=prefix, servers=servers, port=port))
    binary = nginx_binary()
    subprocess.run([binary, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")], check=True,
                   capture_output=True)
    process = subprocess.Popen([binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                                "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    try:
        def listening() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"nginx exited: {(prefix / 'error.log').read_text()[-2000:]}")
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True

        wait_for(listening, 10, interval=0.02, message="nginx listening")
        pids = [process.pid, *(c.pid for c in psutil.Process(process.pid).children())]
        yield port, pids
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        shutil.rmtree(prefix, ignore_errors=True)
