/*
 * portprobe: runs the core's probes and prints one JSON object per line.
 *
 *   portprobe            every probe, in table order
 *   portprobe NAME...    only the named probes
 *   portprobe --list     the probe names, one per line
 *
 * Output is flushed after each line, so that when a probe crashes the
 * harness knows which probes finished before it.
 */
#include <stdio.h>
#include <string.h>

#include "portprobe.h"

static int run_one(const char *name) {
  char buf[1024];
  int n;

  n = pp_probe_run(name, buf, sizeof(buf));
  if (n == PP_ENOPROBE) {
    fprintf(stderr, "portprobe: no probe named '%s' (see --list)\n", name);
    return 2;
  }
  if (n < 0) {
    fprintf(stderr, "portprobe: result of '%s' does not fit\n", name);
    return 3;
  }
  fputs(buf, stdout);
  fputc('\n', stdout);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  int i;
  int rc;
  int status = 0;

  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (i = 0; i < pp_probe_count(); i++)
      printf("%s\n", pp_probe_name(i));
    return 0;
  }
  if (argc == 1) {
    for (i = 0; i < pp_probe_count(); i++) {
      rc = run_one(pp_probe_name(i));
      if (rc != 0)
        status = rc;
    }
    return status;
  }
  for (i = 1; i < argc; i++) {
    rc = run_one(argv[i]);
    if (rc != 0)
      status = rc;
  }
  return status;
}
