/* Loads libgit2 with dlopen on first use and forwards each attest_git_* call (see cgit2.h). */
#include "cgit2.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define ATTEST_GIT_FUNCTIONS(X) \
    X(git_libgit2_init) X(git_libgit2_opts) X(git_error_last) \
    X(git_repository_open_ext) X(git_repository_free) X(git_repository_workdir) \
    X(git_repository_head_unborn) X(git_repository_head_detached) X(git_repository_head) \
    X(git_reference_lookup) X(git_reference_free) X(git_reference_symbolic_target) \
    X(git_reference_shorthand) X(git_reference_name_to_id) \
    X(git_oid_tostr) X(git_oid_fromstr) \
    X(git_status_options_init) X(git_status_list_new) X(git_status_list_free) \
    X(git_status_list_entrycount) X(git_status_byindex) \
    X(git_signature_now) X(git_signature_default) X(git_signature_free) \
    X(git_revparse_single) X(git_object_peel) X(git_object_id) X(git_object_free) \
    X(git_note_read) X(git_note_message) X(git_note_free) X(git_note_create) \
    X(git_repository_index) X(git_index_free) X(git_index_update_all) X(git_index_write_tree) \
    X(git_repository_odb) X(git_odb_free) X(git_odb_add_backend) X(git_mempack_new)

/* Every function, typed from libgit2's own declarations. */
static struct {
#define ATTEST_GIT_POINTER(name) __typeof__(&name) name;
    ATTEST_GIT_FUNCTIONS(ATTEST_GIT_POINTER)
#undef ATTEST_GIT_POINTER
} git;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded = 0;
static char load_error[512] = "libgit2 was not loaded";
static git_error unavailable = { load_error, GIT_ERROR_OS };

const char *attest_git_library_name(void) {
    const char *chosen = getenv("ATTEST_LIBGIT2");
    return (chosen != NULL && chosen[0] != '\0') ? chosen : "libgit2.so." LIBGIT2_SOVERSION;
}

static void load(void) {
    const char *file = attest_git_library_name();
    /* RTLD_LOCAL: its symbols stay its own. */
    void *library = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *reason = dlerror();
        snprintf(load_error, sizeof load_error, "libgit2 could not be loaded (%s)", reason != NULL ? reason : file);
        return;
    }
