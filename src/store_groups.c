/* store_groups.c - the groups and group_members tables; see store.h. */
#include "store.h"
