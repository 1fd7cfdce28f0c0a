# shellcheck shell=bash
# scripts/lib.sh - functions shared by scripts/run and scripts/test: install
# the Debian packages, build, and start and stop a private PostgreSQL cluster
# and a web server with the scim-fcgi workers: lighttpd, Apache with
# mod_fcgid, or Apache running the worker as plain CGI.
#
# Sourced, not run. The caller sets `set -euo pipefail`, REPO (the top of the
# clone) and SCRIPT (its name, for messages). Each server keeps its files in
# RUN_DIR (see runtime_setup); every process started here is stopped by
# servers_stop, which is safe to call twice.
#
# Functions that can fail in a way a caller wants to count (the build, the
# start of the servers) log and return 1 instead of exiting; they check each
# step themselves, since bash turns off set -e inside `if f` and `f ||`.

# Debian packages for building and running; apache only when asked for.
# shellcheck disable=SC2034 # used by the scripts that source this file
PACKAGES=(build-essential autoconf automake libtool pkgconf libfcgi-dev
	libjansson-dev liburiparser-dev libpq-dev libsodium-dev postgresql lighttpd curl python3)
# shellcheck disable=SC2034
APACHE_PACKAGES=(apache2 libapache2-mod-fcgid)
# nginx, and what runs the workers for it (lighttpd/scim-fcgi.service).
# shellcheck disable=SC2034
NGINX_PACKAGES=(nginx spawn-fcgi multiwatch)
# The browser tests of the admin console (tests/browser): Debian's chromium,
# driven by playwright-core from npm with the machine's Node.js (Debian's
# nodejs and npm when there is none).
# shellcheck disable=SC2034
BROWSER_PACKAGES=(chromium)
# groff, which checks the manual pages (man/) in scripts/test.
# shellcheck disable=SC2034
DOC_PACKAGES=(groff-base)
# The load generator of bench/throughput (pgbench comes with postgresql).
# shellcheck disable=SC2034
BENCH_PACKAGES=(wrk)
# The fuzz targets (scripts/fuzz): clang with libFuzzer and the sanitizer
# runtimes, and llvm-symbolizer for the stack traces of their reports.
# shellcheck disable=SC2034
FUZZ_PACKAGES=(clang libclang-rt-dev llvm)
# The Debian package (scripts/package-test): debhelper and lintian, what
# the package recommends (the service's spawn-fcgi and multiwatch, psql),
# and man, which finds its manual pages. dpkg-dev comes with build-essential.
# shellcheck disable=SC2034
PACKAGE_PACKAGES=(debhelper lintian spawn-fcgi multiwatch postgresql-client man-db)

# useradd, runuser and lighttpd live in sbin, which a user's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

# The cluster listens on a unix socket only, so its port number only names
# the socket file and cannot clash with another server.
PG_PORT=5432
# Who the worker connects as: the owner of the database, not a superuser.
DB_NAME=scim
DB_USER=scim

