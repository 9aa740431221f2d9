#ifndef ATTEST_CGIT2_SHIM_H
#define ATTEST_CGIT2_SHIM_H

#include <git2.h>

/* git_libgit2_opts is variadic: Swift cannot call it directly. */
static inline int attest_git_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}

#endif
