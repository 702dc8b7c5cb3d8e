/*
 * WAL positions (LSNs), segment numbers and WAL file names.
 */
#ifndef RW_LSN_H
#define RW_LSN_H

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t lsn_t;

#define LSN_INVALID ((lsn_t) 0)

/* printf support: printf("at " LSN_FMT, LSN_ARGS(x)) prints "at 0/18B1420" */
#define LSN_FMT "%X/%X"
#define LSN_ARGS(l) (unsigned) ((uint64_t) (l) >> 32), (unsigned) (l)

#define WAL_FILE_NAME_LEN 24	/* TTTTTTTTXXXXXXXXYYYYYYYY */

/* Parse "X/X" (upper or lower case hex, any zero padding). */
bool		lsn_parse(const char *s, lsn_t *out);

/* A valid WAL segment size: a power of two from 1 MiB to 1 GiB. */
bool		wal_segsize_valid(uint32_t segsize);

/* Segment that holds the byte at lsn (record start rule). */
uint64_t	lsn_segno(lsn_t lsn, uint32_t segsize);

/* Segment that holds the byte just before lsn (end-position rule). */
uint64_t	lsn_segno_of_end(lsn_t lsn, uint32_t segsize);

/* First LSN of a segment. */
lsn_t		segno_start(uint64_t segno, uint32_t segsize);

/* Byte offset of lsn inside its segment. */
uint32_t	lsn_segment_offset(lsn_t lsn, uint32_t segsize);

/* Write the 24-character WAL file name (plus NUL) into out. */
void		wal_file_name(char out[WAL_FILE_NAME_LEN + 1], uint32_t tli,
						  uint64_t segno, uint32_t segsize);

/*
 * Parse a WAL segment file name (exactly 24 hex digits).  Fails for names
 * whose segment part is out of range for segsize.
 */
bool		wal_file_name_parse(const char *name, uint32_t segsize,
								uint32_t *tli, uint64_t *segno);

/* "0000000A.history" -> tli 10.  Exactly 8 hex digits + ".history". */
bool		wal_history_name_parse(const char *name, uint32_t *tli);

/* Write "TTTTTTTT.history" into out (17 bytes). */
void		wal_history_name(char out[17], uint32_t tli);

#endif
