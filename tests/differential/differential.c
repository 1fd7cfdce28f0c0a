/*
 * differential.c - the SQL translation of filters (filter_sql.c), run as the
 * store runs a list (store_list()), against the in-memory evaluator
 * (filter_eval.c): random filters over a random set of users and groups in
 * a real database must select the same resources, or both fail with 400
 * invalidFilter.
 *
 *   differential [--seed N] [--cases N] [--users N] [--case K] [--keep] [-v]
 *
 * SCIM_DATABASE is the libpq connection string of a migrated database. The
 * program creates a tenant of its own, stores the users and groups through
 * the service's store (store_user_insert), sets their timestamps to chosen,
 * nearly equal values, and renders each as a GET would (resource_render).
 * Case K's filter depends only on the seed, K and the data (which depends
 * only on the seed and --users), so `--seed N --case K` replays one case.
 * A mismatch prints the seed, the case, the filter and the ids found by one
 * side only; the last line is "differential: N passed, N failed".
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "filter.h"
#include "resource.h"
#include "schema.h"
#include "store_internal.h" /* STORE_RESOURCE_COLUMNS: the rows as the store reads them */

#define BASE_URL "https://scim.example.com/scim/v2"

/* An extension as an administrator would load one (scimctl schema load),
 * with the types the built-in schemas lack: numbers, and strings of either
 * case rule, multi-valued, and a complex with a number in it. */
#define DIFF "urn:ietf:params:scim:schemas:extension:Diff:2.0:User"
static const struct attr_def diff_item_subs[] = {
	{ .name = "name", .type = ATTR_STRING },
	{ .name = "qty", .type = ATTR_INTEGER },
	{ .name = NULL },
};
static const struct attr_def diff_attrs[] = {
	{ .name = "code", .type = ATTR_STRING, .case_exact = true },
	{ .name = "label", .type = ATTR_STRING },
	{ .name = "level", .type = ATTR_INTEGER },
	{ .name = "score", .type = ATTR_DECIMAL },
	{ .name = "flag", .type = ATTR_BOOLEAN },
	{ .name = "since", .type = ATTR_DATETIME },
	{ .name = "tags", .type = ATTR_STRING, .multi_valued = true },
	{ .name = "items", .type = ATTR_COMPLEX, .multi_valued = true, .sub_attrs = diff_item_subs },
	{ .name = NULL },
};
static const struct schema_def diff_schema = {
	.urn = DIFF, .name = "Diff", .description = "the differential test's", .attrs = diff_attrs,
};
static const struct schema_def *const diff_user_extensions[] = {
	&schema_enterprise_user, &diff_schema, NULL,
};
static struct resource_type_def diff_user_type;
#define MAX_SHOWN 5

/* ---- random numbers: splitmix64, the same on every platform ---- */

