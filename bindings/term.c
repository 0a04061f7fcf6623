// SPDX-License-Identifier: MIT
/*
 * plumb.core.term(): what an interactive prompt needs from the terminal that Lua cannot do
 * alone: catch SIGINT (Ctrl-C) so that it abandons a line instead of ending the process,
 * wait for input while noticing it, and interrupt running Lua code the way lua.c does.
 *
 * Signal dispositions belong to the process, so this file keeps the one piece of static state
 * a signal handler can reach: the "caught" flag and the lua_State to interrupt while armed.
 * Only one REPL per process uses it (the plumb command's); nothing else in plumb.core does.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "glue.h"

static volatile sig_atomic_t term_caught;
static lua_State *volatile term_armed;		/* raise "interrupted!" here on SIGINT */
static struct sigaction term_old;
static int term_installed;

/* The hook set by the handler: stop the running Lua code (as lua.c's lstop). */
static void term_stop(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	luaL_error(L, "interrupted!");
}

static void term_onsig(int sig)
{
	lua_State *L = term_armed;

	(void)sig;
	term_caught = 1;
	/* lua_sethook may be called from a signal handler (ldebug.c) */
	if (L)
		lua_sethook(L, term_stop, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* term.sigint(on): catch SIGINT (without SA_RESTART, so a blocked read or poll returns) or
 * give back the disposition there was before. */
static int t_sigint(lua_State *L)
{
	struct sigaction sa;

	if (lua_toboolean(L, 1)) {
		if (!term_installed) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = term_onsig;
			sigemptyset(&sa.sa_mask);
			if (sigaction(SIGINT, &sa, &term_old) < 0)
				return luaL_fileresult(L, 0, "sigaction");
			term_installed = 1;
		}
	} else if (term_installed) {
		sigaction(SIGINT, &term_old, NULL);
		term_installed = 0;
		term_armed = NULL;
	}
	term_caught = 0;
	lua_pushboolean(L, 1);
	return 1;
}

/* term.arm(on): while on, a SIGINT raises "interrupted!" in the calling Lua state. */
static int t_arm(lua_State *L)
{
	if (lua_toboolean(L, 1)) {
		term_armed = L;
	} else {
		term_armed = NULL;
		lua_sethook(L, NULL, 0, 0);	/* a hook set just before disarming */
	}
	return 0;
}

/* term.caught(): whether SIGINT came since the last call (and forget it). */
static int t_caught(lua_State *L)
{
	lua_pushboolean(L, term_caught);
	term_caught = 0;
	return 1;
}

/* term.wait(fd): wait until fd is readable: true, or nil, "interrupted" on SIGINT. */
static int t_wait(lua_State *L)
{
	struct pollfd p = { .fd = (int)luaL_checkinteger(L, 1), .events = POLLIN };

	for (;;) {
		if (term_caught) {
			term_caught = 0;
			luaL_pushfail(L);
			lua_pushliteral(L, "interrupted");
			return 2;
		}
		if (poll(&p, 1, -1) >= 0)
			break;
		if (errno != EINTR)
			return luaL_fileresult(L, 0, "poll");
	}
	lua_pushboolean(L, 1);
	return 1;
}

/* term.read(fd): one read(2) of up to 4096 bytes: the bytes, "" at end of file, or
 * nil, "interrupted" on SIGINT. */
static int t_read(lua_State *L)
{
	int fd = (int)luaL_checkinteger(L, 1);
	char buf[4096];
	ssize_t n;

	for (;;) {
		if (term_caught) {
			term_caught = 0;
			luaL_pushfail(L);
			lua_pushliteral(L, "interrupted");
			return 2;
		}
		n = read(fd, buf, sizeof(buf));
		if (n >= 0)
			break;
		if (errno != EINTR)
			return luaL_fileresult(L, 0, "read");
	}
	lua_pushlstring(L, buf, (size_t)n);
	return 1;
}

/* term.isatty(fd) */
static int t_isatty(lua_State *L)
{
	lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
	return 1;
}

/*
 * term.readline_quiet(): tell the GNU readline already in this process (the one lua5.4 links,
 * or lua-readline's) not to install signal handlers of its own (rl_catch_signals = 0) and to
 * read keys through term_getc, so a Ctrl-C always reaches term.c's handler and readline
 * returns at once: readline's own SIGINT path (free the line state, re-send the signal, carry
 * on reading) runs inside a C call the REPL cannot interrupt cleanly, and its read() would
 * block again after the terminal discarded the pending input. Both are public readline
 * variables. Returns whether readline was found. Loads nothing.
 */
typedef int term_getc_fn(FILE *);

/* readline's rl_getc_function: one byte from the terminal; a SIGINT before or during the read
 * gives Ctrl-G (readline's "abort": nothing typed is kept or executed) so that readline
 * returns and the REPL sees the interrupt, instead of blocking in read() again. */
static int term_getc(FILE *f)
{
	unsigned char c;
	ssize_t n;

	for (;;) {
		if (term_caught)
			return 7;
		/* fd 0: lua-readline may have closed the stream f already (see below) */
		(void)f;
		n = read(0, &c, 1);
		if (n == 1)
			return c;
		if (n == 0 || errno != EINTR)
			return EOF;
	}
}

static void *term_rlsym(const char *name)
{
	static const char *const libs[] = { "libreadline.so.8", "libreadline.so", NULL };
	void *p = NULL;
	size_t i;

	for (i = 0; libs[i] && !p; i++) {
		void *h = dlopen(libs[i], RTLD_LAZY | RTLD_NOLOAD);

		if (h) {
			p = dlsym(h, name);
			dlclose(h);	/* NOLOAD: only drops the reference just taken */
		}
	}
	return p ? p : dlsym(RTLD_DEFAULT, name);
}

static int t_readline_quiet(lua_State *L)
{
	int *catch_signals = term_rlsym("rl_catch_signals");
	term_getc_fn **getc_fn = term_rlsym("rl_getc_function");

	if (catch_signals)
		*catch_signals = 0;
	if (getc_fn)
		*getc_fn = term_getc;
	lua_pushboolean(L, catch_signals && getc_fn);
	return 1;
}

/*
 * term.readline_abandon(): give up the line being edited after a Ctrl-C, the way CPython's
 * readline module does: free the line's state and leave callback mode, restoring the
 * terminal. It must run before lua-readline's handler_remove, which closes readline's
 * stream first and would then have readline write its terminal reset to a closed FILE.
 */
static int t_readline_abandon(lua_State *L)
{
	void (*free_line_state)(void) = (void (*)(void))term_rlsym("rl_free_line_state");
	void (*sigcleanup)(void) = (void (*)(void))term_rlsym("rl_callback_sigcleanup");
	void (*remove)(void) = (void (*)(void))term_rlsym("rl_callback_handler_remove");

	if (free_line_state)
		free_line_state();
	if (sigcleanup)
		sigcleanup();
	if (remove)
		remove();
	lua_pushboolean(L, remove != NULL);
	return 1;
}

static const luaL_Reg term_funcs[] = {
	{ "readline_abandon", t_readline_abandon },
	{ "readline_quiet", t_readline_quiet },
	{ "sigint", t_sigint },
	{ "arm", t_arm },
	{ "caught", t_caught },
	{ "wait", t_wait },
	{ "read", t_read },
	{ "isatty", t_isatty },
	{ NULL, NULL },
};

int pl_lua_term(lua_State *L)
{
	luaL_newlib(L, term_funcs);
	return 1;
}
