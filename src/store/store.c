/* store.c - PostgreSQL storage; see store.h. The only file that calls libpq. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "sha256.h"
#include "store_internal.h"

#define QUERY_CACHE_SIZE 64

/* How long a worker tries to learn what became of a transaction whose
 * COMMIT lost the connection (the database may be restarting), and how
 * often it asks. */
#define COMMIT_OUTCOME_WAIT_MS 10000
#define COMMIT_OUTCOME_POLL_MS 200

/* The token statements; those of users and groups live beside their code. */
static struct store_statement token_authenticate = { .sql =
	"SELECT t.tenant_id, n.name, t.token_id,"
	" t.last_used IS NULL OR t.last_used < now() - interval '1 minute',"
	" t.allowed_networks IS NULL OR coalesce($2::inet <<= ANY (t.allowed_networks), false),"
	" floor(extract(epoch FROM t.expires - now())),"
	" (SELECT version FROM token_epoch), t.title,"
	" CASE WHEN t.revoked IS NOT NULL THEN 'revoked'"
	" WHEN t.expires <= now() THEN 'expired' END, n.schema_version"
	" FROM tokens t JOIN tenants n USING (tenant_id)"
	" WHERE t.token_hash = $1::bytea"
};
static struct store_statement token_touch = { .sql =
	"UPDATE tokens SET last_used = now() WHERE token_id = $1"
};

/*
 * The tokens a worker has checked, kept so that a request costs no query
 * for its token: by token hash and client address (the address decides an
 * IP restriction), with the version of token_epoch under which they were
 * checked (sql/007_token_changes.sql). A request answered from here sends
 * EPOCH_CHECK_SQL ahead of its first statement, in the same round trip:
 * when tokens changed since, that fails before anything else runs, and the
 * token is checked again. An entry also ends when the token expires, and
 * after store->token_cache_seconds in any case, when the token is checked
 * again (and its last use recorded). Unknown and refused tokens are never
 * kept: each costs a query.
 */
#define TOKEN_CACHE_SIZE 32
#define EPOCH_CHECK_SQL \
	"SELECT CASE WHEN e.version = $1::bigint THEN true" \
	" ELSE scim_tokens_changed_since($1::bigint) END FROM token_epoch e"
#define EPOCH_CHANGED_STATE "SCTOK"

/* BEGIN, and the transaction's id and time: what to ask about should the
 * connection go during COMMIT (the time is the lastModified of every row
 * the transaction writes). */
#define BEGIN_SQL "BEGIN"
#define XACT_ID_SQL "SELECT pg_current_xact_id(), date_trunc('milliseconds', now())"

/* What goes ahead of a statement in the same round trip (exec_with_ahead()),
 * prepared as the statements are. */
static struct store_statement epoch_check = { .sql = EPOCH_CHECK_SQL };
static struct store_statement begin_stmt = { .sql = BEGIN_SQL };
static struct store_statement xact_id_stmt = { .sql = XACT_ID_SQL };

struct token_cache_entry {
	bool used;
	uint8_t hash[32];
	char address[64];  /* the client address, "" when unknown */
	struct tenant tenant;
	long long epoch;
	struct timespec until; /* CLOCK_MONOTONIC */
};

static bool begin_now(struct store *store, struct scim_error *err);
static bool verify_now(struct store *store, struct scim_error *err);

/* Statement slots are handed out on first use, program-wide. */
static int statement_slots;

struct cached_query {
	char *text;
	char name[24];
	unsigned long last_used;
};

struct store {
	char *conninfo;
	const struct log_context *log; /* of the request being served, or NULL */
	PGconn *conn;
	int token_cache_seconds;
	/* The request's token, answered from memory: to be confirmed by its
	 * first statement (EPOCH_CHECK_SQL), checked again if tokens changed. */
	struct {
		bool pending;
		char epoch[24];
		uint8_t hash[32];
		char address[64];
		struct tenant tenant;
	} verify;
	char connect_failure[256]; /* libpq's message, when connecting failed */
	bool reconnecting; /* the last connection failed or broke */
	char failed_constraint[64]; /* of the last uniqueness violation */
	bool schemas_changed; /* since the request's token was kept (token_recheck) */
	struct token_cache_entry tokens[TOKEN_CACHE_SIZE];
	unsigned next_token;  /* the entry to replace when none is free */
	bool prepared[STORE_MAX_STATEMENTS + 1];
	struct cached_query cache[QUERY_CACHE_SIZE];
	unsigned long clock;
	unsigned long next_name;
	bool begin_pending; /* store_begin() called, BEGIN not yet sent */
	char xact_id[24]; /* of the open transaction (pg_current_xact_id) */
	char xact_time[40]; /* and its time (now()), to the millisecond */
	bool commit_next; /* store_commit_with_next() called */
	bool committed; /* COMMIT went with a statement and was made */
	const struct store_log_entry *log_entry; /* goes with COMMIT */
	struct {
		/* The last row the open transaction wrote or deleted
		 * (store_note_row); table is NULL when none. A row written
		 * has the transaction's time as its lastModified. */
		const struct store_resource_table *table;
		char tenant_id[37];
		char id[37];
		bool deleted;
	} noted;
};

struct store *store_new(const char *conninfo)
{
	struct store *store = calloc(1, sizeof(*store));

	if (store == NULL)
		return NULL;
	store->token_cache_seconds = 60;
	store->conninfo = strdup(conninfo ? conninfo : "");
	if (store->conninfo == NULL) {
		free(store);
		return NULL;
	}
	return store;
}

static void forget_tokens(struct store *store)
{
	memset(store->tokens, 0, sizeof(store->tokens));
}

static void forget_connection(struct store *store)
{
	int i;

	if (store->conn != NULL) {
		PQfinish(store->conn);
		metrics_database_connected(false);
		/* The next connection opened is a reconnect. */
		store->reconnecting = true;
	}
	store->conn = NULL;
	memset(store->prepared, 0, sizeof(store->prepared));
	for (i = 0; i < QUERY_CACHE_SIZE; i++) {
		free(store->cache[i].text);
		store->cache[i].text = NULL;
	}
}

const char *store_connect_failure(const struct store *store)
{
	return store->connect_failure;
}

const char *store_failed_constraint(const struct store *store)
{
	return store->failed_constraint;
}

void store_set_log(struct store *store, const struct log_context *log)
{
	store->log = log;
	/* A new request: nothing of the last one's token is pending. */
	if (log != NULL) {
		store->verify.pending = false;
		store->schemas_changed = false;
	}
}

void store_set_token_cache(struct store *store, int seconds)
{
	store->token_cache_seconds = seconds > 0 ? seconds : 0;
	forget_tokens(store);
}

void store_free(struct store *store)
{
	if (store == NULL)
		return;
	forget_connection(store);
	free(store->conninfo);
	free(store);
}

