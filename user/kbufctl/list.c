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
#include <stdlib.h>
#include <string.h>

#include "kbufctl.h"

#define KBUF_LIST_COLS 8
#define KBUF_FIELD_LEN 40

/**
 * struct kbuf_list_col - one column of the table
 * @title:   its heading
 * @attr:    the sysfs attribute it shows, or NULL for the name
 * @numeric: right-aligned in the table, a number in JSON
 */
struct kbuf_list_col {
	const char *title;
	const char *attr;
	bool numeric;
};

static const struct kbuf_list_col kbuf_list_cols[KBUF_LIST_COLS] = {
	{ .title = "NAME" },
	{ .title = "BACKEND", .attr = "backend" },
	{ .title = "CAPACITY", .attr = "capacity", .numeric = true },
	{ .title = "LENGTH", .attr = "length", .numeric = true },
	{ .title = "MAP", .attr = "map_mode" },
	{ .title = "GFP", .attr = "gfp" },
	{ .title = "MAPPINGS", .attr = "mappings", .numeric = true },
	{ .title = "OPENS", .attr = "opens", .numeric = true },
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
		errx(KBUF_EXIT_FAIL, "%s: %s (is the kbuf module loaded?)",
		     KBUF_SYSFS_DIR, strerror(errno));
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

static void kbuf_list_table(const struct kbuf_list_row *rows, size_t nr)
{
	int width[KBUF_LIST_COLS];
	size_t r, c;

	for (c = 0; c < KBUF_LIST_COLS; c++)
		width[c] = (int)strlen(kbuf_list_cols[c].title);
	for (r = 0; r < nr; r++)
		for (c = 0; c < KBUF_LIST_COLS; c++)
			if ((int)strlen(rows[r].field[c]) > width[c])
				width[c] = (int)strlen(rows[r].field[c]);
	for (r = 0; r <= nr; r++) {
		for (c = 0; c < KBUF_LIST_COLS; c++) {
			const char *s = r ? rows[r - 1].field[c] :
					    kbuf_list_cols[c].title;
			int w = kbuf_list_cols[c].numeric ? width[c] :
							    -width[c];

			if (c == KBUF_LIST_COLS - 1)
				w = kbuf_list_cols[c].numeric ? width[c] : 0;
			printf("%s%*s", c ? "  " : "", w, s);
		}
		putchar('\n');
	}
}

static void kbuf_list_json(const struct kbuf_list_row *rows, size_t nr)
{
	const char *key, *val;
	size_t r, c;
	__u64 num;

	putchar('[');
	for (r = 0; r < nr; r++) {
		printf("%s{", r ? "," : "");
		for (c = 0; c < KBUF_LIST_COLS; c++) {
			key = kbuf_list_cols[c].attr ?: "name";
			val = rows[r].field[c];
			printf("%s\"%s\":", c ? "," : "", key);
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
	"Usage: kbufctl list [--json]",
	"",
	"List every buffer: name, backend, capacity, length, map mode, gfp,",
	"live mappings and open files, read from /sys/class/kbuf.",
	"",
	"Options:",
	" -j, --json   print a JSON array of objects, keys named as in sysfs",
	" -h, --help   show this help",
	NULL,
};

int kbuf_cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kbuf_list_row *rows;
	bool json = false;
	size_t nr;
	int c;

	while ((c = kbuf_getopt(argc, argv, "jh", opts, kbuf_list_help)) != -1)
		if (c == 'j')
			json = true;
	kbuf_args_done(argc, argv);
	rows = kbuf_list_rows(&nr);
	if (json)
		kbuf_list_json(rows, nr);
	else
		kbuf_list_table(rows, nr);
	free(rows);
	return KBUF_EXIT_OK;
}
