#!/usr/bin/env bash
# Installs evalrunner into a virtual environment, every package at the version pinned in
# constraints.txt. Usage:
#
#   ./install.sh                 # .venv with the `local` extra (the README's first command)
#   ./install.sh dev,local,hf    # other extras, comma-separated
#
# With the `local` extra, llama-cpp-python is built with portable CPU flags, never for
# this machine's own CPU: llama.cpp's native build crashes in its AMX code on some Xeons
# (ggml-org/llama.cpp#20824). The build is kept in a wheel cache of our own, keyed by
# version, flags, architecture and Python, because pip's cache ignores CMAKE_ARGS and
# would hand back a native build made earlier. With the `hf` extra, torch's CPU build is
# installed first. docs/install.md explains each choice. Environment: EVALRUNNER_VENV
# (default .venv), PYTHON (default python3), EVALRUNNER_WHEEL_CACHE (default
# ~/.cache/evalrunner/wheels).
set -euo pipefail
cd "$(dirname "$0")"
extras=${1:-local}
venv=${EVALRUNNER_VENV:-.venv}
cache_root=${EVALRUNNER_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/evalrunner/wheels}

[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
pip=("$venv/bin/python" -m pip)
pin() { sed -n "s/^$1==//p" constraints.txt; }
has_extra() { [[ ",$extras," == *",$1,"* ]]; }

llama_flags() {
  case "$(uname -m)" in
    # AVX2 machines (2013 on); AVX-512 and AMX stay off (they are off unless native or asked).
    x86_64 | amd64) echo "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON" \
      "-DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF" \
      "-DGGML_AMX_BF16=OFF" ;;
    aarch64 | arm64) echo "-DGGML_NATIVE=OFF -DGGML_CPU_ARM_ARCH=armv8-a" ;;
    *) echo "-DGGML_NATIVE=OFF" ;;
  esac
}

# The portable llama-cpp-python wheel: from our cache, or compiled once into it.
llama_wheel() {
  local version flags pytag key dir tmp
  version=$(pin llama-cpp-python)
  flags=$(llama_flags)
  pytag=$("$venv/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
  key="$version-$(uname -m)-$pytag-$(printf '%s' "$flags" | sha256sum | cut -c1-12)"
  dir="$cache_root/llama-cpp-python-$key"
  if ! compgen -G "$dir/*.whl" >/dev/null; then
    echo "Compiling llama.cpp (llama-cpp-python $version, portable flags: $flags)." >&2
    echo "This happens once per machine and takes several minutes; the wheel is kept in $dir." >&2
    mkdir -p "$cache_root"
    tmp=$(mktemp -d "$cache_root/.build.XXXXXX")
    CMAKE_ARGS="$flags" FORCE_CMAKE=1 "${pip[@]}" wheel --quiet --no-deps --no-cache-dir \
      --no-binary llama-cpp-python -w "$tmp" "llama-cpp-python==$version" >&2
    rm -rf "$dir" && mv "$tmp" "$dir"  # whole or not at all: an interrupted build leaves none
  fi
  compgen -G "$dir/*.whl" | head -n 1
}

# torch's CPU build: this machine's own wheels if pip is set up with them (find-links),
# else PyTorch's CPU index; plain PyPI would give the CUDA build (gigabytes more).
torch_cpu() {
  local spec="torch==$(pin torch)+cpu"
  "${pip[@]}" install --quiet --no-deps --no-index "$spec" 2>/dev/null ||
    "${pip[@]}" install --quiet --no-deps --index-url https://download.pytorch.org/whl/cpu "$spec"
}

if has_extra local; then
  wheel=$(llama_wheel)
  # --force-reinstall: a native build of the same version already here is replaced.
  "${pip[@]}" install --quiet --force-reinstall --no-deps "$wheel"
fi
has_extra hf && torch_cpu
"${pip[@]}" install --quiet -c constraints.txt -e ".[$extras]"
echo "Installed evalrunner with [$extras] into $venv." >&2
