/*
 * OS primitives: which source of randomness the platform offers.
 */
#include "internal.h"

void pp__probe_syscalls_random_source(pp__result_t *result) {
  unsigned char buf[32];
  const char *source = "none";

  if (pp__os_random(buf, sizeof(buf), &source) != 0) {
    pp__set_str(result, "none");
    pp__set_detail(result, "no random source answered (last: %s)", source);
    return;
  }
  pp__set_str(result, source);
  pp__set_detail(result, "32 bytes read from %s", source);
}
