#!/usr/bin/env bash
# A private RabbitMQ with the AMQP 1.0 plugin, for trying the KPR transport by hand (tests use
# test/support/rabbitmq.ts, which follows the same layout).
#
#   scripts/rabbitmq.sh install          install Debian's rabbitmq-server without starting the system broker
#   scripts/rabbitmq.sh start DIR PORT   start a broker from DIR on 127.0.0.1:PORT (creates DIR's config once)
#   scripts/rabbitmq.sh stop DIR PORT    stop it cleanly, and its private epmd
#   scripts/rabbitmq.sh ctl DIR PORT ARGS…   rabbitmqctl against it (list_queues, purge_queue Q, …)
#
# Ports derive from PORT so several brokers can run side by side: epmd PORT+10000, Erlang distribution
# PORT+20000 (rabbitmqctl then uses PORT+30000…). PORT must be in 1024…35000.
# Settings for `start` (first start only): KPR_BUS_EXCHANGE (default NHNTESTServiceBus), KPR_BUS_USER
# (default kpr-test), KPR_BUS_PASSWORD (default: generated and stored in DIR/password, mode 600),
# KPR_BUS_HER_IDS (default "8133973": queues <HER>_async and <HER>_error bound with routing key = queue name).
set -euo pipefail

SERVER=/usr/lib/rabbitmq/bin/rabbitmq-server
CTL=/usr/lib/rabbitmq/bin/rabbitmqctl

die() { echo "rabbitmq.sh: $*" >&2; exit 1; }

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

install_broker() {
  if [ -x "$SERVER" ]; then
    echo "rabbitmq-server is already installed ($SERVER)"
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "install needs root (apt-get)"
  # Without a policy-rc.d that forbids starting services, the package would start a system broker on 0.0.0.0.
  OWN_POLICY=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    OWN_POLICY=1
    trap 'if [ "$OWN_POLICY" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' > /dev/null; then
    apt-get update
  fi
  if ! apt-get install -y --no-install-recommends rabbitmq-server; then
    # Stale package lists are the usual reason; refresh once and retry.
    apt-get update
    apt-get install -y --no-install-recommends rabbitmq-server
  fi
  if [ "$OWN_POLICY" = 1 ]; then rm -f /usr/sbin/policy-rc.d; OWN_POLICY=0; fi
  [ -x "$SERVER" ] || die "installation finished but $SERVER is missing"
  echo "installed: $("$SERVER" --version 2>/dev/null | head -1 || dpkg-query -W -f='${Version}' rabbitmq-server)"
}

