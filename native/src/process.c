/*
 * Process and environment: the exit status a parent sees, how environment
 * variables are named and emptied, and where socket errors are reported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "net.h"

void pp__probe_process_exit_status_256(pp__result_t *result) {
  long status;

  if (pp__os_child_exit(256, &status) != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "could not start or wait for a child process");
    return;
  }
  pp__set_int(result, status);
  pp__set_detail(result, "child exited with 256, parent saw %ld", status);
}

void pp__probe_process_env_case(pp__result_t *result) {
  static const char set_as[] = "PM_Case_Probe";
  static const char read_as[] = "PM_CASE_PROBE";
  const char *found;

  if (pp__os_setenv(set_as, "1") != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "could not set %s", set_as);
    return;
  }
  found = getenv(read_as);
  pp__set_str(result, found != NULL ? "case-insensitive" : "case-sensitive");
  pp__set_detail(result, "set %s, getenv(%s) %s", set_as, read_as,
                 found != NULL ? "found it" : "found nothing");
  pp__os_unsetenv(set_as);
}

void pp__probe_process_setenv_empty(pp__result_t *result) {
  static const char name[] = "PM_EMPTY_PROBE";
  const char *found;

  if (pp__os_setenv(name, "") != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "could not set %s", name);
    return;
  }
  found = getenv(name);
  if (found == NULL)
    pp__set_str(result, "removed");
  else
    pp__set_str(result, found[0] == '\0' ? "empty" : "changed");
  pp__set_detail(result, "after setting %s to \"\", getenv gives %s", name,
                 found == NULL ? "NULL" : "a string");
  pp__os_unsetenv(name);
}

void pp__probe_process_connect_refused_errno(pp__result_t *result) {
  struct sockaddr_in addr;
  socklen_t len = (socklen_t) sizeof(addr);
  pp__socket_t bound;
  pp__socket_t client;
  int error;

  if (pp__os_net_init() != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "socket library failed to start");
    return;
  }
  /* A socket bound to a loopback port but not listening: connecting to it
   * is refused, and holding it keeps any other program off the port. */
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bound = socket(AF_INET, SOCK_STREAM, 0);
  client = socket(AF_INET, SOCK_STREAM, 0);
  if (bound == PP__NO_SOCKET || client == PP__NO_SOCKET ||
      bind(bound, (struct sockaddr *) &addr, sizeof(addr)) != 0 ||
      getsockname(bound, (struct sockaddr *) &addr, &len) != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "could not set up loopback sockets (error %d)",
                   pp__os_socket_error());
  } else if (connect(client, (struct sockaddr *) &addr, sizeof(addr)) == 0) {
    pp__set_str(result, "connected");
    pp__set_detail(result, "a non-listening port accepted the connection");
  } else {
    error = pp__os_socket_error();
    pp__set_int(result, error);
    pp__set_detail(result, "connect to 127.0.0.1:%u failed with error %d",
                   (unsigned) ntohs(addr.sin_port), error);
  }
  if (client != PP__NO_SOCKET)
    pp__os_socket_close(client);
  if (bound != PP__NO_SOCKET)
    pp__os_socket_close(bound);
}
