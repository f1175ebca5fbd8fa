// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbufctl list: every buffer, from /sys/class/kbuf, as an aligned table or
 * as JSON. Nothing is opened, so the counts are not disturbed.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kbufctl.h"

#define KBUF_LIST_COLS 9
#define KBUF_FIELD_LEN 40

/**
 * struct kbuf_list_col - one column of the table
 * @title:   its heading, and its name for --output
 * @attr:    the sysfs attribute it shows, or NULL for the name
 * @numeric: right-aligned in the table, a number in JSON
 * @size:    a byte count: human-readable unless --bytes
 */
struct kbuf_list_col {
	const char *title;
	const char *attr;
	bool numeric;
	bool size;
};

static const struct kbuf_list_col kbuf_list_cols[KBUF_LIST_COLS] = {
	{ .title = "NAME" },
	{ .title = "BACKEND", .attr = "backend" },
	{ .title = "CAPACITY",
	  .attr = "capacity",
	  .numeric = true,
	  .size = true },
	{ .title = "LENGTH", .attr = "length", .numeric = true, .size = true },
	{ .title = "MAP", .attr = "map_mode" },
	{ .title = "GFP", .attr = "gfp" },
	{ .title = "MAPPINGS", .attr = "mappings", .numeric = true },
	{ .title = "OPENS", .attr = "opens", .numeric = true },
	{ .title = "EXPORTS", .attr = "exports", .numeric = true },
};

/**
 * struct kbuf_list_opts - what "kbufctl list" was asked to show
 * @cols:       the columns shown, as indexes into kbuf_list_cols
 * @nr_cols:    how many
 * @json:       a JSON array instead of a table
 * @noheadings: no heading line
 * @raw:        fields separated by one space, no alignment
 * @bytes:      sizes in bytes
 */
struct kbuf_list_opts {
	unsigned int cols[KBUF_LIST_COLS];
	unsigned int nr_cols;
	bool json;
	bool noheadings;
	bool raw;
	bool bytes;
};

struct kbuf_list_row {
	char field[KBUF_LIST_COLS][KBUF_FIELD_LEN];
};

