/*
 * scimctl.c - the administrator's tool: database migrations, tenants,
 * tokens and the provisioning log. It reads the same settings as the
 * workers (scim.conf and the environment): SCIM_DATABASE, SCIM_BASE_URL for
 * the Tenant URL it shows with a new token, SCIM_PROVISIONING_LOG_DAYS for
 * log prune, SCIM_SQL_DIR for migrate. `scimctl --help`
 * lists the commands, `scimctl COMMAND --help` explains one.
 *
 * A new token is printed once, alone on standard output; only its hash is
 * stored. The Tenant URL and a word on where both go are on standard error.
 * Exit status 0 on success, 1 on failure, 2 on a usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "address.h"
#include "extension.h"
#include "log.h"
#include "password.h"
#include "settings.h"
#include "store_admin.h"
#include "token.h"
#include "utf8.h"

#ifndef SCIM_SQL_DIR
#define SCIM_SQL_DIR "sql"
#endif

#define EXIT_USAGE 2
#define MAX_ARGS 2
#define MAX_NETWORKS ADDRESS_MAX_NETWORKS

/* An option of a command: --name, with a value when `value` names it. */
struct option_spec {
	const char *name;
	const char *value;
	const char *help;
};

struct cli;

struct command {
	const char *name;	/* "token add" */
	const char *usage;	/* what follows the name */
	int min_args;
	int max_args;
	const struct option_spec *options;
	const char *help;
	int (*run)(struct cli *cli);
};

/* A command line, parsed. */
struct cli {
	const struct command *cmd;
	const char *args[MAX_ARGS];
	int nargs;
	const char *values[16];	/* by the index of the command's option */
	bool given[16];
	const char *networks[MAX_NETWORKS]; /* every --allow */
	int nnetworks;
	struct settings settings;
	struct store *store;
};

static const struct command commands[];

static int usage_error(const struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "scimctl COMMAND: what is wrong (see scimctl COMMAND --help)"; exit 2. */
static int usage_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "scimctl %s: ", cli->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see scimctl %s --help)\n", cli->cmd->name);
	return EXIT_USAGE;
}

static int fail(const struct cli *cli, const char *detail)
{
	fprintf(stderr, "scimctl %s: %s\n", cli->cmd->name, detail);
	return EXIT_FAILURE;
}

/* ---- help ---------------------------------------------------------------- */

static void print_usage_line(FILE *out, const struct command *cmd)
{
	fprintf(out, "  scimctl %s%s%s\n", cmd->name, cmd->usage[0] ? " " : "", cmd->usage);
}

static int help_all(void)
{
	const struct command *cmd;

	printf("scimctl - the SCIM endpoint's administration: database, tenants, tokens, log\n\n"
	       "Usage:\n");
	for (cmd = commands; cmd->name != NULL; cmd++)
		print_usage_line(stdout, cmd);
	printf("  scimctl --version\n"
	       "  scimctl --config FILE COMMAND ...\n\n"
	       "scimctl COMMAND --help explains a command. --config FILE before the command names\n"
	       "the configuration file (default: SCIM_CONFIG, else %s). Settings\n"
	       "come from it and the environment, which overrides it, as for the workers:\n"
	       "SCIM_DATABASE (a libpq connection string or URI; empty: libpq's PGHOST,\n"
	       "PGDATABASE...), SCIM_BASE_URL (the Tenant URL shown with a new token),\n"
	       "SCIM_PROVISIONING_LOG_DAYS (what log prune keeps), SCIM_SQL_DIR (migrations).\n"
	       "Exit status: 0 done, 1 failed, 2 the command line is wrong.\n",
	       SETTINGS_DEFAULT_FILE);
	return EXIT_SUCCESS;
}

static int help_command(const struct command *cmd)
{
	const struct option_spec *opt;

	printf("Usage:\n");
	print_usage_line(stdout, cmd);
	printf("\n%s\n", cmd->help);
	if (cmd->options != NULL && cmd->options[0].name != NULL) {
		printf("\nOptions:\n");
		for (opt = cmd->options; opt->name != NULL; opt++) {
			char spec[64];

			snprintf(spec, sizeof(spec), "--%s%s%s", opt->name, opt->value ? " " : "",
				 opt->value ? opt->value : "");
			printf("  %-20s %s\n", spec, opt->help);
		}
	}
	return EXIT_SUCCESS;
}

/* ---- the command line ------------------------------------------------------ */

/* The command named by argv (two words, or one); *words how many it took. */
static const struct command *find_command(int argc, char **argv, int *words)
{
	const struct command *cmd;
	size_t len = strlen(argv[0]);

	for (cmd = commands; argc > 1 && cmd->name != NULL; cmd++) {
		if (strncmp(cmd->name, argv[0], len) == 0 && cmd->name[len] == ' ' &&
		    strcmp(cmd->name + len + 1, argv[1]) == 0) {
			*words = 2;
			return cmd;
		}
	}
	for (cmd = commands; cmd->name != NULL; cmd++) {
		if (strcmp(cmd->name, argv[0]) == 0) {
			*words = 1;
			return cmd;
		}
	}
	return NULL;
}

static bool group_exists(const char *word)
{
	const struct command *cmd;
	size_t len = strlen(word);

	for (cmd = commands; cmd->name != NULL; cmd++)
		if (strncmp(cmd->name, word, len) == 0 && cmd->name[len] == ' ')
			return true;
	return false;
}