check_args() {
  [ $# -ge 2 ] || usage
  DIR=$1
  PORT=$2
  [[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1024 ] && [ "$PORT" -le 35000 ] || die "PORT must be a number in 1024…35000"
  [ -x "$SERVER" ] || die "$SERVER is missing: run '$0 install' first"
}

set_env() {
  DIR=$(cd "$DIR" && pwd)
  export HOME="$DIR" LANG=C.UTF-8 LC_ALL=C.UTF-8
  export RABBITMQ_NODENAME="rabbit${PORT}@localhost"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$PORT"
  export RABBITMQ_DIST_PORT=$((PORT + 20000))
  export ERL_EPMD_ADDRESS=127.0.0.1
  export ERL_EPMD_PORT=$((PORT + 10000))
  export RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$DIR/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$DIR/mnesia"
  export RABBITMQ_LOG_BASE="$DIR/log"
  export RABBITMQ_PID_FILE="$DIR/rabbit.pid"
  export RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
}

json_escape() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }

write_config() {
  local exchange=${KPR_BUS_EXCHANGE:-NHNTESTServiceBus}
  local user=${KPR_BUS_USER:-kpr-test}
  local her_ids=${KPR_BUS_HER_IDS:-8133973}
  local password=${KPR_BUS_PASSWORD:-}
  [[ "$exchange" =~ ^[A-Za-z0-9._:-]+$ ]] || die "bad exchange name"
  if [ -z "$password" ]; then
    password=$(openssl rand -base64 18 | tr -d '/+=' | cut -c1-20)
    (umask 077; printf '%s\n' "$password" > "$DIR/password")
    echo "password stored in $DIR/password"
  fi
  # RabbitMQ's stored form: base64(salt || sha256(salt || password)); the config then holds no password.
  local tmp; tmp=$(mktemp -d "$DIR/.hash.XXXXXX")
  openssl rand 4 > "$tmp/salt"
  { cat "$tmp/salt"; printf '%s' "$password"; } | openssl dgst -sha256 -binary > "$tmp/digest"
  local hash; hash=$(cat "$tmp/salt" "$tmp/digest" | base64 -w0)
  rm -rf "$tmp"

  local queues="" bindings="" sep="" q her
  for her in $her_ids; do
    [[ "$her" =~ ^[0-9]+$ ]] || die "HER-id '$her' is not a number"
    for q in "${her}_async" "${her}_error"; do
      queues+="$sep{\"name\":\"$q\",\"vhost\":\"/\",\"durable\":true,\"auto_delete\":false,\"arguments\":{}}"
      bindings+="$sep{\"source\":\"$exchange\",\"vhost\":\"/\",\"destination\":\"$q\",\"destination_type\":\"queue\",\"routing_key\":\"$q\",\"arguments\":{}}"
      sep=","
    done
  done
  local u; u=$(json_escape "$user")
  (umask 077; cat > "$DIR/definitions.json" <<EOF
{"users":[{"name":"$u","password_hash":"$hash","hashing_algorithm":"rabbit_password_hashing_sha256","tags":""}],
 "vhosts":[{"name":"/"}],
 "permissions":[{"user":"$u","vhost":"/","configure":".*","write":".*","read":".*"}],
 "exchanges":[{"name":"$exchange","vhost":"/","type":"direct","durable":true,"auto_delete":false,"internal":false,"arguments":{}}],
 "queues":[$queues],
 "bindings":[$bindings]}
EOF
  )
  echo '[rabbitmq_amqp1_0].' > "$DIR/enabled_plugins"
  : > "$DIR/rabbitmq-env.conf"
  cat > "$DIR/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$PORT
load_definitions = $DIR/definitions.json
vm_memory_high_watermark.absolute = 1GB
disk_free_limit.absolute = 50MB
log.console = false
EOF
  echo "$exchange" > "$DIR/exchange"
  echo "$user" > "$DIR/user"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_broker() {
  check_args "$@"
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  set_env
  if [ -f "$DIR/wrapper.pid" ] && kill -0 "$(cat "$DIR/wrapper.pid")" 2>/dev/null; then
    die "a broker from $DIR is already running (pid $(cat "$DIR/wrapper.pid"))"
  fi
  port_open "$PORT" && die "port $PORT is already in use"
  [ -f "$DIR/rabbitmq.conf" ] || write_config
  # setsid: the broker outlives this shell and gets its own process group.
  setsid "$SERVER" >> "$DIR/console.log" 2>&1 < /dev/null &
  echo $! > "$DIR/wrapper.pid"
  local i
  for i in $(seq 1 900); do
    if port_open "$PORT"; then
      echo "RabbitMQ ready: amqp://$(cat "$DIR/user")@127.0.0.1:$PORT/$(cat "$DIR/exchange")  (log: $DIR/log)"
      return 0
    fi
    kill -0 "$(cat "$DIR/wrapper.pid")" 2>/dev/null || { tail -n 30 "$DIR/log/"*.log "$DIR/console.log" 2>/dev/null; die "broker exited during start-up"; }
    sleep 0.1
  done
  tail -n 30 "$DIR/log/"*.log "$DIR/console.log" 2>/dev/null
  die "broker did not open port $PORT within 90 s"
}

stop_broker() {
  check_args "$@"
  [ -d "$DIR" ] || die "no such directory: $DIR"
  set_env
  local pid=""
  [ -f "$DIR/wrapper.pid" ] && pid=$(cat "$DIR/wrapper.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"   # the wrapper traps TERM and stops the VM cleanly
    local i
    for i in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "broker did not stop within 60 s; killing it" >&2
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  else
    echo "no running broker recorded in $DIR"
  fi
  rm -f "$DIR/wrapper.pid"
  epmd -port $((PORT + 10000)) -kill > /dev/null 2>&1 || true
  echo "stopped"
}

ctl_broker() {
  check_args "$@"
  shift 2
  set_env
  exec "$CTL" -n "$RABBITMQ_NODENAME" "$@"
}

case "${1:-}" in
  install) install_broker ;;
  start) shift; start_broker "$@" ;;
  stop) shift; stop_broker "$@" ;;
  ctl) shift; ctl_broker "$@" ;;
  *) usage ;;
esac