#define ATTEST_GIT_RESOLVE(symbol) \
    *(void **)(&git.symbol) = dlsym(library, #symbol); \
    if (git.symbol == NULL) { \
        snprintf(load_error, sizeof load_error, "%s has no %s: attest needs libgit2 %s", file, #symbol, LIBGIT2_VERSION); \
        dlclose(library); \
        return; \
    }
    ATTEST_GIT_FUNCTIONS(ATTEST_GIT_RESOLVE)
#undef ATTEST_GIT_RESOLVE
    loaded = 1;
}

int attest_git_available(void) {
    pthread_once(&load_once, load);
    return loaded;
}

/* Forwarders: the call when loaded, libgit2's own failure value otherwise. */
#define FORWARD(name, failure, ...) \
    if (!attest_git_available()) return failure; \
    return git.name(__VA_ARGS__);
#define FORWARD_VOID(name, ...) \
    if (attest_git_available()) git.name(__VA_ARGS__);

int attest_git_libgit2_init(void) { FORWARD(git_libgit2_init, -1) }

const git_error *attest_git_error_last(void) {
    if (!attest_git_available()) return &unavailable;
    return git.git_error_last();
}

int attest_git_set_owner_validation(int enabled) {
    FORWARD(git_libgit2_opts, -1, GIT_OPT_SET_OWNER_VALIDATION, enabled)
}

int attest_git_repository_open_ext(git_repository **out, const char *path, unsigned int flags, const char *ceiling_dirs) {
    FORWARD(git_repository_open_ext, -1, out, path, flags, ceiling_dirs)
}
void attest_git_repository_free(git_repository *repo) { FORWARD_VOID(git_repository_free, repo) }
const char *attest_git_repository_workdir(const git_repository *repo) { FORWARD(git_repository_workdir, NULL, repo) }
int attest_git_repository_head_unborn(git_repository *repo) { FORWARD(git_repository_head_unborn, -1, repo) }
int attest_git_repository_head_detached(git_repository *repo) { FORWARD(git_repository_head_detached, -1, repo) }
int attest_git_repository_head(git_reference **out, git_repository *repo) { FORWARD(git_repository_head, -1, out, repo) }

int attest_git_reference_lookup(git_reference **out, git_repository *repo, const char *name) {
    FORWARD(git_reference_lookup, -1, out, repo, name)
}
void attest_git_reference_free(git_reference *ref) { FORWARD_VOID(git_reference_free, ref) }
const char *attest_git_reference_symbolic_target(const git_reference *ref) { FORWARD(git_reference_symbolic_target, NULL, ref) }
const char *attest_git_reference_shorthand(const git_reference *ref) { FORWARD(git_reference_shorthand, NULL, ref) }
int attest_git_reference_name_to_id(git_oid *out, git_repository *repo, const char *name) {
    FORWARD(git_reference_name_to_id, -1, out, repo, name)
}

char *attest_git_oid_tostr(char *out, size_t n, const git_oid *id) {
    if (!attest_git_available()) {
        if (out != NULL && n > 0) out[0] = '\0';
        return out;
    }
    return git.git_oid_tostr(out, n, id);
}
int attest_git_oid_fromstr(git_oid *out, const char *str) { FORWARD(git_oid_fromstr, -1, out, str) }

int attest_git_status_options_init(git_status_options *opts, unsigned int version) {
    FORWARD(git_status_options_init, -1, opts, version)
}
int attest_git_status_list_new(git_status_list **out, git_repository *repo, const git_status_options *opts) {
    FORWARD(git_status_list_new, -1, out, repo, opts)
}
void attest_git_status_list_free(git_status_list *statuslist) { FORWARD_VOID(git_status_list_free, statuslist) }
size_t attest_git_status_list_entrycount(git_status_list *statuslist) { FORWARD(git_status_list_entrycount, 0, statuslist) }
const git_status_entry *attest_git_status_byindex(git_status_list *statuslist, size_t idx) {
    FORWARD(git_status_byindex, NULL, statuslist, idx)
}

int attest_git_signature_now(git_signature **out, const char *name, const char *email) {
    FORWARD(git_signature_now, -1, out, name, email)
}
int attest_git_signature_default(git_signature **out, git_repository *repo) { FORWARD(git_signature_default, -1, out, repo) }
void attest_git_signature_free(git_signature *sig) { FORWARD_VOID(git_signature_free, sig) }

int attest_git_revparse_single(git_object **out, git_repository *repo, const char *spec) {
    FORWARD(git_revparse_single, -1, out, repo, spec)
}
int attest_git_object_peel(git_object **peeled, const git_object *object, git_object_t target_type) {
    FORWARD(git_object_peel, -1, peeled, object, target_type)
}
const git_oid *attest_git_object_id(const git_object *obj) { FORWARD(git_object_id, NULL, obj) }
void attest_git_object_free(git_object *object) { FORWARD_VOID(git_object_free, object) }

int attest_git_note_read(git_note **out, git_repository *repo, const char *notes_ref, const git_oid *oid) {
    FORWARD(git_note_read, -1, out, repo, notes_ref, oid)
}
const char *attest_git_note_message(const git_note *note) { FORWARD(git_note_message, NULL, note) }
void attest_git_note_free(git_note *note) { FORWARD_VOID(git_note_free, note) }
int attest_git_note_create(git_oid *out, git_repository *repo, const char *notes_ref, const git_signature *author,
                           const git_signature *committer, const git_oid *oid, const char *note, int force) {
    FORWARD(git_note_create, -1, out, repo, notes_ref, author, committer, oid, note, force)
}

int attest_git_repository_index(git_index **out, git_repository *repo) { FORWARD(git_repository_index, -1, out, repo) }
void attest_git_index_free(git_index *index) { FORWARD_VOID(git_index_free, index) }
int attest_git_index_update_all(git_index *index, const git_strarray *pathspec, git_index_matched_path_cb callback, void *payload) {
    FORWARD(git_index_update_all, -1, index, pathspec, callback, payload)
}
int attest_git_index_write_tree(git_oid *out, git_index *index) { FORWARD(git_index_write_tree, -1, out, index) }
int attest_git_repository_odb(git_odb **out, git_repository *repo) { FORWARD(git_repository_odb, -1, out, repo) }
void attest_git_odb_free(git_odb *db) { FORWARD_VOID(git_odb_free, db) }
int attest_git_odb_add_backend(git_odb *odb, git_odb_backend *backend, int priority) {
    FORWARD(git_odb_add_backend, -1, odb, backend, priority)
}
int attest_git_mempack_new(git_odb_backend **out) { FORWARD(git_mempack_new, -1, out) }
