# Sourced by ./ampoule and .ci/run: makes sure `java` and Maven use a JDK >= 21, picking one
# under /usr/lib/jvm when the default is older.
ampoule_java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}' | cut -d. -f1
}
# Maven 3.8 itself calls sun.misc.Unsafe, which JDK 24+ warns about on every run; allow it quietly.
ampoule_quiet_maven() {
  local major
  major=$(ampoule_java_major "${JAVA_HOME:+$JAVA_HOME/bin/}java")
  if [ "${major:-0}" -ge 24 ] 2>/dev/null; then
    case "${MAVEN_OPTS:-}" in
      *sun-misc-unsafe*) ;;
      *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;;
    esac
  fi
}
ampoule_select_jdk() {
  local current=0 jdk
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    current=$(ampoule_java_major "$JAVA_HOME/bin/java")
  elif command -v java >/dev/null 2>&1; then
    current=$(ampoule_java_major java)
  fi
  if [ "${current:-0}" -ge 21 ] 2>/dev/null; then
    if [ -n "${JAVA_HOME:-}" ]; then
      export PATH="$JAVA_HOME/bin:$PATH"
    fi
    ampoule_quiet_maven
    return 0
  fi
  for jdk in /usr/lib/jvm/*; do
    if [ -x "$jdk/bin/javac" ] && [ "$(ampoule_java_major "$jdk/bin/java")" -ge 21 ] 2>/dev/null; then
      export JAVA_HOME="$jdk"
      export PATH="$jdk/bin:$PATH"
      ampoule_quiet_maven
      return 0
    fi
  done
  echo "Ampoule needs a JDK 21 or newer; set JAVA_HOME to one." >&2
  return 1
}