/* Server notices ("relation already exists, skipping") are not errors. */
static void notice_ignore(void *arg, const char *message)
{
	const struct store *store = arg;

	log_msg(store->log, LOG_DEBUG, "database notice: %s", message);
}

/* Open a connection unless one is open; a failure is logged at `level`. */
static bool open_connection(struct store *store, enum log_level level)
{
	static const char *const keywords[] = {
		"connect_timeout", "application_name", "dbname", NULL
	};
	const char *values[] = { "5", "scim", store->conninfo, NULL };

	if (store->conn != NULL && PQstatus(store->conn) == CONNECTION_OK)
		return true;
	forget_connection(store);
	/* dbname is expanded: SCIM_DATABASE may be a full connection string
	 * or URI, and overrides the defaults before it. */
	store->conn = PQconnectdbParams(keywords, values, 1);
	if (store->conn == NULL || PQstatus(store->conn) != CONNECTION_OK) {
		snprintf(store->connect_failure, sizeof(store->connect_failure), "%s",
			 store->conn ? PQerrorMessage(store->conn) : "out of memory");
		/* libpq ends its message with a newline. */
		store->connect_failure[strcspn(store->connect_failure, "\n")] = '\0';
		log_msg(store->log, level, "database connection failed: %s", store->connect_failure);
		forget_connection(store);
		metrics_database_error(METRICS_DB_UNREACHABLE);
		store->reconnecting = true;
		return false;
	}
	PQsetNoticeProcessor(store->conn, notice_ignore, store);
	metrics_database_connected(true);
	if (store->reconnecting)
		metrics_database_reconnect();
	store->reconnecting = false;
	return true;
}

bool store_connect(struct store *store, struct scim_error *err)
{
	if (!open_connection(store, LOG_ERROR))
		return error_set(err, 503, NULL, "the database is unavailable; try again later");
	return true;
}

static struct store_statement migrations_exist = { .sql =
	"SELECT to_regclass('schema_migrations') IS NOT NULL"
};
/* Prepared only once the table is known to exist. */
static struct store_statement migrations_last = { .sql =
	"SELECT coalesce(max(version), 0) FROM schema_migrations"
};

bool store_schema_version(struct store *store, int *version, struct scim_error *err)
{
	PGresult *res = store_exec(store, &migrations_exist, 0, NULL, err);
	bool exist;

	*version = 0;
	if (res == NULL)
		return false;
	exist = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!exist)
		return true;
	res = store_exec(store, &migrations_last, 0, NULL, err);
	if (res == NULL)
		return false;
	*version = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}


/*
 * Is the connection gone? libpq does not always say so: after the server
 * ended an idle session (an immediate shutdown or a crash), the next
 * statement fails without a SQLSTATE while PQstatus() still reports
 * CONNECTION_OK. An error the server did not send (no SQLSTATE: the
 * connection broke, or libpq lost track of it) and a FATAL one, after which
 * the server ends the session (57P01 shutdown, 57P02 crash of another
 * process, an idle session timeout), leave nothing worth keeping.
 */
static bool connection_lost(const struct store *store, const PGresult *res)
{
	const char *severity;

	if (store->conn == NULL || PQstatus(store->conn) != CONNECTION_OK || res == NULL ||
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) == NULL)
		return true;
	severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	return severity != NULL &&
	       (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0);
}

/*
 * Map a failed result to the service's error. SQLSTATEs that clients caused
 * become 4xx; a lost connection becomes 503 and is re-opened next time.
 */
static bool fail_result(struct store *store, PGresult *res, struct scim_error *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *message = res ? PQresultErrorMessage(res) : PQerrorMessage(store->conn);
	const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	bool ok;

	if (connection_lost(store, res)) {
		log_msg(store->log, LOG_ERROR, "database connection lost: %s", message);
		forget_connection(store);
		metrics_database_error(METRICS_DB_LOST);
		ok = error_set(err, 503, NULL, "the database is unavailable; try again later");
	} else if (strcmp(state, "23505") == 0) {
		snprintf(store->failed_constraint, sizeof(store->failed_constraint), "%s",
			 constraint ? constraint : "");
		if (constraint && strncmp(constraint, "scim_ext_", 9) == 0)
			ok = error_set(err, 409, SCIM_UNIQUENESS, STORE_UNIQUE_TAKEN);
		else if (constraint && strstr(constraint, "display_name"))
			ok = error_set(err, 409, SCIM_UNIQUENESS, "displayName is already taken");
		else
			ok = error_set(err, 409, SCIM_UNIQUENESS, "userName is already taken");
	} else if (strcmp(state, "23503") == 0) {
		ok = error_set(err, 400, SCIM_INVALID_VALUE, "a referenced resource does not exist");
	} else if (strcmp(state, "22P02") == 0 || strcmp(state, "22007") == 0 ||
		   strcmp(state, "22008") == 0 || strcmp(state, "22003") == 0 ||
		   strcmp(state, "22009") == 0 || strcmp(state, "22023") == 0) {
		ok = error_set(err, 400, SCIM_INVALID_VALUE, "a value has the wrong format");
	} else if (strcmp(state, "54000") == 0) {
		ok = error_set(err, 400, SCIM_INVALID_VALUE, "a value is too long");
	} else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
		   strcmp(state, "57014") == 0 || strncmp(state, "08", 2) == 0 ||
		   strncmp(state, "57P", 3) == 0 || strcmp(state, "53300") == 0) {
		log_msg(store->log, LOG_WARNING, "database busy (%s): %s", state, message);
		metrics_database_error(METRICS_DB_BUSY);
		ok = error_set(err, 503, NULL, "the database is busy; try again later");
	} else {
		log_msg(store->log, LOG_ERROR, "database error %s: %s", state, message);
		metrics_database_error(METRICS_DB_INTERNAL);
		ok = error_set(err, 500, NULL, "internal database error");
	}
	PQclear(res);
	return ok;
}

static PGresult *check_result(struct store *store, PGresult *res, struct scim_error *err)
{
	ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
		return res;
	fail_result(store, res, err);
	return NULL;
}

static void log_statement(const struct store *store, const char *name,
			  const struct timespec *start, const PGresult *res)
{
	struct log_line line;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	log_line_start(&line, store->log, LOG_DEBUG);
	log_line_add(&line, "statement", "%s", name);
	log_line_add(&line, "ms", "%.2f", (double)(now.tv_sec - start->tv_sec) * 1e3 +
		     (double)(now.tv_nsec - start->tv_nsec) / 1e6);
	if (res != NULL)
		log_line_add(&line, "rows", "%d", PQntuples(res));
	else
		log_line_add(&line, "failed", "yes");
	log_line_end(&line);
}

