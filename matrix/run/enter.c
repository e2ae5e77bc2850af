/*
 * enter ROOT PROGRAM [ARG...]: change the root to ROOT, then run PROGRAM.
 *
 * The docker runner starts this in a container whose environment declares
 * engine_files: hidden.  The engine bind-mounts /etc/hosts, /etc/resolv.conf
 * and /etc/hostname into every container it starts; inside ROOT, a folder of
 * the image, those files do not exist, so the probes see the declared root
 * and nothing else.  chroot needs only CAP_SYS_CHROOT, which the runner
 * grants; the program runs with the same environment and arguments.
 *
 * Exit status 125 means ROOT could not be entered, 127 that PROGRAM could
 * not be started, as with the engine's own statuses for the same failures.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fputs("usage: enter ROOT PROGRAM [ARG...]\n", stderr);
    return 125;
  }
  if (chroot(argv[1]) != 0 || chdir("/") != 0) {
    perror("enter: cannot change the root");
    return 125;
  }
  execv(argv[2], argv + 2);
  fprintf(stderr, "enter: cannot start %s: ", argv[2]);
  perror(NULL);
  return 127;
}
