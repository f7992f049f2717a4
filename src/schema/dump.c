/*
 * schema/dump.c - strata_schema_dump: a schema as one SQL script, the same
 * bytes for the same schema every time.
 *
 * The order is a topological sort of the objects' dependencies (Kahn's
 * algorithm) whose ready set is a min-heap keyed by (kind rank, identity):
 * whenever no dependency decides, schemas come first, then extensions,
 * types, sequences, functions, tables, keys before foreign keys, indexes,
 * views, triggers, policies, rules and grants, and objects of one rank in
 * identity order. The schema's objects are sorted by identity
 * (strata_schema_finish), so an object's index is its identity rank and the
 * order does not depend on the order a driver added objects in.
 *
 * Objects without SQL (columns) are written by their parent: a dependency
 * on or of a column is one on or of its table. Foreign keys are objects of
 * their own, so two tables that reference each other are no cycle; should a
 * real cycle remain, the smallest object not yet written is written next
 * and the sort goes on, so the dump always ends.
 *
 * The script opens with a fixed comment (no date, no host, no version: the
 * same schema gives the same bytes), the kinds the model did not handle as
 * comments, then the driver's preamble, then each object's SQL, a blank line
 * between two objects.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "../buf.h"
#include "../util.h"

#define DUMP_HEADER                                                          \
	"-- Schema written by strata dump: every object in dependency order.\n" \
	"-- Run it on an empty database to recreate this schema.\n"

/* The rank of an object when no dependency decides (smaller first). */
static int kind_rank(const struct strata_schema_obj *o)
{
	const char *t;

	switch (o->kind) {
	case STRATA_OBJ_SCHEMA: return 0;
	case STRATA_OBJ_EXTENSION: return 1;
	case STRATA_OBJ_TYPE: return 2;
	case STRATA_OBJ_SEQUENCE: return 3;
	case STRATA_OBJ_FUNCTION: return 4;
	case STRATA_OBJ_PROCEDURE: return 5;
	case STRATA_OBJ_AGGREGATE: return 6;
	case STRATA_OBJ_TABLE: return 7;
	case STRATA_OBJ_COLUMN: return 8;
	case STRATA_OBJ_CONSTRAINT:
		t = strata_schema_attr_get(o, STRATA_ATTR_CONTYPE);
		return t && strcmp(t, STRATA_CONTYPE_FOREIGN) == 0 ? 10 : 9;
	case STRATA_OBJ_INDEX: return 11;
	case STRATA_OBJ_VIEW: return 12;
	case STRATA_OBJ_MATVIEW: return 13;
	case STRATA_OBJ_TRIGGER: return 14;
	case STRATA_OBJ_POLICY: return 15;
	case STRATA_OBJ_RULE: return 16;
	case STRATA_OBJ_GRANT: return 17;
	default: return 18;
	}
}

struct key_ix {
	char *key;
	size_t ix;
};

static int key_ix_cmp(const void *a, const void *b)
{
	return strcmp(((const struct key_ix *)a)->key, ((const struct key_ix *)b)->key);
}

static long key_find(const struct key_ix *keys, size_t n, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(keys[mid].key, key);

		if (c == 0)
			return (long)keys[mid].ix;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The node that writes object i: itself, or for an object without SQL its parent's. */
static size_t owner_of(const struct strata_schema *s, size_t i)
{
	static const enum strata_obj_kind owners[] = {STRATA_OBJ_TABLE, STRATA_OBJ_VIEW, STRATA_OBJ_MATVIEW,
						       STRATA_OBJ_TYPE};
	const struct strata_schema_obj *o = &s->objs[i];

	if (o->sql || !o->parent)
		return i;
	for (size_t k = 0; k < sizeof(owners) / sizeof(owners[0]); k++) {
		const struct strata_schema_obj *p = strata_schema_find(s, owners[k], o->schema, NULL, o->parent);

		if (p)
			return (size_t)(p - s->objs);
	}
	return i;
}

struct dump_state {
	const struct strata_schema *s;
	int *rank;      /* kind_rank of each object */
	size_t *indeg;  /* dependencies not yet written */
	size_t *eoff;   /* edges of node i: edge[eoff[i] .. eoff[i+1]) */
	size_t *edge;   /* the nodes that wait for node i */
	size_t *roff;   /* the same edges reversed: redge[roff[i] .. roff[i+1]) */
	size_t *redge;  /* the nodes node i waits for */
	size_t *heap;   /* ready nodes, a min-heap on (rank, index) */
	size_t nheap;
	char *done;     /* written (or pushed) */
};

static int before(const struct dump_state *st, size_t a, size_t b)
{
	if (st->rank[a] != st->rank[b])
		return st->rank[a] < st->rank[b];
	return a < b;
}

static void heap_push(struct dump_state *st, size_t v)
{
	size_t i = st->nheap++;

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!before(st, v, st->heap[p]))
			break;
		st->heap[i] = st->heap[p];
		i = p;
	}
	st->heap[i] = v;
}

