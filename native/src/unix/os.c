/*
 * Operating-system services on Linux and macOS.
 */
#include <stdio.h>
#include <stdlib.h>
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

int pp__os_hosts_path(char *buf, size_t size) {
  int written = snprintf(buf, size, "/etc/hosts");

  return written > 0 && (size_t) written < size ? 0 : -1;
}