/* At debug level, what a prepared statement's name stands for. */
static void log_prepared(const struct store *store, const char *name, const char *sql)
{
	struct log_line line;

	log_line_start(&line, store->log, LOG_DEBUG);
	log_line_add(&line, "prepared", "%s", name);
	log_line_add(&line, "sql", "%.300s", sql);
	log_line_end(&line);
}

/* Prepare `stmt` on this connection if needed; its name goes to `name`. */
static bool ensure_prepared(struct store *store, struct store_statement *stmt, char name[16],
			    struct scim_error *err)
{
	PGresult *res;

	if (stmt->slot == 0) {
		if (statement_slots >= STORE_MAX_STATEMENTS)
			abort(); /* raise STORE_MAX_STATEMENTS */
		stmt->slot = ++statement_slots;
	}
	snprintf(name, 16, "s%d", stmt->slot);
	if (store->prepared[stmt->slot])
		return true;
	res = check_result(store, PQprepare(store->conn, name, stmt->sql, 0, NULL), err);
	if (res == NULL)
		return false;
	log_prepared(store, name, stmt->sql);
	PQclear(res);
	store->prepared[stmt->slot] = true;
	return true;
}

static void read_xact_id(struct store *store, const PGresult *res)
{
	bool one = PQntuples(res) == 1 && PQnfields(res) == 2;

	snprintf(store->xact_id, sizeof(store->xact_id), "%s", one ? PQgetvalue(res, 0, 0) : "");
	snprintf(store->xact_time, sizeof(store->xact_time), "%s", one ? PQgetvalue(res, 0, 1) : "");
}

static bool token_recheck(struct store *store, struct scim_error *err);

static bool commit_result(struct store *store, PGresult *res, struct scim_error *err);

/* Did the token check fail because tokens changed since the request's
 * token was kept? */
static bool epoch_changed(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return state != NULL && strcmp(state, EPOCH_CHANGED_STATE) == 0;
}

/* The commands of a statement's round trip: those that go ahead of it, the
 * statement, and COMMIT when it goes along. */
enum pipelined { AHEAD_EPOCH, AHEAD_BEGIN, AHEAD_XACT_ID, AHEAD_COUNT,
		 STATEMENT = AHEAD_COUNT, LOG_AFTER, COMMIT_AFTER, PIPELINED };

/* A command ahead of the statement answered. libpq may deliver the first
 * command of a pipeline in single-row mode when the connection's last query
 * before it was read that way (store_exec_rows()): its one row then comes
 * as PGRES_SINGLE_TUPLE, and the empty end that follows is dropped. */
static bool result_ok(const PGresult *res)
{
	return PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK ||
	       PQresultStatus(res) == PGRES_SINGLE_TUPLE;
}

static void clear_results(PGresult *results[PIPELINED])
{
	int i;

	for (i = 0; i < PIPELINED; i++) {
		PQclear(results[i]);
		results[i] = NULL;
	}
}

/*
 * A statement with what must go ahead of it, in the same round trip
 * (libpq's pipeline mode): the check that tokens have not changed since
 * the request's token was kept (EPOCH_CHECK_SQL), and BEGIN with the
 * transaction id for the first statement of a transaction. With
 * `committed` set, COMMIT goes after it in the same round trip, preceded
 * by the provisioning log's row of the transaction when there is one
 * (store_log_with_commit()), and
 * *committed says whether the transaction committed; then a result of
 * NULL with *committed true means that the connection went during COMMIT
 * and the database said later that it committed (commit_outcome()).
 *
 * The statement's result, or NULL with err set. When tokens changed, the
 * check fails before anything else runs, and the statement runs only if
 * the token is still valid (else 401). A lost connection leaves BEGIN
 * pending, for a retry on a new one.
 */
static PGresult *exec_with_ahead(struct store *store, const char *name, int nparams,
				 const char *const *params, bool *committed,
				 struct scim_error *err)
{
	PGconn *conn;
	struct store_log_params log;
	bool sent[PIPELINED] = { false };
	PGresult *results[PIPELINED] = { NULL };
	const char *epoch[1] = { store->verify.epoch };
	PGresult *res;
	char names[PIPELINED][16];
	bool synced = true;
	bool ok;
	int i;

	sent[AHEAD_EPOCH] = store->verify.pending;
	sent[AHEAD_BEGIN] = sent[AHEAD_XACT_ID] = store->begin_pending;
	sent[STATEMENT] = true;
	sent[COMMIT_AFTER] = committed != NULL;
	sent[LOG_AFTER] = committed != NULL && store->log_entry != NULL;
	if (committed != NULL)
		*committed = false;
	if ((sent[AHEAD_EPOCH] && !ensure_prepared(store, &epoch_check, names[AHEAD_EPOCH], err)) ||
	    (sent[AHEAD_BEGIN] && (!ensure_prepared(store, &begin_stmt, names[AHEAD_BEGIN], err) ||
				   !ensure_prepared(store, &xact_id_stmt, names[AHEAD_XACT_ID], err))) ||
	    (sent[LOG_AFTER] && !ensure_prepared(store, &store_log_insert, names[LOG_AFTER], err)))
		return NULL;
	if (sent[LOG_AFTER])
		store_log_params(store->log_entry, &log);
	conn = store->conn;
	/* COMMIT cannot be prepared: it goes as an unnamed statement. */
	ok = PQenterPipelineMode(conn) &&
	     (!sent[AHEAD_EPOCH] ||
	      PQsendQueryPrepared(conn, names[AHEAD_EPOCH], 1, epoch, NULL, NULL, 0)) &&
	     (!sent[AHEAD_BEGIN] ||
	      (PQsendQueryPrepared(conn, names[AHEAD_BEGIN], 0, NULL, NULL, NULL, 0) &&
	       PQsendQueryPrepared(conn, names[AHEAD_XACT_ID], 0, NULL, NULL, NULL, 0))) &&
	     PQsendQueryPrepared(conn, name, nparams, params, NULL, NULL, 0) &&
	     (!sent[LOG_AFTER] || PQsendQueryPrepared(conn, names[LOG_AFTER], STORE_LOG_PARAMS,
						      log.values, NULL, NULL, 0)) &&
	     (!sent[COMMIT_AFTER] || PQsendQueryParams(conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0)) &&
	     PQpipelineSync(conn);
	/* Each command's result, then the NULL that ends it; then the sync. */
	for (i = 0; ok && i < PIPELINED; i++) {
		if (!sent[i])
			continue;
		results[i] = PQgetResult(conn);
		if (results[i] == NULL)
			synced = false;
		while ((res = PQgetResult(conn)) != NULL)
			PQclear(res);
	}
	if (ok && synced) {
		res = PQgetResult(conn);
		synced = res != NULL && PQresultStatus(res) == PGRES_PIPELINE_SYNC;
		PQclear(res);
	}
	if (!ok || !synced || !PQexitPipelineMode(conn)) {
		/* The connection broke: nothing can be trusted of it. */
		clear_results(results);
		if (sent[COMMIT_AFTER]) {
			*committed = commit_result(store, NULL, err);
			return NULL;
		}
		fail_result(store, NULL, err);
		return NULL;
	}
	if (sent[AHEAD_EPOCH] && epoch_changed(results[AHEAD_EPOCH])) {
		/* Nothing after the check ran: BEGIN is still pending. */
		clear_results(results);
		if (!token_recheck(store, err))
			return NULL;
		return exec_with_ahead(store, name, nparams, params, committed, err);
	}
	store->verify.pending = false;
	if (sent[AHEAD_BEGIN] && result_ok(results[AHEAD_BEGIN]))
		store->begin_pending = false;
	if (sent[AHEAD_XACT_ID] && result_ok(results[AHEAD_XACT_ID]))
		read_xact_id(store, results[AHEAD_XACT_ID]);
	/* The first failure is the answer. */
	for (i = 0; i < AHEAD_COUNT; i++) {
		if (sent[i] && !result_ok(results[i])) {
			PQclear(results[STATEMENT]);
			results[STATEMENT] = results[i];
			results[i] = NULL;
			break;
		}
	}
	res = results[STATEMENT];
	results[STATEMENT] = NULL;
	if (sent[LOG_AFTER] && result_ok(res) && !result_ok(results[LOG_AFTER])) {
		/* The row of the log could not be written: nor is the change. */
		PQclear(res);
		res = results[LOG_AFTER];
		results[LOG_AFTER] = NULL;
	}
	if (sent[COMMIT_AFTER] && result_ok(res)) {
		/* Skipped when the statement failed: then the statement's error
		 * is the answer, and the transaction is rolled back. */
		*committed = commit_result(store, results[COMMIT_AFTER], err);
		results[COMMIT_AFTER] = NULL;
		if (!*committed) {
			PQclear(res);
			res = NULL;
		}
	}
	clear_results(results);
	if (res == NULL)
		return NULL;
	res = check_result(store, res, err);
	/* The connection was lost with the transaction it began: a retry on a
	 * new one must begin again. */
	if (res == NULL && store->conn == NULL && sent[AHEAD_BEGIN])
		store->begin_pending = true;
	return res;
}

