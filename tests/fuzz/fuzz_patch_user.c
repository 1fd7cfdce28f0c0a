/*
 * fuzz_patch_user.c - a PATCH body (RFC 7644 3.5.2) applied to the fixed
 * users by the PATCH engine, checked by fuzz_patch_check(): no crash, no
 * leak, all or nothing, and a result the normaliser reads back unchanged.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_patch_input(data, size, &resource_type_user);
	return 0;
}
