#!/usr/bin/env bash
# Makes sure a Redis server answers at MISTRALBOT_TEST_REDIS_URL's host
# (default 127.0.0.1:6379): installs redis-server with apt-get when absent
# and starts it without persistence. The store tests need a real server.
set -euo pipefail
port=6379
ping() {
  if command -v redis-cli >/dev/null 2>&1; then
    redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG
  else
    (exec 3<>/dev/tcp/127.0.0.1/$port && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null
  fi
}
if ping; then echo "redis answers on 127.0.0.1:$port"; exit 0; fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing redis-server"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi
mkdir -p /tmp/mistralbot-redis
redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
  --dir /tmp/mistralbot-redis --logfile /tmp/mistralbot-redis/redis.log
for _ in $(seq 1 50); do
  if ping; then echo "redis started on 127.0.0.1:$port"; exit 0; fi
  sleep 0.2
done
echo "redis did not start; see /tmp/mistralbot-redis/redis.log" >&2
exit 1
