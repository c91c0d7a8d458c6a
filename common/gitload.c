/* libgit2, loaded when it is first used.
 *
 * Only perf bisect reads git repositories, yet linking libgit2 made every
 * run load and relocate it and the libraries it needs (mbedTLS, libssh2,
 * Kerberos, PCRE2, ...): 1.4 ms, 2% of a perf compare.  So perf is not
 * linked with libgit2; as common/curlload.c does for libcurl, this file
 * defines the libgit2 functions perf calls, the first call dlopen()s the
 * libgit2 perf was built against (configure finds its shared object name)
 * and each definition calls through.  The compiler checks every definition
 * against <git2.h>; a libgit2 function perf starts to use must be added to
 * the list below, or the link fails.
 *
 * git_libgit2_opts is variadic and is passed on for the options perf uses
 * (their arguments differ); any other is refused. */
#include <config.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>

#include <git2.h>

#include "msg.h"

/* R: a function that returns a value, V: one that does not; the return
 * type, the name, the parameters and the arguments passed on. */
#define PERF_GIT_FUNCTIONS(R, V) \
	V(void, git_blob_free, (git_blob *blob), (blob)) \
	R(int, git_blob_lookup, (git_blob **blob, git_repository *repo, const git_oid *id), (blob, repo, id)) \
	V(void, git_buf_dispose, (git_buf *buffer), (buffer)) \
	R(int, git_checkout_options_init, (git_checkout_options *opts, unsigned int version), (opts, version)) \
	R(int, git_checkout_tree, (git_repository *repo, const git_object *treeish, const git_checkout_options *opts), (repo, treeish, opts)) \
	R(const git_signature *, git_commit_author, (const git_commit *commit), (commit)) \
	V(void, git_commit_free, (git_commit *commit), (commit)) \
	R(const git_oid *, git_commit_id, (const git_commit *commit), (commit)) \
	R(int, git_commit_lookup, (git_commit **commit, git_repository *repo, const git_oid *id), (commit, repo, id)) \
	R(const char *, git_commit_message, (const git_commit *commit), (commit)) \
	R(int, git_commit_parent, (git_commit **out, const git_commit *commit, unsigned int n), (out, commit, n)) \
	R(const git_oid *, git_commit_parent_id, (const git_commit *commit, unsigned int n), (commit, n)) \
	R(unsigned int, git_commit_parentcount, (const git_commit *commit), (commit)) \
	R(const char *, git_commit_summary, (git_commit *commit), (commit)) \
	R(git_time_t, git_commit_time, (const git_commit *commit), (commit)) \
	R(int, git_commit_tree, (git_tree **tree_out, const git_commit *commit), (tree_out, commit)) \
	R(const git_oid *, git_commit_tree_id, (const git_commit *commit), (commit)) \
	V(void, git_config_free, (git_config *cfg), (cfg)) \
	R(int, git_config_get_bool, (int *out, const git_config *cfg, const char *name), (out, cfg, name)) \
	R(int, git_config_get_path, (git_buf *out, const git_config *cfg, const char *name), (out, cfg, name)) \
	R(int, git_diff_blobs, (const git_blob *old_blob, const char *old_as_path, const git_blob *new_blob, const char *new_as_path, const git_diff_options *options, git_diff_file_cb file_cb, git_diff_binary_cb binary_cb, git_diff_hunk_cb hunk_cb, git_diff_line_cb line_cb, void *payload), (old_blob, old_as_path, new_blob, new_as_path, options, file_cb, binary_cb, hunk_cb, line_cb, payload)) \
	R(int, git_diff_find_options_init, (git_diff_find_options *opts, unsigned int version), (opts, version)) \
	R(int, git_diff_find_similar, (git_diff *diff, const git_diff_find_options *options), (diff, options)) \
	V(void, git_diff_free, (git_diff *diff), (diff)) \
	R(const git_diff_delta *, git_diff_get_delta, (const git_diff *diff, size_t idx), (diff, idx)) \
	R(size_t, git_diff_num_deltas, (const git_diff *diff), (diff)) \
	R(int, git_diff_options_init, (git_diff_options *opts, unsigned int version), (opts, version)) \
	R(int, git_diff_tree_to_tree, (git_diff **diff, git_repository *repo, git_tree *old_tree, git_tree *new_tree, const git_diff_options *opts), (diff, repo, old_tree, new_tree, opts)) \
	V(void, git_error_clear, (void), ()) \
	R(const git_error *, git_error_last, (void), ()) \
	R(int, git_error_set_str, (int error_class, const char *string), (error_class, string)) \
	R(int, git_graph_descendant_of, (git_repository *repo, const git_oid *commit, const git_oid *ancestor), (repo, commit, ancestor)) \
	R(size_t, git_index_entrycount, (const git_index *index), (index)) \
	V(void, git_index_free, (git_index *index), (index)) \
	R(const git_index_entry *, git_index_get_byindex, (git_index *index, size_t n), (index, n)) \
	R(int, git_index_new, (git_index **out), (out)) \
	R(int, git_libgit2_init, (void), ()) \
	R(int, git_libgit2_shutdown, (void), ()) \
	V(void, git_object_free, (git_object *object), (object)) \
	R(int, git_object_peel, (git_object **peeled, const git_object *object, git_object_t target_type), (peeled, object, target_type)) \
	R(int, git_oid_cpy, (git_oid *out, const git_oid *src), (out, src)) \
	R(int, git_oid_equal, (const git_oid *a, const git_oid *b), (a, b)) \
	R(int, git_oid_fromraw, (git_oid *out, const unsigned char *raw), (out, raw)) \
	R(int, git_oid_fromstr, (git_oid *out, const char *str), (out, str)) \
	R(char *, git_oid_tostr, (char *out, size_t n, const git_oid *id), (out, n, id)) \
	R(char *, git_oid_tostr_s, (const git_oid *oid), (oid)) \
	V(void, git_patch_free, (git_patch *patch), (patch)) \
	R(int, git_patch_from_diff, (git_patch **out, git_diff *diff, size_t idx), (out, diff, idx)) \
	R(const git_diff_delta *, git_patch_get_delta, (const git_patch *patch), (patch)) \
	R(int, git_patch_line_stats, (size_t *total_context, size_t *total_additions, size_t *total_deletions, const git_patch *patch), (total_context, total_additions, total_deletions, patch)) \
	R(const char *, git_repository_commondir, (const git_repository *repo), (repo)) \
	R(int, git_repository_config_snapshot, (git_config **out, git_repository *repo), (out, repo)) \
	V(void, git_repository_free, (git_repository *repo), (repo)) \
	R(int, git_repository_head_unborn, (git_repository *repo), (repo)) \
	R(int, git_repository_index, (git_index **out, git_repository *repo), (out, repo)) \
	R(int, git_repository_is_bare, (const git_repository *repo), (repo)) \
	R(int, git_repository_is_shallow, (git_repository *repo), (repo)) \
	R(int, git_repository_open_ext, (git_repository **out, const char *path, unsigned int flags, const char *ceiling_dirs), (out, path, flags, ceiling_dirs)) \
	R(const char *, git_repository_workdir, (const git_repository *repo), (repo)) \
	R(int, git_revparse_single, (git_object **out, git_repository *repo, const char *spec), (out, repo, spec)) \
	V(void, git_revwalk_free, (git_revwalk *walk), (walk)) \
	R(int, git_revwalk_hide, (git_revwalk *walk, const git_oid *commit_id), (walk, commit_id)) \
	R(int, git_revwalk_new, (git_revwalk **out, git_repository *repo), (out, repo)) \
	R(int, git_revwalk_next, (git_oid *out, git_revwalk *walk), (out, walk)) \
	R(int, git_revwalk_push, (git_revwalk *walk, const git_oid *id), (walk, id)) \
	R(int, git_revwalk_sorting, (git_revwalk *walk, unsigned int sort_mode), (walk, sort_mode)) \
	R(const git_tree_entry *, git_tree_entry_byindex, (const git_tree *tree, size_t idx), (tree, idx)) \
	R(git_filemode_t, git_tree_entry_filemode, (const git_tree_entry *entry), (entry)) \
	R(git_filemode_t, git_tree_entry_filemode_raw, (const git_tree_entry *entry), (entry)) \
	R(const git_oid *, git_tree_entry_id, (const git_tree_entry *entry), (entry)) \
	R(const char *, git_tree_entry_name, (const git_tree_entry *entry), (entry)) \
	R(git_object_t, git_tree_entry_type, (const git_tree_entry *entry), (entry)) \
	R(size_t, git_tree_entrycount, (const git_tree *tree), (tree)) \
	V(void, git_tree_free, (git_tree *tree), (tree)) \
	R(int, git_tree_lookup, (git_tree **out, git_repository *repo, const git_oid *id), (out, repo, id))

