/*
 * Reading the source's WAL through the source (its server or its data
 * directory), page by page, for a walreader: the files are named by the
 * source's timeline history and read a chunk at a time, never whole.
 */
#ifndef RW_SOURCE_WAL_H
#define RW_SOURCE_WAL_H

#include <stdint.h>

#include "source/source.h"
#include "timeline.h"
#include "walreader.h"

typedef struct source_wal source_wal;

/* src and history must outlive the reader. */
source_wal *source_wal_open(source *src, const tl_history *history, uint32_t segsize,
							uint32_t page_size);
void		source_wal_close(source_wal *w);

/* The page source to hand to walreader_new(). */
wal_page_reader source_wal_page_reader(source_wal *w);

/* Bytes fetched so far. */
uint64_t	source_wal_bytes_read(const source_wal *w);

#endif
