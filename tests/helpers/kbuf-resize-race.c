// SPDX-License-Identifier: GPL-2.0-only
/*
 * kbuf-resize-race: resizes racing with short-lived mappings.
 *
 *   kbuf-resize-race DEV SIZE RESIZES
 *
 * A thread maps one page of DEV at a time, stores a 64-bit serial number
 * in the next slot (slot i of the buffer holds i) and unmaps it again,
 * while the main thread resizes DEV to SIZE (its current capacity, so
 * every slot is kept) until RESIZES of them succeeded; EBUSY (a mapping
 * existed, or came and went during the copy) is counted and retried.
 * Then every slot written must still hold its number: a resize that
 * returned 0 must not have lost a store made through a mapping.
 *
 * Prints "resizes N ebusy M stores K lost L"; exits 1 if L is not 0, 2
 * on usage errors or an unexpected error.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "kbuf-test.h"

#define KR_PAGE 4096UL
#define KR_SLOTS_PER_PAGE (KR_PAGE / sizeof(__u64))

static int kr_fd;
static unsigned long kr_slots;
static atomic_bool kr_stop;
static atomic_ulong kr_stored;

/* Store @i in slot @i through a mapping of its page made for it alone. */
static void kr_store(unsigned long i)
{
	__u64 *p;

	p = mmap(NULL, KR_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, kr_fd,
		 (off_t)(i / KR_SLOTS_PER_PAGE * KR_PAGE));
	if (p == MAP_FAILED)
		err(KT_USAGE, "mmap for slot %lu", i);
	p[i % KR_SLOTS_PER_PAGE] = i;
	if (munmap(p, KR_PAGE))
		err(KT_USAGE, "munmap");
}

static void *kr_mapper(void *arg)
{
	unsigned long i;

	(void)arg;
	for (i = 1; i < kr_slots && !atomic_load(&kr_stop); i++) {
		kr_store(i);
		atomic_store(&kr_stored, i);
	}
	return NULL;
}

/* Resize until @want succeeded; return how many were EBUSY. */
static unsigned long kr_resize(__u64 size, unsigned long want)
{
	unsigned long ok = 0, busy = 0;

	while (ok < want) {
		if (!ioctl(kr_fd, KBUF_IOC_RESIZE, &size))
			ok++;
		else if (errno == EBUSY)
			busy++;
		else
			err(KT_USAGE, "KBUF_IOC_RESIZE");
	}
	return busy;
}

static unsigned long kr_lost(unsigned long stored)
{
	__u64 *m;
	unsigned long i, lost = 0;

	m = mmap(NULL, kr_slots * sizeof(*m), PROT_READ, MAP_SHARED, kr_fd, 0);
	if (m == MAP_FAILED)
		err(KT_USAGE, "mmap to check");
	for (i = 1; i <= stored; i++)
		lost += m[i] != i;
	munmap(m, kr_slots * sizeof(*m));
	return lost;
}

int main(int argc, char **argv)
{
	unsigned long want, busy, stored, lost;
	pthread_t mapper;
	__u64 size;

	if (argc != 4)
		errx(KT_USAGE, "usage: kbuf-resize-race DEV SIZE RESIZES");
	kr_fd = kt_open(argv[1], O_RDWR);
	size = kt_u64(argv[2]);
	want = kt_u64(argv[3]);
	kr_slots = size / sizeof(__u64);
	if (pthread_create(&mapper, NULL, kr_mapper, NULL))
		errx(KT_USAGE, "pthread_create");
	busy = kr_resize(size, want);
	atomic_store(&kr_stop, true);
	pthread_join(mapper, NULL);
	stored = atomic_load(&kr_stored);
	lost = kr_lost(stored);
	printf("resizes %lu ebusy %lu stores %lu lost %lu\n", want, busy,
	       stored, lost);
	return lost ? 1 : 0;
}