/* Execute prepared statement `name`, after what must go ahead of it. At
 * debug level, a line says which statement ran and how long it took. */
static PGresult *exec_prepared(struct store *store, const char *name, int nparams,
			       const char *const *params, struct scim_error *err)
{
	struct timespec start;
	PGresult *res;

	if (log_enabled(LOG_DEBUG))
		clock_gettime(CLOCK_MONOTONIC, &start);
	if (store->begin_pending || store->verify.pending)
		res = exec_with_ahead(store, name, nparams, params, NULL, err);
	else
		res = check_result(store, PQexecPrepared(store->conn, name, nparams, params,
							 NULL, NULL, 0), err);
	if (log_enabled(LOG_DEBUG))
		log_statement(store, name, &start, res);
	return res;
}

static PGresult *exec_statement_once(struct store *store, struct store_statement *stmt,
				     int nparams, const char *const *params,
				     struct scim_error *err)
{
	char name[16];

	if (!store_connect(store, err) || !ensure_prepared(store, stmt, name, err))
		return NULL;
	return exec_prepared(store, name, nparams, params, err);
}

/* The prepared name of a dynamic query, preparing it on first use. Least
 * recently used entries are deallocated when the cache is full. */
static const char *cached_statement(struct store *store, const struct sql_query *q,
				    struct scim_error *err)
{
	struct cached_query *slot = &store->cache[0];
	char sql[64];
	PGresult *res;
	int i;

	for (i = 0; i < QUERY_CACHE_SIZE; i++) {
		struct cached_query *c = &store->cache[i];

		if (c->text != NULL && strcmp(c->text, q->text) == 0) {
			c->last_used = ++store->clock;
			return c->name;
		}
		if (c->text == NULL || (slot->text != NULL && c->last_used < slot->last_used))
			slot = c;
	}
	if (slot->text != NULL) {
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", slot->name);
		res = check_result(store, PQexec(store->conn, sql), err);
		if (res == NULL)
			return NULL;
		PQclear(res);
		free(slot->text);
		slot->text = NULL;
	}
	snprintf(slot->name, sizeof(slot->name), "q%lu", ++store->next_name);
	res = check_result(store, PQprepare(store->conn, slot->name, q->text, 0, NULL), err);
	if (res == NULL)
		return NULL;
	log_prepared(store, slot->name, q->text);
	PQclear(res);
	slot->text = strdup(q->text);
	if (slot->text == NULL)
		abort();
	slot->last_used = ++store->clock;
	return slot->name;
}

static PGresult *exec_query_once(struct store *store, const struct sql_query *q,
				 struct scim_error *err)
{
	const char *name;

	if (!store_connect(store, err))
		return NULL;
	name = cached_statement(store, q, err);
	if (name == NULL)
		return NULL;
	return exec_prepared(store, name, q->nparams, (const char *const *)q->params, err);
}

static PGresult *exec_simple_once(struct store *store, const char *sql,
				  struct scim_error *err)
{
	if (!store_connect(store, err))
		return NULL;
	return check_result(store, PQexec(store->conn, sql), err);
}

/* Was the connection idle, outside a transaction, before a statement? */
static bool connection_idle(const struct store *store)
{
	return store->conn != NULL && PQtransactionStatus(store->conn) == PQTRANS_IDLE;
}

/*
 * A connection that died while idle (the database restarted since the last
 * request) had nothing in flight: open a new one and run the statement again,
 * once, instead of failing the request.
 */
static bool retry_after_reconnect(const struct store *store, bool was_idle,
				  struct scim_error *err)
{
	if (!was_idle || store->conn != NULL || err->status != 503)
		return false;
	log_msg(store->log, LOG_INFO, "reconnecting to the database");
	error_clear(err);
	return true;
}

PGresult *store_exec(struct store *store, struct store_statement *stmt, int nparams,
		     const char *const *params, struct scim_error *err)
{
	bool idle = connection_idle(store);
	PGresult *res = exec_statement_once(store, stmt, nparams, params, err);

	if (res == NULL && retry_after_reconnect(store, idle, err))
		res = exec_statement_once(store, stmt, nparams, params, err);
	return res;
}

PGresult *store_exec_query(struct store *store, const struct sql_query *q,
			   struct scim_error *err)
{
	bool idle = connection_idle(store);
	PGresult *res;

	if (q->broken) {
		/* Its text lacks a refused parameter: never sent. */
		log_msg(store->log, LOG_ERROR, "a query with more than %d parameters was refused",
			q->max_params);
		error_set(err, 500, NULL, "the query is too large to run");
		return NULL;
	}
	res = exec_query_once(store, q, err);
	if (res == NULL && retry_after_reconnect(store, idle, err))
		res = exec_query_once(store, q, err);
	return res;
}