struct rng {
	uint64_t state;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned pick(struct rng *r, unsigned n)
{
	return n == 0 ? 0 : (unsigned)(rng_next(r) % n);
}

static bool chance(struct rng *r, unsigned percent)
{
	return pick(r, 100) < percent;
}

#define PICK(r, array) ((array)[pick((r), sizeof(array) / sizeof((array)[0]))])

/* ---- growing text ---- */

struct text {
	char *s;
	size_t len;
	size_t cap;
};

static void text_addn(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		if (t->s == NULL)
			abort();
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void text_add(struct text *t, const char *s)
{
	text_addn(t, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3))) text_addf(struct text *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		abort();
	text_addn(t, buf, (size_t)n);
}

/* A filter string literal: JSON escapes, control characters as \u00XX. */
static void text_add_quoted(struct text *t, const char *s)
{
	text_add(t, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			text_addf(t, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			text_addf(t, "\\u%04x", (unsigned char)*s);
		else
			text_addn(t, s, 1);
	}
	text_add(t, "\"");
}

/* ---- the data ---- */

/* Text with the characters that filters must not mistake: case, LIKE's
 * wildcards and escape, quotes, SQL comment marks, Latin-1 and other
 * letters, a code point past the BMP. */
static const char *const words[] = {
	"alice", "Alice", "ALICE", "bob", "Bob", "bOB", "Zo\u00eb", "ZO\u00cb", "zo\u00cb",
	"\u00c6r\u00f8sk\u00f8bing", "\u00e6R\u00d8SK\u00d8BING", "\u00c0\u00c9\u00ce\u00d5\u00dc",
	"\u00e0\u00e9\u00ee\u00f5\u00fc", "\u00d1and\u00fa", "\u00f1AND\u00da", "stra\u00dfe",
	"STRASSE", "\u0100da", "\u0101da", "\u03a3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2",
	"\u03c3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2", "\u65e5\u672c\u8a9e", "\u0130stanbul",
	"istanbul", "\u00d7\u00f7", "\u00f7\u00d7", "\u00de\u00fe", "\u00fe\u00de", "50%", "50_off",
	"a%b", "a_b", "aXb", "a\\b", "back\\\\slash", "quo\"te", "it's", "O'Brien", "semi;colon",
	"--", "/*x*/", "tab\tchar", "new\nline", "\U0001f600emoji", "x", "X", "", " ", " lead",
	"trail ", "Work", "work", "WORK", "home", "other", "mobile", "12345", "007", "1e3", "true",
	"False", "null", "@example.com", "@EXAMPLE.COM", "\u00dcn\u00efc\u00f6d\u00e9",
	"\u00fcN\u00cfC\u00d6D\u00c9", "\U0010ffff", "z\U0010ffffz", "\u00ff", "\u0178",
};
static const char *const types[] = { "work", "Work", "WORK", "home", "other", "mobile", "wOrk" };
static const char *const booleans[] = { "true", "false", "True", "False", "TRUE", "false" };

/* Microseconds and nanoseconds around millisecond and second boundaries. */
static const int64_t time_bases[] = {
	1709251199, /* 2024-02-29T23:59:59Z */
	1444513101, /* 2015-10-10T21:38:21Z, RFC 7644's 14:38:21-07:00 */
	946684799,  /* 1999-12-31T23:59:59Z */
};
static const int64_t stored_micros[] = { 0, 1, 500, 999, 1000, 1001, 861797, 861798, 999999,
					 1000000, 123456, 123000 };
static const int64_t literal_nanos[] = { 0, 1, 999999, 1000000, 1000001, 861797900, 861797979,
					 861000000, 861797000, 999999999, 123456000, 123000000,
					 123000001, 122999999, 1000000000, -1, -1000000 };

struct resource {
	char id[37];
	json_t *rendered;
};

struct dataset {
	const struct resource_type_def *rt;
	const char *table;
	struct resource *items;
	int count;
	json_t *pools; /* path -> array of strings seen in the rendered resources */
};

static PGconn *conn;
static struct store *list_store; /* the store lists are read through */
static char tenant_id[37];
/* What the agreeing cases were, to show that the test tests something. */
static int outcome_invalid;
static int outcome_none;
static int outcome_all;
static int outcome_some;
static uint64_t seed;
static bool verbose;

static json_t *word(struct rng *r)
{
	return json_string(PICK(r, words));
}

/* A word with a tail, so that values repeat across users only sometimes. */
static json_t *word_tail(struct rng *r, const char *sep, unsigned spread)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s%s%u", PICK(r, words), sep, pick(r, spread));
	return json_string(buf);
}

static json_t *boolean_value(struct rng *r)
{
	/* Entra's strings too: normalization makes them booleans. */
	if (chance(r, 20))
		return json_string(PICK(r, booleans));
	return json_boolean(chance(r, 50));
}

static void maybe_set(struct rng *r, json_t *object, const char *key, unsigned percent,
		      json_t *value)
{
	if (chance(r, percent))
		json_object_set_new(object, key, value);
	else
		json_decref(value);
}

/* A multi-valued complex attribute: elements with value, type, primary. */
static json_t *elements(struct rng *r, unsigned max, const char *const *subs)
{
	json_t *array = json_array();
	unsigned n = pick(r, max + 1);
	unsigned i;
	const char *const *s;

	for (i = 0; i < n; i++) {
		json_t *e = json_object();

		for (s = subs; *s != NULL; s++) {
			if (strcmp(*s, "primary") == 0)
				maybe_set(r, e, *s, 60, boolean_value(r));
			else if (strcmp(*s, "type") == 0)
				maybe_set(r, e, *s, 80, json_string(PICK(r, types)));
			else
				maybe_set(r, e, *s, 80,
					  chance(r, 50) ? word(r) : word_tail(r, "@", 4));
		}
		json_array_append_new(array, e);
	}
	return array;
}

/* A client's POST body for user number i, with a random subset of attributes. */
static char *time_literal(struct rng *r);

/* Binary values are base64 (RFC 7643 2.3.6): the words, encoded. */
static json_t *base64_values(json_t *elements)
{
	json_t *e;
	size_t i;

	json_array_foreach(elements, i, e) {
		const char *text = json_string_value(json_object_get(e, "value"));
		char encoded[1024];

		if (text == NULL || strlen(text) > 700)
			continue;
		sodium_bin2base64(encoded, sizeof(encoded), (const unsigned char *)text, strlen(text),
				  sodium_base64_VARIANT_ORIGINAL);
		json_object_set_new(e, "value", json_string(encoded));
	}
	return elements;
}

/* Numbers near each other and far, whole and not, of either sign. */
static const char *const numbers[] = { "0", "1", "-1", "2", "3", "2.5", "-0.25", "7", "1e3",
				       "1000", "999.999", "-5", "42", "0.1", "3.0" };

static json_t *number_value(struct rng *r)
{
	return json_loads(PICK(r, numbers), JSON_DECODE_ANY, NULL);
}

/* The values of the Diff extension, sometimes absent. */
static void diff_values(struct rng *r, json_t *body)
{
	json_t *diff = json_object();
	json_t *tags = json_array();
	json_t *items = json_array();
	unsigned n, i;

	if (chance(r, 25)) {
		json_decref(diff);
		json_decref(tags);
		json_decref(items);
		return;
	}
	maybe_set(r, diff, "code", 60, word(r));
	maybe_set(r, diff, "label", 60, word(r));
	maybe_set(r, diff, "level", 70, json_integer((json_int_t)pick(r, 11) - 5));
	maybe_set(r, diff, "score", 60, number_value(r));
	maybe_set(r, diff, "flag", 50, json_boolean(chance(r, 50)));
	if (chance(r, 60)) {
		/* As clients write them: any precision, offset, case of T and Z. */
		char *since = time_literal(r);

		json_object_set_new(diff, "since", json_string(since));
		free(since);
	}
	for (n = pick(r, 3), i = 0; i < n; i++)
		json_array_append_new(tags, word(r));
	for (n = pick(r, 3), i = 0; i < n; i++) {
		json_t *item = json_object();

		maybe_set(r, item, "name", 80, word(r));
		maybe_set(r, item, "qty", 80, json_integer((json_int_t)pick(r, 7)));
		if (json_object_size(item) == 0)
			json_object_set_new(item, "name", word(r));
		json_array_append_new(items, item);
	}
	maybe_set(r, diff, "tags", 50, tags);
	maybe_set(r, diff, "items", 50, items);
	json_object_set_new(body, DIFF, diff);
}

static json_t *user_body(struct rng *r, int i, const struct resource *earlier, int nearlier)
{
	static const char *const email_subs[] = { "value", "type", "primary", "display", NULL };
	static const char *const phone_subs[] = { "value", "type", "primary", NULL };
	static const char *const role_subs[] = { "value", "display", "type", "primary", NULL };
	static const char *const value_subs[] = { "value", "type", NULL };
	static const char *const address_subs[] = { "formatted", "locality", "postalCode",
						    "country", "type", "primary", NULL };
	json_t *body = json_object();
	json_t *name = json_object();
	json_t *ext = json_object();
	json_t *manager;
	char user_name[300];

	/* Unique, since lower(userName) is: the word varies, the number does not. */
	snprintf(user_name, sizeof(user_name), "%s.%d@Example.COM", PICK(r, words), i);
	json_object_set_new(body, "userName", json_string(user_name));
	maybe_set(r, body, "externalId", 60, chance(r, 50) ? word(r) : word_tail(r, "-", 5));
	maybe_set(r, body, "displayName", 70, chance(r, 50) ? word(r) : word_tail(r, " ", 5));
	maybe_set(r, body, "nickName", 30, word(r));
	maybe_set(r, body, "title", 50, word(r));
	maybe_set(r, body, "userType", 30, word(r));
	maybe_set(r, body, "preferredLanguage", 30, json_string(chance(r, 50) ? "en-US" : "EN-us"));
	maybe_set(r, body, "locale", 20, word(r));
	maybe_set(r, body, "timezone", 20, json_string("Europe/Amsterdam"));
	maybe_set(r, body, "profileUrl", 20, word_tail(r, "/", 3));
	maybe_set(r, body, "active", 80, boolean_value(r));
	maybe_set(r, body, "password", 10, json_string("secret"));
	maybe_set(r, name, "givenName", 60, word(r));
	maybe_set(r, name, "familyName", 60, word(r));
	maybe_set(r, name, "formatted", 30, word_tail(r, " ", 3));
	maybe_set(r, name, "middleName", 20, word(r));
	maybe_set(r, name, "honorificPrefix", 10, word(r));
	json_object_set_new(body, "name", name);
	maybe_set(r, body, "emails", 80, elements(r, 3, email_subs));
	maybe_set(r, body, "phoneNumbers", 50, elements(r, 2, phone_subs));
	maybe_set(r, body, "roles", 40, elements(r, 2, role_subs));
	maybe_set(r, body, "ims", 20, elements(r, 2, value_subs));
	maybe_set(r, body, "photos", 20, elements(r, 2, value_subs));
	maybe_set(r, body, "entitlements", 20, elements(r, 2, value_subs));
	maybe_set(r, body, "addresses", 30, elements(r, 2, address_subs));
	maybe_set(r, body, "x509Certificates", 10, base64_values(elements(r, 1, value_subs)));

	maybe_set(r, ext, "employeeNumber", 50, chance(r, 50) ? word(r) : word_tail(r, "", 50));
	maybe_set(r, ext, "department", 50, word(r));
	maybe_set(r, ext, "costCenter", 20, word(r));
	maybe_set(r, ext, "organization", 20, word(r));
	maybe_set(r, ext, "division", 20, word(r));
	if (nearlier > 0 && chance(r, 40)) {
		manager = json_object();
		if (chance(r, 85))
			json_object_set_new(manager, "value",
					    json_string(earlier[pick(r, (unsigned)nearlier)].id));
		/* A stored $ref is rendered over when there is a value. */
		maybe_set(r, manager, "$ref", 30, word_tail(r, "/", 3));
		maybe_set(r, manager, "displayName", 20, word(r));
		if (json_object_size(manager) == 0)
			json_object_set_new(manager, "value", word(r));
		json_object_set_new(ext, "manager", manager);
	}
	json_object_set_new(body, SCHEMA_URN_ENTERPRISE_USER, ext);
	diff_values(r, body);
	return body;
}

static json_t *group_body(struct rng *r, int i)
{
	json_t *body = json_object();
	char display_name[300];

	snprintf(display_name, sizeof(display_name), "%s %d", PICK(r, words), i);
	json_object_set_new(body, "displayName", json_string(display_name));
	maybe_set(r, body, "externalId", 60, chance(r, 50) ? word(r) : word_tail(r, "-", 5));
	return body;
}

/* ---- database ---- */

static PGresult *exec(const char *sql, int nparams, const char *const *params)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "differential: %s: %s", sql, PQerrorMessage(conn));
		exit(1);
	}
	return res;
}

