/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TAP stream of the host unit tests: kbuf_tap() prints one "ok" or
 * "not ok" line a check, with the check's name; kbuf_tap_done() prints the
 * plan and says how many failed. The habits of kselftest_harness.h, small.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#ifndef KBUF_TAP_H
#define KBUF_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/**
 * struct kbuf_tap - the TAP stream
 * @n:      tests run
 * @failed: tests failed
 */
struct kbuf_tap {
	int n;
	int failed;
};

static inline void kbuf_tap(struct kbuf_tap *t, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++t->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!ok)
		t->failed++;
}

/* The plan, then the exit status: 0 if every test passed, else 1. */
static inline int kbuf_tap_done(const struct kbuf_tap *t)
{
	printf("1..%d\n", t->n);
	if (t->failed)
		printf("# %d of %d failed\n", t->failed, t->n);
	return t->failed ? 1 : 0;
}

#endif /* KBUF_TAP_H */