static size_t heap_pop(struct dump_state *st)
{
	size_t top = st->heap[0], v = st->heap[--st->nheap], i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= st->nheap)
			break;
		if (c + 1 < st->nheap && before(st, st->heap[c + 1], st->heap[c]))
			c++;
		if (!before(st, st->heap[c], v))
			break;
		st->heap[i] = st->heap[c];
		i = c;
	}
	if (st->nheap)
		st->heap[i] = v;
	return top;
}

/*
 * Nothing is ready but objects remain: they all wait, so there is a cycle.
 * From the smallest waiting object, follow the smallest waiting dependency
 * until an object comes round again: those from its first visit on are a
 * cycle, and the smallest of them is written next (an object that only
 * waits for a cycle keeps waiting). seen[] holds the step each object was
 * visited at in this search, counted from `base` (larger than any earlier
 * search's steps).
 */
static size_t break_cycle(const struct dump_state *st, size_t *seen, size_t base)
{
	size_t n = st->s->n, v = n, step = base, best;

	for (size_t i = 0; i < n; i++)
		if (!st->done[i] && (v == n || before(st, i, v)))
			v = i;
	while (seen[v] < base) {
		size_t next = n;

		seen[v] = step++;
		for (size_t e = st->roff[v]; e < st->roff[v + 1]; e++) {
			size_t u = st->redge[e];

			if (!st->done[u] && (next == n || before(st, u, next)))
				next = u;
		}
		if (next == n)
			return v; /* cannot happen (a waiting object waits for one not written); be safe */
		v = next;
	}
	/* v starts the cycle: walk it again from v, keeping the smallest */
	best = v;
	for (size_t i = 0; i < n; i++)
		if (!st->done[i] && seen[i] >= seen[v] && seen[i] >= base && before(st, i, best))
			best = i;
	return best;
}

/*
 * Fill `order` (s->n entries) with the objects' indexes in dump order.
 * Returns 0 or STRATA_ENOMEM.
 */
