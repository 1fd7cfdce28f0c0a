/*
 * fuzz.h - what the libFuzzer targets of tests/fuzz share: the entry point,
 * failing on a broken invariant, the fixed resources inputs are applied to,
 * and the checks that more than one target makes.
 *
 * A target is one file fuzz_<name>.c defining LLVMFuzzerTestOneInput(); it
 * links the service's library (see "Fuzz targets" in Makefile.am). A broken
 * invariant calls fuzz_fail(), which prints why and aborts: libFuzzer then
 * keeps the input as a crash, like a sanitizer report.
 *
 * Ownership: functions returning json_t * or char * return a new reference
 * or a malloc'd string; arguments are borrowed. The fixed resources are built
 * once per process and belong to this file.
 */
#ifndef SCIM_FUZZ_H
#define SCIM_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "error.h"
#include "schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print "fuzz: <why>" and abort. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define FUZZ_CHECK(cond, ...)                      \
	do {                                       \
		if (!(cond))                       \
			fuzz_fail(__VA_ARGS__);    \
	} while (0)

/* The input as a NUL-terminated string (NUL bytes in it stay). */
char *fuzz_text(const uint8_t *data, size_t size);

/* Compact JSON of `v` with sorted keys, for messages and comparisons;
 * "(null)" for NULL. */
char *fuzz_dump(const json_t *v);

/* Parse JSON the harness wrote itself; a failure is the harness's bug. */
json_t *fuzz_json(const char *text);

/*
 * The fixed resources, as stored (resource_normalize() of a client body):
 * index 0 a full one (RFC 7643 8.2's user with the enterprise extension, a
 * group with an externalId), index 1 a minimal one. Borrowed: do not
 * change them.
 */
#define FUZZ_DOCS 2
const json_t *fuzz_doc(const struct resource_type_def *rt, int index);

/* A stored document as GET renders it, with a group's members; new. */
json_t *fuzz_rendered(const struct resource_type_def *rt, int index);

/* An error as the service answers it: a 4xx or 5xx status, and a detail
 * that the error body carries unchanged. */
void fuzz_check_error(const struct scim_error *err, const char *where);

/*
 * resource_normalize() of `body`: a new document, or NULL when it refused
 * (with a proper error). A document is checked to normalize to itself:
 * what is stored must read back unchanged.
 */
json_t *fuzz_normalize(const json_t *body, const struct resource_type_def *rt);

/*
 * patch_apply() of `body` to `doc`, checked: the inputs stay unchanged; a
 * failure returns nothing; a success returns an object without id, meta and
 * the derived attribute (groups, members), with `changed` right, member
 * changes of the documented shape (groups only), and a document that
 * fuzz_normalize() accepts or refuses properly.
 */
void fuzz_patch_check(const json_t *doc, const json_t *body, const struct resource_type_def *rt);

/* The input as a PATCH body, checked on each fixed resource of `rt`: JSON
 * when it starts with '{', else a compact form of operations made of the
 * resource type's paths and values clients send (see fuzz.c). */
void fuzz_patch_input(const uint8_t *data, size_t size, const struct resource_type_def *rt);

#endif
