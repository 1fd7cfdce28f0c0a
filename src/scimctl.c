/*
 * scimctl.c - the administrator's tool: database migrations, tenants and
 * tokens. It reads the same settings as the workers: SCIM_DATABASE, and
 * SCIM_BASE_URL for the Tenant URL it shows with a new token.
 *
 *   scimctl migrate [--sql-dir DIR]
 *   scimctl tenant add NAME
 *   scimctl tenant list
 *   scimctl token add TENANT --title TITLE [--allow CIDR]...
 *   scimctl token list [TENANT]
 *   scimctl token revoke TOKEN_ID
 *
 * A new token is printed once, alone on standard output; only its hash is
 * stored. The Tenant URL and a word on where both go are on standard error.
 * Exit status 0 on success, 1 on failure, 2 on a usage error.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token.h"
#include "settings.h"
#include "sha256.h"
#include "store.h"

#ifndef SCIM_SQL_DIR
#define SCIM_SQL_DIR "sql"
#endif

static int usage(void)
{
	fprintf(stderr,
		"usage: scimctl migrate [--sql-dir DIR]\n"
		"       scimctl tenant add NAME\n"
		"       scimctl tenant list\n"
		"       scimctl token add TENANT --title TITLE [--allow CIDR]...\n"
		"       scimctl token list [TENANT]\n"
		"       scimctl token revoke TOKEN_ID\n"
		"The database is SCIM_DATABASE (a libpq connection string); token add shows\n"
		"SCIM_BASE_URL, the endpoint's public URL, as the Tenant URL.\n");
	return 2;
}

static int fail(const struct scim_error *err)
{
	fprintf(stderr, "scimctl: %s\n", err->detail);
	return 1;
}

static bool exec(struct store *store, const char *sql, int n, const char *const *params,
		 json_t **rows, struct scim_error *err)
{
	return store_exec_params(store, sql, n, params, rows, err);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	text = malloc((size_t)len + 1);
	if (text == NULL || fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		fclose(f);
		return NULL;
	}
	text[len] = '\0';
	fclose(f);
	return text;
}

static int is_migration(const struct dirent *entry)
{
	size_t len = strlen(entry->d_name);

	return len > 4 && entry->d_name[0] >= '0' && entry->d_name[0] <= '9' &&
	       strcmp(entry->d_name + len - 4, ".sql") == 0;
}

/* Apply every sql/NNN_name.sql not yet recorded in schema_migrations, in
 * order, each in its own transaction. Safe to run again, and from several
 * hosts at once (an advisory lock serialises them). */
static int cmd_migrate(struct store *store, const char *dir)
{
	struct scim_error err = { 0 };
	struct dirent **entries = NULL;
	char path[4096];
	char version[16];
	const char *params[2];
	json_t *rows = NULL;
	char *sql;
	int applied = 0;
	int n;
	int i;
	int status = 1;

	if (!exec(store,
		  "CREATE TABLE IF NOT EXISTS schema_migrations ("
		  " version integer PRIMARY KEY, name text NOT NULL,"
		  " applied timestamptz NOT NULL DEFAULT now())", 0, NULL, NULL, &err) ||
	    !exec(store, "COMMENT ON TABLE schema_migrations IS"
		  " 'Migrations from sql/ applied to this database, by scimctl migrate.'",
		  0, NULL, NULL, &err) ||
	    !exec(store, "SELECT pg_advisory_lock(7243001)", 0, NULL, NULL, &err))
		return fail(&err);
	n = scandir(dir, &entries, is_migration, alphasort);
	if (n < 0) {
		fprintf(stderr, "scimctl: cannot read migrations in %s\n", dir);
		return 1;
	}
	for (i = 0; i < n; i++) {
		snprintf(version, sizeof(version), "%d", atoi(entries[i]->d_name));
		params[0] = version;
		params[1] = entries[i]->d_name;
		if (!exec(store, "SELECT 1 FROM schema_migrations WHERE version = $1",
			  1, params, &rows, &err))
			goto done;
		if (json_array_size(rows) > 0) {
			json_decref(rows);
			rows = NULL;
			continue;
		}
		json_decref(rows);
		rows = NULL;
		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		sql = read_file(path);
		if (sql == NULL) {
			fprintf(stderr, "scimctl: cannot read %s\n", path);
			goto done;
		}
		if (!store_begin(store, &err) || !store_exec_script(store, sql, &err) ||
		    !exec(store, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
			  2, params, NULL, &err) ||
		    !store_commit(store, &err)) {
			free(sql);
			store_rollback(store);
			fprintf(stderr, "scimctl: migration %s failed\n", entries[i]->d_name);
			goto done;
		}
		free(sql);
		printf("applied %s\n", entries[i]->d_name);
		applied++;
	}
	printf("database is up to date (%d migration%s applied now)\n", applied,
	       applied == 1 ? "" : "s");
	status = 0;
done:
	if (error_is_set(&err))
		fail(&err);
	for (i = 0; i < n; i++)
		free(entries[i]);
	free(entries);
	return status;
}

