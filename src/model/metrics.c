/* metrics.c - the pool's counters in a shared file; see metrics.h. */
#include "metrics.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x5343494d4d455452ULL /* "SCIMMETR" */
/* Raised whenever struct shared changes: an old file starts again. */
#define LAYOUT 2

#define WORKERS 256
#define TENANTS 8192
#define TENANT_NAME 128

static const char *const resource_names[METRICS_RESOURCES] = {
	[METRICS_USERS] = "Users",
	[METRICS_GROUPS] = "Groups",
	[METRICS_BULK] = "Bulk",
	[METRICS_SEARCH] = ".search",
	[METRICS_ME] = "Me",
	[METRICS_SERVICE_PROVIDER_CONFIG] = "ServiceProviderConfig",
	[METRICS_RESOURCE_TYPES] = "ResourceTypes",
	[METRICS_SCHEMAS] = "Schemas",
	[METRICS_LIVE] = "live",
	[METRICS_READY] = "ready",
	[METRICS_METRICS] = "metrics",
	[METRICS_CONSOLE] = "admin",
	[METRICS_OTHER] = "other",
};

static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "other" };
#define METHODS (sizeof(methods) / sizeof(methods[0]))

/* The statuses this service answers with; any other counts as "other". */
static const int statuses[] = { 200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 412, 413,
				414, 415, 431, 500, 501, 502, 503, 504 };
#define STATUSES (sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Upper bounds of the duration histogram, in seconds; then +Inf. */
static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
				  2.5, 5, 10 };
#define BUCKETS (sizeof(buckets) / sizeof(buckets[0]) + 1)

static const char *const db_errors[METRICS_DB_ERROR_KINDS] = {
	[METRICS_DB_UNREACHABLE] = "unreachable",
	[METRICS_DB_LOST] = "lost",
	[METRICS_DB_BUSY] = "busy",
	[METRICS_DB_INTERNAL] = "internal",
};

static const char *const actions[] = { "created", "replaced", "modified", "disabled", "enabled",
				       "unchanged", "deleted", "failed" };
#define ACTIONS (sizeof(actions) / sizeof(actions[0]))

struct worker {
	int32_t pid;        /* 0: free */
	uint32_t connected; /* to the database */
	int64_t started;    /* Unix time */
};

enum { TENANT_FREE, TENANT_CLAIMED, TENANT_READY };

struct tenant {
	uint32_t state;
	char name[TENANT_NAME];
	uint64_t writes[ACTIONS];
	int64_t users, groups;
	uint64_t generation; /* of the count that set users and groups */
};

/* The file's contents; every member is changed with atomic operations. */
struct shared {
	uint64_t magic;
	uint32_t layout;
	uint32_t size;
	int64_t created;
	uint64_t requests[METRICS_RESOURCES][METHODS][STATUSES];
	uint64_t durations[METRICS_RESOURCES][METHODS][BUCKETS];
	uint64_t microseconds[METRICS_RESOURCES][METHODS];
	uint64_t db_errors[METRICS_DB_ERROR_KINDS];
	uint64_t db_reconnects;
	struct worker workers[WORKERS];
	struct tenant tenants[TENANTS];
	uint64_t writes_elsewhere[ACTIONS]; /* of tenants beyond TENANTS */
	int64_t counts_at;       /* when users and groups were last counted */
	int64_t counts_claimed;  /* when a scrape began counting; 0: none */
	uint64_t counts_generation;
};

static struct shared *shared;
static struct worker *self;
static char failure[300];

#define ADD(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)
#define LOAD(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define STORE(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

static int64_t now_seconds(void)
{
	return (int64_t)time(NULL);
}

