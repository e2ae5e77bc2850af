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

#endif /* PP_NET_H */
