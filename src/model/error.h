/*
 * error.h - the one error value of the service.
 *
 * Every failure carries an HTTP status, an RFC 7644 scimType (or NULL) and a
 * human-readable detail. The first error set wins: later error_set() calls on
 * an error that is already set change nothing, so the innermost, most precise
 * cause reaches the client. It is rendered once, as the RFC error body.
 *
 * Ownership: an error is a value that holds its text (no allocation);
 * scim_type points to a constant.
 */
#ifndef SCIM_ERROR_H
#define SCIM_ERROR_H

#include <stdbool.h>
#include <jansson.h>

/* RFC 7644 section 3.12 scimType values, plus RFC 9865's cursor errors. */
#define SCIM_INVALID_FILTER "invalidFilter"
#define SCIM_TOO_MANY "tooMany"
#define SCIM_UNIQUENESS "uniqueness"
#define SCIM_MUTABILITY "mutability"
#define SCIM_INVALID_SYNTAX "invalidSyntax"
#define SCIM_INVALID_PATH "invalidPath"
#define SCIM_NO_TARGET "noTarget"
#define SCIM_INVALID_VALUE "invalidValue"
#define SCIM_INVALID_VERS "invalidVers"
#define SCIM_SENSITIVE "sensitive"
#define SCIM_INVALID_CURSOR "invalidCursor"
#define SCIM_EXPIRED_CURSOR "expiredCursor"
#define SCIM_INVALID_COUNT "invalidCount"

struct scim_error {
	int status;            /* 0 while no error is set */
	const char *scim_type; /* static string or NULL */
	char detail[512];
	const char *why;       /* for the log line only, never sent: why a
				  token was refused (a static string) */
};

/* Reset to "no error". */
void error_clear(struct scim_error *err);

/* True when an error has been set. */
bool error_is_set(const struct scim_error *err);

/*
 * Set the error unless one is already set. scim_type may be NULL. Always
 * returns false so that callers can write `return error_set(...)`.
 */
bool error_set(struct scim_error *err, int status, const char *scim_type,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The RFC 7644 error body; a new reference. */
json_t *error_to_json(const struct scim_error *err);

#endif
