# Sourced by .ci/run (and usable by hand: `. .ci/sandboxes.sh; sandboxes_up`): installs
# bubblewrap, Docker and docker-compose, starts a private Docker daemon (its own socket,
# no iptables changes, no bridge) whose images are kept in $SANDBOX_DATA between runs,
# builds the tests' image offline if that recipe's image is not there yet, then the SDK
# agents' venv and image (sdk_agents_up) and the browser's image (browser_image_up), and
# exports DOCKER_HOST. `sandboxes_down` stops the daemon and removes its temporary files.

SANDBOX_IMAGE=evalrunner-agents:bookworm
SANDBOX_DATA=${EVALRUNNER_DOCKER_DATA:-/var/lib/evalrunner-ci/docker}
# The test image's recipe; its hash tags the image, so a changed recipe builds a new one.
SANDBOX_RECIPE="mmdebstrap --variant=minbase --include=python3 bookworm; import WORKDIR /root"

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
  mkdir -p "$SANDBOX_DATA"
  # One daemon at a time on the kept data root: a second CI run waits for the first.
  exec {SANDBOX_LOCK}>"$SANDBOX_DATA.lock"
  flock "$SANDBOX_LOCK"
  # Started directly (no init system here); without these flags dockerd rewrites the
  # host's iptables and makes a bridge.
  dockerd --host "unix://$SANDBOX_DIR/docker.sock" --data-root "$SANDBOX_DATA" \
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
  local built
  built="$SANDBOX_IMAGE-$(printf '%s' "$SANDBOX_RECIPE" | sha256sum | cut -c1-12)"
  if docker image inspect "$built" >/dev/null 2>&1; then
    echo "sandboxes: test image $built kept from an earlier run" >&2
  else
    mmdebstrap --quiet --variant=minbase --include=python3 bookworm "$SANDBOX_DIR/root.tar" \
      </dev/null
    docker import --change 'WORKDIR /root' "$SANDBOX_DIR/root.tar" "$built" >/dev/null
    rm -f "$SANDBOX_DIR/root.tar"
  fi
  docker tag "$built" "$SANDBOX_IMAGE"
  sdk_agents_up
  browser_image_up
  # Here a missing sandbox fails its tests instead of skipping them.
  export EVALRUNNER_REQUIRE_SANDBOXES=1
}

# The bridge's SDK agents (suites/agents/sdk_agents): the official openai and anthropic
# SDKs at the pins of constraints.txt, in a venv of Debian's python3 under /usr/local (which
# bwrap shows read-only) and, pip-installed the same way, in an image derived from the test
# image. Both are kept while their recipe (pins, agents, Dockerfile) is unchanged.
AGENTS_IMAGE=evalrunner-sdk-agents:bookworm
AGENTS_VENV=/usr/local/lib/evalrunner-agents
AGENTS_DOCKERFILE='FROM evalrunner-agents:bookworm
COPY . /tmp/build
RUN python3 -m venv --without-pip /usr/local/lib/evalrunner-agents \
 && set -- /tmp/build/wheels/pip-*.whl \
 && /usr/local/lib/evalrunner-agents/bin/python "$1/pip" install --quiet \
    --no-index --find-links /tmp/build/wheels openai anthropic \
 && cp /tmp/build/*.py /usr/local/lib/evalrunner-agents/ && rm -rf /tmp/build'

sdk_agents_up() {
  local agents=suites/agents/sdk_agents pins hash tag context
  /usr/bin/python3 -c 'import ensurepip' 2>/dev/null || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  }
  pins=$(grep -E '^(openai|anthropic)==' constraints.txt)
  hash=$({ echo "$pins"; echo "$AGENTS_DOCKERFILE"; cat "$agents"/*.py; } | sha256sum | cut -c1-12)
  if [ "$(cat "$AGENTS_VENV/.recipe" 2>/dev/null)" != "$hash" ]; then
    rm -rf "$AGENTS_VENV"
    /usr/bin/python3 -m venv "$AGENTS_VENV"
    "$AGENTS_VENV/bin/pip" install --quiet $pins
    cp "$agents"/*.py "$AGENTS_VENV/"
    echo "$hash" > "$AGENTS_VENV/.recipe"
  fi
  tag="$AGENTS_IMAGE-$hash"
  if ! docker image inspect "$tag" >/dev/null 2>&1; then
    # pip downloads the wheels here (the registry and its certificates as this machine
    # has them); the image installs them with pip, offline.
    context=$(mktemp -d)
    "$AGENTS_VENV/bin/pip" download --quiet -d "$context/wheels" pip $pins 2>/dev/null
    cp "$agents"/*.py "$context/"
    echo "$AGENTS_DOCKERFILE" > "$context/Dockerfile"
    docker build --network host --quiet --force-rm -t "$tag" "$context" >/dev/null
    rm -rf "$context"
  fi
  docker tag "$tag" "$AGENTS_IMAGE"
}

# web_browser's and computer's image (suites/agents/web_browser.yml, computer.yml): the test
# image with Debian's chromium and chromium-driver, and a desktop for `computer` (Xvfb, xdotool
# for keys and the mouse, scrot for screenshots, x11-utils for xmessage windows), from the
# package mirror (--network host; no registry). Kept while its recipe is unchanged.
BROWSER_IMAGE=evalrunner-browser:bookworm
BROWSER_DOCKERFILE='FROM evalrunner-agents:bookworm
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver fonts-dejavu-core xvfb xdotool scrot x11-utils >/dev/null \
 && rm -rf /var/lib/apt/lists/*'

browser_image_up() {
  local tag context
  tag="$BROWSER_IMAGE-$({ docker image inspect -f '{{.Id}}' "$SANDBOX_IMAGE"; \
    echo "$BROWSER_DOCKERFILE"; } | sha256sum | cut -c1-12)"
  if ! docker image inspect "$tag" >/dev/null 2>&1; then
    context=$(mktemp -d)
    echo "$BROWSER_DOCKERFILE" > "$context/Dockerfile"
    docker build --network host --quiet --force-rm -t "$tag" "$context" >/dev/null
    rm -rf "$context"
  fi
  docker tag "$tag" "$BROWSER_IMAGE"
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
  [ -z "${SANDBOX_LOCK:-}" ] || exec {SANDBOX_LOCK}>&-
}
