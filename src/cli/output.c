/*
 * output.c - what a person sees: one line per migration with its time, and
 * errors that say where (file:line), what the server said (DETAIL, HINT) and
 * what to do next.
 *
 * Progress goes to stdout, errors to stderr, each line flushed so the two
 * interleave correctly in a CI log; there (no terminal) a line also says
 * which migration starts, so that a long one is seen while it runs, and on
 * a terminal a live line with its elapsed time does (live.c). Colour only
 * when both are terminals and NO_COLOR is unset or empty (no-color.org).
 */
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hints.h"

const char *col(struct cli *c, const char *code)
{
	static char buf[4][16];
	static int next;

	if (!c->color)
		return "";
	next = (next + 1) % 4;
	snprintf(buf[next], sizeof(buf[next]), "\033[%sm", code);
	return buf[next];
}

/* How long something took, as every command shows it ("0.4 ms", "12 ms", "12.3 s"). */
void format_ms(char *out, size_t size, double ms)
{
	if (ms < 10)
		snprintf(out, size, "%.1f ms", ms);
	else if (ms < 10000)
		snprintf(out, size, "%.0f ms", ms);
	else
		snprintf(out, size, "%.1f s", ms / 1000.0);
}

static void print_ms(FILE *f, double ms)
{
	char t[48];

	format_ms(t, sizeof(t), ms);
	fputs(t, f);
}

/* Print an indented block, every line prefixed. */
static void print_block(FILE *f, const char *indent, const char *label, const char *text)
{
	const char *p = text, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		fprintf(f, "%s%s%.*s\n", indent, label, (int)(nl ? nl - p : (long)strlen(p)), p);
		if (!nl)
			break;
		p = nl + 1;
		label = "";
	}
}

static void print_err_body(struct cli *c, const struct strata_err *err, const char *indent)
{
	char where[600] = "";
	struct cli_words w;

	/* the surroundings' fault (connection, disk, read-only file): no file:line to send people to */
	if (strata_err_environmental(err))
		;
	else if (err->file[0] && err->line > 0)
		snprintf(where, sizeof(where), "%s:%d: ", err->file, err->line);
	else if (err->file[0])
		snprintf(where, sizeof(where), "%s: ", err->file);
	cli_words(err, &w);
	fprintf(stderr, "%s%s%s%s%s\n", indent, where, col(c, "1"), w.message, col(c, "0"));
	if (w.detail[0])
		print_block(stderr, indent, "DETAIL: ", w.detail);
	if (w.hint[0])
		print_block(stderr, indent, "HINT: ", w.hint);
	cli_words_release(&w);
	if (err->context[0] && c->verbose)
		print_block(stderr, indent, "CONTEXT: ", err->context);
}

const char *code_name(int rc)
{
	switch (rc) {
	case STRATA_ENOMEM: return "nomem";
	case STRATA_EUSAGE: return "usage";
	case STRATA_ESOURCE: return "source";
	case STRATA_EDB: return "db";
	case STRATA_ECONNECT: return "connect";
	case STRATA_ELOCK: return "lock";
	case STRATA_EIO: return "io";
	case STRATA_EHISTORY: return "history";
	case STRATA_EREFUSED: return "refused";
	case STRATA_EINTR: return "interrupted";
	case STRATA_ECONDITION: return "condition";
	case STRATA_EUNSUPPORTED: return "unsupported";
	default: return "error";
	}
}

