#ifndef ATTEST_CGIT2_H
#define ATTEST_CGIT2_H

/* libgit2, loaded when first used rather than linked.
 *
 * Linking libgit2 brings 14 more libraries (Kerberos, mbedTLS, libssh2, PCRE2, ...) into every
 * process: 2.1 ms of dynamic loading at each start, measured on an empty C program (0.93 ms
 * without, 3.04 ms with). `attest verify` never reads a repository unless asked to
 * (--from-notes, --replay), so it starts without them, and verifies where libgit2 is not
 * installed at all.
 *
 * Each attest_git_* function calls the libgit2 function of the same name. Where the library
 * cannot be loaded they fail as libgit2 fails (-1, NULL) and attest_git_error_last() says why.
 * Distinct names, not libgit2's own: an executable defining git_* could capture libgit2's calls
 * to itself once loaded.
 */
#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <stddef.h>

/* 1 when libgit2 is loaded (loading it on the first call), 0 when it cannot be. */
int attest_git_available(void);
/* The library file attest loads: $ATTEST_LIBGIT2 when set, else "libgit2.so.<SOVERSION>" of the
 * headers attest was built with (found on the usual library path). */
const char *attest_git_library_name(void);

int attest_git_libgit2_init(void);
/* libgit2's last error; when the library could not be loaded, why. */
const git_error *attest_git_error_last(void);
/* git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled): variadic, so not callable from Swift. */
int attest_git_set_owner_validation(int enabled);

int attest_git_repository_open_ext(git_repository **out, const char *path, unsigned int flags, const char *ceiling_dirs);
void attest_git_repository_free(git_repository *repo);
const char *attest_git_repository_workdir(const git_repository *repo);
int attest_git_repository_head_unborn(git_repository *repo);
int attest_git_repository_head_detached(git_repository *repo);
int attest_git_repository_head(git_reference **out, git_repository *repo);

int attest_git_reference_lookup(git_reference **out, git_repository *repo, const char *name);
void attest_git_reference_free(git_reference *ref);
const char *attest_git_reference_symbolic_target(const git_reference *ref);
const char *attest_git_reference_shorthand(const git_reference *ref);
int attest_git_reference_name_to_id(git_oid *out, git_repository *repo, const char *name);

char *attest_git_oid_tostr(char *out, size_t n, const git_oid *id);
int attest_git_oid_fromstr(git_oid *out, const char *str);

int attest_git_status_options_init(git_status_options *opts, unsigned int version);
int attest_git_status_list_new(git_status_list **out, git_repository *repo, const git_status_options *opts);
void attest_git_status_list_free(git_status_list *statuslist);
size_t attest_git_status_list_entrycount(git_status_list *statuslist);
const git_status_entry *attest_git_status_byindex(git_status_list *statuslist, size_t idx);

int attest_git_signature_now(git_signature **out, const char *name, const char *email);
int attest_git_signature_default(git_signature **out, git_repository *repo);
void attest_git_signature_free(git_signature *sig);

int attest_git_revparse_single(git_object **out, git_repository *repo, const char *spec);
int attest_git_object_peel(git_object **peeled, const git_object *object, git_object_t target_type);
const git_oid *attest_git_object_id(const git_object *obj);
void attest_git_object_free(git_object *object);

int attest_git_note_read(git_note **out, git_repository *repo, const char *notes_ref, const git_oid *oid);
const char *attest_git_note_message(const git_note *note);
void attest_git_note_free(git_note *note);
int attest_git_note_create(git_oid *out, git_repository *repo, const char *notes_ref, const git_signature *author,
                           const git_signature *committer, const git_oid *oid, const char *note, int force);

/* The working tree's tracked content as a git tree: the index copied in memory, `git add -u` on it
 * (git_index_update_all), its tree written (git_index_write_tree) into an in-memory object
 * database (the mempack backend at the highest priority), so nothing is written into the
 * repository. */
int attest_git_repository_index(git_index **out, git_repository *repo);
void attest_git_index_free(git_index *index);
int attest_git_index_update_all(git_index *index, const git_strarray *pathspec, git_index_matched_path_cb callback, void *payload);
int attest_git_index_write_tree(git_oid *out, git_index *index);
int attest_git_repository_odb(git_odb **out, git_repository *repo);
void attest_git_odb_free(git_odb *db);
int attest_git_odb_add_backend(git_odb *odb, git_odb_backend *backend, int priority);
int attest_git_mempack_new(git_odb_backend **out);

#endif
