/*
 * Socket services on Windows: Winsock handles are not file descriptors,
 * and Winsock reports its errors through WSAGetLastError, not errno.
 */
#include "../internal.h"
#include "../net.h"

int pp__os_socket_error(void) {
  return WSAGetLastError();
}

void pp__os_socket_close(pp__socket_t s) {
  closesocket(s);
}
