/*
 * Operating-system services on Linux and macOS.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../internal.h"

int pp__os_setenv(const char *name, const char *value) {
  return setenv(name, value, 1);
}

int pp__os_unsetenv(const char *name) {
  return unsetenv(name);
}

void pp__os_tzset(void) {
  tzset();
}

long pp__os_page_size(void) {
  return sysconf(_SC_PAGESIZE);
}

int pp__os_net_init(void) {
  return 0;
}

const char *pp__os_temp_dir(void) {
  const char *dir = getenv("TMPDIR");

  return dir != NULL && dir[0] != '\0' ? dir : "/tmp";
}

int pp__os_mkdir(const char *path) {
  return mkdir(path, 0700);
}

int pp__os_rmdir(const char *path) {
  return rmdir(path);
}

int pp__os_replace(const char *from, const char *to) {
  /* POSIX rename() already replaces an existing destination. */
  return rename(from, to);
}

int pp__os_realpath(const char *path, char *out, size_t size) {
  char resolved[PATH_MAX];

  if (realpath(path, resolved) == NULL)
    return -1;
  if (strlen(resolved) >= size)
    return -1;
  memcpy(out, resolved, strlen(resolved) + 1);
  return 0;
}

long pp__os_symlink(const char *target, const char *link) {
  return symlink(target, link) == 0 ? 0 : (long) errno;
}

int pp__os_child_exit(int code, long *status) {
  pid_t pid;
  int raw;

  pid = fork();
  if (pid < 0)
    return -1;
  /* The child only exits: nothing of the parent's state is touched, which
   * keeps fork safe even inside a multi-threaded host such as Python. */
  if (pid == 0)
    _exit(code);
  while (waitpid(pid, &raw, 0) < 0) {
    if (errno != EINTR)
      return -1;
  }
  if (!WIFEXITED(raw))
    return -1;
  *status = WEXITSTATUS(raw);
  return 0;
}

long pp__os_monotonic_resolution_ns(void) {
  struct timespec res;

  if (clock_getres(CLOCK_MONOTONIC, &res) != 0)
    return -1;
  return (long) res.tv_sec * 1000000000L + res.tv_nsec;
}

long pp__os_allocation_granularity(void) {
  /* mmap offsets only need page alignment on POSIX systems. */
  return sysconf(_SC_PAGESIZE);
}

const char *pp__os_hosts_path(void) {
  return "/etc/hosts";
}

const char *const *pp__os_zone_dirs(void) {
  /* TZDIR (honoured by glibc), then the folders glibc, musl and macOS
   * search by default. */
  static const char *dirs[5];
  const char *tzdir = getenv("TZDIR");
  int n = 0;

  if (tzdir != NULL && tzdir[0] != '\0')
    dirs[n++] = tzdir;
  dirs[n++] = "/usr/share/zoneinfo";
  dirs[n++] = "/share/zoneinfo";
  dirs[n++] = "/etc/zoneinfo";
  dirs[n] = NULL;
  return dirs;
}
