/*
 * scimctl.c - the administrator's tool: database migrations, tenants and
 * tokens. It reads the same settings as the workers: SCIM_DATABASE, and
 * SCIM_BASE_URL for the Tenant URL it shows with a new token.
 *
 *   scimctl migrate [--sql-dir DIR]
 *   scimctl tenant add NAME
 *   scimctl tenant list
 *   scimctl token add TENANT --title TITLE [--allow CIDR]... [--expires TIME]
 *   scimctl token list [TENANT]
 *   scimctl token revoke TOKEN_ID
 *   scimctl token restrict TOKEN_ID [--allow CIDR]...
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
#include "store_admin.h"

#ifndef SCIM_SQL_DIR
#define SCIM_SQL_DIR "sql"
#endif

static int usage(void)
{
	fprintf(stderr,
		"usage: scimctl migrate [--sql-dir DIR]\n"
		"       scimctl tenant add NAME\n"
		"       scimctl tenant list\n"
		"       scimctl token add TENANT --title TITLE [--allow CIDR]... [--expires TIME]\n"
		"       scimctl token list [TENANT]\n"
		"       scimctl token revoke TOKEN_ID\n"
		"       scimctl token restrict TOKEN_ID [--allow CIDR]...\n"
		"The database is SCIM_DATABASE (a libpq connection string); token add shows\n"
		"SCIM_BASE_URL, the endpoint's public URL, as the Tenant URL.\n");
	return 2;
}

static int fail(const struct scim_error *err)
{
	fprintf(stderr, "scimctl: %s\n", err->detail);
	return 1;
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
	char *sql;
	bool applied;
	int count = 0;
	int n;
	int i;
	int status = 1;

	if (!store_migrations_lock(store, &err))
		return fail(&err);
	n = scandir(dir, &entries, is_migration, alphasort);
	if (n < 0) {
		fprintf(stderr, "scimctl: cannot read migrations in %s\n", dir);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (!store_migration_applied(store, atoi(entries[i]->d_name), &applied, &err))
			goto done;
		if (applied)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		sql = read_file(path);
		if (sql == NULL) {
			fprintf(stderr, "scimctl: cannot read %s\n", path);
			goto done;
		}
		if (!store_migration_apply(store, atoi(entries[i]->d_name), entries[i]->d_name, sql,
					   &err)) {
			free(sql);
			fprintf(stderr, "scimctl: migration %s failed\n", entries[i]->d_name);
			goto done;
		}
		free(sql);
		printf("applied %s\n", entries[i]->d_name);
		count++;
	}
	printf("database is up to date (%d migration%s applied now)\n", count,
	       count == 1 ? "" : "s");
	status = 0;
done:
	if (error_is_set(&err))
		fail(&err);
	for (i = 0; i < n; i++)
		free(entries[i]);
	free(entries);
	return status;
}

static int cmd_tenant(struct store *store, int argc, char **argv)
{
	struct scim_error err = { 0 };
	struct store_tenant_row *rows;
	char id[37];
	int nrows;
	int i;

	if (argc == 2 && strcmp(argv[0], "add") == 0) {
		if (!store_tenant_add(store, argv[1], id, &err))
			return fail(&err);
		printf("%s\n", id);
		return 0;
	}
	if (argc == 1 && strcmp(argv[0], "list") == 0) {
		if (!store_tenant_list(store, &rows, &nrows, &err))
			return fail(&err);
		printf("NAME\tTENANT ID\tCREATED\tUSERS\tGROUPS\n");
		for (i = 0; i < nrows; i++)
			printf("%s\t%s\t%s\t%lld\t%lld\n", rows[i].name, rows[i].id, rows[i].created,
			       rows[i].users, rows[i].groups);
		free(rows);
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

/*
 * The options of token add and token restrict (argv[0] is the tenant or the
 * token): into `spec`, whose networks have room for argc, a little under
 * 4 KiB in all. 0, or the exit status of a usage error.
 */
