# Sourced by deploy/local/up, down and check: where everything lives and listens. Every value can be set in the
# environment before running them (e.g. RELAIS_LOCAL_HTTPS_PORT=10443 deploy/local/up).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=${RELAIS_LOCAL_STATE:-$ROOT/deploy/local/state}
SECRETS=$STATE/secrets
RUN=$STATE/run
LOGS=$STATE/logs

PG_PORT=${RELAIS_LOCAL_PG_PORT:-15432}
ARTEMIS_PORT=${RELAIS_LOCAL_ARTEMIS_PORT:-16161}
ARTEMIS_CONSOLE_PORT=${RELAIS_LOCAL_ARTEMIS_CONSOLE_PORT:-18161}
LDAP_PORT=${RELAIS_LOCAL_LDAP_PORT:-16636}
HTTPS_PORT=${RELAIS_LOCAL_HTTPS_PORT:-9443}
GAR_PORT=${RELAIS_LOCAL_GAR_PORT:-9444}
NODE1_PORT=${RELAIS_LOCAL_NODE1_PORT:-18081}
NODE2_PORT=${RELAIS_LOCAL_NODE2_PORT:-18082}
NODE1_GAR_PORT=${RELAIS_LOCAL_NODE1_GAR_PORT:-18441}
NODE2_GAR_PORT=${RELAIS_LOCAL_NODE2_GAR_PORT:-18442}
ARTEMIS_VERSION=2.40.0
BASE_DN=dc=relais,dc=local
# how long up waits for both nodes (two JVMs starting together on a small machine take a while)
NODES_TIMEOUT=${RELAIS_LOCAL_NODES_TIMEOUT:-400}

PG_BIN=${RELAIS_LOCAL_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

# PostgreSQL refuses to run as root: then its files belong to the postgres user of the Debian package
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# the pid in file $1 when that process is alive, else nothing
alive_pid() {
  [ -f "$1" ] || return 1
  pid=$(head -1 "$1" 2>/dev/null | tr -dc 0-9)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
