/*
 * The identity of a relation's files: tablespace, database and relfilenode
 * numbers, as WAL records and file paths name them, and the numbers of its
 * forks.
 */
#ifndef RW_RELFILE_LOCATOR_H
#define RW_RELFILE_LOCATOR_H

#include <stdbool.h>
#include <stdint.h>

typedef struct relfile_locator {
	uint32_t	spc;
	uint32_t	db;
	uint32_t	rel;
} relfile_locator;

/* forks */
#define FORK_MAIN 0
#define FORK_FSM 1
#define FORK_VM 2
#define FORK_INIT 3

static inline bool
relfile_locator_equal(relfile_locator a, relfile_locator b)
{
	return a.spc == b.spc && a.db == b.db && a.rel == b.rel;
}

#endif