bool store_exec_rows(struct store *store, struct store_statement *stmt, int nparams,
		     const char *const *params, store_row_fn fn, void *arg,
		     struct scim_error *err)
{
	char name[16];
	PGresult *res;
	bool ok = true;

	if (!store_connect(store, err) || !ensure_prepared(store, stmt, name, err) ||
	    !verify_now(store, err) || !begin_now(store, err))
		return false;
	if (!PQsendQueryPrepared(store->conn, name, nparams, params, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(store->conn))
		return fail_result(store, NULL, err);
	/* One row at a time: a 100,000-member group is never held whole. */
	while ((res = PQgetResult(store->conn)) != NULL) {
		ExecStatusType status = PQresultStatus(res);

		if (status == PGRES_SINGLE_TUPLE) {
			if (ok)
				fn(arg, res);
			PQclear(res);
		} else if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
			PQclear(res);
		} else {
			ok = fail_result(store, res, err);
		}
	}
	return ok;
}

static PGresult *exec_simple(struct store *store, const char *sql, struct scim_error *err)
{
	bool idle = connection_idle(store);
	PGresult *res = exec_simple_once(store, sql, err);

	if (res == NULL && retry_after_reconnect(store, idle, err))
		res = exec_simple_once(store, sql, err);
	return res;
}

/* Check a kept token on its own, before a statement that cannot take the
 * check along (exec_with_ahead()). */
static bool verify_now(struct store *store, struct scim_error *err)
{
	const char *epoch[1] = { store->verify.epoch };
	char name[16];
	PGresult *res;

	if (!store->verify.pending)
		return true;
	if (!store_connect(store, err))
		return false;
	if (!ensure_prepared(store, &epoch_check, name, err))
		return false;
	res = PQexecPrepared(store->conn, name, 1, epoch, NULL, NULL, 0);
	if (epoch_changed(res)) {
		PQclear(res);
		return token_recheck(store, err);
	}
	if (check_result(store, res, err) == NULL)
		return false;
	PQclear(res);
	store->verify.pending = false;
	return true;
}

/* Send a pending BEGIN on its own, before a statement that cannot take
 * it along. */
static bool begin_now(struct store *store, struct scim_error *err)
{
	PGresult *res;

	if (!store->begin_pending)
		return true;
	res = exec_simple(store, BEGIN_SQL "; " XACT_ID_SQL, err);
	if (res == NULL)
		return false;
	store->begin_pending = false;
	read_xact_id(store, res);
	PQclear(res);
	return true;
}

bool store_begin(struct store *store, struct scim_error *err)
{
	/* BEGIN goes with the transaction's first statement. */
	if (!store_connect(store, err))
		return false;
	store->begin_pending = true;
	store->commit_next = false;
	store->committed = false;
	store->log_entry = NULL;
	store->xact_id[0] = '\0';
	store->xact_time[0] = '\0';
	store->noted.table = NULL;
	return true;
}

void store_note_row(struct store *store, const struct store_resource_table *table,
		    const char *tenant_id, const char *id, bool deleted)
{
	store->noted.table = table;
	snprintf(store->noted.tenant_id, sizeof(store->noted.tenant_id), "%s", tenant_id);
	snprintf(store->noted.id, sizeof(store->noted.id), "%s", id);
	store->noted.deleted = deleted;
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000L + (now.tv_nsec - start->tv_nsec) / 1000000L;
}

/* The noted row, as the database has it when asked about the transaction. */
enum row_state {
	ROW_NOT_NOTED,	/* the transaction noted none */
	ROW_ABSENT,	/* no row of that tenant and id */
	ROW_AS_LEFT,	/* written by a transaction of that id, at its time */
	ROW_OTHER,	/* there, but not as the transaction left it */
};

/*
 * What became of the open transaction, asked on a new connection:
 * "committed", "aborted", "in progress", or "" when the database cannot be
 * asked; and, in the same query, the state of its noted row. A transaction
 * id "in the future" belonged to a transaction that the database lost in a
 * crash, before its commit record was written.
 */
static void ask_transaction_status(struct store *store, char *status, size_t size,
				   enum row_state *row)
{
	const struct store_resource_table *table = store->noted.table;
	const char *sql = table ? table->commit_check : "SELECT pg_xact_status($1::xid8)";
	const char *params[4] = { store->xact_id, store->noted.tenant_id, store->noted.id,
				  store->noted.deleted ? NULL : store->xact_time };
	PGresult *res;

	status[0] = '\0';
	*row = ROW_NOT_NOTED;
	if (!open_connection(store, LOG_DEBUG))
		return;
	res = PQexecParams(store->conn, sql, table ? 4 : 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		snprintf(status, size, "%s", PQgetvalue(res, 0, 0));
		if (table != NULL && PQgetisnull(res, 0, 1))
			*row = ROW_ABSENT;
		else if (table != NULL)
			*row = strcmp(PQgetvalue(res, 0, 1), "t") == 0 ? ROW_AS_LEFT : ROW_OTHER;
	} else if (res != NULL && !connection_lost(store, res) &&
		   strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "22023") == 0) {
		snprintf(status, size, "aborted");
	} else {
		forget_connection(store);
	}
	PQclear(res);
}

static bool outcome_unknown(struct scim_error *err)
{
	return error_set(err, 503, NULL, "the database went away during the commit: whether the "
			 "change was made is unknown; read the resource before trying again");
}

/*
 * The database says "committed" of the transaction's id: is it this
 * transaction? A commit that the database lost in a crash, or that the
 * standby promoted in a failover never received, leaves its id to be given
 * again to a new transaction, which may commit before the worker asks. The
 * noted row tells them apart. A row written must carry the id and the time
 * of this transaction (one of the same id began later, after the crash). A
 * row deleted must be gone; one still there shows that the delete was not
 * made (the id of a row is never given to another). True when it is this
 * transaction. Otherwise false with err set: 503 when the delete was not
 * made; 503 unknown when the row written is gone or changed since (this
 * transaction may have committed, or not), or when no row was noted.
 */
static bool committed_is_ours(struct store *store, enum row_state row, struct scim_error *err)
{
	const char *table = store->noted.table ? store->noted.table->name : "";

	if (row == ROW_NOT_NOTED) {
		log_msg(store->log, LOG_ERROR, "what became of transaction %s is unknown: one of that id "
			"committed, and this one changed no user or group to tell it by",
			store->xact_id);
		return outcome_unknown(err);
	}
	if (store->noted.deleted && row == ROW_ABSENT) {
		log_msg(store->log, LOG_WARNING, "transaction %s was committed", store->xact_id);
		return true;
	}
	if (store->noted.deleted) {
		log_msg(store->log, LOG_WARNING, "transaction %s was rolled back: %s row %s is still there, "
			"one of that id committed", store->xact_id, table, store->noted.id);
		return error_set(err, 503, NULL, "the database is unavailable; try again later");
	}
	if (row == ROW_AS_LEFT) {
		log_msg(store->log, LOG_WARNING, "transaction %s was committed", store->xact_id);
		return true;
	}
	log_msg(store->log, LOG_ERROR, "what became of transaction %s is unknown: one of that "
		"id committed, but %s row %s is %s", store->xact_id, table, store->noted.id,
		row == ROW_ABSENT ? "not there" : "not as this one left it");
	return outcome_unknown(err);
}

