/*
 * Test-only probes: each one misbehaves in exactly one way, so that the
 * harness's fault isolation can be proved on real builds.  They are compiled
 * only when PP_TEST_PROBES is defined, which the harness does for the builds
 * of `--test-probes` runs alone; the shipped core never contains them.
 */
#ifdef PP_TEST_PROBES

#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* Bytes of non-JSON output test.garbage prints: four times the harness's
 * limit of 1 MiB, so that reading all of it would be the harness's fault. */
#define PP__GARBAGE_BYTES (4L << 20)

/* A well-behaved probe, to show that its neighbours' faults cost it nothing. */
void pp__probe_test_ok(pp__result_t *result) {
  pp__set_int(result, 42);
  pp__set_detail(result, "the control probe of the fault tests");
}

/* Writes through a null pointer: SIGSEGV on POSIX, an access violation
 * (0xC0000005) on Windows.  The pointer is volatile so that the compiler
 * cannot prove the store undefined and remove it. */
void pp__probe_test_segv(pp__result_t *result) {
  int *volatile target = NULL;

  *target = 1;
  pp__set_int(result, 0);
}

void pp__probe_test_abort(pp__result_t *result) {
  abort();
  pp__set_int(result, 0);
}

/* Ends the process with a status of its own, as a library calling exit()
 * would. */
void pp__probe_test_exit(pp__result_t *result) {
  exit(3);
  pp__set_int(result, 0);
}

/* Never returns; sleeping keeps the hang from burning a core. */
void pp__probe_test_hang(pp__result_t *result) {
  for (;;)
    pp__os_sleep_ms(1000);
  pp__set_int(result, 0);
}

/* Megabytes of bytes that are not JSON, then a well-formed result line: the
 * result must not count, because nothing says which probe wrote the rest. */
void pp__probe_test_garbage(pp__result_t *result) {
  static const char chunk[] = "\x01garbage\xff<not json>\n";
  long written;

  for (written = 0; written < PP__GARBAGE_BYTES;
       written += (long) sizeof(chunk) - 1)
    fputs(chunk, stdout);
  pp__set_int(result, 1);
}

/* One line of junk before the result, under the size limit. */
void pp__probe_test_noise(pp__result_t *result) {
  fputs("this is not a result line\n", stdout);
  pp__set_int(result, 1);
}

#endif /* PP_TEST_PROBES */
