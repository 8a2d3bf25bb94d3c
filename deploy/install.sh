#!/usr/bin/env bash
# Installs kyc-review on a Debian host with systemd, as root, from a checkout:
#   release build → /usr/local/bin, the unit, /etc/kyc-review/kyc-review.conf (kept if present),
#   the system user kyc-review, `kyc-review migrate`, and the service enabled and started.
#
#   deploy/install.sh            # everything
#   SKIP_MIGRATE=1 deploy/install.sh
#
# The migration connects as the schema owner: run it where KYC_DATABASE_URL (or libpq's PG* variables)
# reaches the database as its owner, e.g. `sudo -u postgres deploy/install.sh` is NOT enough (the build
# needs root): set KYC_DATABASE_URL='host=/var/run/postgresql dbname=kyc user=postgres' instead.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }

make deps
swift build -c release --product kyc-reviewd
swift build -c release --product kyc-review
bin=$(swift build -c release --show-bin-path)
install -m 0755 "$bin/kyc-reviewd" "$bin/kyc-review" /usr/local/bin/
install -d -m 0755 /usr/local/share/doc/kyc-review
install -m 0644 README.md /usr/local/share/doc/kyc-review/README.md

getent group kyc-review >/dev/null || groupadd --system kyc-review
getent passwd kyc-review >/dev/null || useradd --system --gid kyc-review --home-dir /var/lib/kyc-review \
    --no-create-home --shell /usr/sbin/nologin kyc-review

install -d -m 0750 -g kyc-review /etc/kyc-review
[ -e /etc/kyc-review/kyc-review.conf ] || install -m 0640 -g kyc-review deploy/kyc-review.conf /etc/kyc-review/kyc-review.conf
[ -e /etc/kyc-review/smtp-password ] || install -m 0600 /dev/null /etc/kyc-review/smtp-password
install -m 0644 deploy/kyc-reviewd.service /etc/systemd/system/kyc-reviewd.service

if [ -z "${SKIP_MIGRATE:-}" ]; then
    /usr/local/bin/kyc-review migrate
fi

cat <<'NEXT'
Still to do, once, as the database owner (psql):
  CREATE ROLE "kyc-review" LOGIN IN ROLE kyc_daemon;   -- the daemon's system user, by peer authentication
Then check the configuration and start:
  sudo -u kyc-review kyc-reviewd --check-config
NEXT
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable --now kyc-reviewd.service
    systemctl --no-pager status kyc-reviewd.service || true
fi