log() { printf '%s: %s\n' "$SCRIPT" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

### Packages and build

# Install the packages that are missing; apt-get runs only when one is.
deps_install() {
	local pkg missing=()
	if ! command -v dpkg-query >/dev/null; then
		log "not a Debian system: make sure these are installed: $*"
		return 0
	fi
	for pkg in "$@"; do
		# Status "ii" is installed; "rc" (removed, config left) is not.
		if [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null) != ii* ]]; then
			missing+=("$pkg")
		fi
	done
	((${#missing[@]} == 0)) && return 0

	log "installing ${missing[*]}"
	local sudo=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null ||
			die "missing packages: ${missing[*]}: install them as root"
		sudo=(sudo)
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 ||
		die "apt-get update failed"
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >&2 ||
		die "apt-get install failed"
}

# What the browser tests need: chromium, Node.js with npm, and
# playwright-core as tests/browser/package-lock.json pins it.
browser_setup() {
	deps_install "${BROWSER_PACKAGES[@]}"
	command -v npm >/dev/null || deps_install nodejs npm
	if [[ ! -d $REPO/tests/browser/node_modules/playwright-core ||
		$REPO/tests/browser/package-lock.json -nt $REPO/tests/browser/node_modules ]]; then
		npm ci --prefix "$REPO/tests/browser" --no-audit --no-fund >&2 || return 1
		touch "$REPO/tests/browser/node_modules"
	fi
}

# Make the Makefile: autoreconf and configure run only when their inputs
# changed; CONFIGURE_FLAGS (e.g. --enable-asan) go to configure.
configure_tree() {
	(
		cd "$REPO" || exit 1
		if [[ ! -x configure || configure.ac -nt configure ]]; then
			autoreconf -fi || exit 1
		fi
		if [[ ! -f Makefile || configure -nt config.status ]]; then
			# shellcheck disable=SC2086 # CONFIGURE_FLAGS is a list of flags
			./configure -q ${CONFIGURE_FLAGS:-} || exit 1
		fi
	) >&2
}

# Build src/scim-fcgi and src/scimctl.
build() {
	configure_tree || return 1
	(cd "$REPO" && make -j"$(nproc)") >&2
}

# Print the value of a variable of the generated Makefile (e.g. check_PROGRAMS).
make_variable() {
	make -s --no-print-directory -C "$REPO" -f Makefile -f - print-variable VARIABLE="$1" <<'EOF'
print-variable:
	@echo $($(VARIABLE))
EOF
}

### Users and directories

# PostgreSQL refuses to run as root and lighttpd should not either: as root,
# the servers run as an unprivileged system user (SCIM_SERVICE_USER, default
# scim, created when missing). Otherwise RUN_USER stays empty: servers run as
# the caller.
service_user_setup() {
	RUN_USER="" RUN_GROUP=""
	((EUID == 0)) || return 0
	RUN_USER=${SCIM_SERVICE_USER:-scim}
	if ! id -u "$RUN_USER" >/dev/null 2>&1; then
		useradd --system --user-group --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$RUN_USER" ||
			die "cannot create the system user $RUN_USER"
	fi
	RUN_GROUP=$(id -gn "$RUN_USER")
}

# Run a command as the service user (or as the caller when not root).
as_service_user() {
	if [[ -n $RUN_USER ]]; then
		runuser -u "$RUN_USER" -- "$@"
	else
		"$@"
	fi
}

# Give a path we created to the service user (no-op when not root).
give_to_service_user() {
	[[ -z $RUN_USER ]] || chown "$RUN_USER:$RUN_GROUP" "$@"
}

# Choose RUN_DIR, where the servers keep their files: the state directory
# itself when the service user can reach it; otherwise (a clone under /root,
# mode 700) or when its path is too long for unix sockets (108 bytes with the
# socket names), a directory under /var/tmp named after the state directory,
# so that the next run with the same state finds it again.
runtime_setup() {
	local state=$1
	mkdir -p "$state"
	STATE_DIR=$(cd "$state" && pwd -P)
	RUN_DIR=$STATE_DIR
	if ((${#RUN_DIR} > 75)) || ! as_service_user test -x "$RUN_DIR"; then
		RUN_DIR=/var/tmp/scim-$(printf '%s' "$STATE_DIR" | sha256sum | cut -c1-12)
		log "note: ${RUN_USER:-the servers} cannot use $STATE_DIR for sockets and data:" \
			"they live in $RUN_DIR (linked as $STATE_DIR/runtime)"
		mkdir -p "$RUN_DIR"
		# Refuse a directory someone else prepared: /var/tmp is shared.
		[[ -O $RUN_DIR || $(stat -c %U "$RUN_DIR") == "$RUN_USER" ]] ||
			die "$RUN_DIR belongs to $(stat -c %U "$RUN_DIR"), not to us"
		chmod 700 "$RUN_DIR"
		ln -sfn "$RUN_DIR" "$STATE_DIR/runtime"
	fi

	PG_DATA=$RUN_DIR/pg/data
	PG_SOCKET_DIR=$RUN_DIR/pg/sock
	PG_LOG=$RUN_DIR/pg/postgres.log
	LIGHTTPD_DIR=$RUN_DIR/lighttpd
	mkdir -p "$RUN_DIR/pg" "$PG_SOCKET_DIR" "$LIGHTTPD_DIR/htdocs" "$LIGHTTPD_DIR/tmp" \
		"$LIGHTTPD_DIR/errors"
	# The socket directory is the access control of the trust-auth cluster.
	chmod 700 "$PG_SOCKET_DIR"
	give_to_service_user "$RUN_DIR" "$RUN_DIR/pg" "$PG_SOCKET_DIR" \
		"$LIGHTTPD_DIR" "$LIGHTTPD_DIR/htdocs" "$LIGHTTPD_DIR/tmp"
	SCIM_DATABASE="host=$PG_SOCKET_DIR port=$PG_PORT dbname=$DB_NAME user=$DB_USER"
}

### Ports and processes

# Print a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Succeed when the port on 127.0.0.1 can be bound.
port_is_free() {
	python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

# Succeed while the process runs (a zombie that nobody reaps counts as gone).
process_alive() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# Print the ids of the processes holding a unix socket in directory $1: the
# FastCGI workers listen on theirs, whoever their parent is by then.
socket_holders() {
	local inode path patterns=()
	# /proc/net/unix: Num RefCount Protocol Flags Type St Inode Path
	while read -r _ _ _ _ _ _ inode path; do
		[[ $path == "$1"/* ]] && patterns+=(-o -lname "socket:\[$inode\]")
	done </proc/net/unix
	((${#patterns[@]} > 0)) || return 0
	find /proc/[0-9]*/fd -maxdepth 1 \( "${patterns[@]:1}" \) 2>/dev/null |
		cut -d/ -f3 | sort -u
}

# Send SIGTERM to the processes, wait up to 10 s, then SIGKILL what is left.
stop_processes() {
	local pid tries
	(($# > 0)) || return 0
	kill -TERM "$@" 2>/dev/null || true
	for ((tries = 0; tries < 100; tries++)); do
		for pid in "$@"; do
			process_alive "$pid" && break
			pid=""
		done
		[[ -z $pid ]] && return 0
		sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null || true
}

# Stop web server process $1 (a child of this shell) and wait for it. With
# $1 empty, stop what a killed run left instead: the process that pid file
# $2 names, when its command line holds $3; $4 names it in the log.
server_process_stop() {
	local pid=$1 file=${2:-} pattern=${3:-} name=${4:-}
	if [[ -z $pid && -s $file ]]; then
		read -r pid <"$file" || true
		# A pid file left by a process that is gone: quiet (the braces
		# make 2>/dev/null cover the failed redirection too).
		if [[ $({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) == *"$pattern"* ]]; then
			log "stopping $name $pid left running in $(dirname "$file")"
		else
			pid=""
		fi
	fi
	[[ -n $pid ]] || return 0
	stop_processes "$pid"
	wait "$pid" 2>/dev/null || true
}

### PostgreSQL

# Print the directory holding initdb and pg_ctl (Debian keeps them off PATH).
pg_find_bindir() {
	local dir dirs=()
	for dir in /usr/lib/postgresql/*/bin; do
		[[ -x $dir/initdb ]] && dirs+=("$dir")
	done
	if ((${#dirs[@]} > 0)); then
		printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1
	elif command -v initdb >/dev/null; then
		dirname "$(command -v initdb)"
	else
		die "initdb not found: install the Debian package postgresql"
	fi
}

# Start the cluster in $PG_DATA (created on first use) as the service user,
# on the unix socket in $PG_SOCKET_DIR only. PG_OPTIONS holds extra server
# options, e.g. "-c fsync=off". Prints the server log when the start fails.
pg_start() {
	PG_BINDIR=$(pg_find_bindir) || return 1
	if [[ ! -f $PG_DATA/PG_VERSION ]]; then
		# Trust is safe here: only the owner of the socket directory can connect.
		if ! as_service_user "$PG_BINDIR/initdb" --nosync -D "$PG_DATA" -U postgres \
			--auth=trust -E UTF8 --locale=C.UTF-8 >"$RUN_DIR/pg/initdb.log" 2>&1; then
			cat "$RUN_DIR/pg/initdb.log" >&2
			log "initdb failed"
			return 1
		fi
	fi
	# A server left behind by a killed run holds the data directory: stop it
	# so that this run owns the server it stops at the end.
	if as_service_user "$PG_BINDIR/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1; then
		log "stopping a PostgreSQL server left running in $PG_DATA"
		pg_stop
	fi
	# pg_ctl hands -o to a shell: the quotes keep the empty listen_addresses.
	# 9>&-: the server must not hold scripts/run's lock.
	if ! as_service_user "$PG_BINDIR/pg_ctl" start -w -t 60 -D "$PG_DATA" -l "$PG_LOG" \
		-o "-c listen_addresses='' -c unix_socket_directories='$PG_SOCKET_DIR' -c port=$PG_PORT ${PG_OPTIONS:-}" \
		>/dev/null 9>&-; then
		log "PostgreSQL did not start; the end of $PG_LOG:"
		tail -n 30 "$PG_LOG" >&2 || true
		return 1
	fi
}

# Stop the cluster if it runs; quiet, as it runs on exit.
pg_stop() {
	[[ -n ${PG_BINDIR:-} && -f ${PG_DATA:-}/postmaster.pid ]] || return 0
	as_service_user "$PG_BINDIR/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 30 >/dev/null 2>&1 ||
		as_service_user "$PG_BINDIR/pg_ctl" stop -D "$PG_DATA" -m immediate >/dev/null 2>&1 ||
		log "warning: could not stop PostgreSQL in $PG_DATA"
}

# Restart the cluster under its clients, with pg_ctl's shutdown mode $1:
# fast (the server ends each session, then shuts down cleanly) or immediate
# (a crash: sessions end without a word, recovery runs at the start).
pg_restart() {
	as_service_user "$PG_BINDIR/pg_ctl" restart -D "$PG_DATA" -m "$1" -w -t 60 -l "$PG_LOG" \
		>/dev/null 9>&- || {
		log "PostgreSQL did not restart ($1); the end of $PG_LOG:"
		tail -n 30 "$PG_LOG" >&2 || true
		return 1
	}
}

# Create the role and the database the service uses, unless they exist.
pg_create_database() {
	local psql=("$PG_BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1
		-h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres)
	# Explicit returns: callers test this function, which turns off set -e.
	if [[ -z $("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'") ]]; then
		"${psql[@]}" -c "CREATE ROLE $DB_USER LOGIN" || return 1
	fi
	if [[ -z $("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'") ]]; then
		"${psql[@]}" -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" || return 1
	fi
}

### The service

# Paths of the programs; SCIM_FCGI_BIN and SCIM_SCIMCTL override them.
# SCIM_FCGI_WRAPPER runs the workers under a tool, e.g. "valgrind -q"
# (its output lands in the worker log). Sets FCGI_PROGRAM (the worker
# itself), FCGI_WRAPPER (the tool, resolved, or empty) and FCGI_BIN (both:
# the command lighttpd runs).
programs_setup() {
	local wrapper
	FCGI_WRAPPER=
	FCGI_BIN=${SCIM_FCGI_BIN:-$REPO/src/scim-fcgi}
	SCIMCTL=${SCIM_SCIMCTL:-$REPO/src/scimctl}
	[[ -x $FCGI_BIN ]] || die "$FCGI_BIN is missing: did the build fail?"
	[[ -x $SCIMCTL ]] || die "$SCIMCTL is missing: did the build fail?"
	# lighttpd starts the workers after switching to the service user: when
	# the build tree is out of that user's reach, run a copy in RUN_DIR.
	if [[ -n $RUN_USER ]] && ! as_service_user test -x "$FCGI_BIN"; then
		mkdir -p "$RUN_DIR/bin"
		install -m 755 "$FCGI_BIN" "$RUN_DIR/bin/scim-fcgi"
		FCGI_BIN=$RUN_DIR/bin/scim-fcgi
	fi
	FCGI_PROGRAM=$FCGI_BIN
	if [[ -n ${SCIM_FCGI_WRAPPER:-} ]]; then
		# lighttpd splits bin-path at spaces but does not search PATH.
		read -ra wrapper <<<"$SCIM_FCGI_WRAPPER"
		wrapper[0]=$(command -v "${wrapper[0]}") || die "${wrapper[0]} not found"
		FCGI_WRAPPER=${wrapper[*]}
		FCGI_BIN="$FCGI_WRAPPER $FCGI_BIN"
	fi
}

# Run scimctl against the service database.
scimctl() {
	SCIM_DATABASE=$SCIM_DATABASE SCIM_SQL_DIR=$REPO/sql "$SCIMCTL" "$@"
}

# Apply the migrations in sql/ (idempotent).
migrate() {
	scimctl migrate >&2 || {
		log "scimctl migrate failed"
		return 1
	}
}

# Make sure tenant $1 exists and set TOKEN to a new token for it, titled $2,
# and TOKEN_ID to its id. scimctl shows URL (or SCIM_BASE_URL) as the Tenant
# URL on stderr.
tenant_token() {
	local tenant=$1 title=$2 output said
	# On a reused state the tenant exists and "tenant add" fails: that error
	# only matters if the token cannot be made either.
	if output=$(scimctl tenant add "$tenant" 2>&1); then
		log "created tenant $tenant: $output"
	fi
	said=$(mktemp)
	if ! TOKEN=$(SCIM_BASE_URL=${SCIM_BASE_URL:-$URL} scimctl token add "$tenant" --title "$title" 2>"$said"); then
		cat "$said" >&2
		rm -f "$said"
		printf '%s\n' "$output" >&2
		log "scimctl token add $tenant failed"
		return 1
	fi
	# "Token N for tenant ...", with the Tenant URL, on standard error.
	cat "$said" >&2
	TOKEN_ID=$(sed -n 's/^Token \([0-9][0-9]*\) for tenant .*/\1/p' "$said")
	rm -f "$said"
	# The token is alone on the last line.
	TOKEN=$(printf '%s\n' "$TOKEN" | sed '/^[[:space:]]*$/d' | tail -n 1)
	[[ -n $TOKEN ]] || {
		log "scimctl token add printed no token"
		return 1
	}
}

### lighttpd

# Start lighttpd in the foreground (as a child of this shell) on
# 127.0.0.1:$1 (default $PORT) with lighttpd/lighttpd.conf, which reads its
# values from the environment. Sets LIGHTTPD_PID.
lighttpd_start() {
	local lighttpd conf=$REPO/lighttpd/lighttpd.conf port=${1:-$PORT}
	lighttpd=$(command -v lighttpd) || {
		log "lighttpd not found: install the Debian package lighttpd"
		return 1
	}
	# lighttpd's own errors, as SCIM JSON (see lighttpd.conf).
	install -m 644 "$REPO"/lighttpd/errors/status-*.html "$LIGHTTPD_DIR/errors/" || return 1
	export SCIM_LIGHTTPD_DIR=$LIGHTTPD_DIR SCIM_PORT=$port SCIM_FCGI_BIN=$FCGI_BIN \
		SCIM_DATABASE SCIM_RUN_USER=$RUN_USER SCIM_RUN_GROUP=$RUN_GROUP \
		SCIM_FCGI_PROCS=${SCIM_FCGI_PROCS:-4}
	"$lighttpd" -tt -f "$conf" >&2 || {
		log "lighttpd rejects $conf"
		return 1
	}
	# In a session of its own, Ctrl-C in the terminal reaches only this
	# script, which then stops lighttpd, which stops its workers. (Were they
	# hit too, lighttpd would restart workers while shutting down.) setsid
	# does not fork here: a background job is no process group leader.
	# Early failures (before the error log is open) go to stderr.log; 9>&-
	# as for pg_start.
	setsid "$lighttpd" -D -f "$conf" 2>>"$LIGHTTPD_DIR/stderr.log" 9>&- &
	LIGHTTPD_PID=$!
}

# Stop lighttpd and any worker it leaves behind (lighttpd stops its workers
# itself, unless it died first). Before a start, this stops what a killed
# run left in LIGHTTPD_DIR: lighttpd is known by its pid file.
lighttpd_stop() {
	local workers
	[[ -n ${LIGHTTPD_DIR:-} ]] || return 0
	server_process_stop "${LIGHTTPD_PID:-}" "$LIGHTTPD_DIR/lighttpd.pid" lighttpd lighttpd
	LIGHTTPD_PID=
	mapfile -t workers < <(socket_holders "$LIGHTTPD_DIR")
	stop_processes "${workers[@]}"
}

### Apache

# Print the path of the Apache binary: Debian's apache2, elsewhere httpd.
apache_find() {
	local name
	for name in apache2 httpd; do
		command -v "$name" && return 0
	done
	log "Apache not found: install the Debian packages ${APACHE_PACKAGES[*]}"
	return 1
}

# Print the directory of Apache's loadable modules.
apache_modules_dir() {
	local dir
	for dir in /usr/lib/apache2/modules /usr/lib64/httpd/modules /usr/lib/httpd/modules; do
		[[ -f $dir/mod_alias.so ]] && {
			echo "$dir"
			return 0
		}
	done
	log "Apache's modules not found: install the Debian package apache2"
	return 1
}

# Print $1 as a double-quoted Apache configuration argument.
apache_quote() {
	printf '"%s"' "${1//\"/\\\"}"
}

# Print the start of an httpd.conf for directory $1 on 127.0.0.1:$2, what a
# host's main configuration holds: where Apache keeps its files, whom it
# serves as, its error log, and the modules $4... (names without mod_, the
# MPM first) with the settings of that MPM; $3 says who generated it.
apache_main_config() {
	local dir=$1 port=$2 generator=$3 modules name
	shift 3
	modules=$(apache_modules_dir) || return 1
	cat <<EOF
# httpd.conf - generated by scripts/lib.sh ($generator): Apache on
# 127.0.0.1:$port.
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$dir/httpd.pid"
DefaultRuntimeDir "$dir/run"
ErrorLog "$dir/error.log"
LogLevel warn
EOF
	if [[ -n $RUN_USER ]]; then
		# Started as root, Apache serves as the service user (it refuses to
		# serve as root).
		printf 'User %s\nGroup %s\n' "$RUN_USER" "$RUN_GROUP"
	fi
	for name in "$@"; do
		echo "LoadModule ${name}_module \"$modules/mod_$name.so\""
	done
	if [[ $1 == mpm_prefork ]]; then
		printf '%s\n' "StartServers 2" "MinSpareServers 2" "MaxSpareServers 8" "MaxRequestWorkers 32"
	else
		printf '%s\n' "StartServers 1" "ServerLimit 2" "ThreadsPerChild 25" "MaxRequestWorkers 50" \
			"MinSpareThreads 5" "MaxSpareThreads 50"
	fi
	if [[ " $* " == *" fcgid "* ]]; then
		# mod_fcgid's own files, as Debian's fcgid.conf places them.
		printf 'FcgidIPCDir "%s"\nFcgidProcessTableFile "%s"\n' "$dir/fcgid" "$dir/fcgid/table"
	fi
}

# Print the configuration of an Apache for mode $1 (fcgid or cgi) in
# directory $2 on 127.0.0.1:$3, running program $4 (named scim-fcgi) for
# everything under /scim/v2: the main configuration of a host, then the
# file to deploy, apache/scim-fcgid.conf or apache/scim-cgi.conf, as it is,
# its values defined before it, without TLS.
apache_config() {
	local mode=$1 dir=$2 port=$3 program=$4 modules name value site=$REPO/apache/scim-$1.conf
	if [[ $mode == fcgid ]]; then
		modules=(mpm_event fcgid)
	else
		# mod_cgi, with the MPM it belongs to (see apache/scim-cgi.conf).
		modules=(mpm_prefork cgi env)
	fi
	apache_main_config "$dir" "$port" apache_start "${modules[@]}" authz_core alias || return 1
	cat <<EOF
ServerTokens Prod
ServerSignature Off

# Nothing is served from disk but what the site below allows.
DocumentRoot "$dir/htdocs"
<Directory />
	AllowOverride None
	Options None
	Require all denied
</Directory>

# The values of this install for $(basename "$site").
Define SCIM_PLAIN_HTTP
Define SCIM_HOST 127.0.0.1
Define SCIM_PORT $port
Define SCIM_BINDIR $(apache_quote "$(dirname "$program")")
Define SCIM_ERRORS $(apache_quote "$dir/errors")
Define APACHE_LOG_DIR $(apache_quote "$dir")
Define SCIM_BASE_URL $(apache_quote "${SCIM_BASE_URL:-http://127.0.0.1:$port/scim/v2}")
EOF
	[[ $mode == cgi ]] || echo "Define SCIM_WORKERS ${SCIM_FCGI_PROCS:-4}"
	# The worker's settings that are set here; libpq's PG* variables stand
	# for a SCIM_DATABASE longer than mod_fcgid passes on.
	for name in SCIM_DATABASE SCIM_LOG_LEVEL SCIM_MAX_BODY SCIM_MAX_RESULTS SCIM_TRUSTED_PROXIES \
		SCIM_TOKEN_CACHE_SECONDS SCIM_PROVISIONING_LOG SCIM_METRICS SCIM_METRICS_FILE \
		PGHOST PGPORT PGDATABASE PGUSER PGTARGETSESSIONATTRS; do
		value=${!name:-}
		[[ -n $value ]] || continue
		[[ $name != PG* || -z ${SCIM_DATABASE:-} ]] || continue
		# mod_fcgid 2.3.9 cuts longer values silently.
		if [[ $mode == fcgid ]] && ((${#value} > 127)); then
			log "$name is longer than mod_fcgid passes on (127 bytes)"
			return 1
		fi
		echo "Define $name $(apache_quote "$value")"
	done
	printf '\nInclude %s\n' "$(apache_quote "$site")"
}

# Print a POSIX shell word holding $1.
sh_quote() {
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# Start Apache in the foreground (a child of this shell) on 127.0.0.1:$2,
# with the worker run by mod_fcgid ($1 = fcgid) or as plain CGI ($1 = cgi),
# from apache/scim-fcgid.conf or apache/scim-cgi.conf and a main
# configuration generated in $RUN_DIR/apache-$1. Sets APACHE_DIR and
# APACHE_PID.
apache_start() {
	local mode=$1 port=$2 apache program name
	apache=$(apache_find) || return 1
	APACHE_DIR=$RUN_DIR/apache-$mode
	mkdir -p "$APACHE_DIR/htdocs" "$APACHE_DIR/errors" "$APACHE_DIR/run" "$APACHE_DIR/fcgid"
	give_to_service_user "$APACHE_DIR" "$APACHE_DIR/run" "$APACHE_DIR/fcgid"
	install -m 644 "$REPO"/apache/errors/*.json "$APACHE_DIR/errors/" || return 1
	program=$FCGI_PROGRAM
	# The site runs a program named scim-fcgi, with the settings it names:
	# a worker by another name, one under a tool (SCIM_FCGI_WRAPPER) or
	# with the sanitizers' settings is run by a script of that name.
	if [[ -n $FCGI_WRAPPER || -n ${ASAN_OPTIONS:-}${UBSAN_OPTIONS:-}${LSAN_OPTIONS:-} ||
		$(basename "$program") != scim-fcgi ]]; then
		mkdir -p "$APACHE_DIR/bin"
		program=$APACHE_DIR/bin/scim-fcgi
		{
			echo '#!/bin/sh'
			for name in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
				[[ -z ${!name:-} ]] || echo "export $name=$(sh_quote "${!name}")"
			done
			echo "exec $FCGI_WRAPPER $(sh_quote "$FCGI_PROGRAM")"
		} >"$program"
		chmod 755 "$program"
	fi
	apache_config "$mode" "$APACHE_DIR" "$port" "$program" >"$APACHE_DIR/httpd.conf" ||
		return 1
	apache_launch "$apache"
}

# Check $APACHE_DIR/httpd.conf with Apache $1 and start it in the
# foreground; sets APACHE_PID. As for lighttpd: a session of its own,
# early failures in stderr.log.
apache_launch() {
	local apache=$1 output
	if ! output=$("$apache" -t -f "$APACHE_DIR/httpd.conf" 2>&1); then
		printf '%s\n' "$output" >&2
		log "Apache rejects $APACHE_DIR/httpd.conf"
		return 1
	fi
	setsid "$apache" -f "$APACHE_DIR/httpd.conf" -DFOREGROUND \
		2>>"$APACHE_DIR/stderr.log" 9>&- &
	APACHE_PID=$!
}

# Stop every Apache of RUN_DIR and any worker one leaves behind (mod_fcgid
# stops its workers itself, unless Apache died first; theirs are the
# sockets in fcgid/). Before a start, this stops what a killed run left:
# an Apache is known by its pid file and its configuration's path.
apache_stop() {
	local dir workers
	if [[ -n ${APACHE_PID:-} ]]; then
		server_process_stop "$APACHE_PID"
		APACHE_PID=
	fi
	[[ -n ${RUN_DIR:-} ]] || return 0
	for dir in "$RUN_DIR"/apache-*; do
		[[ -d $dir ]] || continue
		server_process_stop "" "$dir/httpd.pid" "$dir/httpd.conf" Apache
		mapfile -t workers < <(socket_holders "$dir")
		stop_processes "${workers[@]}"
	done
}

### Shared hosting

# Start Apache as a shared-hosting provider runs it, on 127.0.0.1:$1: the
# customer's public_html with AllowOverride FileInfo only, .fcgi files run by
# mod_fcgid with its default limits, mod_rewrite; nothing for the SCIM
# endpoint. Into the customer's home directory goes the install of the
# README's "Shared hosting", step by step: the .htaccess, scim.fcgi and the
# error documents in public_html/scim, the worker and scim.conf in ~/scim.
# Sets APACHE_DIR and APACHE_PID.
hosting_start() {
	local port=$1 apache home mime=/etc/mime.types
	apache=$(apache_find) || return 1
	APACHE_DIR=$RUN_DIR/apache-hosting
	home=$APACHE_DIR/home
	rm -rf "$home"
	mkdir -p "$APACHE_DIR/run" "$APACHE_DIR/fcgid" "$home/public_html" "$home/scim/bin"
	# The customer's steps (make install put the worker in ~/scim/bin).
	cp "$FCGI_PROGRAM" "$home/scim/bin/scim-fcgi"
	install -m 600 "$REPO/apache/shared-hosting/scim.conf" "$home/scim/scim.conf"
	cp -R "$REPO/apache/shared-hosting/public_html/scim" "$home/public_html/"
	cp -R "$REPO/apache/errors" "$home/public_html/scim/errors"
	sed -i "s|^SCIM_HOME=.*|SCIM_HOME=$home/scim|" "$home/public_html/scim/scim.fcgi"
	chmod 755 "$home/public_html/scim/scim.fcgi"
	sed -i -e "s|^SCIM_DATABASE = .*|SCIM_DATABASE = $SCIM_DATABASE|" \
		-e "s|^SCIM_BASE_URL = .*|SCIM_BASE_URL = http://127.0.0.1:$port/scim/v2|" \
		-e "s|^SCIM_METRICS_FILE = .*|SCIM_METRICS_FILE = $home/scim/metrics|" \
		"$home/scim/scim.conf"
	if [[ -n ${SCIM_TRUSTED_PROXIES:-} ]]; then
		sed -i "s|^#SCIM_TRUSTED_PROXIES = .*|SCIM_TRUSTED_PROXIES = $SCIM_TRUSTED_PROXIES|" \
			"$home/scim/scim.conf"
	fi
	[[ -z $RUN_USER ]] || chown -R "$RUN_USER:$RUN_GROUP" "$APACHE_DIR"
	[[ -f $mime ]] || mime=/dev/null
	{
		apache_main_config "$APACHE_DIR" "$port" hosting_start \
			mpm_event authz_core mime dir alias env rewrite fcgid || return 1
		cat <<EOF
# Apache as a shared-hosting provider runs it: nothing here is about SCIM,
# that is all in $home/public_html/scim/.htaccess.
TypesConfig "$mime"
CustomLog "$APACHE_DIR/access.log" "%h %t \"%r\" %>s %b %D"

DocumentRoot "$home/public_html"
<Directory />
	AllowOverride None
	Require all denied
</Directory>
<Directory "$home/public_html">
	AllowOverride FileInfo
	Options SymLinksIfOwnerMatch ExecCGI
	Require all granted
</Directory>

# mod_fcgid as Debian sets it up (fcgid.conf), with its default limits.
AddHandler fcgid-script .fcgi
FcgidConnectTimeout 20
EOF
	} >"$APACHE_DIR/httpd.conf" || return 1
	apache_launch "$apache"
}

### nginx

# Start the workers as lighttpd/scim-fcgi.service does (spawn-fcgi opens
# the socket, multiwatch keeps the workers on it) and nginx in front of
# them on 127.0.0.1:$1 with lighttpd/nginx-scim.conf itself, its paths
# moved into $RUN_DIR/nginx and plain HTTP instead of TLS. The workers log
# to worker.log there. Sets NGINX_DIR, NGINX_PID and NGINX_WORKERS_PID.
nginx_start() {
	local port=$1 nginx spawn multiwatch output users=() program
	if ! nginx=$(command -v nginx) || ! spawn=$(command -v spawn-fcgi) ||
		! multiwatch=$(command -v multiwatch); then
		log "nginx, spawn-fcgi or multiwatch not found: install the Debian packages ${NGINX_PACKAGES[*]}"
		return 1
	fi
	NGINX_DIR=$RUN_DIR/nginx
	mkdir -p "$NGINX_DIR/tmp" "$NGINX_DIR/errors"
	give_to_service_user "$NGINX_DIR" "$NGINX_DIR/tmp"
	install -m 644 "$REPO"/apache/errors/*.json "$NGINX_DIR/errors/" || return 1
	cp /etc/nginx/fastcgi_params "$NGINX_DIR/" || return 1
	sed -e "s|^\([[:space:]]*\)listen 443 ssl;|\1listen 127.0.0.1:$port;|" \
		-e '/listen \[::\]:443/d' -e '/^[[:space:]]*ssl_/d' \
		-e "s|unix:/run/scim/scim-fcgi.sock|unix:$NGINX_DIR/scim-fcgi.sock|" \
		-e "s|alias /usr/local/share/scim-endpoint/examples/apache/errors/|alias $NGINX_DIR/errors/|" \
		"$REPO/lighttpd/nginx-scim.conf" >"$NGINX_DIR/scim.conf"
	cat >"$NGINX_DIR/nginx.conf" <<EOF
# nginx.conf - generated by scripts/lib.sh (nginx_start) for scripts/test:
# nginx on 127.0.0.1:$port with lighttpd/nginx-scim.conf (scim.conf here).
daemon off;
pid "$NGINX_DIR/nginx.pid";
error_log "$NGINX_DIR/error.log" warn;
$([[ -n $RUN_USER ]] && printf 'user %s %s;' "$RUN_USER" "$RUN_GROUP")
worker_processes 1;
events {
	worker_connections 256;
}
http {
	access_log "$NGINX_DIR/access.log";
	client_body_temp_path "$NGINX_DIR/tmp/body";
	fastcgi_temp_path "$NGINX_DIR/tmp/fastcgi";
	proxy_temp_path "$NGINX_DIR/tmp/proxy";
	uwsgi_temp_path "$NGINX_DIR/tmp/uwsgi";
	scgi_temp_path "$NGINX_DIR/tmp/scgi";
	include scim.conf;
}
EOF
	if ! output=$("$nginx" -t -q -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" \
		-e "$NGINX_DIR/error.log" 2>&1); then
		printf '%s\n' "$output" >&2
		log "nginx rejects $NGINX_DIR/nginx.conf"
		return 1
	fi
	# As root, the workers and the socket belong to the service user, as
	# nginx's workers do.
	if [[ -n $RUN_USER ]]; then
		users=(-U "$RUN_USER" -G "$RUN_GROUP" -u "$RUN_USER" -g "$RUN_GROUP")
	fi
	read -ra program <<<"$FCGI_BIN"
	rm -f "$NGINX_DIR/scim-fcgi.sock"
	# The settings as scim.conf gives them, SCIM_BASE_URL included: nginx
	# passes the host on without its port. As for lighttpd: a session of
	# its own, 9>&-.
	SCIM_BASE_URL=${SCIM_BASE_URL:-http://127.0.0.1:$port/scim/v2} SCIM_DATABASE=$SCIM_DATABASE \
		setsid "$spawn" -n -s "$NGINX_DIR/scim-fcgi.sock" -M 0660 "${users[@]}" -- \
		"$multiwatch" -f "${SCIM_FCGI_PROCS:-4}" -- "${program[@]}" \
		>>"$NGINX_DIR/worker.log" 2>&1 9>&- &
	NGINX_WORKERS_PID=$!
	setsid "$nginx" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" \
		2>>"$NGINX_DIR/stderr.log" 9>&- &
	NGINX_PID=$!
}

# Stop nginx and the workers; before a start, what a killed run left in
# $RUN_DIR/nginx (nginx known by its pid file, the workers by the socket).
nginx_stop() {
	local dir=${RUN_DIR:-}/nginx workers
	[[ -n ${RUN_DIR:-} && -d $dir ]] || return 0
	server_process_stop "${NGINX_PID:-}" "$dir/nginx.pid" "$dir/nginx.conf" nginx
	NGINX_PID=
	server_process_stop "${NGINX_WORKERS_PID:-}"
	NGINX_WORKERS_PID=
	mapfile -t workers < <(socket_holders "$dir")
	stop_processes "${workers[@]}"
}

### All of it

# Wait until $1/ready answers 200 (a worker runs, the database answers and
# has its migrations), at most $4 seconds (default 30); fail early if
# process $2 (web server $3) exits.
wait_ready() {
	local url=$1/ready pid=$2 name=$3 deadline=$((SECONDS + ${4:-30}))
	until curl -fs -o /dev/null --max-time 5 "$url"; do
		if ! process_alive "$pid"; then
			log "$name exited"
			return 1
		fi
		if ((SECONDS >= deadline)); then
			log "no answer from $url"
			return 1
		fi
		sleep 0.2
	done
}

# Start PostgreSQL and apply the migrations.
database_start() {
	pg_start || return 1
	pg_create_database || return 1
	migrate
}

# Start web server $1 on 127.0.0.1:$2 and wait until it answers: lighttpd,
# apache (mod_fcgid), apache-cgi (the worker as plain CGI), hosting (the
# shared-hosting .htaccess) or nginx (the workers under spawn-fcgi). Sets
# URL, SERVER_PID and SERVER_LOGS (its log files, separated by ":").
web_start() {
	local server=$1 port=$2
	URL=http://127.0.0.1:$port/scim/v2
	# Each server's workers count in a file of their own (the hosting
	# install names its own in ~/scim/scim.conf), unless METRICS_FILE
	# names one (none: no counting).
	mkdir -p "$RUN_DIR/metrics"
	give_to_service_user "$RUN_DIR/metrics"
	export SCIM_METRICS_FILE=${METRICS_FILE:-$RUN_DIR/metrics/$server}
	[[ $SCIM_METRICS_FILE == none ]] || rm -f "$SCIM_METRICS_FILE"
	case $server in
	lighttpd)
		lighttpd_start "$port" || return 1
		SERVER_PID=$LIGHTTPD_PID
		SERVER_LOGS=$LIGHTTPD_DIR/worker.log:$LIGHTTPD_DIR/error.log
		;;
	apache | hosting)
		if [[ $server == apache ]]; then
			apache_start fcgid "$port" || return 1
		else
			hosting_start "$port" || return 1
		fi
		SERVER_PID=$APACHE_PID
		SERVER_LOGS=$APACHE_DIR/error.log
		;;
	apache-cgi)
		apache_start cgi "$port" || return 1
		SERVER_PID=$APACHE_PID
		# The virtual host's error log (apache/scim-cgi.conf), then Apache's.
		SERVER_LOGS=$APACHE_DIR/scim-error.log:$APACHE_DIR/error.log
		;;
	nginx)
		nginx_start "$port" || return 1
		SERVER_PID=$NGINX_PID
		SERVER_LOGS=$NGINX_DIR/worker.log:$NGINX_DIR/error.log
		;;
	*)
		log "unknown web server '$server': lighttpd, apache, apache-cgi, hosting or nginx"
		return 1
		;;
	esac
	wait_ready "$URL" "$SERVER_PID" "$server" 30
}

# Start PostgreSQL, migrate, start the web server SCIM_SERVER (default
# lighttpd) on $PORT and wait for it. Needs runtime_setup and
# programs_setup first.
servers_start() {
	database_start || return 1
	web_start "${SCIM_SERVER:-lighttpd}" "$PORT"
}

servers_stop() {
	lighttpd_stop
	apache_stop
	nginx_stop
	pg_stop
}

# Print the last $1 lines of each server log, for a failure.
logs_tail() {
	local file
	for file in "$LIGHTTPD_DIR/stderr.log" "$LIGHTTPD_DIR/error.log" \
		"$LIGHTTPD_DIR/worker.log" "${RUN_DIR:-/nonexistent}"/apache-*/{stderr,error,scim-error}.log \
		"${RUN_DIR:-/nonexistent}"/nginx/{error,worker}.log \
		"$PG_LOG"; do
		[[ -s $file ]] || continue
		echo "--- end of $file"
		tail -n "$1" "$file"
	done
}
