/*
 * test_misc.c - unit tests of sha256.c, address.c, schema.c and cursor.c:
 * SHA-256 test vectors, the client address behind trusted proxies,
 * attribute lookup and URN splitting, the /Schemas and /ResourceTypes
 * representations, and cursor times.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "address.h"
#include "cursor.h"
#include "metrics.h"
#include "schema.h"
#include "settings.h"
#include "sha256.h"
#include "unit.h"

#define BASE_URL "https://scim.example.com/tenant1/scim/v2"

/* ---- SHA-256 ---- */

struct sha_case {
	const char *name;
	const char *message; /* repeated `repeat` times */
	size_t repeat;
	const char *digest;
};

/* FIPS 180-2 appendix B / NIST CAVP vectors, then the padding edges: 55 and
 * 56 bytes (one or two final blocks), 63, 64, 119 and 120 bytes. */
static const struct sha_case sha_cases[] = {
	{ "empty", "", 1,
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "abc", 1,
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "448-bit", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "896-bit",
	  "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
	  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 1,
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	{ "million a", "a", 1000000,
	  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
	{ "55 a", "a", 55,
	  "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
	{ "56 a", "a", 56,
	  "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
	{ "63 a", "a", 63,
	  "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
	{ "64 a", "a", 64,
	  "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
	{ "119 a", "a", 119,
	  "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
	{ "120 a", "a", 120,
	  "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
};

static void test_sha256(void)
{
	size_t i;

	for (i = 0; i < sizeof(sha_cases) / sizeof(sha_cases[0]); i++) {
		const struct sha_case *c = &sha_cases[i];
		size_t piece = strlen(c->message);
		size_t len = piece * c->repeat;
		char *buf = malloc(len + 1);
		uint8_t digest[32];
		char hex[65];
		size_t r;

		for (r = 0; r < c->repeat; r++)
			memcpy(buf + r * piece, c->message, piece);
		buf[len] = '\0';
		sha256(buf, len, digest);
		sha256_hex(digest, hex);
		unit_check(strcmp(hex, c->digest) == 0, c->name,
			   "got %s, want %s", hex, c->digest);
		free(buf);
	}

	/* Binary input with every byte value, and a NULL pointer for len 0. */
	{
		uint8_t data[1024];
		uint8_t digest[32];
		char hex[65];
		int i2;

		for (i2 = 0; i2 < 1024; i2++)
			data[i2] = (uint8_t)i2;
		sha256(data, sizeof(data), digest);
		sha256_hex(digest, hex);
		unit_check(strcmp(hex, "785b0751fc2c53dc14a4ce3d800e69ef9ce1009eb327ccf458afe09c242c26c9") == 0,
			   "all byte values", "got %s", hex);
		sha256(NULL, 0, digest);
		sha256_hex(digest, hex);
		unit_check(strcmp(hex, sha_cases[0].digest) == 0, "NULL empty",
			   "got %s", hex);
	}
}

/* ---- client addresses ---- */

#define TRUSTED "127.0.0.1/32, 10.0.0.0/8 2001:db8:1::/48"

struct client_case {
	const char *name;
	const char *trusted;       /* SCIM_TRUSTED_PROXIES */
	const char *remote_addr;
	const char *forwarded_for; /* NULL: no header */
	const char *client;        /* NULL: unknown */
};

static const struct client_case client_cases[] = {
	{ "no proxy trusted", "", "127.0.0.1", "203.0.113.7", "127.0.0.1" },
	{ "untrusted peer, forged header", TRUSTED, "198.51.100.9", "203.0.113.7",
	  "198.51.100.9" },
	{ "trusted proxy", TRUSTED, "10.0.0.1", "203.0.113.7", "203.0.113.7" },
	{ "spoofed entry on the left", TRUSTED, "10.0.0.1", "spoof, 203.0.113.7",
	  "203.0.113.7" },
	{ "allowed address prepended by the client", TRUSTED, "10.0.0.1",
	  "203.0.113.7, 198.51.100.1", "198.51.100.1" },
	{ "two trusted proxies", TRUSTED, "10.0.0.1", "203.0.113.7, 10.0.0.2",
	  "203.0.113.7" },
	{ "three trusted proxies", TRUSTED, "127.0.0.1",
	  "192.0.2.1, 203.0.113.7, 10.9.9.9, 10.0.0.2", "203.0.113.7" },
	{ "every entry trusted", TRUSTED, "10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.1" },
	{ "no header", TRUSTED, "10.0.0.1", NULL, "10.0.0.1" },
	{ "empty header", TRUSTED, "10.0.0.1", "", "10.0.0.1" },
	{ "garbage header", TRUSTED, "10.0.0.1", "garbage", "10.0.0.1" },
	{ "unknown", TRUSTED, "10.0.0.1", "unknown", "10.0.0.1" },
	{ "garbage right of an address", TRUSTED, "10.0.0.1", "203.0.113.7, garbage",
	  "10.0.0.1" },
	{ "garbage left of an address", TRUSTED, "10.0.0.1", "garbage, 203.0.113.7",
	  "203.0.113.7" },
	{ "spaces for commas", TRUSTED, "10.0.0.1", "192.0.2.1 203.0.113.7", "10.0.0.1" },
	{ "empty entries", TRUSTED, "10.0.0.1", " , 203.0.113.7,\t, ", "203.0.113.7" },
	{ "blanks", TRUSTED, "10.0.0.1", "\t203.0.113.7  ", "203.0.113.7" },
	{ "IPv4 with a port", TRUSTED, "10.0.0.1", "203.0.113.7:50123", "203.0.113.7" },
	{ "IPv4 with a bad port", TRUSTED, "10.0.0.1", "203.0.113.7:501234", "10.0.0.1" },
	{ "IPv4 with an empty port", TRUSTED, "10.0.0.1", "203.0.113.7:", "10.0.0.1" },
	{ "IPv6 proxy and client", TRUSTED, "2001:db8:1::5", "2001:DB8:FFFF::7",
	  "2001:db8:ffff::7" },
	{ "IPv6 in brackets", TRUSTED, "10.0.0.1", "[2001:db8:ffff::7]", "2001:db8:ffff::7" },
	{ "IPv6 with a port", TRUSTED, "10.0.0.1", "[2001:db8:ffff::7]:443",
	  "2001:db8:ffff::7" },
	{ "IPv6 bracket unclosed", TRUSTED, "10.0.0.1", "[2001:db8:ffff::7", "10.0.0.1" },
	{ "IPv6 trusted hop", TRUSTED, "10.0.0.1", "203.0.113.7, 2001:db8:1:2::1",
	  "203.0.113.7" },
	{ "IPv6 outside the trusted network", TRUSTED, "2001:db8:2::5", "203.0.113.7",
	  "2001:db8:2::5" },
	{ "IPv4-mapped peer", TRUSTED, "::ffff:10.0.0.1", "203.0.113.7", "203.0.113.7" },
	{ "IPv4-mapped entry", TRUSTED, "10.0.0.1", "::ffff:203.0.113.7", "203.0.113.7" },
	{ "zone dropped", "", "fe80::1%eth0", NULL, "fe80::1" },
	{ "entry too long", TRUSTED, "10.0.0.1",
	  "2001:0db8:0000:0000:0000:0000:0000:0007:0000:0000:0000", "10.0.0.1" },
	{ "peer not an address", TRUSTED, "unix:/run/scim.sock", "203.0.113.7", NULL },
	{ "no peer", TRUSTED, NULL, "203.0.113.7", NULL },
};

static void test_client_address(void)
{
	struct address_networks trusted;
	char out[ADDRESS_TEXT_SIZE];
	const char *got;
	size_t i;

	for (i = 0; i < sizeof(client_cases) / sizeof(client_cases[0]); i++) {
		const struct client_case *c = &client_cases[i];
		struct scim_error err = { 0 };

		if (!unit_check(address_networks_parse(c->trusted, &trusted, &err), c->name,
				"trusted proxies: %s", err.detail))
			continue;
		got = address_client(c->remote_addr, c->forwarded_for, &trusted, out);
		unit_check(c->client == NULL ? got == NULL
					     : got != NULL && strcmp(got, c->client) == 0,
			   c->name, "got %s, want %s", got ? got : "NULL",
			   c->client ? c->client : "NULL");
	}
}

struct networks_case {
	const char *text;
	size_t count; /* networks read; 0 with an error when error is set */
	const char *error; /* part of the error detail, or NULL */
};

static const struct networks_case networks_cases[] = {
	{ "", 0, NULL },
	{ " ,\t", 0, NULL },
	{ "10.0.0.0/8", 1, NULL },
	{ "192.0.2.7", 1, NULL },
	{ "0.0.0.0/0", 1, NULL },
	{ "10.0.0.0/8, 192.0.2.7 2001:db8::/32,,fe80::/10\n", 4, NULL },
	{ "10.0.0.1/8", 0, "10.0.0.1/8: host bits set" },
	{ "10.0.0.0/8, 10.0.0.1/8", 0, "10.0.0.1/8: host bits set" },
	{ "10.0.0.0/33", 0, "10.0.0.0/33: not an address or network" },
	{ "10.0.0.0/", 0, "10.0.0.0/: not an address or network" },
	{ "10.0.0.0/8x", 0, "10.0.0.0/8x: not an address or network" },
	{ "10.0.0.0/-8", 0, "10.0.0.0/-8: not an address or network" },
	{ "10.0.0.0/0008", 0, "10.0.0.0/0008: not an address or network" },
	{ "10.0.0/8", 0, "10.0.0/8: not an address or network" },
	{ "proxy.example.com", 0, "proxy.example.com: not an address or network" },
	{ "2001:db8::/129", 0, "2001:db8::/129: not an address or network" },
	{ "2001:db8::1/64", 0, "2001:db8::1/64: host bits set" },
	{ "fe80::1%eth0", 0, "fe80::1%eth0: not an address or network" },
	{ "10.0.0.0/8;192.0.2.0/24", 0, "10.0.0.0/8;192.0.2.0/24: not an address or network" },
};

static void test_networks(void)
{
	struct address_networks networks;
	struct address addr;
	char many[65 * 16];
	size_t used = 0;
	size_t i;

	for (i = 0; i < sizeof(networks_cases) / sizeof(networks_cases[0]); i++) {
		const struct networks_case *c = &networks_cases[i];
		struct scim_error err = { 0 };
		bool ok = address_networks_parse(c->text, &networks, &err);

		unit_check(ok == (c->error == NULL) && networks.count == c->count, c->text,
			   "ok %d, %zu networks, want %zu", ok, networks.count, c->count);
		if (c->error != NULL)
			unit_check(strstr(err.detail, c->error) != NULL, c->text,
				   "error \"%s\", want \"%s\"", err.detail, c->error);
	}
	for (i = 0; i < 65; i++)
		used += (size_t)snprintf(many + used, sizeof(many) - used, "10.0.%zu.0/24 ", i);
	{
		struct scim_error err = { 0 };

		unit_check(!address_networks_parse(many, &networks, &err) && networks.count == 0 &&
				   strstr(err.detail, "more than 64") != NULL,
			   "65 networks", "error \"%s\"", err.detail);
	}

	/* Prefix edges inside a byte, IPv4 and IPv6. */
	{
		struct scim_error err = { 0 };
		static const struct {
			const char *address;
			bool inside;
		} edges[] = {
			{ "192.168.0.0", true }, { "192.168.1.255", true },
			{ "192.168.2.0", false }, { "192.167.255.255", false },
			{ "2001:db8:7fff::1", true }, { "2001:db8:8000::", false },
			{ "::ffff:192.168.1.1", true }, { "::192.168.1.1", false },
		};

		address_networks_parse("192.168.0.0/23 2001:db8::/33", &networks, &err);
		for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
			unit_check(address_parse(edges[i].address, strlen(edges[i].address), &addr) &&
					   address_networks_contain(&networks, &addr) == edges[i].inside,
				   edges[i].address, "want %s the networks",
				   edges[i].inside ? "inside" : "outside");
	}
}

/* SCIM_TRUSTED_PROXIES as the worker reads it: a malformed value stops it. */
static void test_trusted_proxies_setting(void)
{
	struct scim_error err = { 0 };
	struct settings s;

	unsetenv("SCIM_TRUSTED_PROXIES");
	unit_check(settings_load(&s, "/dev/null", &err) && s.trusted_proxies.count == 0, "setting unset",
		   "%zu networks", s.trusted_proxies.count);
	setenv("SCIM_TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::/32", 1);
	unit_check(settings_load(&s, "/dev/null", &err) && s.trusted_proxies.count == 2,
		   "setting with two networks", "%zu networks", s.trusted_proxies.count);
	settings_clear(&s);
	setenv("SCIM_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/800", 1);
	unit_check(!settings_load(&s, "/dev/null", &err) &&
		   strcmp(err.detail, "SCIM_TRUSTED_PROXIES: 10.0.0.0/800: not an address or network "
			  "(e.g. 20.0.0.0/8 or 2001:db8::/32)") == 0,
		   "malformed setting", "%s", err.detail);
	settings_clear(&s);
	unsetenv("SCIM_TRUSTED_PROXIES");
}

/* SCIM_BASE_URL, the workers' URL and the Tenant URL scimctl shows. */
static void test_base_url_setting(void)
{
	struct scim_error err = { 0 };
	struct settings s;

	setenv("SCIM_BASE_URL", "https://scim.example.com/scim/v2//", 1);
	settings_load(&s, "/dev/null", &err);
	unit_check(strcmp(s.base_url, "https://scim.example.com/scim/v2") == 0,
		   "base URL without trailing slashes", "got \"%s\"", s.base_url);
	settings_clear(&s);
	unsetenv("SCIM_BASE_URL");
	settings_load(&s, "/dev/null", &err);
	unit_check(strcmp(s.base_url, "") == 0, "base URL unset", "got \"%s\"", s.base_url);
	settings_clear(&s);
}

/* Every setting is read strictly: a value it does not take is named with
 * what it takes, never replaced by a default. */
struct setting_case {
	const char *name;
	const char *value;
	const char *error; /* NULL: accepted */
};

static const struct setting_case setting_cases[] = {
	{ "SCIM_MAX_BODY", "8MB", "SCIM_MAX_BODY=8MB: not a number of bytes from 1024 to 268435456" },
	{ "SCIM_MAX_BODY", "1023", "SCIM_MAX_BODY=1023: not a number of bytes from 1024 to 268435456" },
	{ "SCIM_MAX_BODY", " 2048", "SCIM_MAX_BODY= 2048: not a number of bytes from 1024 to 268435456" },
	{ "SCIM_MAX_BODY", "2048", NULL },
	{ "SCIM_MAX_RESULTS", "0", "SCIM_MAX_RESULTS=0: not a number of resources from 1 to 100000" },
	{ "SCIM_TOKEN_CACHE_SECONDS", "-1",
	  "SCIM_TOKEN_CACHE_SECONDS=-1: not a number of seconds from 0 to 3600" },
	{ "SCIM_TOKEN_CACHE_SECONDS", "0", NULL },
	{ "SCIM_LOG_LEVEL", "verbose", "SCIM_LOG_LEVEL=verbose: not one of error, warning, info, debug" },
	{ "SCIM_LOG_LEVEL", "Debug", NULL },
	{ "SCIM_PROVISIONING_LOG", "reads", "SCIM_PROVISIONING_LOG=reads: not one of writes, all" },
	{ "SCIM_PROVISIONING_LOG", "all", NULL },
	{ "SCIM_PROVISIONING_LOG_DAYS", "0",
	  "SCIM_PROVISIONING_LOG_DAYS=0: not a number of days from 1 to 36500" },
	{ "SCIM_BASE_URL", "scim.example.com",
	  "SCIM_BASE_URL=scim.example.com: not an http:// or https:// URL" },
};

static void test_settings_strict(void)
{
	struct scim_error err;
	struct settings s;
	size_t i;
	bool ok;

	for (i = 0; i < sizeof(setting_cases) / sizeof(setting_cases[0]); i++) {
		const struct setting_case *c = &setting_cases[i];

		error_clear(&err);
		setenv(c->name, c->value, 1);
		ok = settings_load(&s, "/dev/null", &err);
		settings_clear(&s);
		unsetenv(c->name);
		if (c->error == NULL)
			unit_check(ok, c->name, "%s refused: %s", c->value, err.detail);
		else
			unit_check(!ok && strncmp(err.detail, c->error, strlen(c->error)) == 0, c->name,
				   "%s: got \"%s\"", c->value, ok ? "(accepted)" : err.detail);
	}
}

/* A configuration file with `text`, read with the environment's `name`
 * set to `env_value` (NULL: unset). */
static bool load_file(struct settings *s, const char *text, const char *name,
		      const char *env_value, struct scim_error *err)
{
	char path[] = "/tmp/scim-unit-conf.XXXXXX";
	int fd = mkstemp(path);
	bool ok;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	if (env_value != NULL)
		setenv(name, env_value, 1);
	error_clear(err);
	settings_clear(s);
	ok = settings_load(s, path, err);
	if (env_value != NULL)
		unsetenv(name);
	unlink(path);
	/* The file's name in messages is a temporary one: drop it. */
	if (!ok && strncmp(err->detail, path, strlen(path)) == 0)
		memmove(err->detail, err->detail + strlen(path), strlen(err->detail + strlen(path)) + 1);
	return ok;
}

/* scim.conf: NAME = value lines, the environment over them, and every
 * mistake refused with the line that has it. */
static void test_settings_file(void)
{
	static const struct {
		const char *text;
		const char *error; /* after the file's name; NULL: accepted */
	} cases[] = {
		{ "# comment\n\n  SCIM_MAX_BODY = 2048  \nSCIM_LOG_LEVEL=debug\n", NULL },
		{ "SCIM_MAX_BODY = 2048\nSCIM_MAX_BOD = 3\n",
		  ":2: SCIM_MAX_BOD: not a setting (scim.conf(5) lists them)" },
		{ "SCIM_MAX_BODY = 2048\n\nSCIM_MAX_BODY = 4096\n",
		  ":3: SCIM_MAX_BODY: set again (first on line 1)" },
		{ "SCIM_MAX_BODY 2048\n", ":1: not a NAME = value line" },
		{ "\n\nSCIM_MAX_BODY = 8MB\n",
		  ":3: SCIM_MAX_BODY=8MB: not a number of bytes from 1024 to 268435456" },
		{ "SCIM_LOG_LEVEL = loud\n", ":1: SCIM_LOG_LEVEL=loud: not one of error, warning, info, debug" },
		{ "SCIM_METRICS = 10.0.0.300/8\n", ":1: SCIM_METRICS: 10.0.0.300/8: not an address" },
		{ "SCIM_CONFIG = /etc/other.conf\n", ":1: SCIM_CONFIG: not a setting" },
	};
	struct scim_error err;
	struct settings s = { 0 };
	size_t i;
	bool ok;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok = load_file(&s, cases[i].text, "", NULL, &err);
		if (cases[i].error == NULL)
			unit_check(ok, "settings file accepted", "%s", err.detail);
		else
			unit_check(!ok && strncmp(err.detail, cases[i].error, strlen(cases[i].error)) == 0,
				   "settings file refused", "%s: got \"%s\"", cases[i].text,
				   ok ? "(accepted)" : err.detail);
	}
	ok = load_file(&s, "SCIM_DATABASE = \"dbname=scim  \"\nscim_max_results = 50\n"
		       "SCIM_MAX_BODY = 2048\n", "SCIM_MAX_BODY", "4096", &err);
	unit_check(ok && strcmp(s.database, "dbname=scim  ") == 0 && s.max_results == 50 &&
		   s.max_body == 4096 && s.sources[SETTING_MAX_BODY].origin == SETTING_FROM_ENVIRONMENT &&
		   s.sources[SETTING_MAX_RESULTS].origin == SETTING_FROM_FILE &&
		   s.sources[SETTING_MAX_RESULTS].line == 2 &&
		   s.sources[SETTING_LOG_LEVEL].origin == SETTING_FROM_DEFAULT,
		   "the environment over the file, quotes kept spaces", "%s \"%s\" %d %zu", err.detail,
		   s.database, s.max_results, s.max_body);
	/* Set empty, a variable sets nothing (lighttpd passes unset ones so). */
	ok = load_file(&s, "SCIM_MAX_BODY = 2048\n", "SCIM_MAX_BODY", "", &err);
	unit_check(ok && s.max_body == 2048, "empty variable", "%zu", s.max_body);
	ok = load_file(&s, "SCIM_METRICS = none\n", "", NULL, &err);
	unit_check(ok && s.metrics_networks.count == 0, "metrics for nobody", "%zu",
		   s.metrics_networks.count);
	ok = load_file(&s, "", "", NULL, &err);
	unit_check(ok && s.metrics_networks.count == 2, "metrics for loopback by default", "%zu",
		   s.metrics_networks.count);
	settings_clear(&s);
	error_clear(&err);
	unit_check(!settings_load(&s, "/nonexistent/scim.conf", &err) &&
		   strcmp(err.detail, "/nonexistent/scim.conf: the configuration file cannot be read: "
			  "No such file or directory") == 0, "a named file that is missing", "%s",
		   err.detail);
	settings_clear(&s);
}

static void test_mask_password(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "host=db password=s3cret dbname=scim", "host=db password=**** dbname=scim" },
		{ "password = 'it\\'s \\\\ here' user=x", "password = **** user=x" },
		{ "host=db passwordless=1 dbname=scim", "host=db passwordless=1 dbname=scim" },
		{ "postgresql://scim:s3cret@db:5432/scim?sslmode=require",
		  "postgresql://scim:****@db:5432/scim?sslmode=require" },
		{ "postgres://scim@db/scim?sslmode=require&password=s3cret&x=1",
		  "postgres://scim@db/scim?sslmode=require&password=****&x=1" },
		{ "postgresql:///scim?host=/run/postgresql", "postgresql:///scim?host=/run/postgresql" },
		{ "dbname=scim", "dbname=scim" },
	};
	char out[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		unit_check(strcmp(settings_mask_password(cases[i].in, out, sizeof(out)), cases[i].out) == 0,
			   "password masked", "%s: got %s", cases[i].in, out);
}

/* Workers in processes of their own add to one file: nothing is lost to
 * a race, and the exposition shows the sums. */
static void test_metrics_shared_by_processes(void)
{
	char path[] = "/tmp/scim-unit-metrics.XXXXXX";
	struct scim_error err = { 0 };
	char *text;
	int fd = mkstemp(path);
	int i, n;

	close(fd);
	unlink(path); /* metrics_open() makes it */
	for (i = 0; i < 4; i++) {
		if (fork() == 0) {
			if (!metrics_open(path, &err))
				_exit(1);
			for (n = 0; n < 5000; n++) {
				metrics_request(metrics_resource_of("/Users/1", false), "PATCH", 200, 0.003);
				metrics_write(n % 2 ? "contoso" : "fabrikam \"EU\"", "modified");
			}
			metrics_close();
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++) {
		int status = 1;

		wait(&status);
		unit_check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "metrics worker", "status %d",
			   status);
	}
	unit_check(metrics_open(path, &err), "metrics open", "%s", err.detail);
	text = metrics_render();
	unit_check(text != NULL && strstr(text, "scim_requests_total{resource=\"Users\",method=\"PATCH\","
					  "status=\"200\"} 20000\n") != NULL,
		   "requests of four processes", "%s", text ? text : "(none)");
	unit_check(text != NULL && strstr(text, "scim_request_duration_seconds_bucket{resource=\"Users\","
					  "method=\"PATCH\",le=\"0.0025\"} 0\n") != NULL &&
		   strstr(text, "le=\"0.005\"} 20000\n") != NULL &&
		   strstr(text, "scim_request_duration_seconds_sum{resource=\"Users\",method=\"PATCH\"} "
			  "60.000000\n") != NULL,
		   "duration histogram", "%s", text ? text : "(none)");
	unit_check(text != NULL && strstr(text, "scim_provisioning_writes_total{tenant=\"contoso\","
					  "action=\"modified\"} 10000\n") != NULL &&
		   strstr(text, "{tenant=\"fabrikam \\\"EU\\\"\",action=\"modified\"} 10000\n") != NULL,
		   "writes per tenant, names escaped", "%s", text ? text : "(none)");
	unit_check(text != NULL && strstr(text, "scim_workers 1\n") != NULL,
		   "only the workers alive", "%s", text ? text : "(none)");
	free(text);
	/* A count of thousands of tenants: every one is shown. */
	unit_check(metrics_counts_due(60), "a count is due", "%s", "");
	for (i = 0; i < 3000; i++) {
		char name[32];

		snprintf(name, sizeof(name), "tenant-%d", i);
		metrics_tenant_count(name, i, 1);
	}
	metrics_counts_done(true);
	unit_check(!metrics_counts_due(60), "counted within the minute", "%s", "");
	text = metrics_render();
	unit_check(text != NULL && strstr(text, "scim_users{tenant=\"tenant-2999\"} 2999\n") != NULL &&
		   strstr(text, "scim_groups{tenant=\"tenant-0\"} 1\n") != NULL,
		   "users of 3000 tenants", "%.200s", text ? text : "(none)");
	free(text);
	unit_check(metrics_resource_of("/users/.search", false) == METRICS_USERS &&
		   metrics_resource_of("/", false) == METRICS_OTHER &&
		   metrics_resource_of("/Users", true) == METRICS_CONSOLE &&
		   metrics_resource_of("/ServiceProviderConfig", false) ==
			   METRICS_SERVICE_PROVIDER_CONFIG,
		   "resources of paths", "%s", "");
	metrics_close();
	unlink(path);
}

/* ---- lookups ---- */

static void test_find(void)
{
	const struct attr_def *a;
	const struct schema_def *s;

	a = schema_find_attr(schema_user.attrs, "USERNAME", 8);
	unit_check(a != NULL && strcmp(a->name, "userName") == 0,
		   "find_attr case-insensitive", "got %s", a ? a->name : "NULL");
	a = schema_find_attr(schema_user.attrs, "userNameXYZ", 8);
	unit_check(a != NULL && strcmp(a->name, "userName") == 0,
		   "find_attr len-delimited", "got %s", a ? a->name : "NULL");
	a = schema_find_attr(schema_user.attrs, "user", 4);
	unit_check(a == NULL, "find_attr no prefix match", "got %s",
		   a ? a->name : "NULL");
	a = schema_find_attr(schema_user.attrs, "userNames", 9);
	unit_check(a == NULL, "find_attr longer name", "got %s",
		   a ? a->name : "NULL");
	a = schema_find_attr(schema_user.attrs, "", 0);
	unit_check(a == NULL, "find_attr empty", "got %s", a ? a->name : "NULL");
	a = schema_find_attr(NULL, "id", 2);
	unit_check(a == NULL, "find_attr NULL table", "not NULL");
	a = schema_find_attr(schema_common_attrs, "ExternalID", 10);
	unit_check(a != NULL && strcmp(a->name, "externalId") == 0,
		   "find_attr common", "got %s", a ? a->name : "NULL");

	s = schema_find(&resource_type_user, SCHEMA_URN_ENTERPRISE_USER,
			strlen(SCHEMA_URN_ENTERPRISE_USER));
	unit_check(s == &schema_enterprise_user, "find enterprise", "wrong schema");
	s = schema_find(&resource_type_user,
			"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:trailing", 42);
	unit_check(s == &schema_user, "find core upper-case len-delimited",
		   "wrong schema");
	s = schema_find(&resource_type_group, SCHEMA_URN_ENTERPRISE_USER,
			strlen(SCHEMA_URN_ENTERPRISE_USER));
	unit_check(s == NULL, "find enterprise on Group", "not NULL");
	s = schema_find(&resource_type_group, SCHEMA_URN_GROUP,
			strlen(SCHEMA_URN_GROUP));
	unit_check(s == &schema_group, "find group", "wrong schema");

	s = schema_find_any(SCHEMA_URN_GROUP, strlen(SCHEMA_URN_GROUP));
	unit_check(s == &schema_group, "find_any group", "wrong schema");
	s = schema_find_any(SCHEMA_URN_ENTERPRISE_USER,
			    strlen(SCHEMA_URN_ENTERPRISE_USER));
	unit_check(s == &schema_enterprise_user, "find_any enterprise",
		   "wrong schema");
	s = schema_find_any("urn:ietf:params:scim:schemas:core:2.0:Usr", 41);
	unit_check(s == NULL, "find_any unknown", "not NULL");
	s = schema_find_any(SCHEMA_URN_USER, strlen(SCHEMA_URN_USER) - 1);
	unit_check(s == NULL, "find_any truncated", "not NULL");
}

struct resolve_case {
	const char *name;
	const struct resource_type_def *rt;
	const char *urn;
	const char *attr;
	const char *sub;
	bool ok;
	const struct schema_def *schema; /* expected on success */
	const char *want_attr;
	const char *want_sub;
};

static const struct resolve_case resolve_cases[] = {
	{ "name.givenName", &resource_type_user, NULL, "name", "givenName",
	  true, &schema_user, "name", "givenName" },
	{ "NAME.GIVENNAME", &resource_type_user, NULL, "NAME", "GIVENNAME",
	  true, &schema_user, "name", "givenName" },
	{ "name.FamilyName", &resource_type_user, NULL, "name", "FamilyName",
	  true, &schema_user, "name", "familyName" },
	{ "emails.value", &resource_type_user, NULL, "emails", "value",
	  true, &schema_user, "emails", "value" },
	{ "userName", &resource_type_user, NULL, "username", NULL,
	  true, &schema_user, "userName", NULL },
	{ "core urn userName", &resource_type_user, SCHEMA_URN_USER, "userName",
	  NULL, true, &schema_user, "userName", NULL },
	{ "enterprise manager.value", &resource_type_user,
	  SCHEMA_URN_ENTERPRISE_USER, "manager", "value",
	  true, &schema_enterprise_user, "manager", "value" },
	{ "enterprise employeeNumber", &resource_type_user,
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user",
	  "EMPLOYEENUMBER", NULL,
	  true, &schema_enterprise_user, "employeeNumber", NULL },
	{ "id", &resource_type_user, NULL, "id", NULL,
	  true, NULL, "id", NULL },
	{ "externalId", &resource_type_user, NULL, "externalid", NULL,
	  true, NULL, "externalId", NULL },
	{ "meta.created", &resource_type_user, NULL, "meta", "created",
	  true, NULL, "meta", "created" },
	{ "meta.lastModified group", &resource_type_group, NULL, "meta",
	  "lastmodified", true, NULL, "meta", "lastModified" },
	{ "core urn id", &resource_type_user, SCHEMA_URN_USER, "id", NULL,
	  true, NULL, "id", NULL },
	{ "members.value", &resource_type_group, NULL, "members", "value",
	  true, &schema_group, "members", "value" },
	{ "group displayName", &resource_type_group, NULL, "displayname", NULL,
	  true, &schema_group, "displayName", NULL },
	{ "addresses.postalCode", &resource_type_user, NULL, "addresses",
	  "postalcode", true, &schema_user, "addresses", "postalCode" },
	{ "groups.$ref", &resource_type_user, NULL, "groups", "$ref",
	  true, &schema_user, "groups", "$ref" },

	{ "unknown attr", &resource_type_user, NULL, "nosuch", NULL, false, NULL, NULL, NULL },
	{ "unknown sub", &resource_type_user, NULL, "name", "nosuch", false, NULL, NULL, NULL },
	{ "sub of simple", &resource_type_user, NULL, "userName", "x", false, NULL, NULL, NULL },
	{ "extension attr without urn", &resource_type_user, NULL,
	  "employeeNumber", NULL, false, NULL, NULL, NULL },
	{ "unknown urn", &resource_type_user, "urn:example:bogus", "userName",
	  NULL, false, NULL, NULL, NULL },
	{ "id under extension", &resource_type_user,
	  SCHEMA_URN_ENTERPRISE_USER, "id", NULL, false, NULL, NULL, NULL },
	{ "user attr on group", &resource_type_group, NULL, "userName", NULL,
	  false, NULL, NULL, NULL },
	{ "enterprise on group", &resource_type_group,
	  SCHEMA_URN_ENTERPRISE_USER, "manager", NULL, false, NULL, NULL, NULL },
	{ "group urn on user", &resource_type_user, SCHEMA_URN_GROUP,
	  "displayName", NULL, false, NULL, NULL, NULL },
	{ "schemas is not an attribute", &resource_type_user, NULL, "schemas",
	  NULL, false, NULL, NULL, NULL },
	{ "empty name", &resource_type_user, NULL, "", NULL, false, NULL, NULL, NULL },
};

static void test_resolve(void)
{
	size_t i;

	for (i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		struct attr_path path;
		bool ok = schema_resolve(c->rt, c->urn, c->attr, c->sub, &path);

		if (!unit_check(ok == c->ok, c->name, "resolve returned %d", ok))
			continue;
		if (!ok) {
			unit_check(path.attr == NULL && path.sub == NULL &&
					   path.schema == NULL,
				   c->name, "path not cleared on failure");
			continue;
		}
		unit_check(path.schema == c->schema, c->name, "schema %s",
			   path.schema ? path.schema->name : "NULL (common)");
		unit_check(strcmp(path.attr->name, c->want_attr) == 0, c->name,
			   "attr %s", path.attr->name);
		if (c->want_sub == NULL)
			unit_check(path.sub == NULL, c->name, "sub %s",
				   path.sub ? path.sub->name : "");
		else
			unit_check(path.sub != NULL &&
					   strcmp(path.sub->name, c->want_sub) == 0,
				   c->name, "sub %s",
				   path.sub ? path.sub->name : "NULL");
	}
}

struct split_case {
	const char *name;
	const struct resource_type_def *rt;
	const char *text;
	const struct schema_def *schema;
	const char *rest; /* text + name_offset */
};

static const struct split_case split_cases[] = {
	{ "enterprise manager.value", &resource_type_user,
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
	  &schema_enterprise_user, "manager.value" },
	{ "enterprise upper-case", &resource_type_user,
	  "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:employeeNumber",
	  &schema_enterprise_user, "employeeNumber" },
	{ "core userName", &resource_type_user,
	  "urn:ietf:params:scim:schemas:core:2.0:User:userName", &schema_user,
	  "userName" },
	{ "core name.givenName", &resource_type_user,
	  "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
	  &schema_user, "name.givenName" },
	{ "core value path", &resource_type_user,
	  "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"].value",
	  &schema_user, "emails[type eq \"work\"].value" },
	{ "bare enterprise urn", &resource_type_user, SCHEMA_URN_ENTERPRISE_USER,
	  &schema_enterprise_user, "" },
	{ "bare core urn", &resource_type_user, SCHEMA_URN_USER, &schema_user,
	  "" },
	{ "group displayName", &resource_type_group,
	  "urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
	  &schema_group, "displayName" },
	{ "plain name", &resource_type_user, "userName", NULL, "userName" },
	{ "plain dotted", &resource_type_user, "name.givenName", NULL,
	  "name.givenName" },
	{ "urn prefix without colon", &resource_type_user,
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:UserX:a",
	  NULL, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:UserX:a" },
	{ "truncated urn", &resource_type_user,
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0",
	  NULL, "urn:ietf:params:scim:schemas:extension:enterprise:2.0" },
	{ "enterprise on group", &resource_type_group,
	  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
	  NULL, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager" },
	{ "group urn on user", &resource_type_user,
	  "urn:ietf:params:scim:schemas:core:2.0:Group:displayName", NULL,
	  "urn:ietf:params:scim:schemas:core:2.0:Group:displayName" },
	{ "unknown urn", &resource_type_user,
	  "urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge", NULL,
	  "urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge" },
	{ "empty", &resource_type_user, "", NULL, "" },
};

static void test_split(void)
{
	size_t i;

	for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		const struct split_case *c = &split_cases[i];
		size_t offset = 12345;
		const struct schema_def *s = schema_split_urn(c->rt, c->text, &offset);

		unit_check(s == c->schema, c->name, "schema %s",
			   s ? s->name : "NULL");
		unit_check(offset <= strlen(c->text) &&
				   strcmp(c->text + offset, c->rest) == 0,
			   c->name, "offset %zu", offset);
	}

	/* The whole path: split, then the dot, then resolve. */
	{
		const char *text = "urn:ietf:params:scim:schemas:extension:"
				   "enterprise:2.0:User:manager.value";
		size_t offset;
		const struct schema_def *s =
			schema_split_urn(&resource_type_user, text, &offset);
		char name[32];
		const char *dot;
		struct attr_path path;
		bool ok = false;

		if (s != NULL && (dot = strchr(text + offset, '.')) != NULL) {
			snprintf(name, sizeof(name), "%.*s",
				 (int)(dot - (text + offset)), text + offset);
			ok = schema_resolve(&resource_type_user, s->urn, name,
					    dot + 1, &path) &&
			     path.schema == &schema_enterprise_user &&
			     strcmp(path.sub->name, "value") == 0;
		}
		unit_check(ok, "split then resolve manager.value", "failed");
	}
}

/* ---- table characteristics ---- */

static const struct attr_def *attr_at(const struct resource_type_def *rt,
				      const char *urn, const char *name,
				      const char *sub)
{
	struct attr_path path;

	if (!schema_resolve(rt, urn, name, sub, &path))
		return NULL;
	return sub != NULL ? path.sub : path.attr;
}

static int count_attrs(const struct attr_def *attrs)
{
	int n = 0;

	while (attrs[n].name != NULL)
		n++;
	return n;
}

/* No two names of one table may be equal ignoring case. */
static void check_unique_names(const char *where, const struct attr_def *attrs)
{
	const struct attr_def *a, *b;

	for (a = attrs; a->name != NULL; a++) {
		for (b = a + 1; b->name != NULL; b++)
			unit_check(strcasecmp(a->name, b->name) != 0, where,
				   "duplicate attribute %s", a->name);
		if (a->type == ATTR_COMPLEX)
			check_unique_names(where, a->sub_attrs);
	}
}

static void test_tables(void)
{
	const struct resource_type_def *u = &resource_type_user;
	const struct resource_type_def *g = &resource_type_group;
	const struct attr_def *a;
	const struct attr_def *attrs;
	static const char *const user_names[] = {
		"userName", "name", "displayName", "nickName", "profileUrl",
		"title", "userType", "preferredLanguage", "locale", "timezone",
		"active", "password", "emails", "phoneNumbers", "ims", "photos",
		"addresses", "groups", "entitlements", "roles",
		"x509Certificates", NULL,
	};
	static const char *const multi_complex[] = {
		"emails", "phoneNumbers", "ims", "photos", "entitlements", "roles",
		"x509Certificates", NULL,
	};
	size_t i;
	int required = 0;

	for (i = 0; user_names[i] != NULL; i++)
		unit_check(attr_at(u, NULL, user_names[i], NULL) != NULL,
			   "user attribute present", "%s missing", user_names[i]);
	unit_check(count_attrs(schema_user.attrs) == 21, "user attribute count",
		   "%d", count_attrs(schema_user.attrs));
	for (i = 0; multi_complex[i] != NULL; i++) {
		static const char *const subs[] = { "value", "display", "type",
						    "primary", NULL };
		size_t k;

		a = attr_at(u, NULL, multi_complex[i], NULL);
		unit_check(a && a->type == ATTR_COMPLEX && a->multi_valued,
			   "multi-valued complex", "%s", multi_complex[i]);
		for (k = 0; subs[k] != NULL; k++)
			unit_check(attr_at(u, NULL, multi_complex[i], subs[k]) != NULL,
				   "multi-valued sub-attribute", "%s.%s missing",
				   multi_complex[i], subs[k]);
	}
	for (attrs = schema_user.attrs; attrs->name != NULL; attrs++)
		if (attrs->required)
			required++;
	unit_check(required == 1, "only userName required", "%d required", required);

	a = attr_at(u, NULL, "userName", NULL);
	unit_check(a && a->required && !a->case_exact &&
			   a->uniqueness == UNIQ_SERVER &&
			   a->mutability == MUT_READ_WRITE,
		   "userName characteristics", "wrong");
	a = attr_at(u, NULL, "password", NULL);
	unit_check(a && a->mutability == MUT_WRITE_ONLY && a->returned == RET_NEVER,
		   "password writeOnly never", "wrong");
	a = attr_at(u, NULL, "active", NULL);
	unit_check(a && a->type == ATTR_BOOLEAN, "active boolean", "wrong");
	a = attr_at(u, NULL, "groups", NULL);
	unit_check(a && a->mutability == MUT_READ_ONLY && a->multi_valued,
		   "groups readOnly", "wrong");
	a = attr_at(u, NULL, "groups", "$ref");
	unit_check(a && a->type == ATTR_REFERENCE && a->reference_types &&
			   strcmp(a->reference_types[0], "User") == 0 &&
			   strcmp(a->reference_types[1], "Group") == 0 &&
			   a->reference_types[2] == NULL,
		   "groups.$ref User Group", "wrong");
	a = attr_at(u, NULL, "groups", "type");
	unit_check(a && a->canonical_values &&
			   strcmp(a->canonical_values[0], "direct") == 0 &&
			   strcmp(a->canonical_values[1], "indirect") == 0,
		   "groups.type direct indirect", "wrong");
	a = attr_at(u, NULL, "profileUrl", NULL);
	unit_check(a && a->type == ATTR_REFERENCE && a->reference_types &&
			   strcmp(a->reference_types[0], "external") == 0,
		   "profileUrl external", "wrong");
	a = attr_at(u, NULL, "photos", "value");
	unit_check(a && a->type == ATTR_REFERENCE && a->reference_types &&
			   strcmp(a->reference_types[0], "external") == 0,
		   "photos.value external", "wrong");
	a = attr_at(u, NULL, "x509Certificates", "value");
	unit_check(a && a->type == ATTR_BINARY, "x509 value binary", "wrong");
	a = attr_at(u, NULL, "addresses", "primary");
	unit_check(a && a->type == ATTR_BOOLEAN, "addresses.primary", "wrong");
	unit_check(count_attrs(attr_at(u, NULL, "addresses", NULL)->sub_attrs) == 8,
		   "addresses sub-attribute count", "wrong");
	unit_check(count_attrs(attr_at(u, NULL, "name", NULL)->sub_attrs) == 6,
		   "name sub-attribute count", "wrong");

	a = attr_at(u, NULL, "id", NULL);
	unit_check(a && a->mutability == MUT_READ_ONLY && a->returned == RET_ALWAYS &&
			   a->case_exact && a->uniqueness == UNIQ_SERVER,
		   "id characteristics", "wrong");
	a = attr_at(u, NULL, "externalId", NULL);
	unit_check(a && a->mutability == MUT_READ_WRITE && a->case_exact &&
			   a->uniqueness == UNIQ_NONE,
		   "externalId characteristics", "wrong");
	a = attr_at(u, NULL, "meta", NULL);
	unit_check(a && a->type == ATTR_COMPLEX && a->mutability == MUT_READ_ONLY,
		   "meta readOnly complex", "wrong");
	a = attr_at(g, NULL, "meta", "created");
	unit_check(a && a->type == ATTR_DATETIME, "meta.created dateTime", "wrong");
	a = attr_at(g, NULL, "meta", "location");
	unit_check(a && a->type == ATTR_REFERENCE && a->reference_types &&
			   strcmp(a->reference_types[0], "uri") == 0,
		   "meta.location uri", "wrong");
	unit_check(attr_at(u, NULL, "meta", "version") != NULL &&
			   attr_at(u, NULL, "meta", "resourceType") != NULL,
		   "meta version resourceType", "missing");

	a = attr_at(u, SCHEMA_URN_ENTERPRISE_USER, "manager", "displayName");
	unit_check(a && a->mutability == MUT_READ_ONLY,
		   "manager.displayName readOnly", "wrong");
	a = attr_at(u, SCHEMA_URN_ENTERPRISE_USER, "manager", "value");
	unit_check(a && !a->required, "manager.value not required", "wrong");
	a = attr_at(u, SCHEMA_URN_ENTERPRISE_USER, "manager", "$ref");
	unit_check(a && a->type == ATTR_REFERENCE && a->reference_types &&
			   strcmp(a->reference_types[0], "User") == 0,
		   "manager.$ref User", "wrong");
	for (i = 0; i < 5; i++) {
		static const char *const ent[] = { "employeeNumber", "costCenter",
						   "organization", "division",
						   "department" };

		a = attr_at(u, SCHEMA_URN_ENTERPRISE_USER, ent[i], NULL);
		unit_check(a && a->type == ATTR_STRING, "enterprise attribute",
			   "%s", ent[i]);
	}

	a = attr_at(g, NULL, "displayName", NULL);
	unit_check(a && a->required && !a->case_exact &&
			   a->uniqueness == UNIQ_SERVER,
		   "group displayName", "wrong");
	a = attr_at(g, NULL, "members", NULL);
	unit_check(a && a->multi_valued && a->type == ATTR_COMPLEX &&
			   a->mutability == MUT_READ_WRITE,
		   "members", "wrong");
	a = attr_at(g, NULL, "members", "value");
	unit_check(a && a->mutability == MUT_IMMUTABLE, "members.value immutable",
		   "wrong");
	a = attr_at(g, NULL, "members", "$ref");
	unit_check(a && a->mutability == MUT_IMMUTABLE && a->reference_types &&
			   strcmp(a->reference_types[1], "Group") == 0,
		   "members.$ref", "wrong");
	a = attr_at(g, NULL, "members", "display");
	unit_check(a && a->mutability == MUT_READ_ONLY, "members.display readOnly",
		   "wrong");
	a = attr_at(g, NULL, "members", "type");
	unit_check(a && a->mutability == MUT_IMMUTABLE && a->canonical_values &&
			   strcmp(a->canonical_values[0], "User") == 0,
		   "members.type", "wrong");

	check_unique_names("unique names user", schema_user.attrs);
	check_unique_names("unique names enterprise", schema_enterprise_user.attrs);
	check_unique_names("unique names group", schema_group.attrs);
	check_unique_names("unique names common", schema_common_attrs);

	unit_check(schema_all[0] && schema_all[1] && schema_all[2] &&
			   schema_all[3] == NULL,
		   "schema_all", "not three schemas");
	unit_check(resource_type_all[0] == &resource_type_user &&
			   resource_type_all[1] == &resource_type_group &&
			   resource_type_all[2] == NULL,
		   "resource_type_all", "wrong");
	unit_check(resource_type_user.extensions[0] == &schema_enterprise_user &&
			   resource_type_user.extensions[1] == NULL,
		   "user extensions", "wrong");
	unit_check(resource_type_group.extensions == NULL ||
			   resource_type_group.extensions[0] == NULL,
		   "group extensions", "wrong");
}

/* ---- JSON representations ---- */

/* Count JSON nulls anywhere in `j`. */
static int count_nulls(const json_t *j)
{
	int n = 0;

	if (json_is_null(j))
		return 1;
	if (json_is_object(j)) {
		const char *key;
		const json_t *v;

		json_object_foreach ((json_t *)j, key, v)
			n += count_nulls(v);
	} else if (json_is_array(j)) {
		size_t i;
		const json_t *v;

		json_array_foreach (j, i, v)
			n += count_nulls(v);
	}
	return n;
}

static bool string_in(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (s != NULL && strcmp(s, *list) == 0)
			return true;
	return false;
}

/* Check every attribute of a JSON attribute list, recursively. */
static void check_json_attrs(const char *where, const json_t *attrs, int depth)
{
	static const char *const types[] = { "string", "boolean", "decimal",
					     "integer", "dateTime", "binary",
					     "reference", "complex", NULL };
	static const char *const mutabilities[] = { "readOnly", "readWrite",
						    "immutable", "writeOnly", NULL };
	static const char *const returneds[] = { "always", "never", "default",
						 "request", NULL };
	static const char *const uniquenesses[] = { "none", "server", "global",
						    NULL };
	size_t i;
	const json_t *a;

	if (!unit_check(json_is_array(attrs) && json_array_size(attrs) > 0, where,
			"attributes not a non-empty array"))
		return;
	json_array_foreach (attrs, i, a) {
		const char *name = json_string_value(json_object_get(a, "name"));
		const char *type = json_string_value(json_object_get(a, "type"));
		const json_t *subs = json_object_get(a, "subAttributes");
		const json_t *cv = json_object_get(a, "canonicalValues");
		const json_t *rt = json_object_get(a, "referenceTypes");
		char label[160];

		snprintf(label, sizeof(label), "%s %s", where,
			 name != NULL ? name : "(no name)");
		unit_check(name != NULL && *name != '\0', label, "name");
		unit_check(string_in(type, types), label, "type %s",
			   type ? type : "missing");
		unit_check(json_is_boolean(json_object_get(a, "multiValued")), label,
			   "multiValued");
		unit_check(json_is_string(json_object_get(a, "description")) &&
				   json_string_length(json_object_get(a, "description")) > 0,
			   label, "description");
		unit_check(json_is_boolean(json_object_get(a, "required")), label,
			   "required");
		unit_check(json_is_boolean(json_object_get(a, "caseExact")), label,
			   "caseExact");
		unit_check(string_in(json_string_value(json_object_get(a, "mutability")),
				     mutabilities),
			   label, "mutability");
		unit_check(string_in(json_string_value(json_object_get(a, "returned")),
				     returneds),
			   label, "returned");
		unit_check(string_in(json_string_value(json_object_get(a, "uniqueness")),
				     uniquenesses),
			   label, "uniqueness");
		unit_check(cv == NULL || (json_is_array(cv) && json_array_size(cv) > 0),
			   label, "canonicalValues empty");
		unit_check(rt == NULL || (json_is_array(rt) && json_array_size(rt) > 0),
			   label, "referenceTypes empty");
		unit_check(rt == NULL || (type && strcmp(type, "reference") == 0),
			   label, "referenceTypes on a non-reference");
		if (type != NULL && strcmp(type, "complex") == 0) {
			unit_check(depth == 0, label, "complex sub-attribute");
			check_json_attrs(label, subs, depth + 1);
		} else {
			unit_check(subs == NULL, label, "subAttributes on a simple type");
		}
	}
}

static const json_t *json_attr(const json_t *attrs, const char *name)
{
	size_t i;
	const json_t *a;

	json_array_foreach (attrs, i, a) {
		const char *n = json_string_value(json_object_get(a, "name"));

		if (n != NULL && strcmp(n, name) == 0)
			return a;
	}
	return NULL;
}

static void check_canonical(const json_t *user, const char *name,
			    const char *first, size_t count)
{
	const json_t *a = json_attr(json_object_get(user, "attributes"), name);
	const json_t *t = json_attr(json_object_get(a, "subAttributes"), "type");
	const json_t *cv = json_object_get(t, "canonicalValues");
	char label[80];

	snprintf(label, sizeof(label), "canonicalValues %s.type", name);
	unit_check(json_array_size(cv) == count &&
			   strcmp(json_string_value(json_array_get(cv, 0)), first) == 0,
		   label, "size %zu", json_array_size(cv));
}

static void test_schema_json(void)
{
	size_t i;

	for (i = 0; schema_all[i] != NULL; i++) {
		const struct schema_def *s = schema_all[i];
		json_t *j = schema_to_json(s, BASE_URL);
		char location[256];
		char *text = json_dumps(j, 0);

		unit_check(text != NULL, s->name, "json_dumps failed");
		free(text);
		unit_check(count_nulls(j) == 0, s->name, "%d nulls", count_nulls(j));
		unit_check(strcmp(json_string_value(json_array_get(
					  json_object_get(j, "schemas"), 0)),
				  "urn:ietf:params:scim:schemas:core:2.0:Schema") == 0,
			   s->name, "schemas");
		unit_check(strcmp(json_string_value(json_object_get(j, "id")),
				  s->urn) == 0,
			   s->name, "id");
		unit_check(strcmp(json_string_value(json_object_get(j, "name")),
				  s->name) == 0,
			   s->name, "name");
		unit_check(json_is_string(json_object_get(j, "description")),
			   s->name, "description");
		snprintf(location, sizeof(location), "%s/Schemas/%s", BASE_URL, s->urn);
		unit_check(strcmp(json_string_value(json_object_get(
					  json_object_get(j, "meta"), "location")),
				  location) == 0,
			   s->name, "location");
		unit_check(strcmp(json_string_value(json_object_get(
					  json_object_get(j, "meta"), "resourceType")),
				  "Schema") == 0,
			   s->name, "meta.resourceType");
		check_json_attrs(s->name, json_object_get(j, "attributes"), 0);
		unit_check(json_attr(json_object_get(j, "attributes"), "id") == NULL,
			   s->name, "common attribute id listed");
		json_decref(j);
	}

	{
		json_t *user = schema_to_json(&schema_user, BASE_URL "/");
		const json_t *attrs = json_object_get(user, "attributes");
		const json_t *un = json_attr(attrs, "userName");
		const json_t *pw = json_attr(attrs, "password");
		const json_t *ref = json_attr(json_object_get(json_attr(attrs, "groups"),
							      "subAttributes"),
					      "$ref");
		const char *loc = json_string_value(
			json_object_get(json_object_get(user, "meta"), "location"));

		unit_check(strcmp(json_string_value(json_object_get(user, "description")),
				  "User Account") == 0,
			   "User description", "wrong");
		unit_check(strcmp(loc, BASE_URL "/Schemas/" SCHEMA_URN_USER) == 0,
			   "location trailing slash", "%s", loc);
		unit_check(json_is_true(json_object_get(un, "required")) &&
				   json_is_false(json_object_get(un, "caseExact")) &&
				   strcmp(json_string_value(json_object_get(un, "uniqueness")),
					  "server") == 0,
			   "userName json", "wrong");
		unit_check(strcmp(json_string_value(json_object_get(pw, "mutability")),
				  "writeOnly") == 0 &&
				   strcmp(json_string_value(json_object_get(pw, "returned")),
					  "never") == 0,
			   "password json", "wrong");
		unit_check(json_array_size(json_object_get(ref, "referenceTypes")) == 2,
			   "groups.$ref referenceTypes json", "wrong");
		check_canonical(user, "emails", "work", 3);
		check_canonical(user, "phoneNumbers", "work", 6);
		check_canonical(user, "ims", "aim", 8);
		check_canonical(user, "photos", "photo", 2);
		check_canonical(user, "addresses", "work", 3);
		unit_check(json_object_get(json_attr(attrs, "displayName"),
					   "canonicalValues") == NULL,
			   "no empty canonicalValues", "present on displayName");
		json_decref(user);
	}
}

static void test_resource_type_json(void)
{
	json_t *u = resource_type_to_json(&resource_type_user, BASE_URL);
	json_t *g = resource_type_to_json(&resource_type_group, BASE_URL);
	const json_t *ext = json_object_get(u, "schemaExtensions");
	const json_t *e0 = json_array_get(ext, 0);

	unit_check(count_nulls(u) == 0 && count_nulls(g) == 0,
		   "resource types no nulls", "nulls");
	unit_check(strcmp(json_string_value(json_array_get(json_object_get(u, "schemas"), 0)),
			  "urn:ietf:params:scim:schemas:core:2.0:ResourceType") == 0,
		   "resource type schemas", "wrong");
	unit_check(strcmp(json_string_value(json_object_get(u, "id")), "User") == 0 &&
			   strcmp(json_string_value(json_object_get(u, "name")), "User") == 0 &&
			   strcmp(json_string_value(json_object_get(u, "endpoint")),
				  "/Users") == 0 &&
			   strcmp(json_string_value(json_object_get(u, "description")),
				  "User Account") == 0 &&
			   strcmp(json_string_value(json_object_get(u, "schema")),
				  SCHEMA_URN_USER) == 0,
		   "user resource type", "wrong");
	unit_check(json_array_size(ext) == 1 &&
			   strcmp(json_string_value(json_object_get(e0, "schema")),
				  SCHEMA_URN_ENTERPRISE_USER) == 0 &&
			   json_is_false(json_object_get(e0, "required")),
		   "user schemaExtensions", "wrong");
	unit_check(strcmp(json_string_value(json_object_get(
				  json_object_get(u, "meta"), "location")),
			  BASE_URL "/ResourceTypes/User") == 0 &&
			   strcmp(json_string_value(json_object_get(
					  json_object_get(u, "meta"), "resourceType")),
				  "ResourceType") == 0,
		   "user resource type meta", "wrong");
	unit_check(strcmp(json_string_value(json_object_get(g, "endpoint")),
			  "/Groups") == 0 &&
			   strcmp(json_string_value(json_object_get(g, "schema")),
				  SCHEMA_URN_GROUP) == 0,
		   "group resource type", "wrong");
	unit_check(json_object_get(g, "schemaExtensions") == NULL,
		   "group without schemaExtensions", "present");
	unit_check(strcmp(json_string_value(json_object_get(
				  json_object_get(g, "meta"), "location")),
			  BASE_URL "/ResourceTypes/Group") == 0,
		   "group resource type location", "wrong");
	json_decref(u);
	json_decref(g);
}

/* cursor_decode(): the issue time of a cursor is the client's to change,
 * so only a plausible one is taken (and compared without overflow). */
static void test_cursor_times(void)
{
	static const struct {
		long long age; /* seconds before now; negative: in the future */
		bool absolute; /* age is the issue time itself */
		const char *want; /* NULL: valid */
	} cases[] = {
		{ 0, false, NULL },
		{ CURSOR_TIMEOUT - 10, false, NULL },
		{ -(CURSOR_CLOCK_SKEW - 10), false, NULL },
		{ CURSOR_TIMEOUT + 10, false, SCIM_EXPIRED_CURSOR },
		{ -(CURSOR_CLOCK_SKEW + 10), false, SCIM_INVALID_CURSOR },
		{ -1, true, SCIM_INVALID_CURSOR },
		{ INT64_MIN, true, SCIM_INVALID_CURSOR },
		{ INT64_MAX, true, SCIM_INVALID_CURSOR },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cursor c = { 0 };
		struct cursor out;
		struct scim_error err;
		char name[64];
		char *text;
		bool ok;

		snprintf(c.id, sizeof(c.id), "2819c223-7f76-453a-919d-413861904646");
		cursor_query_digest("User", NULL, NULL, NULL, c.query);
		c.issued = cases[i].absolute ? (time_t)cases[i].age
					     : time(NULL) - (time_t)cases[i].age;
		text = cursor_encode(&c);
		error_clear(&err);
		ok = cursor_decode(text, c.query, &out, &err);
		snprintf(name, sizeof(name), "cursor issued %s%lld", cases[i].absolute ? "at " : "",
			 cases[i].age);
		if (cases[i].want == NULL)
			unit_check(ok, name, "refused: %s", err.detail);
		else
			unit_check(!ok && err.scim_type != NULL &&
				   strcmp(err.scim_type, cases[i].want) == 0,
				   name, "want %s, got %s", cases[i].want,
				   ok ? "a valid cursor" : err.scim_type);
		cursor_clear(&out);
		free(text);
	}
}

/* A cursor names its row by the whole sort key, however long and whatever
 * it holds, and decodes to what it was made of. */
static void test_cursor_keys(void)
{
	static const struct {
		const char *name;
		const char *unit; /* repeated to make the key; NULL: no key */
		int times;
	} cases[] = {
		{ "no sort key", NULL, 0 },
		{ "an empty sort key", "", 1 },
		{ "a short sort key", "jensen", 1 },
		{ "a sort key of quotes, each escaped", "\"", 4095 },
		{ "a sort key of 10,000 bytes", "\xc3\xa9", 5000 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cursor c = { .issued = time(NULL) };
		struct cursor out;
		struct scim_error err;
		char *text;
		int k;

		if (cases[i].unit != NULL) {
			c.key = calloc(strlen(cases[i].unit) * (size_t)cases[i].times + 1, 1);
			for (k = 0; k < cases[i].times; k++)
				strcat(c.key, cases[i].unit);
		}
		snprintf(c.id, sizeof(c.id), "2819c223-7f76-453a-919d-413861904646");
		cursor_query_digest("User", NULL, "title", "a", c.query);
		text = cursor_encode(&c);
		error_clear(&err);
		if (unit_check(cursor_decode(text, c.query, &out, &err), cases[i].name,
			       "refused: %s", err.detail)) {
			unit_check((out.key == NULL ? c.key == NULL
				    : c.key != NULL && strcmp(out.key, c.key) == 0) &&
				   strcmp(out.id, c.id) == 0 && out.issued == c.issued,
				   cases[i].name, "decoded to another cursor");
			cursor_clear(&out);
		}
		free(text);
		cursor_clear(&c);
	}
}

/* The settings' tests read the environment: start from none of it (as
 * scripts/test runs them, SCIM_DATABASE and others are set). */
static void clear_settings_environment(void)
{
	extern char **environ;
	char names[64][128];
	size_t n = 0, i;

	for (i = 0; environ[i] != NULL && n < 64; i++) {
		size_t len = strcspn(environ[i], "=");

		if (strncmp(environ[i], "SCIM_", 5) == 0 && len < sizeof(names[0])) {
			memcpy(names[n], environ[i], len);
			names[n++][len] = '\0';
		}
	}
	for (i = 0; i < n; i++)
		unsetenv(names[i]);
}

int main(void)
{
	clear_settings_environment();
	test_sha256();
	test_client_address();
	test_networks();
	test_trusted_proxies_setting();
	test_base_url_setting();
	test_settings_strict();
	test_settings_file();
	test_mask_password();
	test_metrics_shared_by_processes();
	test_find();
	test_resolve();
	test_split();
	test_tables();
	test_schema_json();
	test_resource_type_json();
	test_cursor_times();
	test_cursor_keys();
	return unit_finish("misc");
}
