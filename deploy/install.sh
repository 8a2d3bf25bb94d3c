#!/usr/bin/env bash
# Installs kyc-review on a Debian host with systemd, as root, from a checkout:
#   release build → /usr/local/bin, the units, /etc/kyc-review/kyc-review.conf and
#   /etc/kyc-review-report/report.conf (kept if present, see deploy/install-config), the system users
#   kyc-review, kyc-report and kyc-privacy, `kyc-review migrate`, and the daemon enabled and started.
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

getent group kyc-report >/dev/null || groupadd --system kyc-report
getent passwd kyc-report >/dev/null || useradd --system --gid kyc-report --no-create-home \
    --shell /usr/sbin/nologin kyc-report

# /etc/kyc-review (the daemon's; the keyring made once) and /etc/kyc-review-report (the report's).
deploy/install-config
install -m 0644 deploy/kyc-reviewd.service /etc/systemd/system/kyc-reviewd.service
getent group kyc-privacy >/dev/null || groupadd --system kyc-privacy
getent passwd kyc-privacy >/dev/null || useradd --system --gid kyc-privacy --no-create-home --shell /usr/sbin/nologin kyc-privacy
install -m 0644 deploy/kyc-review-purge.service deploy/kyc-review-purge.timer /etc/systemd/system/
install -m 0644 deploy/kyc-review-report.service deploy/kyc-review-report.timer \
    deploy/kyc-review-report-mail.service deploy/kyc-review-report-mail.timer /etc/systemd/system/

if [ -z "${SKIP_MIGRATE:-}" ]; then
    /usr/local/bin/kyc-review migrate
    # The group roles kyc_daemon, kyc_reporter and kyc_privacy cannot log in: each service logs in as a role
    # of its own, named like its system user (peer authentication), that is a member. Made once, kept after.
    psql -X -q -v ON_ERROR_STOP=1 \
        "${KYC_DATABASE_URL:-$(sed -n 's/^KYC_DATABASE_URL=//p' /etc/kyc-review/kyc-review.conf)}" <<'SQL'
DO $login$
DECLARE
    pair text[];
BEGIN
    FOREACH pair SLICE 1 IN ARRAY ARRAY[['kyc-review', 'kyc_daemon'], ['kyc-report', 'kyc_reporter'],
                                         ['kyc-privacy', 'kyc_privacy']] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = pair[1]) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', pair[1]);
        END IF;
        IF NOT pg_catalog.pg_has_role(pair[1], pair[2], 'MEMBER') THEN
            EXECUTE format('GRANT %I TO %I', pair[2], pair[1]);
        END IF;
    END LOOP;
END
$login$;
SQL
fi

cat <<'NEXT'
Database roles: the services log in as "kyc-review" (daemon), "kyc-report" (report) and "kyc-privacy"
(purge), by peer authentication from the system users of the same names (pg_hba.conf:
"local kyc kyc-review,kyc-report,kyc-privacy peer"). People get roles of their own, as the database owner:
  CREATE ROLE alice LOGIN IN ROLE kyc_reviewer;      -- a reviewer
  CREATE ROLE carol LOGIN IN ROLE kyc_review_lead;   -- a reviewers' lead: reviews, and may break leases
  CREATE ROLE dave LOGIN IN ROLE kyc_policy;         -- a policy administrator: policy set, replay
Then: systemctl enable --now kyc-review-purge.timer
The report reads /etc/kyc-review-report/report.conf (edit the sender; the recipients are in
kyc-review-report-mail.service), then either
  systemctl enable --now kyc-review-report.timer kyc-review-report-mail.timer
or: install -m 0644 deploy/kyc-review-report.cron /etc/cron.d/kyc-review-report
Then check the configuration and start:
  sudo -u kyc-review kyc-reviewd --check-config
NEXT
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    systemctl enable --now kyc-reviewd.service
    systemctl --no-pager status kyc-reviewd.service || true
fi
