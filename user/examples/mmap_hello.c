// SPDX-License-Identifier: GPL-2.0-only
/*
 * mmap_hello: put a string into a kbuf buffer through a memory mapping.
 *
 * It says what it did; afterwards "cat /dev/kbuf/vmalloc" prints the
 * string: the mapping and read() show the same kernel memory.
 *
 * Copyright (C) 2025 The kbuf authors
 */
#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kbuf.h> /* the driver's ioctls: installed by make install */

int main(void)
{
	static const char dev[] = "/dev/kbuf/vmalloc";
	static const char msg[] = "hello from mmap\n";
	__u64 len = strlen(msg); /* the bytes, without the NUL */
	long page = sysconf(_SC_PAGESIZE);
	char *map;
	int fd;

	/* Read and write access: a shared writable mapping needs both. */
	fd = open(dev, O_RDWR);
	if (fd < 0)
		err(1, "%s", dev);

	/*
	 * Map the first page. MAP_SHARED makes our stores land in the
	 * buffer itself; kbuf refuses MAP_PRIVATE (a private copy).
	 */
	map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		err(1, "%s: mmap", dev);

	/* An ordinary memory copy is now a store into kernel memory. */
	memcpy(map, msg, len);

	/*
	 * Stores through a mapping do not move the buffer's length (the
	 * number of valid bytes read() returns): set it with the ioctl.
	 */
	if (ioctl(fd, KBUF_IOC_SET_LENGTH, &len))
		err(1, "%s: KBUF_IOC_SET_LENGTH", dev);

	/* Unmap and close; the data stays in the buffer. */
	if (munmap(map, page))
		err(1, "%s: munmap", dev);
	close(fd);
	printf("%s: wrote %llu bytes through a shared mapping and set the length\n",
	       dev, (unsigned long long)len);
	printf("now: cat %s\n", dev);
	return 0;
}