/* The migration file of version v (the source is in version order, but for repeatables), or NULL. */
const struct strata_migration *mig_of(struct cli *c, const struct strata_version *v)
{
	size_t lo = 0, hi = c->src ? c->src->n : 0;
	long k;

	if (c->src && (k = strata_source_find(c->src, v)) >= 0)
		return &c->src->m[k];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strata_version_cmp(&c->src->m[mid].version, v);

		if (cmp == 0)
			return &c->src->m[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *vtext_of(struct cli *c, const struct strata_version *v)
{
	const struct strata_migration *m = mig_of(c, v);

	return m ? m->vtext : v->d;
}

const char *iso_utc(const char *s, char *buf, size_t n)
{
	if (!s || strlen(s) < 19 || s[10] != ' ' || s[4] != '-' || s[13] != ':' || n < 21)
		return s;
	snprintf(buf, n, "%.10sT%.8sZ", s, s + 11);
	return buf;
}

void *json_error(struct cli *c, int rc, const struct strata_err *err)
{
	cJSON *e = cJSON_CreateObject();
	struct cli_words w;

	cJSON_AddStringToObject(e, "code", code_name(rc));
	cJSON_AddNumberToObject(e, "exit_code", strata_exit_code(rc));
	if (!err) {
		cJSON_AddStringToObject(e, "message", strata_strerror(rc));
		return e;
	}
	cli_words(err, &w);
	cJSON_AddStringToObject(e, "message", w.message && w.message[0] ? w.message : strata_strerror(rc));
	if (err->file[0])
		cJSON_AddStringToObject(e, "file", err->file);
	if (err->line)
		cJSON_AddNumberToObject(e, "line", err->line);
	if (err->statement)
		cJSON_AddNumberToObject(e, "statement", err->statement);
	if (err->has_version)
		cJSON_AddStringToObject(e, "version", vtext_of(c, &err->version));
	if (err->sqlstate[0])
		cJSON_AddStringToObject(e, "sqlstate", err->sqlstate);
	if (w.detail && w.detail[0])
		cJSON_AddStringToObject(e, "detail", w.detail);
	if (w.hint && w.hint[0])
		cJSON_AddStringToObject(e, "hint", w.hint);
	cli_words_release(&w);
	return e;
}

int out_json(struct cli *c, void *doc)
{
	cJSON *root = doc;
	char *text = cJSON_Print(root);

	cJSON_Delete(root);
	if (!text) {
		fprintf(stderr, "strata: out of memory\n");
		return 1;
	}
	printf("%s\n", text);
	free(text);
	c->json_done = 1; /* an exit status after it needs no error object */
	return 0;
}

static void out_json_error(struct cli *c, int rc, const struct strata_err *err)
{
	if (c->json && !c->json_done) {
		/* --json: the error as an object on stdout too, for the program reading it */
		cJSON *root;

		if (c->cmd && (c->cmd->flags & VALIDATES) && !c->fleet) {
			validate_json_error(c, rc, err); /* validate's document, the error its one problem */
			return;
		}
		root = cJSON_CreateObject();
		cJSON_AddItemToObject(root, "error", (cJSON *)json_error(c, rc, err));
		out_json(c, root);
	}
}

int out_error(struct cli *c, int rc, const struct strata_err *err)
{
	live_stop();
	out_json_error(c, rc, err);
	fflush(stdout);
	if (err && err->message[0]) {
		char where[600] = "";
		struct cli_words w;

		cli_words(err, &w);
		if (err->file[0] && err->line > 0)
			snprintf(where, sizeof(where), "%s:%d: ", err->file, err->line);
		else if (err->file[0] && !strstr(w.message, err->file))
			snprintf(where, sizeof(where), "%s: ", err->file);
		if (where[0] && strncmp(w.message, where, strlen(where)) == 0)
			where[0] = '\0'; /* the message names the place already */
		/* a multi-line message lists several problems: one per line */
		if (strchr(w.message, '\n')) {
			fprintf(stderr, "strata: %s%s\n", where, strata_strerror(rc));
			print_block(stderr, "  ", "", w.message);
		} else {
			fprintf(stderr, "strata: %s%s%s%s\n", where, col(c, "31"), w.message, col(c, "0"));
		}
		if (w.detail[0])
			print_block(stderr, "  ", "DETAIL: ", w.detail);
		if (w.hint[0])
			print_block(stderr, "  ", "HINT: ", w.hint);
		cli_words_release(&w);
	} else {
		fprintf(stderr, "strata: %s\n", strata_strerror(rc));
	}
	return strata_exit_code(rc);
}

/*
 * An up that manages its own transactions stopped: say what stays (what its
 * own COMMITs made durable, recorded as partial) and what its failed
 * transaction took back with it, never "rolled back" for committed work.
 */
static void print_own_tx_failure(const struct strata_ev_failed *ev)
{
	size_t failed = (size_t)ev->err->statement;

	if (ev->stmts_done == 0 && failed > 1)
		fprintf(stderr, "       statement %zu of %zu failed and the file's transaction was rolled back: nothing "
			"of it stays, the database is %s%s.\n       Fix the file and run `strata up` again.\n",
			failed, ev->total, ev->at ? "at " : "at no version", ev->at ? ev->at : "");
	else if (ev->stmts_done == 0)
		fprintf(stderr, "       nothing of it ran; the database is %s%s. Fix the file and run `strata up` again.\n",
			ev->at ? "at " : "at no version", ev->at ? ev->at : "");
	else if (ev->stmts_done + 1 < failed)
		fprintf(stderr, "       statement %zu of %zu failed and the file's transaction (statements %zu-%zu) was "
			"rolled back;\n       statements 1-%zu ran and stay, committed: %s is partial.\n"
			"       Fix the file and run `strata up` to resume at statement %zu.\n",
			failed, ev->total, ev->stmts_done + 1, failed, ev->stmts_done, ev->mig.vtext, ev->stmts_done + 1);
	else
		fprintf(stderr, "       statement %zu of %zu failed; statements 1-%zu ran and stay, committed: %s is "
			"partial.\n       Fix the file and run `strata up` to resume at statement %zu.\n",
			failed, ev->total, ev->stmts_done, ev->mig.vtext, ev->stmts_done + 1);
}

/*
 * A down that ran outside strata's transaction (its own BEGIN/COMMIT, or
 * no-transaction) failed: which of its statements stay, as recorded, and
 * where the next down goes on.
 */
static void print_down_failure(const struct strata_ev_failed *ev)
{
	size_t failed = ev->err && ev->err->statement > 0 ? (size_t)ev->err->statement : 0;
	size_t done = ev->stmts_done;

	if (done == 0 && failed > 1 && ev->own_tx)
		fprintf(stderr, "       statement %zu of %zu of the down script failed and the file's transaction was "
			"rolled back: nothing of it stays, %s stays applied.\n       Fix the down script and run "
			"`strata down` again.\n",
			failed, ev->total, ev->mig.vtext);
	else if (done == 0)
		fprintf(stderr, "       nothing of it ran; the database is %s%s. Fix the file and run `strata down` again.\n",
			ev->at ? "at " : "at no version", ev->at ? ev->at : "");
	else
		fprintf(stderr, "       statement %zu of %zu of the down script failed%s; %s%zu of it ran and %s, "
			"recorded: %s stays applied, rolled back part way.\n       Fix the down script and run "
			"`strata down` to resume at statement %zu; if you undo the rest by hand instead, record that "
			"with `strata force` and the version before %s.\n",
			failed, ev->total, ev->own_tx && done + 1 < failed ? " and the file's transaction was rolled back" : "",
			done == 1 ? "statement " : "statements 1-", done, done == 1 ? "stays" : "stay",
			ev->mig.vtext, done + 1, ev->mig.vtext);
}

int out_error_release(struct cli *c, int rc, struct strata_err *err)
{
	int code = out_error(c, rc, err);

	strata_err_release(err);
	return code;
}

void out_event(void *ud, const struct strata_event *ev)
{
	struct cli *c = ud;
	const char *verb, *again;
	const struct strata_ev_mig *m = strata_event_mig(ev); /* MIG_*, STATEMENT */
	const struct strata_ev_failed *f = ev->kind == STRATA_EV_MIG_FAILED ? &ev->failed : NULL;

	if (c->jsteps && (ev->kind == STRATA_EV_MIG_DONE || ev->kind == STRATA_EV_MIG_FAILED ||
			  ev->kind == STRATA_EV_MIG_SKIPPED)) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "version", m->vtext);
		cJSON_AddStringToObject(o, "name", m->name);
		cJSON_AddStringToObject(o, "direction", m->down ? "down" : "up");
		cJSON_AddStringToObject(o, "result", ev->kind == STRATA_EV_MIG_DONE	  ? (c->dry_run ? "would run" : "ok")
						     : ev->kind == STRATA_EV_MIG_SKIPPED ? "skipped"
											 : "failed");
		/* duration_ms, as status and history name it; ms, its older name, kept for the scripts reading it */
		cJSON_AddNumberToObject(o, "duration_ms", (double)(long long)(m->ms * 10.0 + 0.5) / 10.0);
		cJSON_AddNumberToObject(o, "ms", (double)(long long)(m->ms * 10.0 + 0.5) / 10.0);
		if (m->empty && m->down)
			cJSON_AddBoolToObject(o, "no_statements", 1);
		cJSON_AddItemToArray((cJSON *)c->jsteps, o);
	}
	/* whatever comes next ends the live line of the migration that was running */
	if (ev->kind != STRATA_EV_CONNECTED && ev->kind != STRATA_EV_LOCKED)
		live_stop();
	if (c->capturing) {
		if (ev->kind == STRATA_EV_MIG_START) {
			struct plan_line *p = realloc(c->plan, (c->nplan + 1) * sizeof(*p));

			if (p) {
				c->plan = p;
				p[c->nplan].down = m->down;
				p[c->nplan].empty = m->empty;
				snprintf(p[c->nplan].text, sizeof(p[c->nplan].text), "%s %s", m->vtext, m->name);
				c->nplan++;
			}
		}
		return;
	}
	switch (ev->kind) {
	case STRATA_EV_LOCK_WAIT:
		if (!c->quiet) {
			fprintf(stderr, "strata: waiting for the migration lock on %s: %s (%.0f s so far)\n", ev->target,
				ev->lock_wait.holder ? ev->lock_wait.holder : "held by another runner",
				ev->lock_wait.waited_ms / 1000.0);
		}
		break;
	case STRATA_EV_PLAN:
		if (!c->quiet && !c->json) {
			int records = c->cmd && (c->cmd->flags & RECORDS);

			if (ev->plan.count == 0)
				printf("strata: %s - nothing to do\n", ev->target);
			else
				printf("strata: %s%s - %zu to %s%s\n", ev->target,
				       c->target && c->target->password_hidden ? " (password hidden)" : "", ev->plan.count,
				       records ? "record" : "run", c->dry_run ? " (dry run: nothing will change)" : "");
			fflush(stdout);
		}
		break;
	case STRATA_EV_MIG_START:
		if (!m->down && c->src && c->cmd && (c->cmd->flags & RUNS_SCRIPTS)) {
			const struct strata_migration *f = mig_of(c, &m->version);

			if (f && m->name && strcmp(f->name, m->name) == 0)
				warn_empty_up(c, f);
		}
		if (!c->dry_run && !c->quiet && !c->json && !c->fleet && c->cmd && (c->cmd->flags & RUNS_SCRIPTS)) {
			if (isatty(STDOUT_FILENO)) {
				/* a terminal: one live line with the elapsed time, replaced by the ok line */
				live_start(m->down ? "down" : "run", m->vtext, m->name);
			} else {
				/* a log shows what runs while it runs (dbmate's "Applying: ..."); the ok line ends it */
				printf("  %s %s %s\n", m->down ? "rolling back" : "applying", m->vtext, m->name);
				fflush(stdout);
			}
		}
		if (c->dry_run && !c->quiet && !c->json) {
			int records = c->cmd && (c->cmd->flags & RECORDS);

			printf("  %s %s %s%s\n",
			       records ? (m->down ? "would unrecord" : "would record")
				       : (m->down ? "would roll back" : "would apply"),
			       m->vtext, m->name, m->empty && !records ? " (" NO_STATEMENTS ")" : "");
			fflush(stdout);
		}
		break;
	case STRATA_EV_STATEMENT:
		if (!c->quiet && !c->json) {
			print_block(stdout, "      ", "", ev->statement.sql);
			fflush(stdout);
		}
		break;
	case STRATA_EV_MIG_DONE:
		if (c->quiet || c->dry_run || c->json)
			break;
		if (c->cmd && (c->cmd->flags & ACCEPTS))
			verb = "accepted";
		else if (c->cmd && (c->cmd->flags & RECORDS))
			verb = m->down ? "unrecorded" : "recorded";
		else
			verb = m->down ? "down" : "ok";
		printf("  %s%-*s%s %s %-*s ", col(c, "32"), strlen(verb) > 4 ? 0 : 4, verb, col(c, "0"), m->vtext,
		       c->name_width, m->name);
		print_ms(stdout, m->ms);
		printf("%s\n", m->empty && m->down && !strcmp(verb, "down") ? "  (" NO_STATEMENTS ")" : "");
		fflush(stdout);
		break;
	case STRATA_EV_MIG_SKIPPED:
		if (!c->quiet && !c->json) {
			printf("  %-4s %s %-*s (done meanwhile by another runner)\n", "skip", m->vtext,
			       c->name_width, m->name);
			fflush(stdout);
		}
		break;
	case STRATA_EV_MIG_FAILED:
		fflush(stdout);
		c->nfailed++;
		/* what to run next: after redo's down, the up that failed is all that is left */
		again = c->cmd && !((c->cmd->flags & REDOES) && !f->mig.down) ? c->cmd->name : "up";
		fprintf(stderr, "  %sERR%s  %s %s\n", col(c, "31;1"), col(c, "0"), f->mig.vtext, f->mig.name);
		if (f->err)
			print_err_body(c, f->err, "       ");
		if (f->err && f->err->code == STRATA_EINTR && !f->outside_tx)
			fprintf(stderr, "       rolled back; the database is %s%s. Run `strata %s` again to go on.\n",
				f->at ? "at " : "at no version", f->at ? f->at : "", again);
		else if (f->err && f->err->code == STRATA_ELOCK)
			fprintf(stderr, "       nothing of it ran: another process held the database, which is %s%s. Run `strata %s` "
				"again, or wait longer with --lock-wait.\n", f->at ? "at " : "at no version",
				f->at ? f->at : "", again);
		else if (f->outside_tx && f->err && f->err->code == STRATA_EHISTORY && f->err->statement == 0)
			; /* its record could not be written: the hint says what ran */
		else if (f->own_tx && !f->mig.down && f->err && f->err->statement > 0)
			print_own_tx_failure(f);
		else if (f->outside_tx && f->stmts_done && !f->mig.down)
			fprintf(stderr, "       statement %zu of %zu failed; statements 1-%zu ran outside a transaction and are "
				"recorded: %s is partial.\n       Fix the file and run `strata up` to resume at statement %zu.\n",
				f->stmts_done + 1, f->total, f->stmts_done, f->mig.vtext, f->stmts_done + 1);
		else if (f->outside_tx && f->mig.down && f->err && f->err->statement > 0)
			print_down_failure(f);
		else if (f->outside_tx)
			fprintf(stderr, "       nothing of it ran; the database is %s%s. Fix the file and run `strata %s` again.\n",
				f->at ? "at " : "at no version", f->at ? f->at : "", again);
		else if (f->err && strata_err_environmental(f->err))
			fprintf(stderr, "       rolled back; the database is %s%s. The file is not the problem: fix the cause "
				"above, then run `strata %s` again.\n",
				f->at ? "at " : "at no version", f->at ? f->at : "", again);
		else if (c->opts.single_transaction)
			fprintf(stderr, "       rolled back the whole batch; the database is %s%s.\n",
				f->at ? "still at " : "still empty", f->at ? f->at : "");
		else
			fprintf(stderr, "       rolled back; the database is %s%s. Fix the file and run `strata %s` again.\n",
				f->at ? "at " : "at no version", f->at ? f->at : "",
				again);
		break;
	case STRATA_EV_BACKUP:
		if (!c->quiet)
			fprintf(stderr, "strata: backup written to %s\n", ev->backup.path);
		break;
	case STRATA_EV_NOTE:
		if (!c->quiet)
			fprintf(stderr, "strata: %s\n", ev->note.text);
		break;
	case STRATA_EV_CONNECTED:
	case STRATA_EV_LOCKED:
		break;
	}
}

