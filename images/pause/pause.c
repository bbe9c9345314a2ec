/*
 * podchurn sandbox holder: the process that keeps a pod's sandbox alive. It does nothing until
 * asked to stop; a sandbox is normally stopped with SIGKILL, but SIGTERM/SIGINT end it cleanly too.
 */
#include <signal.h>
#include <unistd.h>

static void stop(int signal_number) {
  (void)signal_number;
  _exit(0);
}

int main(void) {
  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  for (;;) pause();
}