/*
 * The connection went during COMMIT: the transaction may have committed or
 * not. Ask the database until it answers, for COMMIT_OUTCOME_WAIT_MS at
 * most: true when it committed, as if COMMIT had answered; 503 when it was
 * rolled back; 503 saying that the outcome is unknown when the database
 * did not answer in time, or when a commit of the transaction's id cannot
 * be told to be this transaction's (committed_is_ours).
 */
static bool commit_outcome(struct store *store, struct scim_error *err)
{
	const struct timespec poll = { 0, COMMIT_OUTCOME_POLL_MS * 1000000L };
	struct timespec start;
	enum row_state row;
	char status[32];

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		ask_transaction_status(store, status, sizeof(status), &row);
		if (strcmp(status, "committed") == 0)
			return committed_is_ours(store, row, err);
		if (strcmp(status, "aborted") == 0) {
			log_msg(store->log, LOG_WARNING, "transaction %s was rolled back", store->xact_id);
			return error_set(err, 503, NULL,
					 "the database is unavailable; try again later");
		}
		if (elapsed_ms(&start) >= COMMIT_OUTCOME_WAIT_MS)
			break;
		nanosleep(&poll, NULL);
	}
	log_msg(store->log, LOG_ERROR, "what became of transaction %s is unknown: no answer from the "
		"database in %d s", store->xact_id, COMMIT_OUTCOME_WAIT_MS / 1000);
	return outcome_unknown(err);
}

/*
 * The answer to COMMIT, NULL when the connection broke before it came. A
 * failure the database answers (a deferred constraint) rolled the
 * transaction back; a lost connection leaves the outcome to be learned.
 */
static bool commit_result(struct store *store, PGresult *res, struct scim_error *err)
{
	if (PQresultStatus(res) == PGRES_COMMAND_OK) {
		/* COMMIT of a transaction in which a statement failed rolls back. */
		bool committed = strcmp(PQcmdStatus(res), "COMMIT") == 0;

		PQclear(res);
		if (!committed) {
			log_msg(store->log, LOG_ERROR, "transaction %s was rolled back at COMMIT",
				store->xact_id);
			return error_set(err, 500, NULL, "the request failed");
		}
		return true;
	}
	if (!connection_lost(store, res))
		return fail_result(store, res, err);
	log_msg(store->log, LOG_WARNING, "database connection lost during COMMIT: %s; asking "
		"what became of transaction %s", res ? PQresultErrorMessage(res) : PQerrorMessage(store->conn),
		store->xact_id);
	PQclear(res);
	forget_connection(store);
	return commit_outcome(store, err);
}

/* The log's row, then COMMIT, in one round trip. */
static bool commit_with_log(struct store *store, struct scim_error *err)
{
	struct store_log_params log;
	bool committed = false;
	PGresult *res;
	char name[16];

	store_log_params(store->log_entry, &log);
	/* The row goes as the statement, not again after it. */
	store->log_entry = NULL;
	if (!store_connect(store, err) || !ensure_prepared(store, &store_log_insert, name, err))
		return false;
	res = exec_with_ahead(store, name, STORE_LOG_PARAMS, log.values, &committed, err);
	PQclear(res);
	return committed;
}

bool store_commit(struct store *store, struct scim_error *err)
{
	if (store->committed) {
		/* COMMIT went with the last statement (store_commit_with_next()). */
		store->committed = false;
		return true;
	}
	store->commit_next = false;
	if (store->log_entry != NULL)
		return commit_with_log(store, err);
	if (store->begin_pending) {
		/* No statement ran: nothing to commit. */
		store->begin_pending = false;
		return true;
	}
	if (store->conn == NULL)
		return error_set(err, 503, NULL, "the database is unavailable; try again later");
	return commit_result(store, PQexec(store->conn, "COMMIT"), err);
}

void store_commit_with_next(struct store *store)
{
	store->commit_next = true;
}

void store_log_with_commit(struct store *store, const struct store_log_entry *entry)
{
	store->log_entry = entry;
}

/*
 * Can COMMIT go with the next statement? Only when the transaction has
 * begun in an earlier round trip, so that its id and time are known should
 * the connection go during the COMMIT, and when the token is confirmed.
 */
static bool commit_can_go_along(const struct store *store)
{
	return store->commit_next && store->conn != NULL && !store->begin_pending &&
	       !store->verify.pending && store->xact_id[0] != '\0' && store->xact_time[0] != '\0';
}

PGresult *store_exec_last(struct store *store, struct store_statement *stmt, int nparams,
			  const char *const *params, bool *committed_unseen,
			  struct scim_error *err)
{
	bool committed = false;
	PGresult *res;
	char name[16];

	*committed_unseen = false;
	if (!commit_can_go_along(store))
		return store_exec(store, stmt, nparams, params, err);
	store->commit_next = false;
	if (!ensure_prepared(store, stmt, name, err))
		return NULL;
	res = exec_with_ahead(store, name, nparams, params, &committed, err);
	store->log_entry = NULL; /* sent with the COMMIT */
	store->committed = committed;
	*committed_unseen = committed && res == NULL;
	return res;
}

void store_rollback(struct store *store)
{
	PGresult *res;

	store->begin_pending = false;
	store->commit_next = false;
	store->committed = false;
	store->log_entry = NULL;
	if (store->conn == NULL || PQstatus(store->conn) != CONNECTION_OK)
		return;
	if (PQtransactionStatus(store->conn) == PQTRANS_IDLE)
		return;
	res = PQexec(store->conn, "ROLLBACK");
	/* ROLLBACK fails only on a connection that is gone. */
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_msg(store->log, LOG_ERROR, "database connection lost: %s",
			res ? PQresultErrorMessage(res) : PQerrorMessage(store->conn));
		forget_connection(store);
	}
	PQclear(res);
}