static struct {
#define F(ret, name, params, args) ret(*name) params;
	PERF_GIT_FUNCTIONS(F, F)
	int (*git_libgit2_opts)(int, ...);
#undef F
} real;

static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *lib = dlopen(PERF_LIBGIT2_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		die(PERF_EXIT_EXTERNAL, "cannot load libgit2: %s", dlerror());
#define F(ret, name, params, args) \
	if (!(*(void **)&real.name = dlsym(lib, #name))) \
		die(PERF_EXIT_EXTERNAL, "cannot load libgit2: %s has no %s", PERF_LIBGIT2_SONAME, #name);
	PERF_GIT_FUNCTIONS(F, F)
	F(int, git_libgit2_opts, (int, ...), ())
#undef F
}

static void need(void)
{
	pthread_once(&loaded, load);
}

#define R(ret, name, params, args) \
	ret name params \
	{ \
		need(); \
		return real.name args; \
	}
#define V(ret, name, params, args) \
	ret name params \
	{ \
		need(); \
		real.name args; \
	}
PERF_GIT_FUNCTIONS(R, V)
#undef R
#undef V

int git_libgit2_opts(int option, ...)
{
	need();
	va_list ap;
	va_start(ap, option);
	int rc;
	switch (option) {
	case GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION:
		rc = real.git_libgit2_opts(option, va_arg(ap, int));
		break;
	case GIT_OPT_GET_SEARCH_PATH: {
		int level = va_arg(ap, int);
		rc = real.git_libgit2_opts(option, level, va_arg(ap, git_buf *));
		break;
	}
	default:
		rc = -1;
		git_error_set_str(GIT_ERROR_INVALID, "perf passes no such option on to libgit2");
		break;
	}
	va_end(ap);
	return rc;
}
