/*
 * Files and paths: what rename() does when the destination exists, and
 * whether the system's hosts file is there.
 */
#include <ctype.h>
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

/* True when a hosts-file line (comments already cut) lists `name`. */
static int pp__lists_name(const char *line, const char *name) {
  size_t n = strlen(name);
  const char *p = line;

  while ((p = strstr(p, name)) != NULL) {
    if ((p == line || isspace((unsigned char) p[-1])) &&
        (p[n] == '\0' || isspace((unsigned char) p[n])))
      return 1;
    p += n;
  }
  return 0;
}

void pp__probe_fs_hosts_file(pp__result_t *result) {
  char path[512];
  char line[512];
  char *hash;
  FILE *f;
  int localhost = 0;
  int saved;

  if (pp__os_hosts_path(path, sizeof(path)) != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "the system does not say where its hosts file is");
    return;
  }
  f = fopen(path, "r");
  if (f == NULL) {
    saved = errno;
    pp__set_str(result, saved == ENOENT ? "absent" : "unreadable");
    pp__set_detail(result, "%s: %s", path, strerror(saved));
    return;
  }
  while (!localhost && fgets(line, sizeof(line), f) != NULL) {
    hash = strchr(line, '#');
    if (hash != NULL)
      *hash = '\0';
    localhost = pp__lists_name(line, "localhost");
  }
  fclose(f);
  pp__set_str(result, "present");
  pp__set_detail(result, "%s %s localhost", path,
                 localhost ? "lists" : "does not list");
}
