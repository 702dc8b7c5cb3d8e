/*
 * Fuzz targets for every parser of untrusted bytes.  Each fuzz_*.c defines
 * one entry point below; built with libFuzzer it is also the
 * LLVMFuzzerTestOneInput of that target (see "make fuzz"), and the unit
 * tests replay fuzz/regressions/<target>/ through it.
 */
#ifndef RW_FUZZ_H
#define RW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* WAL: the bytes are a run of 8 kB pages read from the first page on. */
int			fuzz_wal_one(const uint8_t *data, size_t size);

/* pg_control, parsed as each supported major. */
int			fuzz_control_one(const uint8_t *data, size_t size);

/* A timeline history file. */
int			fuzz_history_one(const uint8_t *data, size_t size);

/* The source server's replies: listing rows, fetch and hash rows. */
int			fuzz_source_reply_one(const uint8_t *data, size_t size);

#ifdef FUZZ_LIBFUZZER
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ENTRY(fn) \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fn(data, size); }
#else
#define FUZZ_ENTRY(fn)
#endif

#endif
