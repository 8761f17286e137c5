#!/usr/bin/env bash
# Builds dormouse, starts an example container `whoami` (busybox httpd on 127.0.0.1:8081) and serves
# examples/dormouse.yml on :8080. Try:  curl -H 'Host: whoami.localhost' http://127.0.0.1:8080/
# After 30 s without requests the container is stopped; the next request wakes it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/java-env.sh

bash scripts/test-engine.sh
./mvnw -B -ntp -q package -DskipTests
version=$(sed -n 's|.*<version>\(.*\)</version>.*|\1|p' pom.xml | head -1)
rm -rf target/run && mkdir -p target/run
tar -xzf "dist/target/dormouse-$version-linux-x64.tar.gz" -C target/run

if ! docker inspect whoami >/dev/null 2>&1; then
  docker run -d --name whoami --network host --label dev.dormouse.example=1 dormouse-test/busybox:latest sh -c \
    "mkdir -p /www && echo 'Hello from whoami, woken by dormouse' > /www/index.html && trap 'kill \$pid; exit 0' TERM; httpd -f -p 127.0.0.1:8081 -h /www & pid=\$!; wait" >/dev/null
fi
echo "dormouse: try  curl -H 'Host: whoami.localhost' http://127.0.0.1:8080/  (or open http://whoami.localhost:8080/ in a browser)"
exec "target/run/dormouse-$version/bin/dormouse" serve --config examples/dormouse.yml
