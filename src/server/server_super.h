/* server_super: run sshd in the foreground as our child and stay PID 1, the
 * way tini does: signals are blocked and taken synchronously with
 * sigtimedwait; SIGTERM, SIGINT and SIGQUIT are forwarded to sshd, SIGHUP
 * calls on_hup only (sshd reads the authorized keys at every login);
 * every zombie is reaped. sshd's session processes call setsid() and outlive
 * the listener, so after sshd exits the sessions it left (reparented to us:
 * PID 1, or a child subreaper outside a container) get SIGTERM, then SIGKILL
 * at the stop deadline. */
#ifndef RDS_SERVER_SUPER_H
#define RDS_SERVER_SUPER_H
#include <stddef.h>

struct super_spec {
	char *const *argv; /* argv[0] is an absolute path (sshd re-executes itself) */
	char *const *envp;
	long stop_timeout_ms;     /* after the first stop signal, before SIGKILL */
	void (*on_hup)(void *ud); /* called on SIGHUP; may be NULL */
	void *ud;
};

/* Blocks the signals super_run takes, and ignores SIGPIPE. Call first in
 * main: a SIGTERM during set-up then waits for super_run instead of being
 * lost or killing us half-way. */
void super_block_signals(void);

/* Starts argv and supervises it until it and the sessions it left are gone.
 * Returns its exit status (128+N when a signal N killed it, 126/127 when it
 * could not be executed), or -1 with err set when it could not be started. */
int super_run(const struct super_spec *s, char *err, size_t errlen);

#endif
