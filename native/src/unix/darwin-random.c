/*
 * Randomness on macOS: getentropy(), at most 256 bytes a call
 * (macOS 10.12 and later).
 */
#include <sys/random.h>
#include <unistd.h>

#include "../internal.h"

int pp__os_random(void *buf, size_t size, const char **source) {
  *source = "getentropy";
  if (size > 256)
    return -1;
  return getentropy(buf, size) == 0 ? 0 : -1;
}
