# Shared by the benchmark scripts (sourced after var/env): medians and percentiles of one number per line,
# the admin connection, and a database's URL on the test server.
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
percentile() { sort -g | awk -v p="$1" '{ a[NR] = $1 } END { i = int(NR * p + 0.5); if (i < 1) i = 1; print a[i] }'; }
seconds() { local start=$1; echo "$(date +%s.%N) - $start" | bc -l; }
admin() { psql -X -q -v ON_ERROR_STOP=1 "$KYC_TEST_ADMIN_URL" "$@"; }
url_of() { echo "${KYC_TEST_ADMIN_URL%/postgres}/$1"; }
