/*
 * Socket services on Linux and macOS: sockets are file descriptors and
 * report their errors in errno.
 */
#include <errno.h>
#include <unistd.h>

#include "../internal.h"
#include "../net.h"

int pp__os_socket_error(void) {
  return errno;
}

void pp__os_socket_close(pp__socket_t s) {
  close(s);
}