void store_hash_text(const uint8_t hash[32], char text[STORE_HASH_TEXT_SIZE])
{
	text[0] = '\\';
	text[1] = 'x';
	sha256_hex(hash, text + 2);
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static struct token_cache_entry *token_find(struct store *store, const uint8_t hash[32],
					    const char *address)
{
	struct timespec now;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (i = 0; i < TOKEN_CACHE_SIZE; i++) {
		struct token_cache_entry *e = &store->tokens[i];

		if (!e->used || memcmp(e->hash, hash, 32) != 0 || strcmp(e->address, address) != 0)
			continue;
		if (before(&now, &e->until))
			return e;
		e->used = false; /* expired, or time to check it again */
	}
	return NULL;
}

/* Keep a token just checked under `epoch`, for `seconds` at most (its
 * expiry). */
static void token_keep(struct store *store, const uint8_t hash[32], const char *address,
		       const struct tenant *tenant, long long epoch, long long seconds)
{
	struct token_cache_entry *e = NULL;
	int i;

	if (seconds <= 0 || strlen(address) >= sizeof(e->address))
		return;
	for (i = 0; i < TOKEN_CACHE_SIZE && e == NULL; i++)
		if (!store->tokens[i].used)
			e = &store->tokens[i];
	if (e == NULL)
		e = &store->tokens[store->next_token++ % TOKEN_CACHE_SIZE];
	e->used = true;
	memcpy(e->hash, hash, 32);
	snprintf(e->address, sizeof(e->address), "%s", address);
	e->tenant = *tenant;
	e->epoch = epoch;
	clock_gettime(CLOCK_MONOTONIC, &e->until);
	e->until.tv_sec += (time_t)seconds;
}

/* Ask the database about a token, and keep it when it is valid. */
static bool token_check(struct store *store, const uint8_t hash[32], const char *client_address,
			struct tenant *out, struct scim_error *err)
{
	const char *address = client_address ? client_address : "";
	char hex[STORE_HASH_TEXT_SIZE];
	char token_id[24];
	const char *params[2];
	const char *touch[1];
	long long keep;
	long long left;
	long long epoch;
	PGresult *res;
	bool stale;

	store_hash_text(hash, hex);
	params[0] = hex;
	params[1] = client_address;
	res = store_exec(store, &token_authenticate, 2, params, err);
	if (res == NULL)
		return false;
	/* One answer for every refusal, so that a stolen token learns
	 * nothing; the log line says why (err->why). */
	if (PQntuples(res) != 1) {
		PQclear(res);
		error_set(err, 401, NULL, "the bearer token is not valid");
		err->why = "unknown token";
		return false;
	}
	if (!PQgetisnull(res, 0, 8)) {
		err->why = strcmp(PQgetvalue(res, 0, 8), "revoked") == 0 ? "revoked" : "expired";
		log_msg(store->log, LOG_WARNING, "token %s refused: %s", PQgetvalue(res, 0, 2), err->why);
		PQclear(res);
		error_set(err, 401, NULL, "the bearer token is not valid");
		return false;
	}
	if (strcmp(PQgetvalue(res, 0, 4), "t") != 0) {
		log_msg(store->log, LOG_WARNING, "token %s refused from %s by its IP restriction",
			PQgetvalue(res, 0, 2), client_address ? client_address : "an unknown address");
		PQclear(res);
		error_set(err, 401, NULL, "the bearer token is not valid");
		err->why = "address not allowed";
		return false;
	}
	snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, 0, 0));
	snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(res, 0, 1));
	out->token_id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	snprintf(out->title, sizeof(out->title), "%s", PQgetvalue(res, 0, 7));
	out->schema_version = strtoll(PQgetvalue(res, 0, 9), NULL, 10);
	stale = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
	/* Kept no longer than the token's expiry. */
	keep = store->token_cache_seconds;
	left = PQgetisnull(res, 0, 5) ? keep : strtoll(PQgetvalue(res, 0, 5), NULL, 10);
	if (left < keep)
		keep = left;
	epoch = strtoll(PQgetvalue(res, 0, 6), NULL, 10);
	PQclear(res);
	if (stale) {
		snprintf(token_id, sizeof(token_id), "%lld", out->token_id);
		touch[0] = token_id;
		res = store_exec(store, &token_touch, 1, touch, err);
		if (res == NULL)
			return false;
		PQclear(res);
	}
	token_keep(store, hash, address, out, epoch, keep);
	return true;
}

bool store_token_authenticate(struct store *store, const uint8_t hash[32],
			      const char *client_address, struct tenant *out,
			      struct scim_error *err)
{
	const char *address = client_address ? client_address : "";
	struct token_cache_entry *kept;

	store->verify.pending = false;
	store->schemas_changed = false;
	kept = token_find(store, hash, address);
	if (kept == NULL)
		return token_check(store, hash, client_address, out, err);
	*out = kept->tenant;
	/* Confirmed by the request's first statement. */
	store->verify.pending = true;
	snprintf(store->verify.epoch, sizeof(store->verify.epoch), "%lld", kept->epoch);
	memcpy(store->verify.hash, hash, 32);
	snprintf(store->verify.address, sizeof(store->verify.address), "%s", address);
	store->verify.tenant = kept->tenant;
	return true;
}

/*
 * Tokens changed since the request's token was kept: forget every token
 * kept, and check the request's again. True when it is still valid, for
 * the same tenant; 401 otherwise.
 */
static bool token_recheck(struct store *store, struct scim_error *err)
{
	struct tenant now;

	store->verify.pending = false;
	forget_tokens(store);
	if (!token_check(store, store->verify.hash,
			 store->verify.address[0] ? store->verify.address : NULL, &now, err))
		return false;
	if (strcmp(now.id, store->verify.tenant.id) != 0)
		return error_set(err, 401, NULL, "the bearer token is not valid");
	/* The tenant's schema extensions changed: the request was read with
	 * the old ones, and nothing of it has run. */
	if (now.schema_version != store->verify.tenant.schema_version) {
		store->schemas_changed = true;
		return error_set(err, 503, NULL, "the tenant's schemas changed; try again");
	}
	return true;
}

bool store_schemas_changed(const struct store *store)
{
	return store->schemas_changed;
}

bool store_token_confirm(struct store *store, struct scim_error *err)
{
	return verify_now(store, err);
}

/* Fill `out` from row `i` of a result whose columns are STORE_RESOURCE_COLUMNS_WITH(). */
bool store_read_resource(const struct store *store, PGresult *res, int i,
			 struct stored_resource *out, struct scim_error *err)
{
	json_error_t jerr;

	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(res, i, 0));
	snprintf(out->created, sizeof(out->created), "%s", PQgetvalue(res, i, 1));
	snprintf(out->last_modified, sizeof(out->last_modified), "%s", PQgetvalue(res, i, 2));
	out->version = strtoll(PQgetvalue(res, i, 3), NULL, 10);
	/* A list query may select its sort key after the resource. */
	if (PQnfields(res) > 6 && !PQgetisnull(res, i, 6)) {
		out->sort_key = strdup(PQgetvalue(res, i, 6));
		if (out->sort_key == NULL)
			abort();
	}
	out->doc = json_loadb(PQgetvalue(res, i, 4), (size_t)PQgetlength(res, i, 4), 0, &jerr);
	if (out->doc == NULL) {
		log_msg(store->log, LOG_ERROR, "stored document of %s is not JSON: %s", out->id, jerr.text);
		return error_set(err, 500, NULL, "stored resource is damaged");
	}
	if (!PQgetisnull(res, i, 5)) {
		out->groups = json_loadb(PQgetvalue(res, i, 5), (size_t)PQgetlength(res, i, 5), 0,
					 &jerr);
		if (!json_is_array(out->groups)) {
			log_msg(store->log, LOG_ERROR, "groups of %s are not a JSON array: %s", out->id,
				jerr.text);
			return error_set(err, 500, NULL, "stored resource is damaged");
		}
	}
	return true;
}

