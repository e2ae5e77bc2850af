/*
 * Randomness on Windows: BCryptGenRandom with the system-preferred RNG.
 */
#include <windows.h>
#include <bcrypt.h>

#include "../internal.h"

int pp__os_random(void *buf, size_t size, const char **source) {
  NTSTATUS status;

  *source = "BCryptGenRandom";
  status = BCryptGenRandom(NULL, (PUCHAR) buf, (ULONG) size,
                           BCRYPT_USE_SYSTEM_PREFERRED_RNG);
  return status == 0 ? 0 : -1;
}