static void print_rows(const json_t *rows, const char *header)
{
	const json_t *row;
	const json_t *cell;
	size_t i;
	size_t j;

	printf("%s\n", header);
	json_array_foreach(rows, i, row) {
		json_array_foreach(row, j, cell)
			printf("%s%s", j ? "\t" : "", json_is_null(cell) ? "-" : json_string_value(cell));
		printf("\n");
	}
}

static int cmd_tenant(struct store *store, int argc, char **argv)
{
	struct scim_error err = { 0 };
	const char *params[1];
	json_t *rows = NULL;

	if (argc == 2 && strcmp(argv[0], "add") == 0) {
		params[0] = argv[1];
		if (!exec(store, "INSERT INTO tenants (name) VALUES ($1) RETURNING tenant_id",
			  1, params, &rows, &err))
			return fail(&err);
		printf("%s\n", json_string_value(json_array_get(json_array_get(rows, 0), 0)));
		json_decref(rows);
		return 0;
	}
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if (!exec(store,
			  "SELECT t.name, t.tenant_id, to_char(t.created, 'YYYY-MM-DD HH24:MI'),"
			  " (SELECT count(*) FROM users u WHERE u.tenant_id = t.tenant_id),"
			  " (SELECT count(*) FROM groups g WHERE g.tenant_id = t.tenant_id)"
			  " FROM tenants t ORDER BY t.name", 0, NULL, &rows, &err))
			return fail(&err);
		print_rows(rows, "NAME\tTENANT ID\tCREATED\tUSERS\tGROUPS");
		json_decref(rows);
		return 0;
	}
	return usage();
}

/* What the administrator pastes beside the token: the workers' public URL. */
static void print_tenant_url(const char *base_url)
{
	if (base_url[0] != '\0')
		fprintf(stderr, "Tenant URL: %s\n", base_url);
	else
		fprintf(stderr, "Tenant URL: the endpoint's public URL, e.g. https://scim.example.com/scim/v2;\n"
			"set SCIM_BASE_URL to it, as for the workers, and it is shown here.\n");
}

static int token_add(struct store *store, const struct settings *settings, int argc,
		     char **argv)
{
	struct scim_error err = { 0 };
	char token[TOKEN_LENGTH + 1];
	uint8_t hash[32];
	char hex[3 + 64];
	char networks[4096] = "";
	const char *title = NULL;
	const char *params[4];
	json_t *rows = NULL;
	size_t used = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--title") == 0 && i + 1 < argc) {
			title = argv[++i];
		} else if (strcmp(argv[i], "--allow") == 0 && i + 1 < argc) {
			/* Collected as a PostgreSQL array literal of cidr values;
			 * the cast rejects anything that is not a network. */
			if (strchr(argv[i + 1], ',') || strchr(argv[i + 1], '"') ||
			    strchr(argv[i + 1], '{') || strchr(argv[i + 1], '}')) {
				fprintf(stderr, "scimctl: --allow takes one network, e.g. 192.0.2.0/24\n");
				return 2;
			}
			used += (size_t)snprintf(networks + used, sizeof(networks) - used, "%s%s",
						 used ? "," : "{", argv[++i]);
			if (used >= sizeof(networks) - 2)
				return usage();
		} else {
			return usage();
		}
	}
	if (title == NULL)
		return usage();
	if (used)
		strcat(networks, "}");
	if (!token_generate(token, hash)) {
		fprintf(stderr, "scimctl: no randomness available\n");
		return 1;
	}
	hex[0] = '\\';
	hex[1] = 'x';
	sha256_hex(hash, hex + 2);
	params[0] = argv[0];
	params[1] = title;
	params[2] = hex;
	params[3] = used ? networks : NULL;
	if (!exec(store,
		  "INSERT INTO tokens (tenant_id, title, token_hash, allowed_networks)"
		  " SELECT tenant_id, $2, $3::bytea, $4::cidr[] FROM tenants WHERE name = $1"
		  " RETURNING token_id", 4, params, &rows, &err))
		return fail(&err);
	if (json_array_size(rows) != 1) {
		json_decref(rows);
		fprintf(stderr, "scimctl: no tenant named \"%s\"\n", argv[0]);
		return 1;
	}
	print_tenant_url(settings->base_url);
	fprintf(stderr, "Token %s for tenant \"%s\" (%s). It is shown only now: copy it into\n"
		"the identity provider's Secret Token field.\n",
		json_string_value(json_array_get(json_array_get(rows, 0), 0)), argv[0], title);
	json_decref(rows);
	printf("%s\n", token);
	return 0;
}

