#!/usr/bin/env bash
# Installs the Debian packages that Gantry's tests and local tooling need:
#   radosgw, ceph-mon, ceph-osd, ceph-common  -> a real S3 endpoint (Ceph RGW) for the S3 connector tests
#   chromium                                   -> headless browser for e2e / screenshots
#   rclone                                     -> cross-checking storage backends
# Idempotent: packages already installed are skipped; `apt-get update` runs only when something
# is missing (and is retried once with a fresh update if the install fails on a stale list).
set -euo pipefail

PACKAGES=(radosgw ceph-mon ceph-osd ceph-common chromium rclone)

if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "install-system-deps: must run as root (or with sudo available)" >&2; exit 1
  fi
else
  SUDO=()
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then missing+=("$p"); fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-system-deps: all present (${PACKAGES[*]})"
  exit 0
fi

echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_install() {
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}
# Update first when the package lists are empty; otherwise try the install as-is and refresh on failure.
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || ! apt_install; then
  "${SUDO[@]}" apt-get update
  apt_install
fi

for p in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then echo "install-system-deps: $p failed to install" >&2; exit 1; fi
done
echo "install-system-deps: done"
