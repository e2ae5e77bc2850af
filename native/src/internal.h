/*
 * Internal interface of the native core: the probe table, the result writer,
 * and the few operating-system services whose spelling differs between
 * platforms.  Those are implemented once in unix/ and once in win/; the
 * probes themselves are portable C11 and call only what is declared here.
 */
#ifndef PP_INTERNAL_H
#define PP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "portprobe.h"

/* A probe writes exactly one value, and optionally a detail, to its result. */
typedef struct pp__result_s {
  enum { PP__UNSET, PP__INT, PP__STR, PP__BOOL } kind;
  int64_t integer;
  char text[256];
  char detail[256];
} pp__result_t;

typedef void (*pp__probe_fn)(pp__result_t *result);

void pp__set_int(pp__result_t *result, int64_t value);
void pp__set_str(pp__result_t *result, const char *value);
void pp__set_bool(pp__result_t *result, int value);
void pp__set_detail(pp__result_t *result, const char *fmt, ...);

/* Declarations of every probe function, from the one list in probes.def. */
#define PP_PROBE(fn, name) void pp__probe_##fn(pp__result_t *result);
#include "probes.def"
#undef PP_PROBE

/* Operating-system services: src/unix/os.c and src/win/os.c. */
int pp__os_setenv(const char *name, const char *value);
int pp__os_unsetenv(const char *name);
void pp__os_tzset(void);
long pp__os_page_size(void);
int pp__os_net_init(void);
/* Fills `buf` from the OS random source; names the source in `source`.
 * Returns 0 on success, -1 when no source works. */
int pp__os_random(void *buf, size_t size, const char **source);
const char *pp__os_temp_dir(void);

/* Files and folders.  Each returns 0 on success. */
int pp__os_mkdir(const char *path);
int pp__os_rmdir(const char *path);
/* Renames `from` to `to`, replacing `to` when it exists (the replace-style
 * rename: rename() on POSIX, MoveFileEx on Windows). */
int pp__os_replace(const char *from, const char *to);
/* Writes the absolute form of `path`, every link resolved, into `out`. */
int pp__os_realpath(const char *path, char *out, size_t size);
/* Creates the symbolic link `link` pointing at `target`; returns 0, or the
 * OS's own error number (errno, or GetLastError on Windows). */
long pp__os_symlink(const char *target, const char *link);

/* Starts a child process that exits with `code` and stores in `status` the
 * exit status its parent is given.  Returns 0 on success. */
int pp__os_child_exit(int code, long *status);

/* Resolution of the monotonic clock in nanoseconds, or -1. */
long pp__os_monotonic_resolution_ns(void);
/* The alignment a memory mapping's offset needs. */
long pp__os_allocation_granularity(void);
/* The hosts file the system resolver reads. */
const char *pp__os_hosts_path(void);
/* The folders the C library reads IANA zone files from, NULL-terminated;
 * empty where it reads none. */
const char *const *pp__os_zone_dirs(void);

#endif /* PP_INTERNAL_H */