int strata_schema_order(const struct strata_schema *s, size_t *order)
{
	struct dump_state st = {.s = s};
	struct key_ix *keys = NULL;
	size_t *owner = NULL, *from = NULL, *to = NULL, nedges = 0, cap = 0, norder = 0, stamp_base = 0;
	int rc = STRATA_ENOMEM;

	keys = calloc(s->n ? s->n : 1, sizeof(*keys));
	owner = calloc(s->n ? s->n : 1, sizeof(*owner));
	st.rank = calloc(s->n ? s->n : 1, sizeof(*st.rank));
	st.indeg = calloc(s->n ? s->n : 1, sizeof(*st.indeg));
	st.eoff = calloc(s->n + 1, sizeof(*st.eoff));
	st.heap = calloc(s->n ? s->n : 1, sizeof(*st.heap));
	st.done = calloc(s->n ? s->n : 1, 1);
	if (!keys || !owner || !st.rank || !st.indeg || !st.eoff || !st.heap || !st.done)
		goto out;
	for (size_t i = 0; i < s->n; i++) {
		keys[i].ix = i;
		if (!(keys[i].key = strata_schema_obj_key(&s->objs[i])))
			goto out;
		st.rank[i] = kind_rank(&s->objs[i]);
		owner[i] = owner_of(s, i);
	}
	qsort(keys, s->n, sizeof(*keys), key_ix_cmp);

	/* the edges dep -> object, between the nodes that write them */
	for (size_t i = 0; i < s->n; i++) {
		const struct strata_schema_obj *o = &s->objs[i];

		for (size_t d = 0; d < o->ndeps; d++) {
			long j = key_find(keys, s->n, o->deps[d]);
			size_t a, b;

			if (j < 0)
				continue; /* not part of this schema */
			a = owner[j];
			b = owner[i];
			if (a == b)
				continue;
			if (nedges == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				size_t *nf = realloc(from, ncap * sizeof(*nf)), *nt;

				if (!nf)
					goto out;
				from = nf;
				if (!(nt = realloc(to, ncap * sizeof(*nt))))
					goto out;
				to = nt;
				cap = ncap;
			}
			from[nedges] = a;
			to[nedges] = b;
			nedges++;
		}
	}
	st.edge = calloc(nedges ? nedges : 1, sizeof(*st.edge));
	st.redge = calloc(nedges ? nedges : 1, sizeof(*st.redge));
	st.roff = calloc(s->n + 1, sizeof(*st.roff));
	if (!st.edge || !st.redge || !st.roff)
		goto out;
	for (size_t e = 0; e < nedges; e++) {
		st.eoff[from[e] + 1]++;
		st.roff[to[e] + 1]++;
		st.indeg[to[e]]++;
	}
	for (size_t i = 0; i < s->n; i++) {
		st.eoff[i + 1] += st.eoff[i];
		st.roff[i + 1] += st.roff[i];
	}
	/* owner[] is no longer needed: its memory is the fill cursor */
	for (size_t i = 0; i < s->n; i++)
		owner[i] = st.eoff[i];
	for (size_t e = 0; e < nedges; e++)
		st.edge[owner[from[e]]++] = to[e];
	for (size_t i = 0; i < s->n; i++)
		owner[i] = st.roff[i];
	for (size_t e = 0; e < nedges; e++)
		st.redge[owner[to[e]]++] = from[e];
	for (size_t i = 0; i < s->n; i++)
		owner[i] = 0; /* now: the step a cycle search saw node i at (0: not seen) */

	for (size_t i = 0; i < s->n; i++)
		if (st.indeg[i] == 0) {
			st.done[i] = 1;
			heap_push(&st, i);
		}
	while (norder < s->n) {
		size_t v;

		if (st.nheap == 0) {
			size_t best = break_cycle(&st, owner, ++stamp_base);

			stamp_base += s->n;
			st.done[best] = 1;
			heap_push(&st, best);
		}
		v = heap_pop(&st);
		order[norder++] = v;
		for (size_t e = st.eoff[v]; e < st.eoff[v + 1]; e++) {
			size_t w = st.edge[e];

			if (st.indeg[w] > 0)
				st.indeg[w]--;
			if (st.indeg[w] == 0 && !st.done[w]) {
				st.done[w] = 1;
				heap_push(&st, w);
			}
		}
	}
	rc = 0;
out:
	if (keys)
		for (size_t i = 0; i < s->n; i++)
			free(keys[i].key);
	free(keys);
	free(owner);
	free(from);
	free(to);
	free(st.rank);
	free(st.indeg);
	free(st.eoff);
	free(st.edge);
	free(st.roff);
	free(st.redge);
	free(st.heap);
	free(st.done);
	return rc;
}

int strata_schema_dump(const struct strata_schema *s, char **sql, struct strata_err *err)
{
	struct strata_buf b;
	size_t *order;

	*sql = NULL;
	order = calloc(s->n ? s->n : 1, sizeof(*order));
	if (!order || strata_schema_order(s, order) < 0) {
		free(order);
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	}
	strata_buf_init(&b);
	strata_buf_adds(&b, DUMP_HEADER);
	for (size_t i = 0; i < s->nunhandled; i++)
		strata_buf_addf(&b, "-- not handled (left out): %s\n", s->unhandled[i]);
	if (s->preamble && *s->preamble) {
		strata_buf_addc(&b, '\n');
		strata_buf_adds(&b, s->preamble);
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct strata_schema_obj *o = &s->objs[order[i]];

		if (!o->sql || !*o->sql)
			continue; /* written by its parent */
		strata_buf_addc(&b, '\n');
		strata_buf_adds(&b, o->sql);
		if (o->sql[strlen(o->sql) - 1] != '\n')
			strata_buf_addc(&b, '\n');
	}
	free(order);
	if (!(*sql = strata_buf_detach(&b, NULL)))
		return strata_err_set(err, STRATA_ENOMEM, "out of memory");
	return 0;
}
