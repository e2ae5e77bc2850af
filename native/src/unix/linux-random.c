/*
 * Randomness on Linux: the getrandom system call (Linux 3.17), called
 * through syscall() so that it works at glibc floors older than the 2.25
 * wrapper, then /dev/urandom.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../internal.h"

static int pp__urandom(void *buf, size_t size) {
  int fd;
  ssize_t n;

  fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0)
    return -1;
  n = read(fd, buf, size);
  close(fd);
  return n == (ssize_t) size ? 0 : -1;
}

int pp__os_random(void *buf, size_t size, const char **source) {
#ifdef SYS_getrandom
  long n;

  *source = "getrandom";
  n = syscall(SYS_getrandom, buf, size, 0);
  if (n == (long) size)
    return 0;
#endif
  *source = "/dev/urandom";
  return pp__urandom(buf, size);
}
