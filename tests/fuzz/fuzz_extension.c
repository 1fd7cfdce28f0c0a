/*
 * fuzz_extension.c - schemas an administrator defines, as scimctl schema
 * load reads them (extension_from_json()).
 *
 * A document is read or refused with a 400 whose detail is a JSON path or
 * a reason; a schema read is served (schema_to_json()) as the built-in ones
 * are, and what is served reads back into the same schema.
 */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "extension.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scim_error err = { 0 };
	struct schema_def *schema;
	json_error_t jerr;
	json_t *doc = json_loadb((const char *)data, size, 0, &jerr);
	json_t *served, *again_served;
	struct schema_def *again;

	if (doc == NULL)
		return 0;
	schema = extension_from_json(doc, &err);
	json_decref(doc);
	if (schema == NULL) {
		FUZZ_CHECK(err.status == 400 && err.detail[0] != '\0', "a refusal without a reason");
		return 0;
	}
	served = schema_to_json(schema, "https://scim.example.com/scim/v2");
	again = extension_from_json(served, &err);
	FUZZ_CHECK(again != NULL, "a schema served does not read back: %s", err.detail);
	again_served = schema_to_json(again, "https://scim.example.com/scim/v2");
	if (!json_equal(served, again_served)) {
		char *a = fuzz_dump(served), *b = fuzz_dump(again_served);

		fuzz_fail("served %s, read back and served %s", a, b);
	}
	json_decref(served);
	json_decref(again_served);
	extension_free(again);
	extension_free(schema);
	return 0;
}
