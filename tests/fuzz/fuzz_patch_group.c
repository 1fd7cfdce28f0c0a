/*
 * fuzz_patch_group.c - a PATCH body (RFC 7644 3.5.2) applied to the fixed
 * groups by the PATCH engine, checked by fuzz_patch_check(): no crash, no
 * leak, all or nothing, member changes as patch.h describes them, and a
 * result the normaliser reads back unchanged.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_patch_input(data, size, &resource_type_group);
	return 0;
}