/* A stored time: a base second plus chosen microseconds, as timestamptz text. */
static void stored_time(struct rng *r, char *out, size_t size)
{
	int64_t micros = PICK(r, stored_micros);
	int fraction = (int)(micros % 1000000);
	time_t seconds = (time_t)(PICK(r, time_bases) + micros / 1000000);
	struct tm tm;

	gmtime_r(&seconds, &tm);
	snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, fraction);
}

/* A random UUID (version 4) from the generator, in lower case like ours. */
static void seeded_id(struct rng *r, char out[37])
{
	uint64_t high = rng_next(r);
	uint64_t low = rng_next(r);

	snprintf(out, 37, "%08x-%04x-4%03x-%04x-%012" PRIx64, (unsigned)(high >> 32),
		 (unsigned)(high >> 16 & 0xffff), (unsigned)(high & 0xfff),
		 (unsigned)(0x8000 | (low >> 48 & 0x3fff)), (uint64_t)(low & 0xffffffffffff));
}

/* Store the resources through the service's store, then render them. */
static void dataset_load(struct rng *r, struct store *store, struct dataset *set, int count)
{
	struct stored_resource row;
	struct scim_error err;
	const char *params[5];
	char new_id[37];
	char *id;
	char created[96];
	char modified[96];
	char sql[512];
	json_t *body;
	json_t *doc;
	PGresult *res;
	int i;
	int j;

	set->items = calloc((size_t)count, sizeof(*set->items));
	if (set->items == NULL)
		abort();
	for (i = 0; i < count; i++) {
		bool user = set->rt->core == &schema_user;

		error_clear(&err);
		body = user ? user_body(r, i, set->items, set->count) : group_body(r, i);
		doc = resource_normalize(body, set->rt, &err);
		json_decref(body);
		if (doc == NULL) {
			fprintf(stderr, "differential: resource %d not valid: %s\n", i, err.detail);
			exit(1);
		}
		if (!(user ? store_user_insert : store_group_insert)(store, tenant_id, doc, &row,
								     &err)) {
			/* lower(userName) may collide under the database's locale. */
			if (verbose)
				printf("resource %d not stored: %s\n", i, err.detail);
			json_decref(doc);
			continue;
		}
		id = set->items[set->count].id;
		snprintf(id, sizeof(set->items[set->count].id), "%s", row.id);
		stored_resource_clear(&row);
		/* Some are stored again, for versions above 1. */
		for (j = (int)pick(r, 3); j > 0; j--) {
			if (!(user ? store_user_update : store_group_update)(store, tenant_id, id,
									     doc, &row, &err))
				break;
			stored_resource_clear(&row);
		}
		json_decref(doc);

		/* The times, and an id from the seed, so that a run repeats exactly. */
		stored_time(r, created, sizeof(created));
		stored_time(r, modified, sizeof(modified));
		seeded_id(r, new_id);
		params[0] = tenant_id;
		params[1] = id;
		params[2] = created;
		params[3] = modified;
		params[4] = new_id;
		snprintf(sql, sizeof(sql), "UPDATE %s SET created = $3, last_modified = $4, id = $5"
			 " WHERE tenant_id = $1 AND id = $2", set->table);
		PQclear(exec(sql, 5, params));
		memcpy(id, new_id, sizeof(new_id));
		set->count++;
	}

	/* Render each as GET does, in the order they were made. */
	snprintf(sql, sizeof(sql), "SELECT " STORE_RESOURCE_COLUMNS
		 " FROM %s r WHERE r.tenant_id = $1", set->table);
	params[0] = tenant_id;
	res = exec(sql, 1, params);
	for (i = 0; i < PQntuples(res); i++) {
		json_error_t jerr;

		memset(&row, 0, sizeof(row));
		snprintf(row.id, sizeof(row.id), "%s", PQgetvalue(res, i, 0));
		snprintf(row.created, sizeof(row.created), "%s", PQgetvalue(res, i, 1));
		snprintf(row.last_modified, sizeof(row.last_modified), "%s", PQgetvalue(res, i, 2));
		row.version = strtoll(PQgetvalue(res, i, 3), NULL, 10);
		row.doc = json_loads(PQgetvalue(res, i, 4), 0, &jerr);
		for (j = 0; j < set->count; j++) {
			if (strcmp(set->items[j].id, row.id) == 0)
				set->items[j].rendered = resource_render(&row, set->rt, BASE_URL);
		}
		stored_resource_clear(&row);
	}
	PQclear(res);
	for (j = 0; j < set->count; j++) {
		if (set->items[j].rendered == NULL) {
			fprintf(stderr, "differential: %s not read back\n", set->items[j].id);
			exit(1);
		}
	}
}

/* ---- memberships, rendered as the handlers render them ---- */

/* Some users, now and then a group (nested groups, loops included), in
 * each group. Stored through the store, as PATCH and POST store them. */
static void memberships_load(struct rng *r, struct store *store, const struct dataset *users,
			     const struct dataset *groups)
{
	struct scim_error err;
	long long added;
	int i;
	int n;

	for (i = 0; i < groups->count; i++) {
		json_t *members = json_array();

		for (n = (int)pick(r, 6); n > 0 && users->count > 0; n--)
			json_array_append_new(members, json_pack("{s:s}", "value",
				users->items[pick(r, (unsigned)users->count)].id));
		if (chance(r, 30) && groups->count > 1) {
			int other = (int)pick(r, (unsigned)groups->count);

			if (other != i)
				json_array_append_new(members, json_pack("{s:s, s:s}", "value",
					groups->items[other].id, "type", "Group"));
		}
		error_clear(&err);
		if (!store_group_members_add(store, tenant_id, groups->items[i].id, members, &added,
					     &err)) {
			fprintf(stderr, "differential: members not stored: %s\n", err.detail);
			exit(1);
		}
		json_decref(members);
	}
}

/* As handlers_groups.c's member_object() with every field. */
static void member_render(void *arg, const char *id, const char *type, const char *display)
{
	char ref[256];

	snprintf(ref, sizeof(ref), "%s/%s/%s", BASE_URL,
		 strcmp(type, "Group") == 0 ? "Groups" : "Users", id);
	json_array_append_new(arg, json_pack("{s:s, s:s, s:s, s:s?}", "value", id, "$ref", ref,
					     "type", type, "display", display));
}

/* Add a group's members (always, [] when none) and a user's groups (when
 * there are some) to the rendered resources, as GET shows them. */
static void memberships_render(struct store *store, struct dataset *users,
			       struct dataset *groups)
{
	struct scim_error err;
	int i;

	error_clear(&err);
	for (i = 0; i < groups->count; i++) {
		json_t *members = json_array();

		if (!store_group_members_each(store, tenant_id, groups->items[i].id, member_render,
					      members, &err)) {
			fprintf(stderr, "differential: members not read: %s\n", err.detail);
			exit(1);
		}
		json_object_set_new(groups->items[i].rendered, "members", members);
	}
	/* A user's groups as GET renders them: read with the user. */
	for (i = 0; i < users->count; i++) {
		struct stored_resource row = { 0 };
		json_t *rendered;
		json_t *list;

		if (!store_user_get(store, tenant_id, users->items[i].id, false, &row, &err)) {
			fprintf(stderr, "differential: groups not read: %s\n", err.detail);
			exit(1);
		}
		rendered = resource_render(&row, users->rt, BASE_URL);
		list = json_object_get(rendered, "groups");
		if (list != NULL)
			json_object_set(users->items[i].rendered, "groups", list);
		json_decref(rendered);
		stored_resource_clear(&row);
	}
}