static int kbuf_list_filter(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Read one buffer's row; false if it vanished meanwhile. */
static bool kbuf_list_read_row(const char *name, struct kbuf_list_row *row)
{
	size_t i;

	snprintf(row->field[0], KBUF_FIELD_LEN, "%.*s", KBUF_FIELD_LEN - 1,
		 name);
	for (i = 1; i < KBUF_LIST_COLS; i++) {
		int ret = kbuf_sysfs_read(name, kbuf_list_cols[i].attr,
					  row->field[i], KBUF_FIELD_LEN);

		if (ret == -ENOENT && i == 1)
			return false;
		if (ret)
			snprintf(row->field[i], KBUF_FIELD_LEN, "?");
	}
	return true;
}

/* All rows, sorted by name; exits 1 if the class is missing. */
static struct kbuf_list_row *kbuf_list_rows(size_t *nr)
{
	struct kbuf_list_row *rows;
	struct dirent **names;
	int n, i;

	n = scandir(KBUF_SYSFS_DIR, &names, kbuf_list_filter, alphasort);
	if (n < 0)
		kbuf_open_fail(KBUF_SYSFS_DIR, errno, O_RDONLY);
	rows = calloc((size_t)n + 1, sizeof(*rows));
	if (!rows)
		err(KBUF_EXIT_FAIL, "calloc");
	*nr = 0;
	for (i = 0; i < n; i++) {
		if (kbuf_list_read_row(names[i]->d_name, &rows[*nr]))
			(*nr)++;
		free(names[i]);
	}
	free(names);
	return rows;
}

/* Field @c of row @r as shown: human sizes unless --bytes. */
static const char *kbuf_list_field(const struct kbuf_list_opts *o,
				   struct kbuf_list_row *r, unsigned int c)
{
	char *f = r->field[c];
	__u64 v;

	if (kbuf_list_cols[c].size && !o->bytes && !kbuf_parse_size(f, &v))
		kbuf_format_size_short(v, f, KBUF_FIELD_LEN);
	return f;
}

static void kbuf_list_table(const struct kbuf_list_opts *o,
			    struct kbuf_list_row *rows, size_t nr)
{
	int width[KBUF_LIST_COLS] = { 0 };
	unsigned int i, c, last = o->nr_cols - 1;
	size_t r;

	for (i = 0; i < o->nr_cols; i++) {
		c = o->cols[i];
		if (!o->noheadings)
			width[i] = (int)strlen(kbuf_list_cols[c].title);
		for (r = 0; r < nr; r++)
			if ((int)strlen(kbuf_list_field(o, &rows[r], c)) >
			    width[i])
				width[i] = (int)strlen(rows[r].field[c]);
	}
	for (r = o->noheadings; r <= nr; r++) {
		for (i = 0; i < o->nr_cols; i++) {
			const char *s = r ? rows[r - 1].field[o->cols[i]] :
					    kbuf_list_cols[o->cols[i]].title;
			int w = kbuf_list_cols[o->cols[i]].numeric ? width[i] :
								     -width[i];

			if (o->raw || (i == last && w < 0))
				w = 0;
			printf("%s%*s", i ? (o->raw ? " " : "  ") : "", w, s);
		}
		putchar('\n');
	}
}

static void kbuf_list_json(const struct kbuf_list_opts *o,
			   const struct kbuf_list_row *rows, size_t nr)
{
	const char *key, *val;
	unsigned int i, c;
	size_t r;
	__u64 num;

	putchar('[');
	for (r = 0; r < nr; r++) {
		printf("%s{", r ? "," : "");
		for (i = 0; i < o->nr_cols; i++) {
			c = o->cols[i];
			key = kbuf_list_cols[c].attr ?: "name";
			val = rows[r].field[c];
			printf("%s\"%s\":", i ? "," : "", key);
			if (!kbuf_list_cols[c].numeric)
				kbuf_json_string(stdout, val);
			else if (kbuf_parse_size(val, &num))
				printf("null");
			else
				printf("%llu", (unsigned long long)num);
		}
		putchar('}');
	}
	printf("]\n");
}

static const char *const kbuf_list_help[] = {
	"Usage: kbufctl list [--output COLS] [--noheadings] [--raw] [--bytes]",
	"       kbufctl list --json [--output COLS]",
	"",
	"List every buffer, read from /sys/class/kbuf: nothing is opened, so",
	"the counts are not disturbed. Sizes are human-readable (64K, 1M)",
	"unless --bytes; JSON always gives bytes.",
	"",
	"Options:",
	" -o, --output COLS   the columns to show, comma-separated; +COLS adds",
	"                     to those chosen so far",
	" -n, --noheadings    no heading line",
	" -r, --raw           one space between fields, no alignment",
	" -b, --bytes         sizes in bytes",
	" -j, --json          a JSON array of objects, keys named as in sysfs",
	" -h, --help          show this help",
	"",
	"Columns:",
	" NAME       the buffer's name (/dev/kbuf/NAME)",
	" BACKEND    kmalloc, pages or vmalloc",
	" CAPACITY   bytes it can hold",
	" LENGTH     bytes of valid data",
	" MAP        map mode: page or pfn",
	" GFP        kernel or atomic",
	" MAPPINGS   live mappings",
	" OPENS      open files",
	" EXPORTS    live dma-bufs (kbufctl export)",
	NULL,
};

/* Is column @c among those @o shows? */
static bool kbuf_list_has(const struct kbuf_list_opts *o, unsigned int c)
{
	unsigned int i;

	for (i = 0; i < o->nr_cols; i++)
		if (o->cols[i] == c)
			return true;
	return false;
}

/* One --output list being read: the columns, and whether '+' adds to them. */
struct kbuf_list_output_ctx {
	struct kbuf_list_opts *o;
	bool add;
};

static void kbuf_list_column(const char *prog, const char *tok, void *arg)
{
	struct kbuf_list_output_ctx *ctx = arg;
	struct kbuf_list_opts *o = ctx->o;
	unsigned int c;

	for (c = 0; c < KBUF_LIST_COLS; c++)
		if (!strcasecmp(tok, kbuf_list_cols[c].title))
			break;
	if (c == KBUF_LIST_COLS)
		kbuf_usage_error(prog, "unknown column '%s'", tok);
	if (ctx->add && kbuf_list_has(o, c))
		return;
	if (o->nr_cols == KBUF_LIST_COLS)
		kbuf_usage_error(prog, "more than %d columns", KBUF_LIST_COLS);
	o->cols[o->nr_cols++] = c;
}

/*
 * --output: column names, any case, comma-separated; with a leading '+',
 * added to the columns already chosen (those not shown yet), as lsblk.
 */
static void kbuf_list_output(const char *prog, const char *arg,
			     struct kbuf_list_opts *o)
{
	struct kbuf_list_output_ctx ctx = { .o = o, .add = arg[0] == '+' };

	if (!ctx.add)
		o->nr_cols = 0;
	kbuf_arg_list(prog, arg + ctx.add, "strdup", kbuf_list_column, &ctx);
	if (!o->nr_cols)
		kbuf_usage_error(prog, "--output needs at least one column");
}

static void kbuf_list_parse(int argc, char **argv, struct kbuf_list_opts *o)
{
	static const char spec[] =
		"o,output= n,noheadings r,raw b,bytes j,json";
	unsigned int c;
	int opt;

	memset(o, 0, sizeof(*o));
	for (c = 0; c < KBUF_LIST_COLS; c++)
		o->cols[o->nr_cols++] = c;
	while ((opt = kbuf_getopt(argc, argv, spec, kbuf_list_help)) != -1) {
		if (opt == 'o')
			kbuf_list_output(argv[0], optarg, o);
		o->noheadings |= opt == 'n';
		o->raw |= opt == 'r';
		o->bytes |= opt == 'b';
		o->json |= opt == 'j';
	}
	if (o->json && (o->noheadings || o->raw))
		kbuf_usage_error(argv[0],
				 "--json %s: drop --noheadings and --raw",
				 "has no heading and no alignment");
	kbuf_args_done(argc, argv);
}

int kbuf_cmd_list(int argc, char **argv)
{
	struct kbuf_list_opts o;
	struct kbuf_list_row *rows;
	size_t nr;

	kbuf_list_parse(argc, argv, &o);
	rows = kbuf_list_rows(&nr);
	if (o.json)
		kbuf_list_json(&o, rows, nr);
	else
		kbuf_list_table(&o, rows, nr);
	free(rows);
	return KBUF_EXIT_OK;
}
