# Sourced by .ci/run (and usable by hand: `. .ci/sandboxes.sh; sandboxes_up`): installs
# bubblewrap, Docker and docker-compose, starts a private Docker daemon (its own data root and socket, no
# iptables changes, no bridge), builds the tests' image offline, and exports DOCKER_HOST.
# `sandboxes_down` stops the daemon and removes its files.

SANDBOX_IMAGE=evalrunner-agents:bookworm

sandboxes_up() {
  local need=()
  command -v bwrap >/dev/null || need+=(bubblewrap)
  command -v dockerd >/dev/null || need+=(docker.io)
  command -v docker-compose >/dev/null || need+=(docker-compose)
  command -v mmdebstrap >/dev/null || need+=(mmdebstrap)
  if ((${#need[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
  SANDBOX_DIR=$(mktemp -d /tmp/evalrunner-dockerd.XXXXXX)
  # Started directly (no init system here); without these flags dockerd rewrites the
  # host's iptables and makes a bridge.
  dockerd --host "unix://$SANDBOX_DIR/docker.sock" --data-root "$SANDBOX_DIR/data" \
    --exec-root "$SANDBOX_DIR/exec" --pidfile "$SANDBOX_DIR/dockerd.pid" \
    --iptables=false --ip6tables=false --bridge=none --storage-driver=overlay2 \
    >"$SANDBOX_DIR/dockerd.log" 2>&1 &
  export DOCKER_HOST="unix://$SANDBOX_DIR/docker.sock"
  local i
  for i in $(seq 1 60); do
    docker version >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker version >/dev/null || { cat "$SANDBOX_DIR/dockerd.log"; return 1; }
  # No registry is reachable: a Debian root with python3 from the package mirror.
  if ! docker image inspect "$SANDBOX_IMAGE" >/dev/null 2>&1; then
    mmdebstrap --quiet --variant=minbase --include=python3 bookworm "$SANDBOX_DIR/root.tar" \
      </dev/null
    docker import --change 'WORKDIR /root' "$SANDBOX_DIR/root.tar" "$SANDBOX_IMAGE" >/dev/null
    rm -f "$SANDBOX_DIR/root.tar"
  fi
  # Here a missing sandbox fails its tests instead of skipping them.
  export EVALRUNNER_REQUIRE_SANDBOXES=1
}

sandboxes_down() {
  [ -n "${SANDBOX_DIR:-}" ] || return 0
  if [ -f "$SANDBOX_DIR/dockerd.pid" ]; then
    docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1 || true
    kill "$(cat "$SANDBOX_DIR/dockerd.pid")" 2>/dev/null || true
    for _ in $(seq 1 40); do
      [ -e "$SANDBOX_DIR/dockerd.pid" ] || break
      sleep 0.5
    done
  fi
  rm -rf "$SANDBOX_DIR" 2>/dev/null || true
}