/* ---- literals seen in the data ---- */

static void pool_add(struct dataset *set, const char *path, const json_t *value)
{
	json_t *pool = json_object_get(set->pools, path);
	size_t i;
	json_t *e;

	if (json_is_array(value)) {
		json_array_foreach(value, i, e)
			pool_add(set, path, e);
		return;
	}
	if (!json_is_string(value))
		return;
	if (pool == NULL) {
		pool = json_array();
		json_object_set_new(set->pools, path, pool);
	}
	json_array_append(pool, (json_t *)value);
}

/* Every string of every attribute and sub-attribute, by its path
 * ("emails.value", "urn:...:User:manager.value", "schemas"). */
static void pools_collect(struct dataset *set)
{
	const char *key;
	const char *sub_key;
	json_t *value;
	json_t *sub_value;
	json_t *e;
	char path[300];
	size_t k;
	int i;

	set->pools = json_object();
	for (i = 0; i < set->count; i++) {
		json_t *doc = set->items[i].rendered;

		json_object_foreach(doc, key, value) {
			if (strncmp(key, "urn:", 4) == 0 && json_is_object(value)) {
				/* An extension: its attributes under the URN. */
				const char *ext_key;
				json_t *ext_value;

				json_object_foreach(value, ext_key, ext_value) {
					snprintf(path, sizeof(path), "%s:%s", key, ext_key);
					pool_add(set, path, ext_value);
					if (!json_is_object(ext_value))
						continue;
					json_object_foreach(ext_value, sub_key, sub_value) {
						snprintf(path, sizeof(path), "%s:%s.%s", key, ext_key,
							 sub_key);
						pool_add(set, path, sub_value);
					}
				}
				continue;
			}
			pool_add(set, key, value);
			if (json_is_object(value)) {
				json_object_foreach(value, sub_key, sub_value) {
					snprintf(path, sizeof(path), "%s.%s", key, sub_key);
					pool_add(set, path, sub_value);
				}
			} else if (json_is_array(value)) {
				json_array_foreach(value, k, e) {
					if (!json_is_object(e))
						continue;
					json_object_foreach(e, sub_key, sub_value) {
						snprintf(path, sizeof(path), "%s.%s", key, sub_key);
						pool_add(set, path, sub_value);
					}
				}
			}
		}
	}
}

/* ---- what filters are made of ---- */

enum kind {
	KIND_STRING,
	KIND_BOOLEAN,
	KIND_DATETIME,
	KIND_NUMBER,        /* integer or decimal */
	KIND_COMPLEX,       /* complex with a "value" sub-attribute */
	KIND_COMPLEX_PLAIN, /* complex without one: only pr and null apply */
	KIND_UNKNOWN,       /* not an attribute: invalidFilter */
};

struct attribute {
	const char *urn;  /* the extension URN it must be qualified with, or NULL */
	const char *path; /* "emails.value" */
	enum kind kind;
	const char *pool; /* path of its literals in the pools; NULL: path */
	unsigned weight;  /* extra chances to be picked: lookups come up more often */
};

#define ENTERPRISE SCHEMA_URN_ENTERPRISE_USER

static const struct attribute user_attributes[] = {
	{ NULL, "userName", KIND_STRING, NULL, 5 },
	{ NULL, "displayName", KIND_STRING, NULL, 2 },
	{ NULL, "externalId", KIND_STRING, NULL, 3 },
	{ NULL, "id", KIND_STRING, NULL, 4 },
	{ NULL, "nickName", KIND_STRING, NULL, 0 },
	{ NULL, "title", KIND_STRING, NULL, 0 },
	{ NULL, "userType", KIND_STRING, NULL, 0 },
	{ NULL, "preferredLanguage", KIND_STRING, NULL, 0 },
	{ NULL, "locale", KIND_STRING, NULL, 0 },
	{ NULL, "timezone", KIND_STRING, NULL, 0 },
	{ NULL, "profileUrl", KIND_STRING, NULL, 0 },
	{ NULL, "password", KIND_STRING, "title", 0 },
	{ NULL, "active", KIND_BOOLEAN, NULL, 2 },
	{ NULL, "schemas", KIND_STRING, NULL, 0 },
	{ NULL, "name", KIND_COMPLEX_PLAIN, NULL, 0 },
	{ NULL, "name.givenName", KIND_STRING, NULL, 0 },
	{ NULL, "name.familyName", KIND_STRING, NULL, 0 },
	{ NULL, "name.formatted", KIND_STRING, NULL, 0 },
	{ NULL, "name.middleName", KIND_STRING, NULL, 0 },
	{ NULL, "name.honorificPrefix", KIND_STRING, NULL, 0 },
	{ NULL, "name.honorificSuffix", KIND_STRING, "name.givenName", 0 },
	{ NULL, "emails", KIND_COMPLEX, "emails.value", 0 },
	{ NULL, "emails.value", KIND_STRING, NULL, 3 },
	{ NULL, "emails.type", KIND_STRING, NULL, 0 },
	{ NULL, "emails.primary", KIND_BOOLEAN, NULL, 0 },
	{ NULL, "emails.display", KIND_STRING, NULL, 0 },
	{ NULL, "phoneNumbers", KIND_COMPLEX, "phoneNumbers.value", 0 },
	{ NULL, "phoneNumbers.value", KIND_STRING, NULL, 0 },
	{ NULL, "phoneNumbers.type", KIND_STRING, NULL, 0 },
	{ NULL, "phoneNumbers.primary", KIND_BOOLEAN, NULL, 0 },
	{ NULL, "roles", KIND_COMPLEX, "roles.value", 0 },
	{ NULL, "roles.value", KIND_STRING, NULL, 0 },
	{ NULL, "roles.display", KIND_STRING, NULL, 0 },
	{ NULL, "roles.type", KIND_STRING, NULL, 0 },
	{ NULL, "roles.primary", KIND_BOOLEAN, NULL, 0 },
	{ NULL, "ims.value", KIND_STRING, NULL, 0 },
	{ NULL, "ims.type", KIND_STRING, NULL, 0 },
	{ NULL, "photos", KIND_COMPLEX, "photos.value", 0 },
	{ NULL, "photos.value", KIND_STRING, NULL, 0 },
	{ NULL, "entitlements.value", KIND_STRING, NULL, 0 },
	{ NULL, "addresses", KIND_COMPLEX_PLAIN, NULL, 0 },
	{ NULL, "addresses.locality", KIND_STRING, NULL, 0 },
	{ NULL, "addresses.postalCode", KIND_STRING, NULL, 0 },
	{ NULL, "addresses.type", KIND_STRING, NULL, 0 },
	{ NULL, "addresses.primary", KIND_BOOLEAN, NULL, 0 },
	{ NULL, "x509Certificates", KIND_COMPLEX, "x509Certificates.value", 0 },
	{ NULL, "meta", KIND_COMPLEX_PLAIN, NULL, 0 },
	{ NULL, "meta.created", KIND_DATETIME, NULL, 4 },
	{ NULL, "meta.lastModified", KIND_DATETIME, NULL, 3 },
	{ NULL, "meta.resourceType", KIND_STRING, NULL, 0 },
	{ NULL, "meta.location", KIND_STRING, NULL, 2 },
	{ NULL, "meta.version", KIND_STRING, NULL, 0 },
	{ ENTERPRISE, "employeeNumber", KIND_STRING, NULL, 0 },
	{ ENTERPRISE, "department", KIND_STRING, NULL, 0 },
	{ ENTERPRISE, "costCenter", KIND_STRING, NULL, 0 },
	{ ENTERPRISE, "organization", KIND_STRING, NULL, 0 },
	{ ENTERPRISE, "division", KIND_STRING, NULL, 0 },
	{ ENTERPRISE, "manager", KIND_COMPLEX, ENTERPRISE ":manager.value", 0 },
	{ ENTERPRISE, "manager.value", KIND_STRING, NULL, 0 },
	{ ENTERPRISE, "manager.$ref", KIND_STRING, NULL, 2 },
	{ ENTERPRISE, "manager.displayName", KIND_STRING, "name.givenName", 0 },
	{ NULL, "groups", KIND_COMPLEX, "groups.value", 1 },
	{ NULL, "groups.value", KIND_STRING, NULL, 1 },
	{ NULL, "groups.display", KIND_STRING, NULL, 0 },
	{ NULL, "groups.type", KIND_STRING, NULL, 0 },
	{ NULL, "groups.$ref", KIND_STRING, NULL, 0 },
	{ DIFF, "code", KIND_STRING, NULL, 2 },
	{ DIFF, "label", KIND_STRING, NULL, 2 },
	{ DIFF, "level", KIND_NUMBER, NULL, 3 },
	{ DIFF, "score", KIND_NUMBER, NULL, 3 },
	{ DIFF, "flag", KIND_BOOLEAN, NULL, 1 },
	{ DIFF, "since", KIND_DATETIME, NULL, 3 },
	{ DIFF, "tags", KIND_STRING, NULL, 1 },
	{ DIFF, "items", KIND_COMPLEX_PLAIN, NULL, 0 },
	{ DIFF, "items.name", KIND_STRING, NULL, 1 },
	{ DIFF, "items.qty", KIND_NUMBER, NULL, 2 },
	{ DIFF, "nosuch", KIND_UNKNOWN, "title", 0 },
	{ NULL, "nosuch", KIND_UNKNOWN, "title", 0 },
	{ NULL, "name.nosuch", KIND_UNKNOWN, "title", 0 },
	{ NULL, "emails.nosuch", KIND_UNKNOWN, "title", 0 },
	{ NULL, "employeeNumber", KIND_UNKNOWN, "title", 0 },
	{ ENTERPRISE, "userName", KIND_UNKNOWN, "userName", 0 },
	{ NULL, "userName.value", KIND_UNKNOWN, "userName", 0 },
};

