#!/usr/bin/env bash
# Load generator: greedy completions through the running server's HTTP API vs a bare OrtDecoder on the same
# version folder, same concurrency, one run. Needs `mvn -B install -DskipTests` and `mvn -pl shared,serve-function test-compile` first.
#   serve-function/bench.sh --url http://localhost:8080 --model NAME --dir STORE/NAME/VERSION [--clients 8] [--requests 200] [--max-tokens 32]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if [ ! -f target/bench.classpath ]; then
  mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
fi
exec java -Djava.io.tmpdir="$here/target" -cp "target/test-classes:target/classes:../shared/target/classes:$(cat target/bench.classpath)" \
  dev.secateur.serve.bench.ServeBench "$@"
