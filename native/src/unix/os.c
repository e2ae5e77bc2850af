/*
 * Operating-system services on Linux and macOS.
 */
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

void pp__os_sleep_ms(unsigned ms) {
  struct timespec delay;

  delay.tv_sec = (time_t) (ms / 1000);
  delay.tv_nsec = (long) (ms % 1000) * 1000000L;
  nanosleep(&delay, NULL);
}
