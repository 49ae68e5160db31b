#!/usr/bin/env bash
# Runs an image tar (Jib's k8s/target/ampoule-relay-image.tar, or any `docker save` tar) the way the
# StatefulSet runs the relay, on a machine with no container runtime: its layers unpacked into a root
# file system mounted read-only (readOnlyRootFilesystem), /tmp and the image's working directory on
# tmpfs (the pod's emptyDir and volume), as the image's user (65532, non-root), with the image's
# environment, entrypoint and command. For checking a freshly built image before it goes to a
# registry:
#
#   sudo k8s/image/run-image.sh k8s/target/ampoule-relay-image.tar            # the image's own command
#   sudo k8s/image/run-image.sh k8s/target/ampoule-relay-image.tar check-config
#   sudo k8s/image/run-image.sh --command -v /srv/keys:/etc/ampoule/external-sender:ro IMAGE_TAR /bin/sh -c '...'
#
# Arguments after the tar replace the image's command (Cmd), as with `docker run IMAGE ARG...` or a
# container's `args`; with `--command` they replace the entrypoint and command both, as a
# container's `command` does. `-v HOST_DIR:PATH[:ro]` (repeatable) mounts a host directory as a
# volume. Options go before the tar. The caller's AMPOULE_* variables are passed in; the image's
# user must be numeric (uid:gid), as Jib writes it. Linux only, as root (chroot and mounts, in a
# mount namespace of its own); the host's /dev is visible inside, and there is no network
# namespace: the relay's ports are the host's. SIGTERM or SIGINT go to the relay, which drains and
# stops; the unpacked file system and the tmpfs contents are removed afterwards.
set -euo pipefail

usage() {
    echo "usage: run-image.sh [--command] [-v HOST_DIR:PATH[:ro]]... IMAGE_TAR [ARG...]" >&2
    exit 2
}
volumes=()
replace_entrypoint=
while (($# > 0)) && [[ "$1" == -* ]]; do
    case "$1" in
        -v) (($# >= 2)) || usage; volumes+=("$2"); shift 2 ;;
        --command) replace_entrypoint=1; shift ;;
        *) usage ;;
    esac
done
(($# >= 1)) || usage
if [[ -z "${RUN_IMAGE_NAMESPACE:-}" ]]; then
    if [[ "$(id -u)" != 0 ]]; then
        echo "run-image.sh: needs root (chroot and mounts)" >&2
        exit 2
    fi
    for tool in jq unshare chroot tar; do
        command -v "$tool" > /dev/null || { echo "run-image.sh: needs $tool" >&2; exit 2; }
    done
    # Again, in a mount namespace of its own: the mounts below disappear with it.
    again=(${replace_entrypoint:+--command})
    for volume in "${volumes[@]}"; do
        again+=(-v "$volume")
    done
    exec env RUN_IMAGE_NAMESPACE=1 unshare --mount --propagation private -- "$0" "${again[@]}" "$@"
fi

image=$(realpath "$1")
shift
dir=$(mktemp -d)
root=$dir/root
relay=
cleanup() {
    umount -R "$root" 2> /dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
mkdir "$dir/image" "$root"
tar -xf "$image" -C "$dir/image"
manifest=$dir/image/manifest.json
config=$dir/image/$(jq -r '.[0].Config' "$manifest")
while read -r layer; do
    tar --warning=no-unknown-keyword -xf "$dir/image/$layer" -C "$root"
    if [[ -n "$(find "$root" -name '.wh.*' -print -quit)" ]]; then
        echo "run-image.sh: layer $layer deletes files (whiteouts), which this runner does not apply" >&2
        exit 2
    fi
done < <(jq -r '.[0].Layers[]' "$manifest")

user=$(jq -r '.config.User // "0:0"' "$config")
workdir=$(jq -r '.config.WorkingDir // "/"' "$config")
mapfile -t entrypoint < <(jq -r '.config.Entrypoint // [] | .[]' "$config")
if [[ -n "$replace_entrypoint" ]]; then
    (($# > 0)) || usage
    entrypoint=()
    command=("$@")
elif (($# > 0)); then
    command=("$@")
else
    mapfile -t command < <(jq -r '.config.Cmd // [] | .[]' "$config")
fi
mapfile -t environment < <(jq -r '.config.Env // [] | .[]' "$config")
while read -r name; do
    environment+=("$name=${!name}")
done < <(compgen -e | grep '^AMPOULE_' || true)

mkdir -p "$root$workdir" "$root/tmp" "$root/proc" "$root/dev"
for volume in "${volumes[@]}"; do
    IFS=: read -r host path mode <<< "$volume"
    [[ -d "$host" && "$path" == /* && "${mode:-rw}" =~ ^(ro|rw)$ ]] || usage
    mkdir -p "$root$path"
done
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mount -t tmpfs -o "uid=${user%%:*},gid=${user##*:},mode=0750" tmpfs "$root$workdir"
for volume in "${volumes[@]}"; do
    IFS=: read -r host path mode <<< "$volume"
    mount --bind "$host" "$root$path"
    if [[ "${mode:-rw}" == ro ]]; then
        mount -o remount,bind,ro "$root$path"
    fi
done

chroot --userspec="$user" "$root" /usr/bin/env -i "${environment[@]}" \
    /bin/sh -c 'cd "$0" && exec "$@"' "$workdir" "${entrypoint[@]}" "${command[@]}" &
relay=$!
trap 'kill -TERM "$relay" 2> /dev/null || true' TERM INT
status=0
wait "$relay" || status=$?
# A signal interrupts the first wait; the second waits for the relay's own exit.
if kill -0 "$relay" 2> /dev/null; then
    wait "$relay" || status=$?
fi
exit "$status"