static int cmd_token(struct store *store, const struct settings *settings, int argc,
		     char **argv)
{
	struct scim_error err = { 0 };
	const char *params[1];
	json_t *rows = NULL;

	if (argc >= 2 && strcmp(argv[0], "add") == 0)
		return token_add(store, settings, argc - 1, argv + 1);
	if ((argc == 1 || argc == 2) && strcmp(argv[0], "list") == 0) {
		params[0] = argc == 2 ? argv[1] : NULL;
		if (!exec(store,
			  "SELECT k.token_id::text, n.name, k.title,"
			  " to_char(k.created, 'YYYY-MM-DD HH24:MI'),"
			  " coalesce(to_char(k.last_used, 'YYYY-MM-DD HH24:MI'), 'never'),"
			  " coalesce(array_to_string(k.allowed_networks, ' '), 'any'),"
			  " CASE WHEN k.revoked IS NULL THEN 'valid' ELSE 'revoked' END"
			  " FROM tokens k JOIN tenants n USING (tenant_id)"
			  " WHERE $1::text IS NULL OR n.name = $1 ORDER BY k.token_id",
			  1, params, &rows, &err))
			return fail(&err);
		print_rows(rows, "ID\tTENANT\tTITLE\tCREATED\tLAST USED\tALLOWED FROM\tSTATUS");
		json_decref(rows);
		return 0;
	}
	if (argc == 2 && strcmp(argv[0], "revoke") == 0) {
		params[0] = argv[1];
		if (!exec(store, "UPDATE tokens SET revoked = now() WHERE token_id = $1::bigint"
			  " AND revoked IS NULL RETURNING token_id", 1, params, &rows, &err))
			return fail(&err);
		if (json_array_size(rows) != 1) {
			json_decref(rows);
			fprintf(stderr, "scimctl: no valid token %s\n", argv[1]);
			return 1;
		}
		json_decref(rows);
		printf("revoked token %s\n", argv[1]);
		return 0;
	}
	return usage();
}

int main(int argc, char **argv)
{
	struct settings settings;
	struct scim_error err = { 0 };
	struct store *store;
	const char *sql_dir = getenv("SCIM_SQL_DIR");
	int status;

	if (argc < 2)
		return usage();
	settings_load(&settings);
	store = store_new(settings.database);
	if (store == NULL || !store_connect(store, &err)) {
		store_free(store);
		return fail(&err);
	}
	if (strcmp(argv[1], "migrate") == 0) {
		if (argc == 4 && strcmp(argv[2], "--sql-dir") == 0) {
			sql_dir = argv[3];
		} else if (argc != 2) {
			store_free(store);
			return usage();
		}
		status = cmd_migrate(store, sql_dir ? sql_dir : SCIM_SQL_DIR);
	} else if (strcmp(argv[1], "tenant") == 0 && argc >= 3) {
		status = cmd_tenant(store, argc - 2, argv + 2);
	} else if (strcmp(argv[1], "token") == 0 && argc >= 3) {
		status = cmd_token(store, &settings, argc - 2, argv + 2);
	} else {
		status = usage();
	}
	store_free(store);
	return status;
}
