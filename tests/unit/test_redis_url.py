"""redis_url: what each URL names, what a bad one is told, and what follows from a Cluster."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.config import ConfigError, hash_tagged, load_settings
from dashboard.redis_clients import ClientOptions, blocking_read_ms, error_text
from dashboard.redis_url import RedisTarget, RedisUrlError, parse_redis_url, redacted


def test_one_server_urls_pass_through() -> None:
    """redis:// and rediss:// name one server; the text goes to redis-py as it is."""
    plain = parse_redis_url("redis://10.0.0.5:6380/2")
    assert (plain.kind, plain.nodes, plain.db, plain.url) == ("single", (("10.0.0.5", 6380),), 2,
                                                              "redis://10.0.0.5:6380/2")
    tls = parse_redis_url("rediss://app:s%40cret@redis.intranet/0?ssl_cert_reqs=required")
    assert (tls.kind, tls.nodes, tls.username, tls.password) == (
        "single", (("redis.intranet", 6379),), "app", "s@cret")


def test_sentinel_url_names_hosts_service_and_db() -> None:
    """redis+sentinel://h1:p1,h2:p2/<service>/<db>, default sentinel port 26379."""
    target = parse_redis_url("redis+sentinel://:pw@s1:26380,s2,[::1]:26381/changning/3")
    assert target == RedisTarget("sentinel", (("s1", 26380), ("s2", 26379), ("::1", 26381)), 3,
                                 "changning", None, "pw")
    assert parse_redis_url("redis+sentinel://s1:26379/changning").db == 0


def test_cluster_url_names_start_up_nodes() -> None:
    """redis+cluster://h1:p1,h2:p2 (database 0 only)."""
    target = parse_redis_url("redis+cluster://a:7000,b:7001")
    assert target.is_cluster and target.nodes == (("a", 7000), ("b", 7001))
    assert parse_redis_url("redis+cluster://a:7000/0").db == 0


@pytest.mark.parametrize(("url", "told"), [
    ("http://h:6379", "must start with one of redis://"),
    ("h:6379", "must start with one of"),
    ("redis://a:1,b:2/0", "names 2 hosts"),
    ("redis://h:99999/0", "no valid port"),
    ("redis://h:6379/zero", "database must be a number"),
    ("redis+sentinel://s1:26379", "ends in /<service>/<db>"),
    ("redis+sentinel://s1:26379/a/b/c", "ends in /<service>/<db>"),
    ("redis+cluster://a:7000/3", "database 0 only"),
    ("redis+cluster://", "names no host"),
    ("redis+cluster://:7000", "has no host name"),
])
def test_a_bad_url_is_told_what_is_wrong(url: str, told: str) -> None:
    """Each malformed URL raises RedisUrlError saying what is wrong."""
    with pytest.raises(RedisUrlError, match=told.replace("+", r"\+")):
        parse_redis_url(url)


def test_a_password_is_never_repeated() -> None:
    """Messages show the URL with the password as ***."""
    assert redacted("redis://app:hunter2@h:1/0") == "redis://app:***@h:1/0"
    with pytest.raises(RedisUrlError) as raised:
        parse_redis_url("redis+sentinel://app:hunter2@s1:26379")
    assert "hunter2" not in str(raised.value) and "app:***@" in str(raised.value)


def test_settings_name_the_setting_and_its_source() -> None:
    """A bad CN_REDIS_URL stops start-up naming the setting and the environment variable."""
    with pytest.raises(ConfigError, match=r"Config 'redis_url' from environment CN_REDIS_URL is not "
                                          r"usable: .*must start with one of"):
        load_settings({}, environ={"CN_REDIS_URL": "http://h:1"})
    for name, bad in (("redis_socket_timeout_s", "0"), ("redis_connect_timeout_s", "-1"),
                      ("bridge_max_attempts", "0")):
        with pytest.raises(ConfigError, match=f"Config '{name}' from environment CN_{name.upper()}"):
            load_settings({}, environ={f"CN_{name.upper()}": bad})


def test_a_cluster_url_hash_tags_the_prefix_by_itself() -> None:
    """On a Cluster URL every key is under {cn}: (one slot); elsewhere under cn:."""
    cluster = load_settings({}, environ={"CN_REDIS_URL": "redis+cluster://a:7000,b:7001"})
    assert (cluster.keys.log, cluster.keys.dead, cluster.keys.seen("id:1"), cluster.keys.pub_pattern) == (
        "{cn}:events", "{cn}:dead", "{cn}:seen:id:1", "{cn}:pub:*")
    single = load_settings({}, environ={"CN_REDIS_URL": "redis://h:1/0"})
    assert single.keys.log == "cn:events"
    assert (hash_tagged("cn:"), hash_tagged("city"), hash_tagged("{x}:"), hash_tagged("a:{b}:")) == (
        "{cn}:", "{city}:", "{x}:", "a:{b}:")


def test_blocking_reads_wait_at_most_half_the_socket_timeout() -> None:
    """A blocking read never outlasts the socket timeout (it would look like a dead server)."""
    assert blocking_read_ms(ClientOptions(socket_timeout_s=5.0), 1000) == 1000
    assert blocking_read_ms(ClientOptions(socket_timeout_s=1.0), 1000) == 500
    assert blocking_read_ms(ClientOptions(socket_timeout_s=5.0), 5000) == 2500


def test_an_error_is_told_by_its_type_and_message() -> None:
    """Logs carry 'Type: message', not a repr that hides the message."""
    from redis.exceptions import RedisClusterException

    assert error_text(RedisClusterException("Command EVALSHA is blocked")) == (
        "RedisClusterException: Command EVALSHA is blocked")


def test_every_kind_of_client_takes_pool_size_and_timeouts_from_the_settings() -> None:
    """connect_for builds the client the URL names (nothing is connected yet), with
    redis_max_connections, redis_socket_timeout_s and redis_connect_timeout_s."""
    import asyncio

    from redis.asyncio import BlockingConnectionPool
    from redis.asyncio.cluster import RedisCluster
    from redis.asyncio.sentinel import SentinelConnectionPool

    from dashboard.bus import connect_for

    async def body() -> None:
        env = {"CN_REDIS_MAX_CONNECTIONS": "12", "CN_REDIS_SOCKET_TIMEOUT_S": "3.5",
               "CN_REDIS_CONNECT_TIMEOUT_S": "1.5"}
        for url in ("redis://127.0.0.1:1/0", "redis+sentinel://127.0.0.1:1,127.0.0.1:2/changning/2"):
            client: Any = connect_for(load_settings({}, environ={**env, "CN_REDIS_URL": url}))
            pool = client.connection_pool
            assert isinstance(pool, BlockingConnectionPool) and pool.max_connections == 12
            assert (pool.connection_kwargs["socket_timeout"], pool.connection_kwargs["socket_connect_timeout"]
                    ) == (3.5, 1.5)
            if "sentinel" in url:
                assert isinstance(pool, SentinelConnectionPool) and pool.service_name == "changning"
                assert pool.connection_kwargs["db"] == 2
            await client.aclose()
        cluster: Any = connect_for(load_settings({}, environ={**env, "CN_REDIS_URL": "redis+cluster://127.0.0.1:1"}))
        assert isinstance(cluster, RedisCluster)
        node = cluster.get_default_node() or cluster.nodes_manager.startup_nodes["127.0.0.1:1"]
        assert node.max_connections == 12
        assert (node.connection_kwargs["socket_timeout"], node.connection_kwargs["socket_connect_timeout"]
                ) == (3.5, 1.5)
        await cluster.aclose()
    asyncio.run(body())
