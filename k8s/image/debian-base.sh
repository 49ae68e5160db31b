#!/bin/sh
# The relay image's base built from Debian packages alone, for builders that cannot reach Docker Hub
# (eclipse-temurin:21-jre) but can reach a Debian mirror: Debian 13 (trixie), minimal, with OpenJDK
# 21's headless JRE, CA certificates and /bin/sh, written in the `docker save` format that Jib reads
# as a base. From the repository's root:
#
#   k8s/image/debian-base.sh                       # k8s/target/debian-jre21-base.tar
#   mvn -B -ntp -Pimage -pl k8s -am package -DskipTests \
#       -Djib.from.image=tar://$PWD/k8s/target/debian-jre21-base.tar
#
# Needs mmdebstrap (Debian/Ubuntu: apt-get install mmdebstrap), and root or unprivileged user
# namespaces (mmdebstrap picks its mode). Environment: DEBIAN_SUITE (trixie), DEBIAN_MIRROR
# (http://deb.debian.org/debian), SOURCE_DATE_EPOCH (file times and the image's creation time; now
# if unset).
set -eu

out=${1:-k8s/target/debian-jre21-base.tar}
suite=${DEBIAN_SUITE:-trixie}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if ! command -v mmdebstrap > /dev/null; then
    echo "debian-base.sh: mmdebstrap is not installed (apt-get install mmdebstrap)" >&2
    exit 2
fi
arch=$(dpkg --print-architecture)
case "$arch" in
    amd64 | arm64) ;;
    *) echo "debian-base.sh: architecture $arch is not one the relay's native transport ships for" >&2; exit 2 ;;
esac
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date +%s)}
export SOURCE_DATE_EPOCH

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One layer: the root file system. Documentation, manual pages and translations are left out (the
# manual's directory stays: the JRE's update-alternatives links its page there); the package lists
# and apt's caches are removed by mmdebstrap itself.
mmdebstrap --quiet --variant=minbase --architectures="$arch" \
    --include=openjdk-21-jre-headless,ca-certificates \
    --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$suite" "$work/layer.tar" "$mirror"

diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
cat > "$work/config.json" <<EOF
{"architecture":"$arch","os":"linux","created":"$created",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                  "JAVA_HOME=/usr/lib/jvm/java-21-openjdk-$arch","LANG=C.UTF-8"]},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created":"$created","created_by":"k8s/image/debian-base.sh: mmdebstrap $suite openjdk-21-jre-headless"}]}
EOF
cat > "$work/manifest.json" <<EOF
[{"Config":"config.json","RepoTags":["ampoule/debian-jre21-base:$suite"],"Layers":["layer.tar"]}]
EOF

mkdir -p "$(dirname "$out")"
tar --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 -C "$work" -cf "$out.partial" manifest.json config.json layer.tar
mv "$out.partial" "$out"
echo "debian-base.sh: $out ($(du -h "$out" | cut -f1)), java $(tar -xOf "$work/layer.tar" ./usr/lib/jvm/java-21-openjdk-$arch/release 2>/dev/null | sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p')"
