#!/usr/bin/env bash
# A real single-node Kafka (KRaft) broker on loopback for demos and manual runs, built from Maven
# artifacts because the build machines have no Docker. Tests do not need it: they start an in-JVM broker.
#
#   scripts/kafka.sh start|stop|status [--data DIR] [--port 19092]
#
# start is idempotent: it builds the classpath on first use, formats storage once, starts the broker,
# waits for the port and creates the Secateur topics. The controller listens on port+1.
set -euo pipefail

KAFKA_VERSION=4.1.2
TOPICS=(secateur.prune.requests secateur.prune.events secateur.prune.requests.dlq)

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_HOME="$REPO_ROOT/.kafka"
LIBS="$KAFKA_HOME/libs"

usage() {
  echo "usage: $0 start|stop|status [--data DIR] [--port PORT]" >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
CMD=$1
shift
DATA="$KAFKA_HOME/data"
PORT=19092
while [[ $# -gt 0 ]]; do
  case $1 in
    --data) [[ $# -ge 2 ]] || usage; DATA=$2; shift 2 ;;
    --port) [[ $# -ge 2 ]] || usage; PORT=$2; shift 2 ;;
    *) usage ;;
  esac
done
[[ $PORT =~ ^[0-9]+$ ]] && (( PORT > 0 && PORT < 65535 )) || { echo "invalid --port '$PORT'" >&2; exit 2; }
case $CMD in start|stop|status) ;; *) usage ;; esac
DATA="$(realpath -m "$DATA")"   # absolute: server.properties must not depend on where the broker was started
CONTROLLER_PORT=$((PORT + 1))
PID_FILE="$DATA/kafka.pid"
LOG_FILE="$DATA/kafka.log"
PROPS="$DATA/server.properties"
BOOTSTRAP="127.0.0.1:$PORT"
# The heap is small on purpose: the demo broker holds a handful of tiny messages on 2-core machines.
JAVA_OPTS=${KAFKA_JAVA_OPTS:--Xms64m -Xmx256m -XX:+UseSerialGC}

log() { echo "kafka.sh: $*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid
  pid=$(cat "$PID_FILE")
  # Check it is still our broker, not an unrelated process that reused the pid.
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'; then
    echo "$pid"
    return 0
  fi
  return 1
}

ensure_libs() {
  if [[ -f $LIBS/kafka_2.13-$KAFKA_VERSION.jar && -f $LIBS/kafka-tools-$KAFKA_VERSION.jar ]] \
      && compgen -G "$LIBS/log4j-slf4j-impl-*.jar" >/dev/null; then
    return
  fi
  log "first use: fetching Kafka $KAFKA_VERSION jars into $LIBS (about 55 MB)"
  mkdir -p "$KAFKA_HOME"
  cat >"$KAFKA_HOME/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Throwaway project: only here so Maven resolves the broker's runtime classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.secateur.local</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
    <!-- Kafka logs through SLF4J 1.7; without this binding (the binary distribution ships it) the broker
         logs nothing at all, and a failed start leaves an empty log. Same Log4j version Kafka brings. -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>2.25.3</version></dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
    </plugins>
  </build>
</project>
EOF
  rm -rf "$LIBS"
  (cd "$KAFKA_HOME" && mvn -B -q dependency:copy-dependencies -DoutputDirectory=libs -DincludeScope=runtime)
}

write_config() {
  # Rewritten on every start so --port changes take effect; only the data under logs/ persists.
  cat >"$PROPS" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA/logs
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  # Log4j2 otherwise defaults to errors only, which leaves nothing useful to show when startup fails.
  local level
  for level in INFO WARN; do
    cat >"$DATA/log4j2-$level.properties" <<EOF
rootLogger.level=$level
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
logger.state.name=state.change.logger
logger.state.level=WARN
EOF
  done
}

tool_java() {
  # Command-line tools: quiet (warnings only), small heap, separate from the broker's log config.
  java -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$DATA/log4j2-WARN.properties" \
    -cp "$LIBS/*" "$@"
}

format_storage() {
  if [[ -f $DATA/logs/meta.properties ]]; then
    return
  fi
  local cluster_id
  cluster_id=$(tool_java kafka.tools.StorageTool random-uuid)
  log "formatting storage in $DATA/logs (cluster $cluster_id)"
  # No --standalone: with static controller.quorum.voters it is refused.
  tool_java kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" >/dev/null
}

create_topics() {
  # List once and create only what is missing: each tool run is a JVM start, seconds on a busy machine.
  local existing t created=()
  existing=$(tool_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --list)
  for t in "${TOPICS[@]}"; do
    if ! grep -qxF "$t" <<<"$existing"; then
      tool_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
        --topic "$t" --partitions 1 --replication-factor 1 >/dev/null
      created+=("$t")
    fi
  done
  log "topics ready: ${TOPICS[*]}${created:+ (created: ${created[*]})}"
}

start() {
  local pid
  if pid=$(running_pid); then
    log "already running (pid $pid, $BOOTSTRAP)"
    create_topics
    return
  fi
  for p in "$PORT" "$CONTROLLER_PORT"; do
    if port_open "$p"; then
      log "port $p is already in use by another process; pick another with --port"
      exit 1
    fi
  done
  command -v java >/dev/null || { log "java not found on PATH"; exit 1; }
  mkdir -p "$DATA"
  ensure_libs
  write_config
  format_storage
  log "starting broker on $BOOTSTRAP (data $DATA, log $LOG_FILE)"
  # shellcheck disable=SC2086 # JAVA_OPTS is a list of flags
  nohup java $JAVA_OPTS -Dlog4j2.configurationFile="$DATA/log4j2-INFO.properties" -cp "$LIBS/*" kafka.Kafka "$PROPS" \
    </dev/null >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  pid=$!
  local started=$SECONDS
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-120}))
  until port_open "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "broker exited during startup; last lines of $LOG_FILE:"
      tail -n 30 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      exit 1
    fi
    if (( SECONDS >= deadline )); then
      log "broker did not accept connections on $BOOTSTRAP within ${KAFKA_START_TIMEOUT:-120}s (set KAFKA_START_TIMEOUT to wait longer); stopping it. Last lines of $LOG_FILE:"
      tail -n 30 "$LOG_FILE" >&2
      stop
      exit 1
    fi
    sleep 0.5
  done
  log "up (pid $pid) after $((SECONDS - started))s"
  create_topics
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    log "not running"
    rm -f "$PID_FILE"
    return
  fi
  log "stopping pid $pid"
  kill -TERM "$pid"
  local deadline=$((SECONDS + ${KAFKA_STOP_TIMEOUT:-30}))
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS >= deadline )); then
      log "still running after ${KAFKA_STOP_TIMEOUT:-30}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.5
  done
  rm -f "$PID_FILE"
  log "stopped"
}

status() {
  local pid
  if pid=$(running_pid); then
    if port_open "$PORT"; then
      echo "running (pid $pid, $BOOTSTRAP, data $DATA)"
    else
      echo "starting or unhealthy (pid $pid, $BOOTSTRAP not accepting connections yet)"
    fi
    return 0
  fi
  echo "stopped (data $DATA)"
  return 3   # LSB: program is not running
}

case $CMD in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
