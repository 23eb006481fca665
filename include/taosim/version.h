/* version.h -- what build this is: recorded in every trace and by `taosim version`. */
#ifndef TAOSIM_VERSION_H
#define TAOSIM_VERSION_H

const char *taosim_version(void);     /* semantic version, e.g. "0.1.0" */
const char *taosim_commit(void);      /* git commit the binary was built from ("-dirty" if modified) */
const char *taosim_build_flags(void); /* compiler and flags */

#endif