static bool process_alive(int32_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* Take a free slot, or that of a worker that died without giving it back. */
static void take_slot(void)
{
	int32_t pid = (int32_t)getpid();
	size_t i;

	for (i = 0; i < WORKERS; i++) {
		struct worker *w = &shared->workers[i];
		int32_t holder = LOAD(w->pid);

		if (holder != 0 && (holder == pid || process_alive(holder)))
			continue;
		if (__atomic_compare_exchange_n(&w->pid, &holder, pid, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			STORE(w->connected, 0);
			STORE(w->started, now_seconds());
			self = w;
			return;
		}
	}
}

static bool refuse(int fd, struct scim_error *err, const char *path, const char *why)
{
	snprintf(failure, sizeof(failure), "%s: %s", path, why);
	if (fd >= 0)
		close(fd);
	return error_set(err, 500, NULL, "metrics file %s", failure);
}

bool metrics_open(const char *path, struct scim_error *err)
{
	struct stat st;
	void *map;
	int fd;

	if (shared != NULL)
		return true;
	if (path[0] == '\0') {
		snprintf(failure, sizeof(failure), "they are off (SCIM_METRICS_FILE=none)");
		return true;
	}
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return refuse(-1, err, path, strerror(errno));
	/* One worker sets the file up while the others wait. */
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0)
		return refuse(fd, err, path, strerror(errno));
	/* Not a file another user could have put there for us. */
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return refuse(fd, err, path, "not a file of this user's");
	/* Grown, never shrunk: a worker of an older layout may still have it
	 * mapped, and a page cut from under it would kill it (SIGBUS). */
	if ((size_t)st.st_size < sizeof(struct shared) &&
	    ftruncate(fd, sizeof(struct shared)) != 0)
		return refuse(fd, err, path, strerror(errno));
	map = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return refuse(fd, err, path, strerror(errno));
	shared = map;
	if (shared->magic != MAGIC || shared->layout != LAYOUT || shared->size != sizeof(*shared)) {
		memset(shared, 0, sizeof(*shared));
		shared->layout = LAYOUT;
		shared->size = sizeof(*shared);
		shared->created = now_seconds();
		__atomic_store_n(&shared->magic, MAGIC, __ATOMIC_RELEASE);
	}
	flock(fd, LOCK_UN);
	close(fd);
	failure[0] = '\0';
	take_slot();
	return true;
}

void metrics_close(void)
{
	if (shared == NULL)
		return;
	if (self != NULL)
		STORE(self->pid, 0);
	munmap(shared, sizeof(*shared));
	shared = NULL;
	self = NULL;
}

const char *metrics_failure(void)
{
	return failure;
}

enum metrics_resource metrics_resource_of(const char *path, bool console)
{
	size_t len;
	int i;

	if (console)
		return METRICS_CONSOLE;
	while (*path == '/')
		path++;
	len = strcspn(path, "/");
	for (i = 0; i < METRICS_RESOURCES; i++)
		if (strlen(resource_names[i]) == len && strncasecmp(resource_names[i], path, len) == 0 &&
		    i != METRICS_CONSOLE && i != METRICS_OTHER)
			return (enum metrics_resource)i;
	return METRICS_OTHER;
}

void metrics_request(enum metrics_resource resource, const char *method, int status,
		     double seconds)
{
	size_t m = METHODS - 1;
	size_t s = STATUSES - 1;
	size_t b = 0;
	size_t i;

	if (shared == NULL || (unsigned)resource >= METRICS_RESOURCES)
		return;
	for (i = 0; i + 1 < METHODS; i++)
		if (strcmp(methods[i], method) == 0)
			m = i;
	for (i = 0; i + 1 < STATUSES; i++)
		if (statuses[i] == status)
			s = i;
	while (b + 1 < BUCKETS && seconds > buckets[b])
		b++;
	ADD(shared->requests[resource][m][s], 1);
	ADD(shared->durations[resource][m][b], 1);
	ADD(shared->microseconds[resource][m], (uint64_t)(seconds > 0 ? seconds * 1e6 : 0));
}

void metrics_database_error(enum metrics_database_error kind)
{
	if (shared != NULL && (unsigned)kind < METRICS_DB_ERROR_KINDS)
		ADD(shared->db_errors[kind], 1);
}

void metrics_database_connected(bool connected)
{
	if (self != NULL)
		STORE(self->connected, connected ? 1u : 0u);
}

void metrics_database_reconnect(void)
{
	if (shared != NULL)
		ADD(shared->db_reconnects, 1);
}

static uint32_t name_hash(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h;
}

/* The tenant's slot, taken if it has none; NULL when all are taken. */
static struct tenant *tenant_slot(const char *name)
{
	size_t start = name_hash(name) % TENANTS;
	size_t i;

	if (strlen(name) >= TENANT_NAME)
		return NULL;
	for (i = 0; i < TENANTS; i++) {
		struct tenant *t = &shared->tenants[(start + i) % TENANTS];
		uint32_t state = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
		struct timespec since;

		if (state == TENANT_FREE) {
			if (__atomic_compare_exchange_n(&t->state, &state, TENANT_CLAIMED, false,
							__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
				snprintf(t->name, sizeof(t->name), "%s", name);
				__atomic_store_n(&t->state, TENANT_READY, __ATOMIC_RELEASE);
				return t;
			}
		}
		/* Another worker is writing this slot's name: wait for it, even
		 * when it is descheduled meanwhile (moving on would give the
		 * tenant a second slot); only a worker that died in those few
		 * instructions leaves it claimed, and after a second the slot is
		 * passed over. */
		clock_gettime(CLOCK_MONOTONIC, &since);
		while (state == TENANT_CLAIMED) {
			struct timespec now;

			sched_yield();
			state = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - since.tv_sec > 1)
				break;
		}
		if (state == TENANT_READY && strcmp(t->name, name) == 0)
			return t;
	}
	return NULL;
}

void metrics_write(const char *tenant, const char *action)
{
	struct tenant *t;
	size_t a;

	if (shared == NULL || tenant == NULL || action == NULL)
		return;
	for (a = 0; a < ACTIONS && strcmp(actions[a], action) != 0; a++)
		;
	if (a == ACTIONS)
		return;
	t = tenant_slot(tenant);
	if (t != NULL)
		ADD(t->writes[a], 1);
	else
		ADD(shared->writes_elsewhere[a], 1);
}

bool metrics_counts_due(int max_age)
{
	int64_t now = now_seconds();
	int64_t claimed;

	if (shared == NULL || now - LOAD(shared->counts_at) < max_age)
		return false;
	claimed = LOAD(shared->counts_claimed);
	/* A count that ran for a minute died with its worker. */
	if (claimed != 0 && now - claimed < 60)
		return false;
	return __atomic_compare_exchange_n(&shared->counts_claimed, &claimed, now, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

void metrics_tenant_count(const char *tenant, long long users, long long groups)
{
	struct tenant *t;

	if (shared == NULL || (t = tenant_slot(tenant)) == NULL)
		return;
	STORE(t->users, (int64_t)users);
	STORE(t->groups, (int64_t)groups);
	__atomic_store_n(&t->generation, LOAD(shared->counts_generation) + 1, __ATOMIC_RELEASE);
}

void metrics_counts_done(bool counted)
{
	if (shared == NULL)
		return;
	if (counted) {
		/* Tenants the count did not see (deleted) drop out. */
		ADD(shared->counts_generation, 1);
		STORE(shared->counts_at, now_seconds());
	}
	__atomic_store_n(&shared->counts_claimed, 0, __ATOMIC_RELEASE);
}

/* ---- the exposition ---- */

struct text {
	char *data;
	size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap * 2 + (size_t)(n > 0 ? n : 0);
		t->data = realloc(t->data, t->cap);
		if (t->data == NULL)
			abort();
	}
	t->len += (size_t)n;
}

/* A label value: \, " and newline escaped. */
static const char *label(const char *value, char *out, size_t size)
{
	size_t n = 0;

	for (; *value && n + 3 < size; value++) {
		if (*value == '\\' || *value == '"' || *value == '\n') {
			out[n++] = '\\';
			out[n++] = *value == '\n' ? 'n' : *value;
		} else {
			out[n++] = *value;
		}
	}
	out[n] = '\0';
	return out;
}

static void help(struct text *t, const char *name, const char *type, const char *text)
{
	add(t, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void render_requests(struct text *t)
{
	size_t r, m, s, b;

	help(t, "scim_requests_total", "counter",
	     "Requests answered, by resource type, method and status.");
	for (r = 0; r < METRICS_RESOURCES; r++)
		for (m = 0; m < METHODS; m++)
			for (s = 0; s < STATUSES; s++) {
				uint64_t n = LOAD(shared->requests[r][m][s]);
				char status[8];

				if (n == 0)
					continue;
				if (s + 1 < STATUSES)
					snprintf(status, sizeof(status), "%d", statuses[s]);
				else
					snprintf(status, sizeof(status), "other");
				add(t, "scim_requests_total{resource=\"%s\",method=\"%s\",status=\"%s\"} "
				    "%llu\n", resource_names[r], methods[m], status, (unsigned long long)n);
			}
	help(t, "scim_request_duration_seconds", "histogram",
	     "Time from reading a request to its response written, by resource type and method.");
	for (r = 0; r < METRICS_RESOURCES; r++)
		for (m = 0; m < METHODS; m++) {
			uint64_t counts[BUCKETS];
			uint64_t total = 0;

			for (b = 0; b < BUCKETS; b++)
				total += counts[b] = LOAD(shared->durations[r][m][b]);
			if (total == 0)
				continue;
			total = 0;
			for (b = 0; b < BUCKETS; b++) {
				total += counts[b];
				if (b + 1 < BUCKETS)
					add(t, "scim_request_duration_seconds_bucket{resource=\"%s\","
					    "method=\"%s\",le=\"%g\"} %llu\n", resource_names[r], methods[m],
					    buckets[b], (unsigned long long)total);
				else
					add(t, "scim_request_duration_seconds_bucket{resource=\"%s\","
					    "method=\"%s\",le=\"+Inf\"} %llu\n", resource_names[r],
					    methods[m], (unsigned long long)total);
			}
			add(t, "scim_request_duration_seconds_sum{resource=\"%s\",method=\"%s\"} %.6f\n",
			    resource_names[r], methods[m],
			    (double)LOAD(shared->microseconds[r][m]) / 1e6);
			add(t, "scim_request_duration_seconds_count{resource=\"%s\",method=\"%s\"} %llu\n",
			    resource_names[r], methods[m], (unsigned long long)total);
		}
}

static void render_database(struct text *t)
{
	unsigned connected = 0, workers = 0;
	size_t i;

	help(t, "scim_database_errors_total", "counter",
	     "Database failures: connections that could not be opened or broke, busy, internal.");
	for (i = 0; i < METRICS_DB_ERROR_KINDS; i++)
		add(t, "scim_database_errors_total{kind=\"%s\"} %llu\n", db_errors[i],
		    (unsigned long long)LOAD(shared->db_errors[i]));
	help(t, "scim_database_reconnects_total", "counter",
	     "Connections opened again after one failed or broke.");
	add(t, "scim_database_reconnects_total %llu\n",
	    (unsigned long long)LOAD(shared->db_reconnects));
	for (i = 0; i < WORKERS; i++) {
		struct worker *w = &shared->workers[i];
		int32_t pid = LOAD(w->pid);

		if (pid == 0)
			continue;
		if (!process_alive(pid)) {
			/* Died without giving its slot back (killed). */
			__atomic_compare_exchange_n(&w->pid, &pid, 0, false, __ATOMIC_ACQ_REL,
						    __ATOMIC_RELAXED);
			continue;
		}
		workers++;
		connected += LOAD(w->connected) != 0;
	}
	help(t, "scim_database_connections", "gauge",
	     "Workers of the pool with a database connection open, and without.");
	add(t, "scim_database_connections{state=\"connected\"} %u\n", connected);
	add(t, "scim_database_connections{state=\"disconnected\"} %u\n", workers - connected);
	help(t, "scim_workers", "gauge", "Workers of the pool alive.");
	add(t, "scim_workers %u\n", workers);
}

/* The users (or groups) of each tenant the last count saw. */
static void render_counts(struct text *t, const char *metric, const char *text, bool groups)
{
	uint64_t generation = LOAD(shared->counts_generation);
	char name[TENANT_NAME * 2];
	size_t i;

	help(t, metric, "gauge", text);
	for (i = 0; i < TENANTS; i++) {
		struct tenant *tn = &shared->tenants[i];

		if (__atomic_load_n(&tn->state, __ATOMIC_ACQUIRE) == TENANT_READY &&
		    __atomic_load_n(&tn->generation, __ATOMIC_ACQUIRE) == generation)
			add(t, "%s{tenant=\"%s\"} %lld\n", metric, label(tn->name, name, sizeof(name)),
			    (long long)(groups ? LOAD(tn->groups) : LOAD(tn->users)));
	}
}

static void render_tenants(struct text *t)
{
	int64_t counted = LOAD(shared->counts_at);
	char name[TENANT_NAME * 2];
	size_t i, a;

	help(t, "scim_provisioning_writes_total", "counter",
	     "Writes of the identity providers, as the provisioning log has them, by tenant "
	     "and action.");
	for (i = 0; i < TENANTS; i++) {
		struct tenant *tn = &shared->tenants[i];

		if (__atomic_load_n(&tn->state, __ATOMIC_ACQUIRE) != TENANT_READY)
			continue;
		label(tn->name, name, sizeof(name));
		for (a = 0; a < ACTIONS; a++)
			if (LOAD(tn->writes[a]) != 0)
				add(t, "scim_provisioning_writes_total{tenant=\"%s\",action=\"%s\"} "
				    "%llu\n", name, actions[a],
				    (unsigned long long)LOAD(tn->writes[a]));
	}
	for (a = 0; a < ACTIONS; a++)
		if (LOAD(shared->writes_elsewhere[a]) != 0)
			add(t, "scim_provisioning_writes_total{tenant=\"\",action=\"%s\"} %llu\n",
			    actions[a], (unsigned long long)LOAD(shared->writes_elsewhere[a]));
	if (counted == 0)
		return;
	render_counts(t, "scim_users", "Users per tenant, counted at most once a minute.", false);
	render_counts(t, "scim_groups", "Groups per tenant, counted at most once a minute.", true);
	help(t, "scim_resource_counts_age_seconds", "gauge",
	     "Seconds since scim_users and scim_groups were counted.");
	add(t, "scim_resource_counts_age_seconds %lld\n", (long long)(now_seconds() - counted));
}

char *metrics_render(void)
{
	struct text t = { 0 };

	if (shared == NULL)
		return NULL;
	t.cap = 16384;
	t.data = malloc(t.cap);
	if (t.data == NULL)
		abort();
	t.data[0] = '\0';
	render_requests(&t);
	render_database(&t);
	render_tenants(&t);
	help(&t, "scim_metrics_start_time_seconds", "gauge",
	     "When these counters started (the file was made).");
	add(&t, "scim_metrics_start_time_seconds %lld\n", (long long)shared->created);
	return t.data;
}
