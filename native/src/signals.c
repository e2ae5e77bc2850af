/*
 * Signals: which standard and POSIX signals a target defines, under which
 * numbers, and whether a handler installed with signal() receives raise().
 * Only C11's <signal.h> is used, so the same code runs on every target.
 */
#include <signal.h>

#include "internal.h"

static volatile sig_atomic_t pp__caught;

static void pp__on_signal(int signo) {
  pp__caught = signo;
}

/* Installs a handler for `signo`, raises it and reports the number that
 * reached the handler, or why none did. */
static void pp__raise_and_catch(pp__result_t *result, int signo) {
  void (*previous)(int);

  pp__caught = 0;
  previous = signal(signo, pp__on_signal);
  if (previous == SIG_ERR) {
    pp__set_str(result, "rejected");
    pp__set_detail(result, "signal(%d) returned SIG_ERR", signo);
    return;
  }
  if (raise(signo) != 0) {
    pp__set_str(result, "rejected");
    pp__set_detail(result, "raise(%d) failed", signo);
  } else if (pp__caught != signo) {
    pp__set_str(result, "not delivered");
    pp__set_detail(result, "handler saw %d", (int) pp__caught);
  } else {
    pp__set_int(result, signo);
    pp__set_detail(result, "handler received signal %d", signo);
  }
  signal(signo, previous == SIG_ERR ? SIG_DFL : previous);
}

static void pp__absent(pp__result_t *result, const char *macro) {
  pp__set_str(result, "absent");
  pp__set_detail(result, "<signal.h> does not define %s", macro);
}

void pp__probe_signals_sigusr1(pp__result_t *result) {
#ifdef SIGUSR1
  pp__raise_and_catch(result, SIGUSR1);
#else
  pp__absent(result, "SIGUSR1");
#endif
}

void pp__probe_signals_sigchld(pp__result_t *result) {
#ifdef SIGCHLD
  pp__raise_and_catch(result, SIGCHLD);
#else
  pp__absent(result, "SIGCHLD");
#endif
}

void pp__probe_signals_sigterm(pp__result_t *result) {
  pp__raise_and_catch(result, SIGTERM);
}

void pp__probe_signals_sigbreak(pp__result_t *result) {
#ifdef SIGBREAK
  pp__raise_and_catch(result, SIGBREAK);
#else
  pp__absent(result, "SIGBREAK");
#endif
}