static const struct attribute group_attributes[] = {
	{ NULL, "displayName", KIND_STRING, NULL, 2 },
	{ NULL, "externalId", KIND_STRING, NULL, 3 },
	{ NULL, "id", KIND_STRING, NULL, 4 },
	{ NULL, "schemas", KIND_STRING, NULL, 0 },
	{ NULL, "meta", KIND_COMPLEX_PLAIN, NULL, 0 },
	{ NULL, "meta.created", KIND_DATETIME, NULL, 4 },
	{ NULL, "meta.lastModified", KIND_DATETIME, NULL, 3 },
	{ NULL, "meta.resourceType", KIND_STRING, NULL, 0 },
	{ NULL, "meta.location", KIND_STRING, NULL, 2 },
	{ NULL, "meta.version", KIND_STRING, NULL, 0 },
	{ NULL, "members", KIND_COMPLEX, "members.value", 2 },
	{ NULL, "members.value", KIND_STRING, NULL, 2 },
	{ NULL, "members.display", KIND_STRING, NULL, 1 },
	{ NULL, "members.type", KIND_STRING, NULL, 0 },
	{ NULL, "members.$ref", KIND_STRING, NULL, 0 },
	{ NULL, "userName", KIND_UNKNOWN, "displayName", 0 },
	{ NULL, "active", KIND_UNKNOWN, "displayName", 0 },
};

/* Value filters: the attribute and the sub-attributes its brackets test. */
struct value_path {
	const char *urn;
	const char *attr;
	const char *const subs[7];
	const enum kind kinds[7];
};

static const struct value_path user_value_paths[] = {
	{ NULL, "emails", { "value", "type", "primary", "display", NULL },
	  { KIND_STRING, KIND_STRING, KIND_BOOLEAN, KIND_STRING } },
	{ NULL, "phoneNumbers", { "value", "type", "primary", NULL },
	  { KIND_STRING, KIND_STRING, KIND_BOOLEAN } },
	{ NULL, "roles", { "value", "display", "type", "primary", NULL },
	  { KIND_STRING, KIND_STRING, KIND_STRING, KIND_BOOLEAN } },
	{ NULL, "addresses", { "locality", "postalCode", "type", "primary", "formatted", NULL },
	  { KIND_STRING, KIND_STRING, KIND_STRING, KIND_BOOLEAN, KIND_STRING } },
	{ NULL, "ims", { "value", "type", NULL }, { KIND_STRING, KIND_STRING } },
	{ NULL, "name", { "givenName", "familyName", "formatted", NULL },
	  { KIND_STRING, KIND_STRING, KIND_STRING } },
	{ ENTERPRISE, "manager", { "value", "$ref", "displayName", NULL },
	  { KIND_STRING, KIND_STRING, KIND_STRING } },
	{ NULL, "meta", { "created", "lastModified", "version", "resourceType", "location", NULL },
	  { KIND_DATETIME, KIND_DATETIME, KIND_STRING, KIND_STRING, KIND_STRING } },
	{ NULL, "groups", { "value", "display", "type", "$ref", NULL },
	  { KIND_STRING, KIND_STRING, KIND_STRING, KIND_STRING } },
	{ DIFF, "items", { "name", "qty", NULL }, { KIND_STRING, KIND_NUMBER } },
	{ NULL, "userName", { "value", NULL }, { KIND_UNKNOWN } },
};

static const struct value_path group_value_paths[] = {
	{ NULL, "meta", { "created", "lastModified", "version", "resourceType", "location", NULL },
	  { KIND_DATETIME, KIND_DATETIME, KIND_STRING, KIND_STRING, KIND_STRING } },
	{ NULL, "members", { "value", "display", "type", "$ref", NULL },
	  { KIND_STRING, KIND_STRING, KIND_STRING, KIND_STRING } },
	{ NULL, "displayName", { "value", NULL }, { KIND_UNKNOWN } },
};

struct generator {
	struct rng rng;
	const struct dataset *set;
	const struct attribute *attributes;
	size_t nattributes;
	const struct value_path *value_paths;
	size_t nvalue_paths;
	int nodes; /* comparisons so far, to keep filters within the parser's limits */
};

/* Change the case of ASCII and Latin-1 letters, or of nothing, at random. */
static void recase(struct rng *r, char *s)
{
	unsigned how = pick(r, 4);
	unsigned char *u = (unsigned char *)s;
	size_t i;

	if (how == 0)
		return;
	for (i = 0; u[i] != '\0'; i++) {
		bool up = how == 1 || (how == 3 && chance(r, 50));
		bool latin1 = i > 0 && u[i - 1] == 0xc3;

		if (u[i] >= 'a' && u[i] <= 'z' && up)
			u[i] = (unsigned char)(u[i] - 32);
		else if (u[i] >= 'A' && u[i] <= 'Z' && !up)
			u[i] = (unsigned char)(u[i] + 32);
		else if (latin1 && u[i] >= 0xa0 && u[i] <= 0xbe && u[i] != 0xb7 && up)
			u[i] = (unsigned char)(u[i] - 32);
		else if (latin1 && u[i] >= 0x80 && u[i] <= 0x9e && u[i] != 0x97 && !up)
			u[i] = (unsigned char)(u[i] + 32);
	}
}

