# Sourced by the scripts: points JAVA_HOME and PATH at a JDK 21 or newer (JDK 25 preferred).
for candidate in "${DORMOUSE_JDK:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk "${JAVA_HOME:-}"; do
  if [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$candidate/release" 2>/dev/null || true)
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then
      export JAVA_HOME=$candidate
      export PATH=$JAVA_HOME/bin:$PATH
      break
    fi
  fi
done
if ! "${JAVA_HOME:-/nonexistent}/bin/javac" -version >/dev/null 2>&1; then
  echo "dormouse: needs a JDK 21 or newer: install one or set JAVA_HOME (or DORMOUSE_JDK)" >&2
  exit 1
fi
# The tarball's bundled runtime and AOT cache are made from the building JDK, so dist needs JDK 25.
if [ "$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JAVA_HOME/release" 2>/dev/null || echo 0)" -lt 25 ]; then
  echo "dormouse: $JAVA_HOME is older than JDK 25: the modules build, but the tarball (dist) needs JDK 25 (set DORMOUSE_JDK)" >&2
fi
