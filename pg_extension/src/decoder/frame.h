/*
 * frame.h — how the output plugin hands events to the in-server publisher.
 *
 * With the internal option `framed=true` (used only by the background worker, never by
 * pg_recvlogical users) every OutputPluginWrite payload is one frame: this fixed header, then
 * table_len bytes of table ("schema.table"), key_len bytes of key JSON, value_len bytes of the
 * event JSON. The worker turns a frame into one NATS message with the SPEC §4 headers without
 * re-parsing the JSON.
 *
 * Position of an event (Dbct-Position, and Nats-Msg-Id = "<name>:<position>"):
 *   "<commit_lsn>:<lsn>:<index>" with LSNs in PostgreSQL's X/X text form. Events are published
 *   in commit order, so (commit_lsn, lsn, index) increases strictly along the stream; a worker
 *   that restarts skips every event whose position is not after the stream's last one.
 *
 * In framed mode the commit callback always writes a TX_END frame, also for transactions that
 * touched no tracked table: with value_len 0 when transaction metadata is off (nothing is
 * published, but the worker learns it may confirm the slot past it — this is what keeps the
 * slot moving while the tracked tables are idle).
 */
#ifndef DBCT_DECODER_FRAME_H
#define DBCT_DECODER_FRAME_H

#include <stdint.h>

#define DBCT_FRAME_MAGIC 0x44424354u /* "DBCT" */

typedef enum DbctFrameKind {
	DBCT_FRAME_CHANGE = 1,		/* row change: c, u, d, r, t */
	DBCT_FRAME_TX_BEGIN = 2,	/* transaction metadata BEGIN (subject N.transaction) */
	DBCT_FRAME_TX_END = 3,		/* transaction metadata END (subject N.transaction) */
	DBCT_FRAME_MESSAGE = 4,		/* logical message, op m (subject N.message) */
	DBCT_FRAME_WATERMARK = 5	/* snapshot watermark: never published (value_len 0); the
								 * table bytes carry the message prefix, the key bytes its
								 * content */
} DbctFrameKind;

/*
 * Logical messages whose prefix starts with this are the snapshot's watermarks
 * (snapshot/snapshot.c): "dbchangetracking.watermark.<tracking>". The plugin never writes them
 * as events; in framed mode it hands them to the worker as DBCT_FRAME_WATERMARK frames.
 */
#define DBCT_WATERMARK_PREFIX "dbchangetracking.watermark."


typedef struct DbctFrameHeader
{
	uint32_t	magic;			/* DBCT_FRAME_MAGIC */
	uint8_t		kind;			/* DbctFrameKind */
	char		op;				/* Debezium op, or 0 for transaction records */
	uint16_t	index;			/* event index among events sharing (commit_lsn, lsn) */
	uint64_t	commit_lsn;		/* commit record LSN of the transaction; for a
								 * non-transactional message its record's start, which
								 * orders it between the commits around it */
	uint64_t	lsn;			/* LSN of the change */
	uint64_t	end_lsn;		/* TX_END frames: the transaction's end LSN; the slot may be
								 * confirmed up to it once every earlier frame is
								 * acknowledged. 0 on other frames. */
	uint32_t	table_len;
	uint32_t	key_len;
	uint32_t	value_len;
	uint32_t	reserved;
} DbctFrameHeader;

#endif							/* DBCT_DECODER_FRAME_H */