static int parse(struct cli *cli, int argc, char **argv)
{
	const struct option_spec *opt;
	const char *arg;
	const char *value;
	size_t len;
	int i;
	int k;

	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return -1;
		if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
			if (cli->nargs == cli->cmd->max_args)
				return usage_error(cli, "unexpected argument '%s'", arg);
			cli->args[cli->nargs++] = arg;
			continue;
		}
		len = strcspn(arg + 2, "=");
		value = arg[2 + len] == '=' ? arg + 3 + len : NULL;
		for (k = 0, opt = cli->cmd->options; opt && opt->name; opt++, k++)
			if (strlen(opt->name) == len && strncmp(opt->name, arg + 2, len) == 0)
				break;
		if (opt == NULL || opt->name == NULL)
			return usage_error(cli, "unknown option '%s'", arg);
		if (opt->value != NULL && value == NULL) {
			if (i + 1 == argc)
				return usage_error(cli, "%s needs a value", arg);
			value = argv[++i];
		} else if (opt->value == NULL && value != NULL) {
			return usage_error(cli, "--%s takes no value", opt->name);
		}
		if (strcmp(opt->name, "allow") == 0) {
			if (cli->nnetworks == MAX_NETWORKS)
				return usage_error(cli, "%s", "more --allow than a token can hold");
			cli->networks[cli->nnetworks++] = value;
		} else if (cli->given[k]) {
			return usage_error(cli, "--%s is given twice", opt->name);
		}
		cli->given[k] = true;
		cli->values[k] = value;
	}
	if (cli->nargs < cli->cmd->min_args) {
		fprintf(stderr, "scimctl %s: missing an argument; usage: scimctl %s %s\n",
			cli->cmd->name, cli->cmd->name, cli->cmd->usage);
		return EXIT_USAGE;
	}
	return 0;
}

/* The value of option `name`, NULL when not given. */
static const char *option(const struct cli *cli, const char *name)
{
	int k;

	for (k = 0; cli->cmd->options && cli->cmd->options[k].name; k++)
		if (strcmp(cli->cmd->options[k].name, name) == 0)
			return cli->given[k] ? (cli->values[k] ? cli->values[k] : "") : NULL;
	return NULL;
}

/* ---- the database ---------------------------------------------------------- */

/* Connect, saying what is wrong when it fails: a connection string that
 * cannot be read, a database that refuses, or one that cannot be reached. */
static bool connect_store(struct cli *cli)
{
	struct scim_error err = { 0 };
	const char *why;

	cli->store = store_new(cli->settings.database);
	if (cli->store == NULL)
		abort();
	if (store_connect(cli->store, &err))
		return true;
	why = store_connect_failure(cli->store);
	if (strstr(why, "invalid") != NULL || strstr(why, "missing") != NULL ||
	    strstr(why, "unrecognized") != NULL)
		fprintf(stderr, "scimctl %s: SCIM_DATABASE is not a connection string libpq reads: %s\n",
			cli->cmd->name, why);
	else if (strstr(why, "authentication") != NULL || strstr(why, "does not exist") != NULL ||
		 strstr(why, "pg_hba.conf") != NULL || strstr(why, "permission") != NULL)
		fprintf(stderr, "scimctl %s: the database refused the connection (check SCIM_DATABASE): "
			"%s\n", cli->cmd->name, why);
	else
		fprintf(stderr, "scimctl %s: cannot reach the database (is it running, and is "
			"SCIM_DATABASE right?): %s\n", cli->cmd->name, why);
	return false;
}

static int store_failed(const struct cli *cli, const struct scim_error *err)
{
	return fail(cli, err->detail);
}

/* ---- values ---------------------------------------------------------------- */

static bool is_number(const char *text, size_t max_digits)
{
	size_t i;

	for (i = 0; text[i] != '\0'; i++)
		if (text[i] < '0' || text[i] > '9')
			return false;
	return i > 0 && i <= max_digits;
}

static int check_token_id(const struct cli *cli, const char *text)
{
	if (is_number(text, 18))
		return 0;
	fprintf(stderr, "scimctl %s: %s: not a token id (a number, as scimctl token list shows)\n",
		cli->cmd->name, text);
	return EXIT_USAGE;
}

