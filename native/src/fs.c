/*
 * Files and paths: renaming onto an existing file, resolving the temporary
 * folder, reserved names and symbolic links.  Every probe works in the
 * temporary folder and removes what it created.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static int pp__write_file(const char *path, const char *text) {
  FILE *f;

  f = fopen(path, "wb");
  if (f == NULL)
    return -1;
  fputs(text, f);
  return fclose(f);
}

void pp__probe_fs_rename_replaces(pp__result_t *result) {
  char from[512];
  char to[512];
  const char *dir;
  unsigned long tag;
  int rc;
  int saved;

  dir = pp__os_temp_dir();
  tag = (unsigned long) time(NULL) ^ (unsigned long) (uintptr_t) &tag;
  snprintf(from, sizeof(from), "%s/pp-rename-%lx-a", dir, tag);
  snprintf(to, sizeof(to), "%s/pp-rename-%lx-b", dir, tag);
  if (pp__write_file(from, "a") != 0 || pp__write_file(to, "b") != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "cannot create files in %s", dir);
    remove(from);
    return;
  }
  rc = rename(from, to);
  saved = errno;
  if (rc == 0) {
    pp__set_str(result, "replaced");
    pp__set_detail(result, "rename() over an existing file succeeded");
  } else {
    pp__set_str(result, "refused");
    pp__set_detail(result, "rename(): %s", strerror(saved));
  }
  remove(from);
  remove(to);
}

/* A name for a probe's scratch file or folder in the temporary folder. */
static void pp__temp_name(char *out, size_t size, const char *what) {
  static unsigned long counter;
  unsigned long tag;

  tag = (unsigned long) time(NULL) ^ (unsigned long) (uintptr_t) out;
  snprintf(out, size, "%s/pp-%s-%lx-%lu", pp__os_temp_dir(), what, tag,
           ++counter);
}

void pp__probe_fs_replace_existing(pp__result_t *result) {
  char from[512];
  char to[512];

  pp__temp_name(from, sizeof(from), "replace-a");
  pp__temp_name(to, sizeof(to), "replace-b");
  if (pp__write_file(from, "a") != 0 || pp__write_file(to, "b") != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "cannot create files in %s", pp__os_temp_dir());
    remove(from);
    return;
  }
  if (pp__os_replace(from, to) == 0) {
    pp__set_str(result, "replaced");
    pp__set_detail(result, "the replace-style rename succeeded");
  } else {
    pp__set_str(result, "refused");
    pp__set_detail(result, "the replace-style rename failed");
  }
  remove(from);
  remove(to);
}

void pp__probe_fs_tempdir_realpath(pp__result_t *result) {
  char real[1024];
  const char *dir = pp__os_temp_dir();

  if (pp__os_realpath(dir, real, sizeof(real)) != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "cannot resolve %s", dir);
    return;
  }
  pp__set_str(result, strcmp(dir, real) == 0 ? "equal" : "differs");
  pp__set_detail(result, "%s -> %s", dir, real);
}

/* Reads up to `size` - 1 bytes of `path` into `buf`; the count, or -1. */
static long pp__read_file(const char *path, char *buf, size_t size) {
  FILE *f;
  size_t n;

  f = fopen(path, "rb");
  if (f == NULL)
    return -1;
  n = fread(buf, 1, size - 1, f);
  fclose(f);
  buf[n] = '\0';
  return (long) n;
}

void pp__probe_fs_reserved_name(pp__result_t *result) {
  static const char text[] = "portmatrix";
  char dir[512];
  char path[600];
  char back[32];

  pp__temp_name(dir, sizeof(dir), "reserved");
  if (pp__os_mkdir(dir) != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "cannot create %s", dir);
    return;
  }
  snprintf(path, sizeof(path), "%s/nul", dir);
  if (pp__write_file(path, text) != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "cannot write %s", path);
  } else if (pp__read_file(path, back, sizeof(back)) >= 0 &&
             strcmp(back, text) == 0) {
    pp__set_str(result, "file");
    pp__set_detail(result, "\"nul\" kept what was written to it");
  } else {
    pp__set_str(result, "device");
    pp__set_detail(result, "writes to \"nul\" left nothing to read back");
  }
  /* On Windows there is no file to remove; remove() then simply fails. */
  remove(path);
  pp__os_rmdir(dir);
}

void pp__probe_fs_symlink_create(pp__result_t *result) {
  char dir[512];
  char link[600];
  char text[32];
  long error;

  pp__temp_name(dir, sizeof(dir), "symlink");
  if (pp__os_mkdir(dir) != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "cannot create %s", dir);
    return;
  }
  snprintf(link, sizeof(link), "%s/link", dir);
  /* A dangling link to a relative name: no privilege beyond the folder's
   * is involved on POSIX, and nothing outside the folder is touched. */
  error = pp__os_symlink("target", link);
  if (error == 0) {
    pp__set_str(result, "created");
    pp__set_detail(result, "symbolic link %s -> target", link);
    remove(link);
  } else {
    snprintf(text, sizeof(text), "error %ld", error);
    pp__set_str(result, text);
    pp__set_detail(result, "creating %s failed with OS error %ld", link,
                   error);
  }
  pp__os_rmdir(dir);
}
