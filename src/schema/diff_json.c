/*
 * schema/diff_json.c - strata_schema_diff_json: a schema diff as the JSON
 * that `check --json` and `test --json` print, so every command that
 * reports differences reports them in one shape. Built with cJSON, as the
 * CLI's other JSON is; values are given whole (the one-line shortening is
 * the text report's, strata_schema_diff_line), and each item also carries
 * that text line for people reading the JSON.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "model.h"
#include "../util.h"

static const char *op_name(enum strata_diff_op op)
{
	switch (op) {
	case STRATA_DIFF_ADDED: return "added";
	case STRATA_DIFF_REMOVED: return "removed";
	case STRATA_DIFF_CHANGED: return "changed";
	}
	return "?";
}

/* s, or JSON null for NULL. */
static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *item_json(const struct strata_schema_diff_item *it)
{
	cJSON *o = cJSON_CreateObject();
	char *line = NULL;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "op", op_name(it->op));
	cJSON_AddStringToObject(o, "kind", strata_obj_kind_name(it->kind));
	cJSON_AddStringToObject(o, "object", it->object ? it->object : "");
	if (it->op == STRATA_DIFF_CHANGED) {
		cJSON_AddStringToObject(o, "attribute", it->attr ? it->attr : "");
		cJSON_AddItemToObject(o, "before", str_or_null(it->before));
		cJSON_AddItemToObject(o, "after", str_or_null(it->after));
	} else {
		cJSON_AddItemToObject(o, "sql", str_or_null(it->sql));
	}
	if (strata_schema_diff_line(it, &line) < 0) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddStringToObject(o, "line", line);
	free(line);
	return o;
}

int strata_schema_diff_json(const struct strata_schema_diff *d, char **json)
{
	cJSON *root, *items, *unhandled;
	char *text;

	*json = NULL;
	if (!(root = cJSON_CreateObject()))
		return STRATA_ENOMEM;
	cJSON_AddBoolToObject(root, "equal", d->n == 0 && d->nunhandled == 0);
	cJSON_AddBoolToObject(root, "order_only", d->order_only != 0);
	items = cJSON_AddArrayToObject(root, "differences");
	unhandled = cJSON_AddArrayToObject(root, "not_handled");
	if (!items || !unhandled)
		goto oom;
	for (size_t i = 0; i < d->n; i++) {
		cJSON *o = item_json(&d->items[i]);

		if (!o)
			goto oom;
		cJSON_AddItemToArray(items, o);
	}
	for (size_t i = 0; i < d->nunhandled; i++) {
		cJSON *s = cJSON_CreateString(d->unhandled[i]);

		if (!s)
			goto oom;
		cJSON_AddItemToArray(unhandled, s);
	}
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!text)
		return STRATA_ENOMEM;
	/* the caller frees with free(), whatever allocator cJSON was given */
	*json = strata_strdup(text);
	cJSON_free(text);
	return *json ? 0 : STRATA_ENOMEM;
oom:
	cJSON_Delete(root);
	return STRATA_ENOMEM;
}
