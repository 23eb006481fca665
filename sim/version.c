/* version.c -- build stamp. The Makefile recompiles this file on every build
 * and passes the values in, so the commit recorded in traces is never stale. */
#include "taosim/version.h"

#ifndef TAOSIM_VERSION
#define TAOSIM_VERSION "0.0.0"
#endif
#ifndef TAOSIM_COMMIT
#define TAOSIM_COMMIT "unknown"
#endif
#ifndef TAOSIM_CFLAGS
#define TAOSIM_CFLAGS "unknown"
#endif

const char *taosim_version(void) { return TAOSIM_VERSION; }
const char *taosim_commit(void) { return TAOSIM_COMMIT; }
const char *taosim_build_flags(void) { return TAOSIM_CFLAGS; }