/* Byte offsets of character starts in s, at most `max`. */
static size_t char_starts(const char *s, size_t *starts, size_t max)
{
	size_t n = 0;
	size_t i;

	for (i = 0; s[i] != '\0' && n < max; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			starts[n++] = i;
	return n;
}

/* A text literal for `op`: a value from the pool, often changed in case,
 * cut to a part for co/sw/ew, sometimes nearly equal or unrelated. */
static char *text_literal(struct generator *g, const char *pool_path, enum filter_op op)
{
	struct rng *r = &g->rng;
	json_t *pool = json_object_get(g->set->pools, pool_path);
	const char *source;
	size_t starts[256];
	size_t n;
	size_t from;
	size_t to;
	char *out;

	if (pool == NULL || json_array_size(pool) == 0 || chance(r, 10))
		source = PICK(r, words);
	else
		source = json_string_value(
			json_array_get(pool, pick(r, (unsigned)json_array_size(pool))));
	out = malloc(strlen(source) + 8);
	if (out == NULL)
		abort();
	strcpy(out, source);
	n = char_starts(out, starts, 255);
	starts[n] = strlen(out);
	if (n > 0 && (op == FILTER_CO || op == FILTER_SW || op == FILTER_EW ||
		      op == FILTER_GT || op == FILTER_LT || chance(r, 10))) {
		from = op == FILTER_SW ? 0 : pick(r, (unsigned)n);
		to = op == FILTER_EW ? n : from + 1 + pick(r, (unsigned)(n - from));
		if (chance(r, 20)) {
			from = 0;
			to = n;
		}
		memmove(out, out + starts[from], starts[to] - starts[from]);
		out[starts[to] - starts[from]] = '\0';
	}
	if (chance(r, 10))
		strcat(out, PICK(r, ((const char *const[]){ "x", "%", "_", "\\", "\u00e9" })));
	recase(r, out);
	return out;
}

/* A dateTime literal near the stored times, in one of RFC 3339's forms. */
static char *time_literal(struct rng *r)
{
	static const int offsets[] = { 0, 0, -420, 330, 60, -60, 840, -720 };
	int64_t seconds = PICK(r, time_bases);
	int64_t nanos = PICK(r, literal_nanos) + (int64_t)pick(r, 3) * 1000000000 - 1000000000;
	int offset = PICK(r, offsets);
	int digits = (int)PICK(r, ((const int[]){ 0, 3, 3, 6, 7, 9, 12 }));
	struct tm tm;
	time_t local;
	char fraction[32] = "";
	char zone[16];
	char *out = malloc(96);
	int64_t whole;
	int64_t frac;
	int i;

	if (out == NULL)
		abort();
	whole = nanos >= 0 ? nanos / 1000000000 : -((-nanos + 999999999) / 1000000000);
	seconds += whole;
	frac = nanos - whole * 1000000000;
	local = (time_t)(seconds + offset * 60);
	gmtime_r(&local, &tm);
	if (digits > 0) {
		char nine[16];

		snprintf(nine, sizeof(nine), "%09" PRId64, frac);
		fraction[0] = '.';
		for (i = 0; i < digits; i++)
			fraction[1 + i] = i < 9 ? nine[i] : (char)('0' + pick(r, 10));
		fraction[1 + digits] = '\0';
	} else if (frac != 0 && chance(r, 50)) {
		snprintf(fraction, sizeof(fraction), ".%09" PRId64, frac);
	}
	if (offset == 0)
		snprintf(zone, sizeof(zone), "%s",
			 chance(r, 80) ? "Z" : chance(r, 50) ? "+00:00" : "z");
	else
		snprintf(zone, sizeof(zone), "%c%02d:%02d", offset < 0 ? '-' : '+',
			 abs(offset) / 60, abs(offset) % 60);
	if (chance(r, 5))
		zone[0] = '\0'; /* no offset: UTC */
	snprintf(out, 96, "%04d-%02d-%02d%c%02d:%02d:%02d%s%s", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, chance(r, 90) ? 'T' : 't', tm.tm_hour, tm.tm_min,
		 tm.tm_sec, fraction, zone);
	return out;
}

static void add_name(struct generator *g, struct text *t, const char *name)
{
	char *copy = strdup(name);

	if (copy == NULL)
		abort();
	/* Names and operators are case-insensitive. */
	if (chance(&g->rng, 15))
		recase(&g->rng, copy);
	text_add(t, copy);
	free(copy);
}

static const char *op_text(struct rng *r, enum filter_op op)
{
	static const char *const upper[] = { "EQ", "NE", "CO", "SW", "EW",
					     "GT", "GE", "LT", "LE", "PR" };

	return chance(r, 10) ? upper[op] : filter_op_name(op);
}

/* Bare words as Entra sends them, when the parser reads them as strings. */
static bool bare_word_safe(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (*u == '\0' || strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0 ||
	    strcasecmp(s, "null") == 0)
		return false;
	for (; *u != '\0'; u++)
		if (*u <= ' ' || *u == '(' || *u == ')' || *u == '[' || *u == ']' || *u == '"' ||
		    *u == 0x7f)
			return false;
	return true;
}

static const char *const boolean_words[] = { "true", "false", "True", "FALSE" };
static const char *const not_booleans[] = { "1", "\"yes\"", "0", "\"\"" };
static const char *const other_literals[] = { "true", "false", "42", "-1.5e3", "007" };
/* Not quite dateTimes, and the extremes of the form. */
static const char *const odd_times[] = {
	"2015-10-10", "2024-02-30T00:00:00Z", "2015-10-10T25:00:00Z", "2015-10-10T14:38:21.Z",
	"yesterday", "2024", "2015-10-10T14:38:21+7:00", "2015-10-10T14:38:60Z",
	"0000-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999-23:59",
};

/* " op value" for an attribute of `kind` whose literals are in `pool`. */
static void add_comparison(struct generator *g, struct text *t, enum kind kind, const char *pool)
{
	struct rng *r = &g->rng;
	enum filter_op any_op = (enum filter_op)pick(r, 9);
	enum filter_op op;
	char *literal;

	if (chance(r, 8)) {
		text_addf(t, " %s", op_text(r, FILTER_PR));
		return;
	}
	switch (kind) {
	case KIND_BOOLEAN:
		op = chance(r, 96) ? (chance(r, 70) ? FILTER_EQ : FILTER_NE) : any_op;
		break;
	case KIND_COMPLEX_PLAIN:
		op = chance(r, 92) ? (chance(r, 50) ? FILTER_EQ : FILTER_NE) : any_op;
		break;
	case KIND_DATETIME:
	case KIND_NUMBER:
		op = chance(r, 94) ? PICK(r, ((const enum filter_op[]){ FILTER_EQ, FILTER_NE,
			FILTER_GT, FILTER_GE, FILTER_LT, FILTER_LE })) : (enum filter_op)pick(r, 9);
		break;
	default:
		op = (enum filter_op)pick(r, 9);
		break;
	}
	if (chance(r, kind == KIND_COMPLEX_PLAIN ? 85 : 6)) {
		/* null takes eq and ne only: mostly those. */
		if (op != FILTER_EQ && op != FILTER_NE && chance(r, 85))
			op = chance(r, 50) ? FILTER_EQ : FILTER_NE;
		text_addf(t, " %s %s", op_text(r, op), chance(r, 80) ? "null" : "NULL");
		return;
	}
	text_addf(t, " %s ", op_text(r, op));
	switch (kind) {
	case KIND_BOOLEAN:
		if (chance(r, 60))
			text_add(t, PICK(r, boolean_words));
		else if (chance(r, 93))
			text_add_quoted(t, PICK(r, booleans));
		else
			text_add(t, PICK(r, not_booleans));
		return;
	case KIND_NUMBER:
		/* A number, mostly; its text quoted; now and then not a number. */
		if (chance(r, 80))
			text_add(t, PICK(r, numbers));
		else if (chance(r, 60))
			text_addf(t, "\"%s\"", PICK(r, numbers));
		else
			text_add(t, PICK(r, ((const char *const[]){ "\"x\"", "true", "\"\"",
								     "\"1e400\"", "\" 1\"" })));
		return;
	case KIND_DATETIME:
		if (op == FILTER_CO || op == FILTER_SW || op == FILTER_EW || chance(r, 4)) {
			if (op == FILTER_CO || op == FILTER_SW || op == FILTER_EW || chance(r, 20)) {
				literal = text_literal(g, pool, op);
			} else {
				literal = strdup(PICK(r, odd_times));
			}
		} else {
			literal = time_literal(r);
		}
		if (chance(r, 4))
			text_add(t, literal); /* Entra: unquoted */
		else if (chance(r, 2))
			text_add(t, "2015");
		else
			text_add_quoted(t, literal);
		free(literal);
		return;
	default:
		break;
	}
	if (chance(r, 5)) {
		text_add(t, PICK(r, other_literals));
		return;
	}
	literal = text_literal(g, pool, op);
	if (chance(r, 12) && bare_word_safe(literal))
		text_add(t, literal);
	else
		text_add_quoted(t, literal);
	free(literal);
}

/* An attribute path, qualified with its schema's URN when it must be and
 * sometimes when it may be (core attributes and common ones). */
static void add_path(struct generator *g, struct text *t, const struct attribute *a)
{
	const char *core = g->set->rt->core->urn;

	if (a->urn != NULL) {
		add_name(g, t, a->urn);
		text_add(t, ":");
	} else if (chance(&g->rng, 12)) {
		add_name(g, t, core);
		text_add(t, ":");
	}
	add_name(g, t, a->path);
}

static void add_filter(struct generator *g, struct text *t, int depth);

/* The bracket filter of a value path: sub-attribute comparisons. */
static void add_bracket(struct generator *g, struct text *t, const struct value_path *vp,
			const char *pool_prefix, int depth)
{
	struct rng *r = &g->rng;
	unsigned n = 0;
	unsigned i;
	char pool[300];

	while (vp->subs[n] != NULL)
		n++;
	if (depth < 2 && chance(r, 35)) {
		add_bracket(g, t, vp, pool_prefix, depth + 1);
		text_add(t, chance(r, 60) ? " and " : " or ");
		add_bracket(g, t, vp, pool_prefix, depth + 1);
		return;
	}
	if (depth < 2 && chance(r, 10)) {
		text_add(t, "not (");
		add_bracket(g, t, vp, pool_prefix, depth + 1);
		text_add(t, ")");
		return;
	}
	i = pick(r, n);
	g->nodes++;
	if (chance(r, 2)) {
		add_name(g, t, "nosuch");
	} else {
		add_name(g, t, vp->subs[i]);
	}
	snprintf(pool, sizeof(pool), "%s.%s", pool_prefix, vp->subs[i]);
	add_comparison(g, t, vp->kinds[i], pool);
}

static void add_value_path(struct generator *g, struct text *t)
{
	struct rng *r = &g->rng;
	const struct value_path *vp = &g->value_paths[pick(r, (unsigned)g->nvalue_paths)];
	char pool_prefix[200];
	unsigned n = 0;
	unsigned i;

	/* Value filters on simple attributes (invalidFilter) now and then only. */
	while (vp->kinds[0] == KIND_UNKNOWN && chance(r, 90))
		vp = &g->value_paths[pick(r, (unsigned)g->nvalue_paths)];

	snprintf(pool_prefix, sizeof(pool_prefix), "%s%s%s", vp->urn ? vp->urn : "",
		 vp->urn ? ":" : "", vp->attr);
	if (vp->urn != NULL) {
		add_name(g, t, vp->urn);
		text_add(t, ":");
	} else if (chance(r, 10)) {
		add_name(g, t, g->set->rt->core->urn);
		text_add(t, ":");
	}
	add_name(g, t, vp->attr);
	text_add(t, "[");
	add_bracket(g, t, vp, pool_prefix, 0);
	text_add(t, "]");
	/* Entra: emails[type eq "work"].value eq "x". */
	if (chance(r, 30)) {
		char pool[300];

		while (vp->subs[n] != NULL)
			n++;
		i = pick(r, n);
		text_add(t, ".");
		add_name(g, t, vp->subs[i]);
		snprintf(pool, sizeof(pool), "%s.%s", pool_prefix, vp->subs[i]);
		add_comparison(g, t, vp->kinds[i], pool);
	}
}

/* An attribute, the lookups' more often than the others. */
static const struct attribute *pick_attribute(struct generator *g)
{
	unsigned total = 0;
	unsigned n;
	size_t i;

	for (i = 0; i < g->nattributes; i++)
		total += g->attributes[i].weight + 1;
	n = pick(&g->rng, total);
	for (i = 0; n >= g->attributes[i].weight + 1; i++)
		n -= g->attributes[i].weight + 1;
	return &g->attributes[i];
}

static void add_attribute_comparison(struct generator *g, struct text *t)
{
	const struct attribute *a = pick_attribute(g);
	char pool[300];

	/* Unknown attributes now and then only. */
	while (a->kind == KIND_UNKNOWN && chance(&g->rng, 85))
		a = pick_attribute(g);
	if (a->pool != NULL)
		snprintf(pool, sizeof(pool), "%s", a->pool);
	else
		snprintf(pool, sizeof(pool), "%s%s%s", a->urn ? a->urn : "", a->urn ? ":" : "",
			 a->path);
	g->nodes++;
	add_path(g, t, a);
	add_comparison(g, t, a->kind == KIND_UNKNOWN ? KIND_STRING : a->kind, pool);
}

/* filter = and/or of terms, not (...), (...), comparisons and value paths. */
static void add_filter(struct generator *g, struct text *t, int depth)
{
	struct rng *r = &g->rng;
	unsigned what = pick(r, 100);

	/* Deep filters hide differences: mostly small ones. */
	if (depth < 3 && g->nodes < 20 && what < 25) {
		add_filter(g, t, depth + 1);
		text_add(t, what < 13 ? " and " : chance(r, 90) ? " or " : " OR ");
		add_filter(g, t, depth + 1);
	} else if (depth < 3 && what < 33) {
		text_add(t, chance(r, 90) ? "not (" : "NOT(");
		add_filter(g, t, depth + 1);
		text_add(t, ")");
	} else if (depth < 3 && what < 37) {
		text_add(t, "(");
		add_filter(g, t, depth + 1);
		text_add(t, ")");
	} else if (what < 62) {
		add_value_path(g, t);
	} else {
		add_attribute_comparison(g, t);
	}
}

/* ---- the comparison of the two ---- */

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print up to MAX_SHOWN ids of `a` missing from `b` (both sorted). */
static void show_missing(const char *what, char **a, int na, char **b, int nb)
{
	int shown = 0;
	int i;
	int j = 0;

	for (i = 0; i < na; i++) {
		while (j < nb && strcmp(b[j], a[i]) < 0)
			j++;
		if (j < nb && strcmp(b[j], a[i]) == 0)
			continue;
		if (shown++ < MAX_SHOWN)
			printf("  only %s: %s\n", what, a[i]);
	}
	if (shown > MAX_SHOWN)
		printf("  only %s: %d more\n", what, shown - MAX_SHOWN);
}

static bool error_is_invalid_filter(const struct scim_error *err)
{
	return err->status == 400 && err->scim_type != NULL &&
	       strcmp(err->scim_type, SCIM_INVALID_FILTER) == 0;
}

/* Run one filter both ways; true when both agree. */
static bool check(const struct dataset *set, int number, const char *text)
{
	struct filter_node *node;
	struct scim_error sql_err;
	struct scim_error memory_err;
	struct store_list_request req = { 0 };
	struct store_list_page page = { 0 };
	char **sql_ids = NULL;
	char **memory_ids = NULL;
	int nsql = 0;
	int nmemory = 0;
	bool sql_ok;
	bool memory_ok = true;
	bool agree = false;
	int i;

	error_clear(&sql_err);
	error_clear(&memory_err);
	node = filter_parse(text, strlen(text), &sql_err);
	if (node == NULL) {
		printf("FAIL seed %" PRIu64 " case %d: %s: the generated filter does not parse: %s\n",
		       seed, number, text, sql_err.detail);
		return false;
	}

	/* The list a client's GET would get, every resource on one page. */
	req.rt = set->rt;
	req.filter = node;
	req.base_url = BASE_URL;
	req.start_index = 1;
	req.count = set->count + 1;
	sql_ok = store_list(list_store, tenant_id, &req, &page, &sql_err);
	if (sql_ok) {
		nsql = page.nrows;
		sql_ids = calloc((size_t)nsql + 1, sizeof(*sql_ids));
		for (i = 0; i < nsql; i++)
			sql_ids[i] = page.rows[i].id;
		qsort(sql_ids, (size_t)nsql, sizeof(*sql_ids), compare_strings);
	} else if (!error_is_invalid_filter(&sql_err)) {
		printf("FAIL seed %" PRIu64 " case %d: %s\n  the list fails: %d %s\n", seed, number,
		       text, sql_err.status, sql_err.detail);
		goto done;
	}

	memory_ids = calloc((size_t)set->count + 1, sizeof(*memory_ids));
	for (i = 0; i < set->count && memory_ok; i++) {
		bool matched = false;

		memory_ok = filter_match(node, set->items[i].rendered, set->rt, &matched,
					 &memory_err);
		if (memory_ok && matched)
			memory_ids[nmemory++] = set->items[i].id;
	}
	qsort(memory_ids, (size_t)nmemory, sizeof(*memory_ids), compare_strings);

	if (!sql_ok || !memory_ok) {
		agree = !sql_ok && !memory_ok && error_is_invalid_filter(&sql_err) &&
			error_is_invalid_filter(&memory_err);
		if (!agree)
			printf("FAIL seed %" PRIu64 " case %d: %s\n  SQL: %s%d %s\n  memory: %s%d %s\n",
			       seed, number, text, sql_ok ? "ok " : "", sql_err.status, sql_err.detail,
			       memory_ok ? "ok " : "", memory_err.status, memory_err.detail);
		else
			outcome_invalid++;
		if (agree && verbose)
			printf("ok case %d: %s: both invalidFilter (%s / %s)\n", number, text,
			       sql_err.detail, memory_err.detail);
		goto done;
	}
	agree = nsql == nmemory;
	for (i = 0; agree && i < nsql; i++)
		agree = strcmp(sql_ids[i], memory_ids[i]) == 0;
	if (!agree) {
		printf("FAIL seed %" PRIu64 " case %d: %s\n  SQL selects %d, memory %d\n", seed, number,
		       text, nsql, nmemory);
		show_missing("in SQL", sql_ids, nsql, memory_ids, nmemory);
		show_missing("in memory", memory_ids, nmemory, sql_ids, nsql);
	} else {
		if (nsql == 0)
			outcome_none++;
		else if (nsql == set->count)
			outcome_all++;
		else
			outcome_some++;
		if (verbose)
			printf("ok case %d: %s: %d\n", number, text, nsql);
	}

done:
	free(sql_ids);
	free(memory_ids);
	store_list_page_clear(&page);
	filter_free(node);
	return agree;
}

static void usage(void)
{
	fprintf(stderr, "usage: differential [--seed N] [--cases N] [--users N] [--case K]"
		" [--keep] [-v]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *conninfo = getenv("SCIM_DATABASE");
	struct dataset users = { .rt = &diff_user_type, .table = "users" };
	struct dataset groups = { .rt = &resource_type_group, .table = "groups" };
	struct store *store;
	struct rng data_rng;
	struct text tenant_name = { 0 };
	struct timespec started;
	struct timespec ended;
	const char *params[1];
	PGresult *res;
	long cases = 3000;
	long nusers = 300;
	long only = -1;
	bool keep = false;
	int passed = 0;
	int failed = 0;
	long k;
	int i;

	diff_user_type = resource_type_user;
	diff_user_type.extensions = diff_user_extensions;
	seed = 1;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc)
			cases = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--users") == 0 && i + 1 < argc)
			nusers = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc)
			only = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--keep") == 0)
			keep = true;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else
			usage();
	}
	if (cases < 0 || nusers < 1 || nusers > 100000)
		usage();

	conn = PQconnectdb(conninfo != NULL ? conninfo : "");
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "differential: cannot connect: %s", PQerrorMessage(conn));
		return 1;
	}
	store = store_new(conninfo != NULL ? conninfo : "");
	list_store = store;
	text_addf(&tenant_name, "differential seed %" PRIu64 " pid %ld at %ld", seed, (long)getpid(),
		  (long)time(NULL));
	params[0] = tenant_name.s;
	res = exec("INSERT INTO tenants (name) VALUES ($1) RETURNING tenant_id::text", 1, params);
	snprintf(tenant_id, sizeof(tenant_id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	printf("differential: seed %" PRIu64 ", tenant %s\n", seed, tenant_id);

	data_rng.state = seed;
	dataset_load(&data_rng, store, &users, (int)nusers);
	dataset_load(&data_rng, store, &groups, (int)(nusers / 5 + 1));
	memberships_load(&data_rng, store, &users, &groups);
	memberships_render(store, &users, &groups);
	pools_collect(&users);
	pools_collect(&groups);

	for (k = 0; k < cases; k++) {
		struct generator g = { 0 };
		struct text filter = { 0 };

		if (only >= 0 && k != only)
			continue;
		/* Each case its own stream: --case K replays it alone. */
		g.rng.state = seed * 0x2545f4914f6cdd1dULL + (uint64_t)k;
		rng_next(&g.rng);
		/* One case in five on the groups. */
		g.set = k % 5 == 4 ? &groups : &users;
		if (g.set == &users) {
			g.attributes = user_attributes;
			g.nattributes = sizeof(user_attributes) / sizeof(user_attributes[0]);
			g.value_paths = user_value_paths;
			g.nvalue_paths = sizeof(user_value_paths) / sizeof(user_value_paths[0]);
		} else {
			g.attributes = group_attributes;
			g.nattributes = sizeof(group_attributes) / sizeof(group_attributes[0]);
			g.value_paths = group_value_paths;
			g.nvalue_paths = sizeof(group_value_paths) / sizeof(group_value_paths[0]);
		}
		add_filter(&g, &filter, 0);
		clock_gettime(CLOCK_MONOTONIC, &started);
		if (check(g.set, (int)k, filter.s))
			passed++;
		else
			failed++;
		clock_gettime(CLOCK_MONOTONIC, &ended);
		if (verbose)
			printf("  %.1f ms\n", (double)(ended.tv_sec - started.tv_sec) * 1e3 +
						   (double)(ended.tv_nsec - started.tv_nsec) / 1e6);
		free(filter.s);
	}

	if (!keep) {
		params[0] = tenant_id;
		PQclear(exec("DELETE FROM tenants WHERE tenant_id = $1", 1, params));
	}
	for (i = 0; i < users.count; i++)
		json_decref(users.items[i].rendered);
	for (i = 0; i < groups.count; i++)
		json_decref(groups.items[i].rendered);
	free(users.items);
	free(groups.items);
	json_decref(users.pools);
	json_decref(groups.pools);
	free(tenant_name.s);
	store_free(store);
	PQfinish(conn);
	printf("differential: %d users, %d groups; agreed on %d invalidFilter, %d selecting none,"
	       " %d all, %d some\n", users.count, groups.count, outcome_invalid, outcome_none,
	       outcome_all, outcome_some);
	printf("differential: %d passed, %d failed\n", passed, failed);
	return failed > 0 ? 1 : 0;
}