/* Does the script hold nothing but blanks and comments (-- ..., / * ... * /)? */
static int script_is_empty(const char *p)
{
	while (*p) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
			p++;
		else if (p[0] == '-' && p[1] == '-')
			p += strcspn(p, "\n");
		else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");

			if (!e)
				return 1;
			p = e + 2;
		} else
			return 0;
	}
	return 1;
}

int empty_up_said(const struct strata_migration *m, char *buf, size_t n)
{
	if (!m->up || m->layout == STRATA_LAYOUT_GO || !script_is_empty(m->up))
		return 0;
	snprintf(buf, n, "%s holds no SQL, only comments: applying %s %s changes nothing but its record", m->up_file,
		 m->vtext, m->name);
	return 1;
}

void warn_empty_up(struct cli *c, const struct strata_migration *m)
{
	char msg[1200];

	if (c->quiet || !empty_up_said(m, msg, sizeof(msg)))
		return;
	fprintf(stderr, "strata: %swarning:%s %s\n", col(c, "33"), col(c, "0"), msg);
}

/* --json: a question not answered yes is a refusal, in the one error shape */
static void json_refused(struct cli *c, const char *why)
{
	struct strata_err err;

	if (!c->json || c->json_done)
		return;
	strata_err_clear(&err);
	strata_err_set(&err, STRATA_EREFUSED, "%s", why);
	out_json_error(c, STRATA_EREFUSED, &err);
	strata_err_release(&err);
}

static void on_prompt_signal(int sig)
{
	static const char msg[] = "\nstrata: interrupted; nothing done\n";
	ssize_t n = write(STDERR_FILENO, msg, sizeof(msg) - 1);

	(void)n;
	_exit(128 + sig);
}

int confirm(struct cli *c, const char *question)
{
	struct sigaction sa, old_int, old_term;
	char line[64];
	int yes;

	if (c->yes || c->dry_run)
		return 1;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "strata: %s\nstrata: refusing without a terminal to ask on; pass --yes to confirm\n",
			question);
		json_refused(c, "refusing without a terminal to ask on; pass --yes to confirm");
		return 0;
	}
	/* Ctrl-C at the prompt: out at once, before anything was done (set before the question shows) */
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sa.sa_handler = on_prompt_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	yes = fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y');
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (!yes) {
		fprintf(stderr, "strata: nothing done\n");
		json_refused(c, "not confirmed; nothing done");
	}
	return yes;
}

int parse_version_arg(struct cli *c, const char *s, struct strata_version *v)
{
	/* a file's own spelling first (Flyway's "2.1"), then digits */
	return strata_source_version_arg(c->src, s, v);
}
