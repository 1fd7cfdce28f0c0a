/*
 * fuzz_config.c - scim.conf as settings_load() reads it, and the masking of
 * a connection string's password that --check-config and scimctl config
 * print.
 *
 * A file is accepted or refused with one line that names the file (and the
 * line); accepted, every value is within its documented range, and printing
 * the settings shows no password. A connection string of keyword=value
 * pairs, masked, has "****" after every password keyword.
 */
#include "fuzz.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "settings.h"

/* Every "password" keyword of a keyword=value string is followed by "****". */
static void check_masked(const char *in, const char *out)
{
	const char *p;

	if (strncmp(in, "postgres", 8) == 0)
		return; /* a URI: its own rules */
	for (p = strstr(out, "password"); p != NULL; p = strstr(p + 1, "password")) {
		const char *q = p + 8;

		if (p != out && !isspace((unsigned char)p[-1]))
			continue;
		while (isspace((unsigned char)*q))
			q++;
		if (*q != '=')
			continue;
		q++;
		while (isspace((unsigned char)*q))
			q++;
		FUZZ_CHECK(strncmp(q, "****", 4) == 0, "\"%s\" masked is \"%s\"", in, out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct scim_error err = { 0 };
	struct settings s = { 0 };
	char path[64];
	char *text = fuzz_text(data, size);
	char masked[8192];
	bool ok;

	if (fd < 0) {
		/* The file alone, without the environment over it. */
		static const char *const names[] = {
			"SCIM_DATABASE", "SCIM_BASE_URL", "SCIM_MAX_BODY", "SCIM_MAX_RESULTS",
			"SCIM_TRUSTED_PROXIES", "SCIM_TOKEN_CACHE_SECONDS", "SCIM_PROVISIONING_LOG",
			"SCIM_PROVISIONING_LOG_DAYS", "SCIM_LOG_LEVEL", "SCIM_METRICS",
			"SCIM_METRICS_FILE", "SCIM_SQL_DIR", NULL
		};
		int i;

		for (i = 0; names[i] != NULL; i++)
			unsetenv(names[i]);
		fd = memfd_create("scim.conf", 0);
		FUZZ_CHECK(fd >= 0, "memfd_create failed");
	}
	FUZZ_CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size,
		   "the input could not be written");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ok = settings_load(&s, path, &err);
	if (!ok) {
		FUZZ_CHECK(strncmp(err.detail, path, strlen(path)) == 0,
			   "a refusal names the file: %s", err.detail);
	} else {
		char *printed = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&printed, &len);

		FUZZ_CHECK(s.max_body >= 1024 && s.max_body <= 256u * 1024 * 1024 &&
			   s.max_results >= 1 && s.max_results <= 100000 &&
			   s.token_cache_seconds >= 0 && s.token_cache_seconds <= 3600 &&
			   s.log_days >= 1 && s.log_days <= 36500, "a value out of its range");
		settings_print(&s, out);
		fclose(out);
		if (s.database[0] != '\0')
			check_masked(s.database, settings_mask_password(s.database, masked,
									   sizeof(masked)));
		free(printed);
	}
	settings_clear(&s);
	/* The input itself as a connection string, up to its first NUL. */
	if (strlen(text) < sizeof(masked) / 2)
		check_masked(text, settings_mask_password(text, masked, sizeof(masked)));
	free(text);
	return 0;
}
