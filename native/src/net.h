/*
 * The socket API's headers: the one place where the core chooses between
 * Winsock and the BSD socket headers.
 */
#ifndef PP_NET_H
#define PP_NET_H

#if defined(_WIN32)
# include <winsock2.h>
# include <ws2tcpip.h>
#else
# include <sys/types.h>
# include <sys/socket.h>
# include <netdb.h>
# include <netinet/in.h>
# include <arpa/inet.h>
#endif

/* A socket handle: an int on POSIX, a SOCKET on Windows. */
#if defined(_WIN32)
typedef SOCKET pp__socket_t;
# define PP__NO_SOCKET INVALID_SOCKET
#else
typedef int pp__socket_t;
# define PP__NO_SOCKET (-1)
#endif

/* Socket services whose spelling differs: src/unix/net.c, src/win/net.c. */
/* The error of the last failed socket call: errno, or WSAGetLastError(). */
int pp__os_socket_error(void);
void pp__os_socket_close(pp__socket_t s);

#endif /* PP_NET_H */