#define ALLOW_BYTES 4094
static int token_options(int argc, char **argv, struct store_token_spec *spec,
			 const char **networks)
{
	size_t bytes = 0;
	int i;

	memset(spec, 0, sizeof(*spec));
	spec->networks = networks;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--title") == 0 && i + 1 < argc) {
			spec->title = argv[++i];
		} else if (strcmp(argv[i], "--expires") == 0 && i + 1 < argc) {
			spec->expires = argv[++i];
		} else if (strcmp(argv[i], "--allow") == 0 && i + 1 < argc) {
			/* One network each: the store refuses what it would
			 * read as several. */
			if (strpbrk(argv[i + 1], ",\"{}") != NULL) {
				fprintf(stderr, "scimctl: --allow takes one network, e.g. 192.0.2.0/24\n");
				return 2;
			}
			networks[spec->nnetworks++] = argv[++i];
			bytes += strlen(argv[i]) + 1;
			if (bytes >= ALLOW_BYTES)
				return usage();
		} else {
			return usage();
		}
	}
	return 0;
}

static const char **networks_room(int argc)
{
	const char **networks = calloc((size_t)argc, sizeof(*networks));

	if (networks == NULL)
		abort();
	return networks;
}

static int token_add(struct store *store, const struct settings *settings, int argc,
		     char **argv)
{
	struct scim_error err = { 0 };
	struct store_token_spec spec;
	char token[TOKEN_LENGTH + 1];
	uint8_t hash[32];
	const char **networks = networks_room(argc);
	long long token_id;
	int status;

	status = token_options(argc, argv, &spec, networks);
	if (status == 0 && (spec.title == NULL))
		status = usage();
	if (status != 0)
		goto done;
	status = 1;
	if (!token_generate(token, hash)) {
		fprintf(stderr, "scimctl: no randomness available\n");
		goto done;
	}
	if (!store_token_add(store, argv[0], &spec, hash, &token_id, &err)) {
		fail(&err);
		goto done;
	}
	print_tenant_url(settings->base_url);
	fprintf(stderr, "Token %lld for tenant \"%s\" (%s). It is shown only now: copy it into\n"
		"the identity provider's Secret Token field.\n", token_id, argv[0], spec.title);
	printf("%s\n", token);
	status = 0;
done:
	free(networks);
	return status;
}

static int token_restrict(struct store *store, int argc, char **argv)
{
	struct scim_error err = { 0 };
	struct store_token_spec spec;
	const char **networks = networks_room(argc);
	int status;

	status = token_options(argc, argv, &spec, networks);
	if (status == 0 && (spec.title != NULL || spec.expires != NULL))
		status = usage();
	if (status == 0 && !store_token_restrict(store, argv[0], networks, spec.nnetworks, &err))
		status = fail(&err);
	if (status == 0)
		printf("token %s is allowed from %s\n", argv[0],
		       spec.nnetworks > 0 ? "the networks given" : "any address");
	free(networks);
	return status;
}

static void print_tokens(const struct store_token_row *rows, int nrows)
{
	int i;

	printf("ID\tTENANT\tTITLE\tCREATED\tLAST USED\tALLOWED FROM\tEXPIRES\tSTATUS\n");
	for (i = 0; i < nrows; i++)
		printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", rows[i].id, rows[i].tenant,
		       rows[i].title, rows[i].created,
		       rows[i].last_used ? rows[i].last_used : "never",
		       rows[i].networks ? rows[i].networks : "any",
		       rows[i].expires ? rows[i].expires : "never", rows[i].status);
}

static int cmd_token(struct store *store, const struct settings *settings, int argc,
		     char **argv)
{
	struct scim_error err = { 0 };
	struct store_token_row *rows;
	int nrows;

	if (argc >= 2 && strcmp(argv[0], "add") == 0)
		return token_add(store, settings, argc - 1, argv + 1);
	if ((argc == 1 || argc == 2) && strcmp(argv[0], "list") == 0) {
		if (!store_token_list(store, argc == 2 ? argv[1] : NULL, &rows, &nrows, &err))
			return fail(&err);
		print_tokens(rows, nrows);
		free(rows);
		return 0;
	}
	if (argc == 2 && strcmp(argv[0], "revoke") == 0) {
		if (!store_token_revoke(store, argv[1], &err))
			return fail(&err);
		printf("revoked token %s\n", argv[1]);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[0], "restrict") == 0)
		return token_restrict(store, argc - 1, argv + 1);
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
