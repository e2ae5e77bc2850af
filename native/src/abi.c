/*
 * C ABI facts of the running target: type sizes, page size, byte order.
 */
#include <stdint.h>

#include "internal.h"

void pp__probe_abi_sizeof_long(pp__result_t *result) {
  pp__set_int(result, (int64_t) sizeof(long));
}

void pp__probe_abi_sizeof_pointer(pp__result_t *result) {
  pp__set_int(result, (int64_t) sizeof(void *));
}

void pp__probe_abi_page_size(pp__result_t *result) {
  pp__set_int(result, pp__os_page_size());
}

void pp__probe_abi_byte_order(pp__result_t *result) {
  const uint32_t word = 0x01020304u;

  pp__set_str(result, *(const unsigned char *) &word == 4 ? "little" : "big");
}

void pp__probe_abi_allocation_granularity(pp__result_t *result) {
  long granularity = pp__os_allocation_granularity();

  pp__set_int(result, granularity);
  pp__set_detail(result, "mapping offsets must be multiples of %ld bytes",
                 granularity);
}
