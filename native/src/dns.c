/*
 * Name resolution and address parsing.  Every lookup here is hermetic: the
 * name "localhost" (answered from the hosts file or the libc's own rules),
 * numeric addresses with AI_NUMERICHOST, which never reach a resolver, and
 * a reserved test name only when the hosts file itself lists it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "net.h"

static int pp__is_loopback(const struct sockaddr *sa) {
  const struct sockaddr_in *v4;
  const struct sockaddr_in6 *v6;
  static const unsigned char loop6[16] = {0, 0, 0, 0, 0, 0, 0, 0,
                                          0, 0, 0, 0, 0, 0, 0, 1};

  if (sa->sa_family == AF_INET) {
    v4 = (const struct sockaddr_in *) (const void *) sa;
    return ((const unsigned char *) &v4->sin_addr)[0] == 127;
  }
  if (sa->sa_family == AF_INET6) {
    v6 = (const struct sockaddr_in6 *) (const void *) sa;
    return memcmp(&v6->sin6_addr, loop6, sizeof(loop6)) == 0;
  }
  return 0;
}

static const char *pp__ntop(const struct sockaddr *sa, char *buf, size_t n) {
  const void *addr;

  if (sa->sa_family == AF_INET)
    addr = &((const struct sockaddr_in *) (const void *) sa)->sin_addr;
  else if (sa->sa_family == AF_INET6)
    addr = &((const struct sockaddr_in6 *) (const void *) sa)->sin6_addr;
  else
    return "?";
  if (inet_ntop(sa->sa_family, addr, buf, (socklen_t) n) == NULL)
    return "?";
  return buf;
}

/* Resolves `name` and returns the addrinfo list, or NULL with the reason
 * written to the result. */
static struct addrinfo *pp__resolve(pp__result_t *result, const char *name,
                                    int family, int flags) {
  struct addrinfo hints;
  struct addrinfo *list = NULL;
  int rc;

  if (pp__os_net_init() != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "socket library failed to start");
    return NULL;
  }
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags;
  rc = getaddrinfo(name, NULL, &hints, &list);
  if (rc != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "getaddrinfo(%s): %s", name, gai_strerror(rc));
    return NULL;
  }
  return list;
}

void pp__probe_dns_localhost(pp__result_t *result) {
  struct addrinfo *list;
  struct addrinfo *ai;
  char seen[200] = "";
  char addr[64];
  int all_loopback = 1;

  list = pp__resolve(result, "localhost", AF_UNSPEC, 0);
  if (list == NULL)
    return;
  for (ai = list; ai != NULL; ai = ai->ai_next) {
    all_loopback &= pp__is_loopback(ai->ai_addr);
    pp__ntop(ai->ai_addr, addr, sizeof(addr));
    if (strstr(seen, addr) == NULL &&
        strlen(seen) + strlen(addr) + 2 < sizeof(seen)) {
      if (seen[0] != '\0')
        strcat(seen, " ");
      strcat(seen, addr);
    }
  }
  freeaddrinfo(list);
  pp__set_str(result, all_loopback ? "loopback" : "not loopback");
  pp__set_detail(result, "%s", seen);
}

static void pp__numeric(pp__result_t *result, const char *text, int family) {
  struct addrinfo *list;
  char addr[64];

  list = pp__resolve(result, text, family, AI_NUMERICHOST);
  if (list == NULL)
    return;
  pp__set_str(result, pp__ntop(list->ai_addr, addr, sizeof(addr)));
  pp__set_detail(result, "getaddrinfo(%s, AI_NUMERICHOST)", text);
  freeaddrinfo(list);
}

void pp__probe_dns_numeric_ipv4(pp__result_t *result) {
  pp__numeric(result, "127.0.0.1", AF_INET);
}

void pp__probe_dns_numeric_ipv6(pp__result_t *result) {
  pp__numeric(result, "::1", AF_INET6);
}

void pp__probe_dns_numeric_rejects_name(pp__result_t *result) {
  struct addrinfo hints;
  struct addrinfo *list = NULL;
  int rc;

  if (pp__os_net_init() != 0) {
    pp__set_str(result, "error");
    pp__set_detail(result, "socket library failed to start");
    return;
  }
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  /* With AI_NUMERICHOST the name never reaches a resolver. */
  rc = getaddrinfo("localhost", NULL, &hints, &list);
  if (rc == 0) {
    freeaddrinfo(list);
    pp__set_str(result, "accepted");
    pp__set_detail(result, "getaddrinfo(localhost, AI_NUMERICHOST) succeeded");
  } else if (rc == EAI_NONAME) {
    pp__set_str(result, "EAI_NONAME");
    pp__set_detail(result, "getaddrinfo returned EAI_NONAME (%d)", rc);
  } else {
    pp__set_str(result, "other error");
    pp__set_detail(result, "getaddrinfo returned %d: %s", rc,
                   gai_strerror(rc));
  }
}

/* The name the hosts-file probe looks for: under .test, which RFC 6761
 * reserves for testing, so no real zone or ordinary hosts file has it. */
#define PP__HOSTS_NAME "portmatrix-hosts.test"

static int pp__same_name(const char *a, const char *b) {
  for (; *a != '\0' && *b != '\0'; a++, b++) {
    if (tolower((unsigned char) *a) != tolower((unsigned char) *b))
      return 0;
  }
  return *a == *b;
}

/* Whether a hosts-file line lists `name` among the names after its
 * address. */
static int pp__line_lists(char *line, const char *name) {
  char *hash = strchr(line, '#');
  char *token;
  size_t n;
  int field = 0;

  if (hash != NULL)
    *hash = '\0';
  for (token = line; *token != '\0';) {
    token += strspn(token, " \t\r\n");
    n = strcspn(token, " \t\r\n");
    if (n == 0)
      break;
    if (token[n] != '\0')
      token[n++] = '\0';
    if (field++ > 0 && pp__same_name(token, name))
      return 1;
    token += n;
  }
  return 0;
}

/* 1 when the hosts file lists `name`, 0 when not, -1 without a file. */
static int pp__hosts_lists(const char *path, const char *name) {
  char line[1024];
  FILE *f;
  int found = 0;

  f = fopen(path, "r");
  if (f == NULL)
    return -1;
  while (!found && fgets(line, sizeof(line), f) != NULL)
    found = pp__line_lists(line, name);
  fclose(f);
  return found;
}

void pp__probe_dns_hosts_file(pp__result_t *result) {
  const char *path = pp__os_hosts_path();
  struct addrinfo *list;
  char addr[64];
  int listed;

  /* The name is resolved only when the hosts file lists it, so that the
   * probe never sends a query towards a real resolver. */
  listed = pp__hosts_lists(path, PP__HOSTS_NAME);
  if (listed < 0) {
    pp__set_str(result, "no hosts file");
    pp__set_detail(result, "%s does not exist", path);
    return;
  }
  if (listed == 0) {
    pp__set_str(result, "no entry");
    pp__set_detail(result, "%s does not list %s; not resolved", path,
                   PP__HOSTS_NAME);
    return;
  }
  list = pp__resolve(result, PP__HOSTS_NAME, AF_INET, 0);
  if (list == NULL)
    return;
  pp__set_str(result, pp__ntop(list->ai_addr, addr, sizeof(addr)));
  pp__set_detail(result, "%s lists %s; getaddrinfo answered %s", path,
                 PP__HOSTS_NAME, addr);
  freeaddrinfo(list);
}
