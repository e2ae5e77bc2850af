/*
 * Files and paths: what rename() does when the destination exists.
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