/* Each --allow one network: an address, or one with a /prefix. */
static int check_networks(const struct cli *cli)
{
	struct address_networks parsed;
	struct scim_error err = { 0 };
	int i;

	for (i = 0; i < cli->nnetworks; i++) {
		error_clear(&err);
		if (!address_networks_parse(cli->networks[i], &parsed, &err)) {
			fprintf(stderr, "scimctl %s: --allow %s\n", cli->cmd->name, err.detail);
			return EXIT_USAGE;
		}
		if (parsed.count != 1) {
			fprintf(stderr, "scimctl %s: --allow %s: one network each (give --allow again "
				"for another)\n", cli->cmd->name, cli->networks[i]);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* A time the database reads, for option `name`; 0 or an exit status. */
static int check_time(struct cli *cli, const char *name)
{
	struct scim_error err = { 0 };
	const char *text = option(cli, name);
	bool valid;

	if (text == NULL)
		return 0;
	if (!store_time_valid(cli->store, text, &valid, &err))
		return store_failed(cli, &err);
	if (valid)
		return 0;
	fprintf(stderr, "scimctl %s: --%s %s: not a time (e.g. 2027-01-31, \"2027-01-31 17:00\" or "
		"\"2027-01-31 17:00+01\")\n", cli->cmd->name, name, text);
	return EXIT_USAGE;
}

/* ---- migrate ---------------------------------------------------------------- */

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

/*
 * Where the migrations are: --sql-dir, SCIM_SQL_DIR, the sql/ of the
 * checkout this scimctl was built in (src/scimctl, beside ../sql), or
 * where make install put them.
 */
static const char *sql_dir(const struct cli *cli)
{
	static char found[PATH_MAX + 32];
	char self[PATH_MAX];
	ssize_t len;

	if (option(cli, "sql-dir") != NULL)
		return option(cli, "sql-dir");
	if (cli->settings.sql_dir != NULL)
		return cli->settings.sql_dir;
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0) {
		self[len] = '\0';
		snprintf(found, sizeof(found), "%s/../sql/001_initial.sql", dirname(self));
		if (access(found, R_OK) == 0) {
			found[strlen(found) - strlen("/001_initial.sql")] = '\0';
			return found;
		}
	}
	return SCIM_SQL_DIR;
}

/* Apply every sql/NNN_name.sql not yet recorded in schema_migrations, in
 * order, each in its own transaction. Safe to run again, and from several
 * hosts at once (an advisory lock serialises them). */
static int cmd_migrate(struct cli *cli)
{
	struct scim_error err = { 0 };
	struct dirent **entries = NULL;
	const char *dir = sql_dir(cli);
	char path[PATH_MAX + 256];
	char *sql;
	bool applied;
	int count = 0;
	int n;
	int i;
	int status = EXIT_FAILURE;

	n = scandir(dir, &entries, is_migration, alphasort);
	if (n <= 0) {
		fprintf(stderr, "scimctl migrate: no migrations in %s: %s (give --sql-dir DIR, or set "
			"SCIM_SQL_DIR)\n", dir, n < 0 ? strerror(errno) : "no NNN_name.sql file");
		free(entries);
		return EXIT_FAILURE;
	}
	if (!store_migrations_lock(cli->store, &err))
		goto done;
	for (i = 0; i < n; i++) {
		if (!store_migration_applied(cli->store, atoi(entries[i]->d_name), &applied, &err))
			goto done;
		if (applied)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		sql = read_file(path);
		if (sql == NULL) {
			fprintf(stderr, "scimctl migrate: cannot read %s: %s\n", path, strerror(errno));
			goto done;
		}
		if (!store_migration_apply(cli->store, atoi(entries[i]->d_name), entries[i]->d_name,
					   sql, &err)) {
			free(sql);
			fprintf(stderr, "scimctl migrate: migration %s failed\n", entries[i]->d_name);
			goto done;
		}
		free(sql);
		printf("applied %s\n", entries[i]->d_name);
		count++;
	}
	printf("database is up to date (%d migration%s applied now)\n", count,
	       count == 1 ? "" : "s");
	status = EXIT_SUCCESS;
done:
	if (error_is_set(&err))
		store_failed(cli, &err);
	for (i = 0; i < n; i++)
		free(entries[i]);
	free(entries);
	return status;
}

/* ---- tenants ---------------------------------------------------------------- */

static int cmd_tenant_add(struct cli *cli)
{
	struct scim_error err = { 0 };
	char id[37];

	if (!store_tenant_add(cli->store, cli->args[0], id, &err))
		return store_failed(cli, &err);
	printf("%s\n", id);
	return EXIT_SUCCESS;
}

static int cmd_tenant_list(struct cli *cli)
{
	struct scim_error err = { 0 };
	struct store_tenant_row *rows;
	int nrows;
	int i;

	if (!store_tenant_list(cli->store, &rows, &nrows, &err))
		return store_failed(cli, &err);
	printf("NAME\tTENANT ID\tCREATED\tUSERS\tGROUPS\n");
	for (i = 0; i < nrows; i++)
		printf("%s\t%s\t%s\t%lld\t%lld\n", rows[i].name, rows[i].id, rows[i].created,
		       rows[i].users, rows[i].groups);
	free(rows);
	return EXIT_SUCCESS;
}

static int cmd_tenant_rename(struct cli *cli)
{
	struct scim_error err = { 0 };

	if (!store_tenant_rename(cli->store, cli->args[0], cli->args[1], &err))
		return store_failed(cli, &err);
	printf("renamed tenant \"%s\" to \"%s\"\n", cli->args[0], cli->args[1]);
	return EXIT_SUCCESS;
}

static int cmd_tenant_delete(struct cli *cli)
{
	struct scim_error err = { 0 };
	struct store_tenant_counts counts;

	if (!store_tenant_counts(cli->store, cli->args[0], &counts, &err))
		return store_failed(cli, &err);
	if (option(cli, "yes") == NULL) {
		fprintf(stderr, "scimctl tenant delete: this removes tenant \"%s\" with %lld users, "
			"%lld groups, %lld tokens and %lld rows of its provisioning log; run it again "
			"with --yes to do it\n", cli->args[0], counts.users, counts.groups,
			counts.tokens, counts.log_rows);
		return EXIT_FAILURE;
	}
	if (!store_tenant_delete(cli->store, cli->args[0], &err))
		return store_failed(cli, &err);
	printf("deleted tenant \"%s\": %lld users, %lld groups, %lld tokens, %lld log rows\n",
	       cli->args[0], counts.users, counts.groups, counts.tokens, counts.log_rows);
	return EXIT_SUCCESS;
}

/* ---- tokens ----------------------------------------------------------------- */

/* What the administrator pastes beside the token: the workers' public URL. */
static void print_tenant_url(const char *base_url)
{
	if (base_url[0] != '\0')
		fprintf(stderr, "Tenant URL: %s\n", base_url);
	else
		fprintf(stderr, "Tenant URL: the endpoint's public URL, e.g. https://scim.example.com/scim/v2;\n"
			"set SCIM_BASE_URL to it, as for the workers, and it is shown here.\n");
}

static void print_new_token(const struct cli *cli, const char *token, long long token_id,
			    const char *tenant, const char *title)
{
	print_tenant_url(cli->settings.base_url);
	fprintf(stderr, "Token %lld for tenant \"%s\" (%s). It is shown only now: copy it into\n"
		"the identity provider's Secret Token field.\n", token_id, tenant, title);
	printf("%s\n", token);
}

/* The database reached, --expires checked, and a new token with its hash;
 * 0 or an exit status. */
static int new_token(struct cli *cli, char token[TOKEN_LENGTH + 1], uint8_t hash[32])
{
	int status;

	if ((status = check_time(cli, "expires")) != 0)
		return status;
	if (!token_generate(token, hash))
		return fail(cli, "no randomness available");
	return 0;
}

static int cmd_token_add(struct cli *cli)
{
	struct scim_error err = { 0 };
	struct store_token_spec spec = { 0 };
	char token[TOKEN_LENGTH + 1];
	uint8_t hash[32];
	long long token_id;
	int status;

	spec.title = option(cli, "title");
	spec.expires = option(cli, "expires");
	spec.networks = cli->networks;
	spec.nnetworks = cli->nnetworks;
	if (spec.title == NULL || spec.title[0] == '\0')
		return usage_error(cli, "%s", "--title TITLE is required: what the administrator "
				   "calls this provider, e.g. \"Entra production\"");
	if ((status = check_networks(cli)) != 0 || (status = new_token(cli, token, hash)) != 0)
		return status;
	if (!store_token_add(cli->store, cli->args[0], &spec, hash, &token_id, &err))
		return store_failed(cli, &err);
	print_new_token(cli, token, token_id, cli->args[0], spec.title);
	return EXIT_SUCCESS;
}

static int cmd_token_list(struct cli *cli)
{
	struct scim_error err = { 0 };
	struct store_token_row *rows;
	int nrows;
	int i;

	if (!store_token_list(cli->store, cli->nargs ? cli->args[0] : NULL, &rows, &nrows, &err))
		return store_failed(cli, &err);
	printf("ID\tTENANT\tTITLE\tCREATED\tLAST USED\tALLOWED FROM\tEXPIRES\tSTATUS\n");
	for (i = 0; i < nrows; i++)
		printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", rows[i].id, rows[i].tenant,
		       rows[i].title, rows[i].created,
		       rows[i].last_used ? rows[i].last_used : "never",
		       rows[i].networks ? rows[i].networks : "any",
		       rows[i].expires ? rows[i].expires : "never", rows[i].status);
	free(rows);
	return EXIT_SUCCESS;
}

static int cmd_token_revoke(struct cli *cli)
{
	struct scim_error err = { 0 };
	int status = check_token_id(cli, cli->args[0]);

	if (status != 0)
		return status;
	if (!store_token_revoke(cli->store, cli->args[0], &err))
		return store_failed(cli, &err);
	printf("revoked token %s\n", cli->args[0]);
	return EXIT_SUCCESS;
}

static int cmd_token_restrict(struct cli *cli)
{
	struct scim_error err = { 0 };
	int status = check_token_id(cli, cli->args[0]);

	if (status == 0)
		status = check_networks(cli);
	if (status != 0)
		return status;
	if (!store_token_restrict(cli->store, cli->args[0], cli->networks, cli->nnetworks, &err))
		return store_failed(cli, &err);
	printf("token %s is allowed from %s\n", cli->args[0],
	       cli->nnetworks > 0 ? "the networks given" : "any address");
	return EXIT_SUCCESS;
}

static int cmd_token_rotate(struct cli *cli)
{
	struct scim_error err = { 0 };
	struct store_token_rotated rotated;
	char token[TOKEN_LENGTH + 1];
	uint8_t hash[32];
	int status = check_token_id(cli, cli->args[0]);

	if (status != 0 || (status = new_token(cli, token, hash)) != 0)
		return status;
	if (!store_token_rotate(cli->store, cli->args[0], option(cli, "expires"), hash, &rotated,
				&err))
		return store_failed(cli, &err);
	print_new_token(cli, token, rotated.token_id, rotated.tenant, rotated.title);
	fprintf(stderr, "Token %s keeps working until you revoke it: scimctl token revoke %s\n",
		cli->args[0], cli->args[0]);
	return EXIT_SUCCESS;
}

/* ---- admin accounts ------------------------------------------------------------ */

/* One line of standard input without its newline, not echoed on a
 * terminal; false at its end or when too long. */
static bool read_line(const char *prompt, char *buf, size_t size)
{
	struct termios saved;
	struct termios quiet;
	bool terminal = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	bool ok;

	if (terminal) {
		fprintf(stderr, "%s", prompt);
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	ok = fgets(buf, (int)size, stdin) != NULL;
	if (terminal) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		fprintf(stderr, "\n");
	}
	if (!ok || strchr(buf, '\n') == NULL) {
		if (ok && !feof(stdin))
			ok = false; /* longer than the buffer */
		else if (!ok)
			return false;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return ok;
}

/*
 * A new password, read from the terminal (twice) or from standard input
 * (its first line), never from the command line; its hash into `hash`.
 * 0 or an exit status.
 */
static int new_password(const struct cli *cli, char hash[PASSWORD_HASH_SIZE])
{
	char password[PASSWORD_MAX_LENGTH + 2];
	char again[PASSWORD_MAX_LENGTH + 2];
	const char *refusal;
	int status = 0;

	if (!read_line("Password: ", password, sizeof(password))) {
		password_wipe(password, sizeof(password));
		return fail(cli, "no password on standard input (one line, at most 1024 characters)");
	}
	refusal = password_refusal(password);
	if (refusal != NULL) {
		fprintf(stderr, "scimctl %s: the password is %s\n", cli->cmd->name, refusal);
		status = EXIT_FAILURE;
	} else if (isatty(STDIN_FILENO) &&
		   (!read_line("Again: ", again, sizeof(again)) || strcmp(password, again) != 0)) {
		status = fail(cli, "the two passwords differ");
	} else if (!password_hash(password, hash)) {
		status = fail(cli, "out of memory while hashing the password");
	}
	password_wipe(password, sizeof(password));
	password_wipe(again, sizeof(again));
	return status;
}

static int cmd_admin_add(struct cli *cli)
{
	struct scim_error err = { 0 };
	char hash[PASSWORD_HASH_SIZE];
	int status;

	if ((status = new_password(cli, hash)) != 0)
		return status;
	if (!store_admin_add(cli->store, cli->args[0], option(cli, "tenant"), hash, &err))
		return store_failed(cli, &err);
	printf("added admin \"%s\" for %s%s%s\n", cli->args[0],
	       option(cli, "tenant") ? "tenant \"" : "every tenant",
	       option(cli, "tenant") ? option(cli, "tenant") : "", option(cli, "tenant") ? "\"" : "");
	return EXIT_SUCCESS;
}

static int cmd_admin_password(struct cli *cli)
{
	struct scim_error err = { 0 };
	char hash[PASSWORD_HASH_SIZE];
	int status;

	if ((status = new_password(cli, hash)) != 0)
		return status;
	if (!store_admin_password(cli->store, cli->args[0], hash, &err))
		return store_failed(cli, &err);
	printf("new password for admin \"%s\"; its sessions have ended\n", cli->args[0]);
	return EXIT_SUCCESS;
}

static int cmd_admin_list(struct cli *cli)
{
	struct scim_error err = { 0 };
	struct store_admin_row *rows;
	int nrows;
	int i;

	if (!store_admin_list(cli->store, &rows, &nrows, &err))
		return store_failed(cli, &err);
	printf("NAME\tTENANT\tCREATED\tLAST SIGN-IN\n");
	for (i = 0; i < nrows; i++)
		printf("%s\t%s\t%s\t%s\n", rows[i].name, rows[i].tenant ? rows[i].tenant : "(every tenant)",
		       rows[i].created, rows[i].last_sign_in ? rows[i].last_sign_in : "never");
	free(rows);
	return EXIT_SUCCESS;
}

static int cmd_admin_remove(struct cli *cli)
{
	struct scim_error err = { 0 };

	if (!store_admin_remove(cli->store, cli->args[0], &err))
		return store_failed(cli, &err);
	printf("removed admin \"%s\"\n", cli->args[0]);
	return EXIT_SUCCESS;
}

/* ---- the provisioning log ---------------------------------------------------- */

static const char *const actions[] = {
	"created", "replaced", "modified", "disabled", "enabled", "unchanged", "deleted",
	"failed", "read", "refused", "provider added", "provider revoked", "provider rotated",
	"provider restricted", "tenant added", NULL
};

/* A value of the log for a terminal: text from the identity providers may
 * hold anything. */
static void print_field(const json_t *row, const char *key, const char *sep)
{
	const json_t *v = json_object_get(row, key);
	char *text;

	if (json_is_string(v))
		text = strdup(json_string_value(v));
	else if (json_is_integer(v))
		text = json_dumps(v, JSON_ENCODE_ANY);
	else
		text = strdup("-");
	if (text == NULL)
		abort();
	utf8_sanitize(text);
	text[strcspn(text, "\t")] = '\0';
	printf("%s%s", text[0] ? text : "-", sep);
	free(text);
}

/* What changed, in one column: the attributes, and a group's members. */
static void print_changes(const json_t *row)
{
	const json_t *names = json_object_get(row, "attributes");
	const json_t *name;
	long long added = json_integer_value(json_object_get(row, "members_added"));
	long long removed = json_integer_value(json_object_get(row, "members_removed"));
	size_t i;
	bool any = false;

	json_array_foreach(names, i, name) {
		if (strcmp(json_string_value(name), "members") == 0)
			continue;
		printf("%s%s", any ? "," : "", json_string_value(name));
		any = true;
	}
	if (added > 0 || removed > 0) {
		printf("%smembers +%lld -%lld", any ? "," : "", added, removed);
		any = true;
	}
	printf("%s\t", any ? "" : "-");
}

static int cmd_log(struct cli *cli)
{
	struct scim_error err = { 0 };
	struct store_log_filter f = { 0 };
	const char *limit = option(cli, "limit");
	const json_t *row;
	json_t *rows;
	char *json;
	size_t i;
	int status;

	f.tenant = option(cli, "tenant");
	f.provider = option(cli, "provider");
	f.resource = option(cli, "resource");
	f.action = option(cli, "action");
	f.status = option(cli, "status");
	f.failed = option(cli, "failed") != NULL;
	f.since = option(cli, "since");
	f.until = option(cli, "until");
	f.limit = 50;
	if (f.provider != NULL && (status = check_token_id(cli, f.provider)) != 0)
		return status;
	if (f.status != NULL && (!is_number(f.status, 3) || atoi(f.status) < 100))
		return usage_error(cli, "--status %s: not an HTTP status (e.g. 409)", f.status);
	if (limit != NULL && (!is_number(limit, 6) || atoi(limit) == 0))
		return usage_error(cli, "--limit %s: not a number of rows from 1 to 999999", limit);
	if (limit != NULL)
		f.limit = atoi(limit);
	if (f.action != NULL) {
		for (i = 0; actions[i] != NULL && strcmp(actions[i], f.action) != 0; i++)
			;
		if (actions[i] == NULL)
			return usage_error(cli, "--action %s: not an action (created, replaced, modified, "
					   "disabled, enabled, unchanged, deleted, failed, read, refused, "
					   "provider added, provider revoked, provider rotated, tenant added)",
					   f.action);
	}
	if ((status = check_time(cli, "since")) != 0 || (status = check_time(cli, "until")) != 0)
		return status;
	json = store_log_query(cli->store, &f, &err);
	if (json == NULL)
		return store_failed(cli, &err);
	if (option(cli, "json") != NULL) {
		printf("%s\n", json);
		free(json);
		return EXIT_SUCCESS;
	}
	rows = json_loads(json, 0, NULL);
	free(json);
	printf("TIME\tTENANT\tPROVIDER\tACTION\tTYPE\tRESOURCE\tCHANGED\tSTATUS\tDETAIL\tREQUEST\n");
	json_array_foreach(rows, i, row) {
		print_field(row, "at", "\t");
		print_field(row, "tenant", "\t");
		if (json_is_string(json_object_get(row, "admin")))
			printf("console: %s\t", json_string_value(json_object_get(row, "admin")));
		else
			print_field(row, "provider", "\t");
		print_field(row, "action", "\t");
		print_field(row, "resource_type", "\t");
		print_field(row, json_is_string(json_object_get(row, "resource_name")) ?
			    "resource_name" : "resource_id", "\t");
		print_changes(row);
		print_field(row, "status", "\t");
		print_field(row, "detail", "\t");
		print_field(row, "request_id", "\n");
	}
	json_decref(rows);
	return EXIT_SUCCESS;
}

static int cmd_log_prune(struct cli *cli)
{
	struct scim_error err = { 0 };
	const char *days_text = option(cli, "days");
	int days = cli->settings.log_days;
	long long removed;

	if (days_text != NULL && (!is_number(days_text, 5) || atoi(days_text) == 0))
		return usage_error(cli, "--days %s: not a number of days from 1 to 99999", days_text);
	if (days_text != NULL)
		days = atoi(days_text);
	if (!store_log_prune(cli->store, days, &removed, &err))
		return store_failed(cli, &err);
	printf("removed %lld rows older than %d days\n", removed, days);
	return EXIT_SUCCESS;
}

/* ---- schema extensions -------------------------------------------------------- */

/* The resource type --resource-type names, as RFC 7643 spells it. */
static const char *resource_type_option(const struct cli *cli)
{
	const char *given = option(cli, "resource-type");

	if (given != NULL && strcasecmp(given, "User") == 0)
		return "User";
	if (given != NULL && strcasecmp(given, "Group") == 0)
		return "Group";
	return NULL;
}

static int cmd_schema_load(struct cli *cli)
{
	const char *file = cli->args[1];
	struct store_extension_spec spec = { .tenant = cli->args[0] };
	struct scim_error err = { 0 };
	struct schema_def *schema;
	const struct attr_def *a;
	json_error_t jerr;
	json_t *doc;
	char *definition;
	char unique[512] = "";
	bool replaced;
	int n = 0;

	spec.resource_type = resource_type_option(cli);
	if (spec.resource_type == NULL)
		return usage_error(cli, "--resource-type: User or Group, not \"%s\"",
				   option(cli, "resource-type") ? option(cli, "resource-type") : "");
	spec.required = option(cli, "required") != NULL;
	doc = strcmp(file, "-") == 0 ? json_loadf(stdin, 0, &jerr) : json_load_file(file, 0, &jerr);
	if (doc == NULL) {
		fprintf(stderr, "scimctl schema load: %s: line %d, column %d: %s\n", file, jerr.line,
			jerr.column, jerr.text);
		return EXIT_FAILURE;
	}
	schema = extension_from_json(doc, &err);
	if (schema == NULL) {
		json_decref(doc);
		fprintf(stderr, "scimctl schema load: %s: %s\n", file, err.detail);
		return EXIT_FAILURE;
	}
	definition = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (definition == NULL)
		abort();
	spec.schema = schema;
	spec.definition = definition;
	if (!store_extension_load(cli->store, &spec, &replaced, &err)) {
		free(definition);
		extension_free(schema);
		return store_failed(cli, &err);
	}
	for (a = schema->attrs; a->name != NULL; a++) {
		n++;
		if (a->uniqueness == UNIQ_SERVER)
			snprintf(unique + strlen(unique), sizeof(unique) - strlen(unique), "%s%s",
				 unique[0] ? ", " : "", a->name);
	}
	printf("%s %s for the %s of tenant \"%s\": %d attributes%s%s%s\n",
	       replaced ? "replaced" : "loaded", schema->urn,
	       strcmp(spec.resource_type, "User") == 0 ? "users" : "groups", spec.tenant, n,
	       spec.required ? ", required" : "", unique[0] ? "; unique: " : "", unique);
	free(definition);
	extension_free(schema);
	return EXIT_SUCCESS;
}

static int cmd_schema_list(struct cli *cli)
{
	struct scim_error err = { 0 };
	struct store_extension_row *rows;
	int nrows, i;

	if (!store_extension_list(cli->store, cli->nargs > 0 ? cli->args[0] : NULL, &rows, &nrows,
				  &err))
		return store_failed(cli, &err);
	printf("TENANT\tURN\tRESOURCE TYPE\tREQUIRED\tATTRIBUTES\tLOADED\n");
	for (i = 0; i < nrows; i++)
		printf("%s\t%s\t%s\t%s\t%d\t%s\n", rows[i].tenant, rows[i].urn, rows[i].resource_type,
		       rows[i].required ? "yes" : "no", rows[i].attributes, rows[i].loaded);
	free(rows);
	return EXIT_SUCCESS;
}

static int cmd_schema_show(struct cli *cli)
{
	struct scim_error err = { 0 };
	char *definition;
	char resource_type[8];
	bool required;
	json_t *doc;
	char *text;

	if (!store_extension_show(cli->store, cli->args[0], cli->args[1], &definition, resource_type,
				  &required, &err))
		return store_failed(cli, &err);
	doc = json_loads(definition, 0, NULL);
	text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	/* The JSON alone on standard output: it loads again as it is. */
	printf("%s\n", text ? text : definition);
	fprintf(stderr, "extends the tenant's %s%s\n", strcmp(resource_type, "User") == 0 ?
		"users" : "groups", required ? "; required" : "");
	free(text);
	json_decref(doc);
	free(definition);
	return EXIT_SUCCESS;
}

static int cmd_schema_remove(struct cli *cli)
{
	struct scim_error err = { 0 };
	long long dropped;

	if (!store_extension_remove(cli->store, cli->args[0], cli->args[1],
				    option(cli, "drop-values") != NULL, &dropped, &err))
		return store_failed(cli, &err);
	if (dropped > 0)
		printf("removed %s from tenant \"%s\", with its values in %lld resources\n",
		       cli->args[1], cli->args[0], dropped);
	else
		printf("removed %s from tenant \"%s\"\n", cli->args[1], cli->args[0]);
	return EXIT_SUCCESS;
}

/* The settings, as the workers would read them here (same file, same
 * environment): scim-fcgi --check-config prints the same. */
static int cmd_config(struct cli *cli)
{
	settings_print(&cli->settings, stdout);
	return EXIT_SUCCESS;
}

/* ---- the commands ------------------------------------------------------------- */

static const struct option_spec migrate_options[] = {
	{ "sql-dir", "DIR", "the migrations (default: SCIM_SQL_DIR, the checkout's sql/, "
	  "or where make install put them)" },
	{ NULL, NULL, NULL },
};
static const struct option_spec tenant_delete_options[] = {
	{ "yes", NULL, "delete it: without, the command only says what it would remove" },
	{ NULL, NULL, NULL },
};
static const struct option_spec token_add_options[] = {
	{ "title", "TITLE", "what you call the provider, e.g. \"Entra production\" (required)" },
	{ "allow", "CIDR", "accept the token only from this network (again for more)" },
	{ "expires", "TIME", "when the token stops working (default: never)" },
	{ NULL, NULL, NULL },
};
static const struct option_spec token_restrict_options[] = {
	{ "allow", "CIDR", "a network the token is accepted from (again for more; none: any)" },
	{ NULL, NULL, NULL },
};
static const struct option_spec token_rotate_options[] = {
	{ "expires", "TIME", "when the new token stops working (default: as the old one)" },
	{ NULL, NULL, NULL },
};
static const struct option_spec log_options[] = {
	{ "tenant", "NAME", "this tenant's rows" },
	{ "provider", "TOKEN_ID", "what this token did" },
	{ "resource", "ID|NAME", "one user or group: its id, userName or displayName" },
	{ "action", "ACTION", "created, replaced, modified, disabled, enabled, unchanged, "
	  "deleted, failed, read or refused" },
	{ "status", "N", "answered with this HTTP status" },
	{ "failed", NULL, "the failed requests only (status 400 and above)" },
	{ "since", "TIME", "from this time on" },
	{ "until", "TIME", "before this time" },
	{ "limit", "N", "at most N rows (default 50)" },
	{ "json", NULL, "a JSON array of the rows, every column, for scripts" },
	{ NULL, NULL, NULL },
};
static const struct option_spec admin_add_options[] = {
	{ "tenant", "TENANT", "the one tenant the account administers (default: every tenant)" },
	{ NULL, NULL, NULL },
};
static const struct option_spec log_prune_options[] = {
	{ "days", "N", "keep N days (default: SCIM_PROVISIONING_LOG_DAYS, 90)" },
	{ NULL, NULL, NULL },
};

static const struct option_spec schema_load_options[] = {
	{ "resource-type", "TYPE", "User or Group: what the extension extends (required)" },
	{ "required", NULL, "a POST or PUT without the extension's object is refused" },
	{ NULL, NULL, NULL },
};
static const struct option_spec schema_remove_options[] = {
	{ "drop-values", NULL, "remove the values users or groups have in it too (without, "
	  "the command refuses while there are any)" },
	{ NULL, NULL, NULL },
};

static const struct command commands[] = {
	{ "migrate", "[--sql-dir DIR]", 0, 0, migrate_options,
	  "Apply the migrations of sql/ that the database lacks, each in a transaction of its\n"
	  "own. Safe to run again, and from several hosts at once.", cmd_migrate },
	{ "tenant add", "NAME", 1, 1, NULL,
	  "Add a tenant (one identity provider's directory); prints its id.", cmd_tenant_add },
	{ "tenant list", "", 0, 0, NULL,
	  "The tenants, with their numbers of users and groups.", cmd_tenant_list },
	{ "tenant rename", "NAME NEW_NAME", 2, 2, NULL,
	  "Rename a tenant. Its tokens keep working.", cmd_tenant_rename },
	{ "tenant delete", "NAME [--yes]", 1, 1, tenant_delete_options,
	  "Delete a tenant with its users, groups, tokens and provisioning log. Without --yes\n"
	  "it only says what it would remove.", cmd_tenant_delete },
	{ "token add", "TENANT --title TITLE [--allow CIDR]... [--expires TIME]", 1, 1,
	  token_add_options,
	  "Issue a token (Entra's \"Secret Token\") for a provider of the tenant. It is shown\n"
	  "once, on standard output; the Tenant URL goes beside it (SCIM_BASE_URL).",
	  cmd_token_add },
	{ "token list", "[TENANT]", 0, 1, NULL,
	  "The tokens, of one tenant or all: title, last use, networks, expiry, status.",
	  cmd_token_list },
	{ "token revoke", "TOKEN_ID", 1, 1, NULL,
	  "Refuse the token from its next request on, in every worker.", cmd_token_revoke },
	{ "token restrict", "TOKEN_ID [--allow CIDR]...", 1, 1, token_restrict_options,
	  "Accept the token only from these networks; without --allow, from anywhere.",
	  cmd_token_restrict },
	{ "token rotate", "TOKEN_ID [--expires TIME]", 1, 1, token_rotate_options,
	  "Issue a new token for the same provider (tenant, title, networks); the old one\n"
	  "keeps working until you revoke it, so the identity provider can be switched over.",
	  cmd_token_rotate },
	{ "log", "[--tenant NAME] [--provider TOKEN_ID] [--resource ID|NAME] [--action ACTION]\n"
	  "              [--status N | --failed] [--since TIME] [--until TIME] [--limit N] [--json]",
	  0, 0, log_options,
	  "What the identity providers did, newest first: one row per write (each Bulk\n"
	  "operation its own), failed ones included, naming the attributes changed but never\n"
	  "their values. --resource shows one user's or group's history.", cmd_log },
	{ "log prune", "[--days N]", 0, 0, log_prune_options,
	  "Remove the rows of the provisioning log older than N days, a batch at a time:\n"
	  "the workers' writes never wait for it. Run it daily, e.g. from cron.", cmd_log_prune },
	{ "admin add", "NAME [--tenant TENANT]", 1, 1, admin_add_options,
	  "Add an account of the admin console. Its password is read from the terminal (twice)\n"
	  "or from the first line of standard input, never from the command line; at least 10\n"
	  "characters. Without --tenant the account is an operator's: every tenant.",
	  cmd_admin_add },
	{ "admin password", "NAME", 1, 1, NULL,
	  "Give an account a new password (read as admin add reads it); its sessions end.",
	  cmd_admin_password },
	{ "admin list", "", 0, 0, NULL,
	  "The accounts of the admin console: tenant, created, last sign-in.", cmd_admin_list },
	{ "admin remove", "NAME", 1, 1, NULL,
	  "Remove an account of the admin console; its sessions end.", cmd_admin_remove },
	{ "schema load", "TENANT FILE --resource-type User|Group [--required]", 2, 2,
	  schema_load_options,
	  "Load a schema extension for a tenant's users or groups from FILE (\"-\": standard\n"
	  "input): JSON in the format of RFC 7643 section 7, as /Schemas serves it. Its\n"
	  "attributes are then served, validated, stored, filtered and patched like the core\n"
	  "ones, for that tenant's clients alone. Loading it again replaces it; an attribute\n"
	  "with uniqueness \"server\" gets a unique index. The workers see it at once.",
	  cmd_schema_load },
	{ "schema list", "[TENANT]", 0, 1, NULL,
	  "The schema extensions, of one tenant or all.", cmd_schema_list },
	{ "schema show", "TENANT URN", 2, 2, NULL,
	  "An extension's definition, as JSON that schema load reads again.", cmd_schema_show },
	{ "schema remove", "TENANT URN [--drop-values]", 2, 2, schema_remove_options,
	  "Remove an extension. Refused while users or groups have values in it, unless\n"
	  "--drop-values, which removes those too.", cmd_schema_remove },
	{ "config", "", 0, 0, NULL,
	  "Print every setting's value and where it came from: the configuration file and\n"
	  "line, the environment, or the default. A database password is shown as ****.",
	  cmd_config },
	{ NULL, NULL, 0, 0, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct scim_error err = { 0 };
	const char *config = NULL;
	int words;
	int status;

	/* scimctl --config FILE COMMAND ... */
	if (argc >= 2 && strcmp(argv[1], "--config") == 0) {
		if (argc < 3) {
			fprintf(stderr, "scimctl: --config needs a file (see scimctl --help)\n");
			return EXIT_USAGE;
		}
		config = argv[2];
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2)
		return help_all(), EXIT_USAGE;
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return help_all();
	if (strcmp(argv[1], "--version") == 0) {
		printf("scimctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
		return EXIT_SUCCESS;
	}
	cli.cmd = find_command(argc - 1, argv + 1, &words);
	if (cli.cmd == NULL) {
		if (argc == 2 && group_exists(argv[1]))
			fprintf(stderr, "scimctl %s: which? (see scimctl --help)\n", argv[1]);
		else if (argc > 2 && group_exists(argv[1]) && argv[2][0] != '-')
			fprintf(stderr, "scimctl: unknown command '%s %s' (see scimctl --help)\n",
				argv[1], argv[2]);
		else
			fprintf(stderr, "scimctl: unknown command '%s' (see scimctl --help)\n", argv[1]);
		return EXIT_USAGE;
	}
	status = parse(&cli, argc - 1 - words, argv + 1 + words);
	if (status < 0)
		return help_command(cli.cmd);
	if (status != 0)
		return status;
	if (!password_init()) {
		fprintf(stderr, "scimctl: libsodium cannot be initialised\n");
		return EXIT_FAILURE;
	}
	if (!settings_load(&cli.settings, config, &err)) {
		fprintf(stderr, "scimctl: %s\n", err.detail);
		settings_clear(&cli.settings);
		return EXIT_FAILURE;
	}
	/* The store's own lines are for the workers' log; here only when
	 * SCIM_LOG_LEVEL in the environment asks for them. */
	log_set_threshold(getenv("SCIM_LOG_LEVEL") != NULL ? cli.settings.log_level : LOG_OFF);
	/* Every command but config works on the database. */
	if (cli.cmd->run == cmd_config)
		status = cmd_config(&cli);
	else
		status = connect_store(&cli) ? cli.cmd->run(&cli) : EXIT_FAILURE;
	store_free(cli.store);
	settings_clear(&cli.settings);
	return status;
}