/* The one row of `res` into `out`, else 404; res is cleared. */
static bool read_one_resource(const struct store *store, PGresult *res,
			      struct stored_resource *out, struct scim_error *err)
{
	bool ok;

	if (res == NULL)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return error_set(err, 404, NULL, "resource not found");
	}
	ok = store_read_resource(store, res, 0, out, err);
	PQclear(res);
	return ok;
}

bool store_exec_resource(struct store *store, struct store_statement *stmt, int nparams,
			 const char *const *params, struct stored_resource *out,
			 struct scim_error *err)
{
	return read_one_resource(store, store_exec(store, stmt, nparams, params, err), out, err);
}

bool store_write_resource(struct store *store, struct store_resource_table *table,
			  struct store_statement *stmt, int nparams, const char *const *params,
			  struct stored_resource *out, struct scim_error *err)
{
	bool committed_unseen;
	PGresult *res;

	/* Noted before it is sent: COMMIT may go with it. */
	store_note_row(store, table, params[0], params[1], false);
	res = store_exec_last(store, stmt, nparams, params, &committed_unseen, err);
	if (committed_unseen)
		/* Its answer was lost with the connection: the row as it is now. */
		return store_exec_resource(store, &table->get, 2, params, out, err);
	return read_one_resource(store, res, out, err);
}

char *store_dump_doc(const json_t *doc)
{
	char *text = json_dumps(doc, JSON_COMPACT);

	if (text == NULL)
		abort();
	return text;
}

bool store_resource_get(struct store *store, struct store_resource_table *table,
			const char *tenant_id, const char *id, bool for_update,
			struct stored_resource *out, struct scim_error *err)
{
	const char *params[2] = { tenant_id, id };

	if (!resource_id_valid(id))
		return error_set(err, 404, NULL, "resource not found");
	return store_exec_resource(store, for_update ? &table->get_for_update : &table->get, 2,
				   params, out, err);
}

bool store_resource_insert(struct store *store, struct store_resource_table *table,
			   const char *tenant_id, const json_t *doc,
			   struct stored_resource *out, struct scim_error *err)
{
	char *text = store_dump_doc(doc);
	const char *params[2] = { tenant_id, text };
	bool ok;

	ok = store_exec_resource(store, &table->insert, 2, params, out, err);
	free(text);
	if (ok)
		store_note_row(store, table, tenant_id, out->id, false);
	return ok;
}

bool store_resource_update(struct store *store, struct store_resource_table *table,
			   const char *tenant_id, const char *id, const json_t *doc,
			   struct stored_resource *out, struct scim_error *err)
{
	char *text;
	const char *params[3] = { tenant_id, id, NULL };
	bool ok;

	if (!resource_id_valid(id))
		return error_set(err, 404, NULL, "resource not found");
	text = store_dump_doc(doc);
	params[2] = text;
	ok = store_write_resource(store, table, &table->update, 3, params, out, err);
	free(text);
	return ok;
}

bool store_resource_delete(struct store *store, struct store_resource_table *table,
			   const char *tenant_id, const char *id, char **name,
			   struct scim_error *err)
{
	const char *params[2] = { tenant_id, id };
	bool committed_unseen;
	PGresult *res;
	bool found;

	if (!resource_id_valid(id))
		return error_set(err, 404, NULL, "resource not found");
	/* Noted before it is sent: COMMIT may go with it. */
	store_note_row(store, table, tenant_id, id, true);
	res = store_exec_last(store, &table->delete, 2, params, &committed_unseen, err);
	if (committed_unseen)
		return true; /* the database said that the row is gone */
	if (res == NULL)
		return false;
	found = PQntuples(res) == 1;
	if (found && name != NULL) {
		*name = strdup(PQgetvalue(res, 0, 0));
		if (*name == NULL)
			abort();
	}
	PQclear(res);
	if (!found)
		return error_set(err, 404, NULL, "resource not found");
	return true;
}

bool store_exec_script(struct store *store, const char *sql, struct scim_error *err)
{
	PGresult *res = verify_now(store, err) && begin_now(store, err) ?
			exec_simple(store, sql, err) : NULL;

	if (res == NULL)
		return false;
	PQclear(res);
	return true;
}

/* Run a statement whose result is of no interest. */
bool store_run(struct store *store, struct store_statement *stmt, int nparams,
	       const char *const *params, struct scim_error *err)
{
	PGresult *res = store_exec(store, stmt, nparams, params, err);

	PQclear(res);
	return res != NULL;
}

/* A copy of a value of a result, taken from `pool` (see store_rows());
 * NULL for NULL. */
char *store_copy_value(const PGresult *res, int i, int j, char **pool)
{
	char *copy = *pool;
	size_t size = (size_t)PQgetlength(res, i, j) + 1;

	if (PQgetisnull(res, i, j))
		return NULL;
	memcpy(copy, PQgetvalue(res, i, j), size);
	*pool += size;
	return copy;
}

/*
 * Run a list statement: an array of its rows of `size` bytes each, filled
 * by fill(), followed by the values they point to; one allocation, which
 * free() releases whole. NULL with err set on failure.
 */
void *store_rows(struct store *store, struct store_statement *stmt, int nparams,
		 const char *const *params, size_t size, store_fill_fn fill, int *nrows,
		 struct scim_error *err)
{
	PGresult *res = store_exec(store, stmt, nparams, params, err);
	size_t values = 0;
	char *rows;
	char *pool;
	int i;
	int j;

	*nrows = 0;
	if (res == NULL)
		return NULL;
	for (i = 0; i < PQntuples(res); i++)
		for (j = 0; j < PQnfields(res); j++)
			values += (size_t)PQgetlength(res, i, j) + 1;
	rows = calloc(1, (size_t)PQntuples(res) * size + values + 1);
	if (rows == NULL)
		abort();
	pool = rows + (size_t)PQntuples(res) * size;
	for (i = 0; i < PQntuples(res); i++)
		fill(rows + (size_t)i * size, res, i, &pool);
	*nrows = PQntuples(res);
	PQclear(res);
	return rows;
}
