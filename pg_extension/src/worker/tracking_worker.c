/*
 * tracking_worker.c — the background worker of one tracking.
 *
 * It decodes the tracking's replication slot in-process (as logicalfuncs.c does for
 * pg_logical_slot_get_changes, without the walsender round trip) with the output plugin in
 * framed mode, publishes every frame to JetStream, and confirms the slot only up to the end of
 * transactions whose frames JetStream has all acknowledged.
 *
 * Flow of one attempt: read the catalog row; connect to NATS (retrying with capped backoff,
 * state 'retrying'); ensure the stream; read the stream's last Dbct-Position; acquire the slot;
 * then loop: decode up to the flushed WAL in bounded batches, confirm what is acknowledged,
 * and sleep on the latch (set by commits in this database, see dbchangetracking.c) when caught
 * up. No transaction is open while it sleeps. An error ends the attempt: the process exits,
 * records the error and a backoff in the registry, and the launcher starts it again; the slot
 * and the stream's last position make the restart exactly once.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "access/xlogreader.h"
#include "access/xlogutils.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "replication/decode.h"
#include "replication/logical.h"
#include "replication/slot.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/memutils.h"
#include "utils/pg_lsn.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "bridge/publisher_bridge.h"
#include "dbchangetracking.h"
#include "decoder/frame.h"
#include "worker/registry.h"
#include "worker/tracking_worker.h"

#define IDLE_WAIT_MS 1000			/* fallback when no commit wakes us */
#define ACK_WAIT_MS 20				/* while acknowledgements are outstanding */
#define BATCH_RECORDS 20000			/* WAL records decoded between confirmations */
#define STATUS_INTERVAL_MS 5000		/* SPEC §4: status refreshed at least every 5 s */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
#define OFFSET_INTERVAL_MS 1000		/* the offsets entry is written at most this often */
#define ACKED_BUCKET_MS 1000		/* acknowledged positions kept per this span (confirmDelay) */

/* A transaction end waiting for its frames to be acknowledged (and confirmDelay to pass). */
typedef struct PendingConfirm
{
	uint64		seq_needed;		/* highest message seq published before the end */
	XLogRecPtr	end_lsn;
	TimestampTz acked_at;		/* 0 until acknowledged */
} PendingConfirm;

/* A positioned message in flight, or (acked_at set) a span of acknowledged ones. */
typedef struct PositionMark
{
	uint64		seq;
	DbctPosition pos;
	TimestampTz opened_at;		/* acknowledged spans: when the span began */
	TimestampTz acked_at;		/* acknowledged spans: its newest acknowledgement */
} PositionMark;

/* A FIFO of marks, grown on demand. */
typedef struct MarkQueue
{
	PositionMark *items;
	int			head;
	int			count;
	int			cap;
} MarkQueue;

/* Everything one attempt of the worker holds. */
typedef struct WorkerState
{
	DbctEntry  *entry;
	uint64		generation;
	DbctTrackingConfig config;
	DbctPublisher *pub;

	/* exactly once: frames at or before this position are in the stream already */
	bool		has_resume;
	DbctPosition resume;

	uint64		next_seq;		/* next message sequence number */
	uint64		last_seq;		/* last one published (0: none) */
	uint64		acked;			/* publisher's watermark */

	PendingConfirm *pending;
	int			pending_head;
	int			pending_count;
	int			pending_cap;

	XLogRecPtr	confirmed_lsn;
	uint64		events_total;
	uint64		events_at_rate;
	TimestampTz rate_at;
	TimestampTz caught_up_at;
	TimestampTz status_sent_at;
	TimestampTz heartbeat_at;	/* when the last heartbeat was published */
	char	   *recovering;		/* why the publisher is resending, or NULL */

	/*
	 * The offsets entry (KV dbchangetracking-offsets, key N): the newest position whose
	 * message and every earlier one JetStream acknowledged (and, with confirmDelay, that long
	 * ago). Heartbeats may push every change out of a bounded stream; this entry still knows
	 * where the stream ended.
	 */
	MarkQueue	in_flight;		/* positioned messages not acknowledged yet */
	MarkQueue	acked_spans;	/* acknowledged, waiting for confirmDelay */
	bool		has_acked;
	DbctPosition acked_pos;		/* newest acknowledged position (the status' position) */
	bool		has_durable;
	DbctPosition durable;		/* newest position the offsets entry may hold */
	bool		durable_stored; /* the offsets entry holds it */
	TimestampTz offset_sent_at;
	bool		connected;		/* NATS was reached: the control plane may be written */
	bool		final_reported; /* the last status before exit was written */
} WorkerState;

static WorkerState ws;

/* SIGTERM arrived (ProcessInterrupts clears ProcDiePending before the FATAL, so keep our own). */
static volatile sig_atomic_t got_sigterm = false;

static void publish_frame(const char *data, Size len);
static void update_status(bool force);
static void report_final(DbctState state);

/* ---- positions ------------------------------------------------------------------------------ */

/*
 * dbct_format_position — "<commit_lsn>:<lsn>:<index>" with LSNs as X/X (frame.h).
 */
int
dbct_format_position(char *buf, size_t size, const DbctPosition *pos)
{
	return snprintf(buf, size, "%X/%X:%X/%X:%u",
					LSN_FORMAT_ARGS(pos->commit_lsn), LSN_FORMAT_ARGS(pos->lsn), pos->index);
}

bool
dbct_parse_position(const char *text, DbctPosition *pos)
{
	uint32		c_hi,
				c_lo,
				l_hi,
				l_lo,
				index;
	char		tail;

	if (sscanf(text, "%X/%X:%X/%X:%u%c", &c_hi, &c_lo, &l_hi, &l_lo, &index, &tail) != 5)
		return false;
	pos->commit_lsn = ((uint64) c_hi << 32) | c_lo;
	pos->lsn = ((uint64) l_hi << 32) | l_lo;
	pos->index = index;
	return true;
}

int
dbct_compare_position(const DbctPosition *a, const DbctPosition *b)
{
	if (a->commit_lsn != b->commit_lsn)
		return a->commit_lsn < b->commit_lsn ? -1 : 1;
	if (a->lsn != b->lsn)
		return a->lsn < b->lsn ? -1 : 1;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	return 0;
}

/* ---- registry ------------------------------------------------------------------------------- */

/*
 * should_stop — the tracking was paused, removed or changed: this attempt ends cleanly.
 */
static bool
should_stop(void)
{
	DbctEntry  *entry = ws.entry;

	return !entry->in_use || entry->removed || entry->paused ||
		entry->generation != ws.generation;
}

static void
set_state(DbctState state, const char *error)
{
	dbct_entry_set_state(ws.entry, state, error);
}

static int
backoff_ms(int failures)
{
	int			ms = BACKOFF_MIN_MS;

	for (int i = 1; i < failures && ms < BACKOFF_MAX_MS; i++)
		ms *= 2;
	return Min(ms, BACKOFF_MAX_MS);
}

/*
 * record_failure — keep the error for the status view and schedule the restart.
 */
static void
record_failure(const char *message)
{
	DbctEntry  *entry = ws.entry;
	int			failures;

	SpinLockAcquire(&entry->mutex);
	failures = ++entry->failures;
	entry->state = DBCT_STATE_RETRYING;
	strlcpy(entry->last_error, message, DBCT_ERROR_LEN);
	entry->next_start_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
													   backoff_ms(failures));
	SpinLockRelease(&entry->mutex);
}

static void
detach_from_entry(int code, Datum arg)
{
	DbctEntry  *entry = ws.entry;

	if (entry == NULL)
		return;

	/*
	 * Stopped by SIGTERM (server shutdown, pg_terminate_backend): a clean stop too, so the
	 * control plane says 'stopped' rather than going stale. The C++ side never calls
	 * PostgreSQL, so it is safe to use here.
	 */
	if (got_sigterm && ws.connected && !ws.final_reported)
		report_final(DBCT_STATE_STOPPED);

	SpinLockAcquire(&entry->mutex);
	if (entry->pid == MyProcPid)
	{
		entry->pid = 0;
		entry->latch = NULL;
		if (entry->state == DBCT_STATE_STREAMING || entry->state == DBCT_STATE_STARTING ||
			entry->state == DBCT_STATE_SNAPSHOTTING)
			entry->state = DBCT_STATE_STOPPED;	/* 'paused' comes from entry->paused */
	}
	SpinLockRelease(&entry->mutex);
	dbct_wake_launcher();
}

/* ---- waiting -------------------------------------------------------------------------------- */

/*
 * nap — sleep on the latch; no transaction or snapshot is held here.
 */
static void
nap(int timeout_ms)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, timeout_ms,
					 PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * retry_nats — run a NATS step until it succeeds, showing 'retrying' with the reason meanwhile.
 * Returns false when the tracking should stop instead. A step that can never succeed as
 * configured is an ERROR (the launcher retries it with backoff, so a fixed NATS setup heals).
 */
static bool
retry_nats(DbctPubResult (*step) (DbctPublisher *, char **), const char *what)
{
	int			attempt = 0;

	for (;;)
	{
		char	   *error = NULL;
		DbctPubResult result = step(ws.pub, &error);

		if (result == DBCT_PUB_OK)
			return true;
		if (result == DBCT_PUB_FAILED)
			ereport(ERROR, (errmsg("%s: %s", what, error)));
		set_state(DBCT_STATE_RETRYING, psprintf("%s: %s", what, error));
		if (attempt == 0)
			ereport(LOG, (errmsg("dbchangetracking \"%s\": %s: %s; retrying",
								 ws.config.name, what, error)));
		attempt++;
		for (int waited = 0; waited < backoff_ms(attempt); waited += 100)
		{
			if (should_stop())
				return false;
			nap(100);
		}
	}
}

/* ---- the offsets entry ---------------------------------------------------------------------- */

static PositionMark *
mark_at(MarkQueue *q, int i)
{
	return &q->items[(q->head + i) % q->cap];
}

static PositionMark *
mark_push(MarkQueue *q)
{
	if (q->count == q->cap)
	{
		int			new_cap = Max(q->cap * 2, 256);
		PositionMark *grown = MemoryContextAlloc(TopMemoryContext,
												 sizeof(PositionMark) * new_cap);

		for (int i = 0; i < q->count; i++)
			grown[i] = *mark_at(q, i);
		if (q->items)
			pfree(q->items);
		q->items = grown;
		q->cap = new_cap;
		q->head = 0;
	}
	q->count++;
	return mark_at(q, q->count - 1);
}

static void
mark_pop(MarkQueue *q)
{
	q->head = (q->head + 1) % q->cap;
	q->count--;
}

/*
 * note_published_position — remember the position of the message just published (seq) until
 * JetStream acknowledges it.
 */
static void
note_published_position(const DbctPosition *pos)
{
	PositionMark *m = mark_push(&ws.in_flight);

	m->seq = ws.last_seq;
	m->pos = *pos;
	m->opened_at = 0;
	m->acked_at = 0;
}

/*
 * advance_durable — move acknowledged positions through confirmDelay to the one the offsets
 * entry may hold. Acknowledgements are kept in spans of ACKED_BUCKET_MS, so memory stays
 * bounded by confirmDelay / ACKED_BUCKET_MS however fast the events come.
 */
static void
advance_durable(TimestampTz now)
{
	bool		newly_acked = false;
	DbctPosition newest;

	while (ws.in_flight.count > 0 && mark_at(&ws.in_flight, 0)->seq <= ws.acked)
	{
		newest = mark_at(&ws.in_flight, 0)->pos;
		newly_acked = true;
		mark_pop(&ws.in_flight);
	}
	if (newly_acked)
	{
		PositionMark *last = ws.acked_spans.count > 0
			? mark_at(&ws.acked_spans, ws.acked_spans.count - 1) : NULL;

		if (!ws.has_acked || dbct_compare_position(&newest, &ws.acked_pos) > 0)
		{
			ws.acked_pos = newest;
			ws.has_acked = true;
		}
		if (last == NULL || last->opened_at <= now - (TimestampTz) ACKED_BUCKET_MS * 1000)
		{
			last = mark_push(&ws.acked_spans);
			last->opened_at = now;
		}
		last->pos = ws.acked_pos;
		last->acked_at = now;
	}
	while (ws.acked_spans.count > 0)
	{
		PositionMark *m = mark_at(&ws.acked_spans, 0);

		if (m->acked_at > now - (TimestampTz) ws.config.confirm_delay_ms * 1000)
			break;
		if (!ws.has_durable || dbct_compare_position(&m->pos, &ws.durable) > 0)
		{
			ws.durable = m->pos;
			ws.has_durable = true;
			ws.durable_stored = false;
		}
		mark_pop(&ws.acked_spans);
	}
}

/*
 * store_offset — write the offsets entry when it changed: at most every OFFSET_INTERVAL_MS
 * without waiting, or (wait) now and acknowledged, before a clean exit.
 */
static void
store_offset(TimestampTz now, bool wait)
{
	char		text[64];
	char	   *error;

	if (!ws.connected || !ws.has_durable || ws.durable_stored)
		return;
	if (!wait && now - ws.offset_sent_at < (TimestampTz) OFFSET_INTERVAL_MS * 1000)
		return;
	dbct_format_position(text, sizeof(text), &ws.durable);
	error = dbct_pub_put_offset(ws.pub, text, wait);
	ws.offset_sent_at = now;
	if (error != NULL)
	{
		ereport(DEBUG1, (errmsg("could not write the offset of tracking \"%s\" to NATS: %s",
								ws.config.name, error)));
		return;
	}
	ws.durable_stored = true;
}

/* ---- confirmation --------------------------------------------------------------------------- */

/*
 * restart_if_tail_may_be_lost — with confirmDelay, a NATS server that went away may come back
 * without its newest (acknowledged, unsynced) messages. The publisher's resync only resends
 * what is still unacknowledged, so end the attempt: the restart reads the stream's real last
 * position and re-reads the lost tail from the slot, which was kept behind for this.
 */
static void
restart_if_tail_may_be_lost(const char *reason)
{
	if (ws.config.confirm_delay_ms > 0)
		ereport(ERROR,
				(errmsg("restarting from the stream's last position after a NATS failure: %s",
						reason)));
}

/*
 * note_publisher_state — 'retrying' with the reason while the publisher resends, 'streaming'
 * again once it is through (wherever the worker polled it: while blocked on the in-flight
 * bound too, or the state would stay 'retrying').
 */
static void
note_publisher_state(char *reason)
{
	if (reason != NULL)
	{
		restart_if_tail_may_be_lost(reason);
		if (ws.recovering == NULL || strcmp(ws.recovering, reason) != 0)
		{
			if (ws.recovering == NULL)
				ereport(LOG, (errmsg("dbchangetracking \"%s\": resending to NATS: %s",
									 ws.config.name, reason)));
			else
				pfree(ws.recovering);
			ws.recovering = MemoryContextStrdup(TopMemoryContext, reason);
			set_state(DBCT_STATE_RETRYING, psprintf("NATS: %s", reason));
		}
		pfree(reason);
	}
	else if (ws.recovering != NULL)
	{
		pfree(ws.recovering);
		ws.recovering = NULL;
		set_state(DBCT_STATE_STREAMING, "");
	}
}

static void
push_pending(uint64 seq_needed, XLogRecPtr end_lsn)
{
	PendingConfirm *last;

	/* Ends with nothing published in between only move the LSN: keep one entry for them. */
	if (ws.pending_count > 0)
	{
		last = &ws.pending[(ws.pending_head + ws.pending_count - 1) % ws.pending_cap];
		if (last->seq_needed == seq_needed)
		{
			last->end_lsn = Max(last->end_lsn, end_lsn);
			return;
		}
	}
	if (ws.pending_count == ws.pending_cap)
	{
		int			new_cap = ws.pending_cap * 2;
		PendingConfirm *grown = MemoryContextAlloc(TopMemoryContext,
												   sizeof(PendingConfirm) * new_cap);

		for (int i = 0; i < ws.pending_count; i++)
			grown[i] = ws.pending[(ws.pending_head + i) % ws.pending_cap];
		pfree(ws.pending);
		ws.pending = grown;
		ws.pending_cap = new_cap;
		ws.pending_head = 0;
	}
	last = &ws.pending[(ws.pending_head + ws.pending_count) % ws.pending_cap];
	last->seq_needed = seq_needed;
	last->end_lsn = end_lsn;
	last->acked_at = 0;
	ws.pending_count++;
}

/*
 * confirm_acknowledged — move the slot's confirmed position to the end of the newest
 * transaction whose frames are all acknowledged (and, with confirmDelay, long enough ago).
 */
static void
confirm_acknowledged(XLogRecPtr idle_upto)
{
	TimestampTz now = GetCurrentTimestamp();
	XLogRecPtr	confirm = InvalidXLogRecPtr;
	char	   *reason = NULL;

	ws.acked = dbct_pub_acked(ws.pub, &reason);
	note_publisher_state(reason);
	advance_durable(now);
	store_offset(now, false);

	for (int i = 0; i < ws.pending_count; i++)
	{
		PendingConfirm *p = &ws.pending[(ws.pending_head + i) % ws.pending_cap];

		if (p->seq_needed > ws.acked)
			break;
		if (p->acked_at == 0)
			p->acked_at = now;
	}
	while (ws.pending_count > 0)
	{
		PendingConfirm *p = &ws.pending[ws.pending_head];

		if (p->acked_at == 0 ||
			p->acked_at > now - (TimestampTz) ws.config.confirm_delay_ms * 1000)
			break;
		confirm = Max(confirm, p->end_lsn);
		ws.pending_head = (ws.pending_head + 1) % ws.pending_cap;
		ws.pending_count--;
	}
	/*
	 * Caught up with nothing outstanding: everything committed before the read position is
	 * published and acknowledged, so the slot may move there (as pg_logical_slot_get_changes
	 * does). This keeps it moving when WAL comes only from other databases or from records
	 * that are no transaction of ours.
	 */
	if (idle_upto != InvalidXLogRecPtr && ws.pending_count == 0 &&
		dbct_pub_in_flight(ws.pub) == 0 && ws.acked == ws.last_seq)
		confirm = Max(confirm, idle_upto);

	if (confirm != InvalidXLogRecPtr && confirm > ws.confirmed_lsn)
	{
		LogicalConfirmReceivedLocation(confirm);
		ws.confirmed_lsn = confirm;
		SpinLockAcquire(&ws.entry->mutex);
		ws.entry->confirmed_lsn = confirm;
		SpinLockRelease(&ws.entry->mutex);
	}
}

/* ---- publishing ----------------------------------------------------------------------------- */

/*
 * publish_message — hand one message to the publisher, waiting (interruptibly) while the
 * in-flight bound is reached: that wait is what bounds memory whatever the transaction size.
 */
static void
publish_message(DbctOutMessage *msg)
{
	msg->seq = ws.next_seq;
	while (!dbct_pub_publish(ws.pub, msg))
	{
		char	   *reason = NULL;

		dbct_pub_wait(ws.pub, 100);
		ws.acked = dbct_pub_acked(ws.pub, &reason);
		note_publisher_state(reason);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}
	ws.last_seq = ws.next_seq++;
}

static void
publish_frame(const char *data, Size len)
{
	DbctFrameHeader hdr;
	DbctOutMessage msg;
	DbctPosition pos;
	char		position[64];
	const char *table;
	const char *key;
	const char *value;

	if (len < sizeof(hdr))
		elog(ERROR, "output plugin wrote a frame of %zu bytes, shorter than its header", len);
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.magic != DBCT_FRAME_MAGIC ||
		(uint64) sizeof(hdr) + hdr.table_len + hdr.key_len + hdr.value_len != len)
		elog(ERROR, "output plugin wrote a malformed frame (kind %d, %zu bytes)", hdr.kind, len);
	table = data + sizeof(hdr);
	key = table + hdr.table_len;
	value = key + hdr.key_len;

	pos.commit_lsn = hdr.commit_lsn;
	pos.lsn = hdr.lsn;
	pos.index = hdr.index;

	if (hdr.value_len > 0 &&
		!(ws.has_resume && dbct_compare_position(&pos, &ws.resume) <= 0))
	{
		memset(&msg, 0, sizeof(msg));
		switch (hdr.kind)
		{
			case DBCT_FRAME_TX_BEGIN:
			case DBCT_FRAME_TX_END:
				msg.subject = DBCT_PUB_TRANSACTION;
				break;
			case DBCT_FRAME_MESSAGE:
				msg.subject = DBCT_PUB_MESSAGE;
				break;
			default:
				msg.subject = DBCT_PUB_CHANGE;
				break;
		}
		msg.position_len = dbct_format_position(position, sizeof(position), &pos);
		msg.position = position;
		msg.op = hdr.op;
		msg.table = table;
		msg.table_len = hdr.table_len;
		msg.key = key;
		msg.key_len = hdr.key_len;
		msg.value = value;
		msg.value_len = hdr.value_len;
		publish_message(&msg);
		note_published_position(&pos);
		if (hdr.kind == DBCT_FRAME_CHANGE || hdr.kind == DBCT_FRAME_MESSAGE)
		{
			ws.events_total++;
			if (hdr.op == 'r')
				dbct_snapshot_note_row();
		}
	}

	if (hdr.kind == DBCT_FRAME_TX_END && hdr.end_lsn != InvalidXLogRecPtr)
		push_pending(ws.last_seq, hdr.end_lsn);
}

/* ---- for the snapshot (snapshot/snapshot.c) ------------------------------------------------ */

/*
 * dbct_worker_publish_row — publishes one row read by the snapshot at pos; returns its message
 * sequence number. A row at or before the stream's last position is already there: skipped,
 * returning 0.
 */
uint64
dbct_worker_publish_row(const DbctPosition *pos, const char *table, size_t table_len,
						const char *key, size_t key_len, const char *value, size_t value_len)
{
	DbctOutMessage msg;
	char		position[64];

	if (ws.has_resume && dbct_compare_position(pos, &ws.resume) <= 0)
		return 0;
	memset(&msg, 0, sizeof(msg));
	msg.subject = DBCT_PUB_CHANGE;
	msg.position_len = dbct_format_position(position, sizeof(position), pos);
	msg.position = position;
	msg.op = 'r';
	msg.table = table;
	msg.table_len = table_len;
	msg.key = key;
	msg.key_len = key_len;
	msg.value = value;
	msg.value_len = value_len;
	publish_message(&msg);
	note_published_position(pos);
	ws.events_total++;
	return ws.last_seq;
}

/*
 * dbct_worker_acked_through — whether every message up to seq is acknowledged by JetStream;
 * waits up to wait_ms for acknowledgements first.
 */
bool
dbct_worker_acked_through(uint64 seq, int wait_ms)
{
	char	   *reason = NULL;

	ws.acked = dbct_pub_acked(ws.pub, &reason);
	if (ws.acked < seq && wait_ms > 0)
	{
		dbct_pub_wait(ws.pub, wait_ms);
		ws.acked = dbct_pub_acked(ws.pub, &reason);
	}
	return ws.acked >= seq;
}

/* dbct_worker_resume_position — the stream's last position when the worker started. */
bool
dbct_worker_resume_position(DbctPosition *pos)
{
	if (ws.has_resume)
		*pos = ws.resume;
	return ws.has_resume;
}

DbctEntry *
dbct_worker_entry(void)
{
	return ws.entry;
}

/*
 * heartbeat_if_due — Debezium's heartbeat (key {"serverName": N}, value {"ts_ms": now}) on
 * dbchangetracking.N.heartbeat every heartbeatIntervalMs. Returns the ms until the next one
 * (IDLE_WAIT_MS when heartbeats are off). Called between WAL records, never inside a
 * transaction's frames.
 *
 * A heartbeat carries the Dbct-Position of the newest acknowledged message, and goes out only
 * once every positioned message is acknowledged: stored after all of them, it keeps the
 * position to resume after when heartbeats have pushed the changes out of a bounded stream —
 * and is lost with them if NATS loses its tail. (The offsets entry cannot do that with
 * confirmDelay: it stays that long behind, and a restart would publish the changes again.)
 */
static int
heartbeat_if_due(void)
{
	TimestampTz now = GetCurrentTimestamp();
	int64		interval_ms = ws.config.heartbeat_interval_ms;
	int64		due_in_ms;

	if (interval_ms <= 0)
		return IDLE_WAIT_MS;
	due_in_ms = interval_ms - (now - ws.heartbeat_at) / 1000;
	if (due_in_ms <= 0 && ws.in_flight.count > 0)
		return ACK_WAIT_MS;		/* after the acknowledgements (see above) */
	if (due_in_ms <= 0)
	{
		DbctOutMessage msg;
		char		position[64];
		char		value[64];
		StringInfoData key;

		initStringInfo(&key);
		appendStringInfoString(&key, "{\"serverName\":");
		escape_json(&key, ws.config.name);
		appendStringInfoChar(&key, '}');
		snprintf(value, sizeof(value), "{\"ts_ms\":" INT64_FORMAT "}",
				 (now + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY) / 1000);

		memset(&msg, 0, sizeof(msg));
		msg.subject = DBCT_PUB_HEARTBEAT;
		msg.position = position;
		msg.position_len = ws.has_acked
			? dbct_format_position(position, sizeof(position), &ws.acked_pos) : 0;
		msg.key = key.data;
		msg.key_len = key.len;
		msg.value = value;
		msg.value_len = strlen(value);
		publish_message(&msg);
		pfree(key.data);
		ws.heartbeat_at = now;
		due_in_ms = interval_ms;
	}
	return (int) Min(due_in_ms, IDLE_WAIT_MS);
}

/* Output plugin writer callbacks (the LogicalDecodingContext's prepare_write and write). */
static void
frame_prepare_write(LogicalDecodingContext *ctx, XLogRecPtr lsn, TransactionId xid,
					bool last_write)
{
	resetStringInfo(ctx->out);
}

static void
frame_write(LogicalDecodingContext *ctx, XLogRecPtr lsn, TransactionId xid, bool last_write)
{
	publish_frame(ctx->out->data, ctx->out->len);
	dbct_snapshot_on_frame(ctx->out->data, ctx->out->len);
}

/* ---- configuration -------------------------------------------------------------------------- */

static void
publisher_config(DbctPublisherConfig *pc)
{
	DbctTrackingConfig *c = &ws.config;

	memset(pc, 0, sizeof(*pc));
	pc->tracking_name = c->name;
	pc->url = c->nats_url ? c->nats_url : dbct_nats_url;
	pc->credentials_file = c->nats_credentials ? c->nats_credentials : dbct_nats_credentials;
	pc->user = c->nats_user;
	pc->password = c->nats_password;
	pc->token = c->nats_token;
	pc->tls_ca = c->nats_tls_ca ? c->nats_tls_ca : dbct_nats_tls_ca;
	pc->tls_cert = c->nats_tls_cert ? c->nats_tls_cert : dbct_nats_tls_cert;
	pc->tls_key = c->nats_tls_key ? c->nats_tls_key : dbct_nats_tls_key;
	pc->stream_max_messages = c->stream_max_messages;
	pc->stream_max_bytes = c->stream_max_bytes;
	pc->stream_max_age_ms = c->stream_max_age_ms;
	pc->stream_storage = c->stream_storage;
	pc->stream_replicas = c->stream_replicas;
	pc->stream_duplicate_window_ms = c->stream_duplicate_window_ms;
	pc->max_in_flight = dbct_max_in_flight;
}

/* ---- status --------------------------------------------------------------------------------- */

/*
 * send_status — the status key in NATS, from the registry entry and the worker's positions.
 */
static void
send_status(DbctState state, bool wait)
{
	DbctEntry  *entry = ws.entry;
	DbctEntry	copy;
	DbctStatusReport report;
	char		position[64];
	char	   *error;

	if (!ws.connected)
		return;
	SpinLockAcquire(&entry->mutex);
	memcpy(&copy, entry, sizeof(copy));
	SpinLockRelease(&entry->mutex);

	memset(&report, 0, sizeof(report));
	report.state = state;
	if (ws.has_acked)
	{
		dbct_format_position(position, sizeof(position), &ws.acked_pos);
		report.position = position;
	}
	report.events_total = copy.events_total;
	report.events_per_sec = copy.events_per_sec;
	report.lag_ms = copy.lag_ms;
	report.last_event_at = copy.last_event_at;
	report.last_error = copy.last_error;
	report.has_snapshot = copy.snapshot_table[0] != '\0' || state == DBCT_STATE_SNAPSHOTTING;
	report.snapshot_table = copy.snapshot_table;
	report.snapshot_tables_done = copy.snapshot_tables_done;
	report.snapshot_tables_total = copy.snapshot_tables_total;
	report.snapshot_rows_done = (int64) copy.snapshot_rows;
	report.snapshot_rows_total = copy.snapshot_rows_total;
	report.slot_name = ws.config.slot_name;
	report.confirmed_lsn = ws.confirmed_lsn;
	report.retained_wal_bytes = -1;
	if (MyReplicationSlot != NULL && MyReplicationSlot->data.restart_lsn != InvalidXLogRecPtr)
	{
		XLogRecPtr	end = GetXLogInsertRecPtr();
		XLogRecPtr	restart = MyReplicationSlot->data.restart_lsn;

		report.retained_wal_bytes = end > restart ? (int64) (end - restart) : 0;
	}
	error = dbct_pub_put_status(ws.pub, &report, wait);
	if (error != NULL)
		ereport(DEBUG1, (errmsg("could not write the status to NATS: %s", error)));
}

/*
 * update_status — counters for the status view; every STATUS_INTERVAL_MS (or when forced) also
 * the status key in NATS, without waiting (a failure there never stops the tracking).
 */
static void
update_status(bool force)
{
	TimestampTz now = GetCurrentTimestamp();
	DbctEntry  *entry = ws.entry;
	long		elapsed_ms = (long) ((now - ws.rate_at) / 1000);

	SpinLockAcquire(&entry->mutex);
	if (entry->events_total != ws.events_total)
		entry->last_event_at = now;
	entry->events_total = ws.events_total;
	entry->lag_ms = ws.caught_up_at == 0 ? 0 : (now - ws.caught_up_at) / 1000;
	if (elapsed_ms >= 1000)
	{
		entry->events_per_sec = (double) (ws.events_total - ws.events_at_rate) * 1000.0 / elapsed_ms;
		ws.events_at_rate = ws.events_total;
		ws.rate_at = now;
	}
	SpinLockRelease(&entry->mutex);

	if (!force && now - ws.status_sent_at < (TimestampTz) STATUS_INTERVAL_MS * 1000)
		return;
	ws.status_sent_at = now;
	send_status(entry->state, false);
}

/*
 * report_final — the last status and offset of this process, acknowledged before it exits
 * (for `dbct flows ls`: 'stopped' or 'paused', never a stale 'streaming').
 */
static void
report_final(DbctState state)
{
	ws.final_reported = true;
	store_offset(GetCurrentTimestamp(), true);
	send_status(state, true);
}

/*
 * dbct_worker_log — one notable line to the server log and to the tracking's log stream in
 * NATS (the library writes the line, the same form as the sidecars'). fields_json: a JSON
 * object or NULL.
 */
void
dbct_worker_log(const char *level, const char *fields_json, const char *message)
{
	ereport(LOG, (errmsg("dbchangetracking \"%s\": %s", ws.config.name, message)));
	if (ws.pub != NULL && ws.connected)
	{
		char	   *error = dbct_pub_log(ws.pub, level, message, fields_json);

		if (error != NULL)
			ereport(DEBUG1, (errmsg("could not write a log line to NATS: %s", error)));
	}
}

static void
log_line(const char *level, const char *message)
{
	dbct_worker_log(level, NULL, message);
}

/* ---- decoding ------------------------------------------------------------------------------- */

/*
 * decode_available — decode WAL up to what is flushed now, at most BATCH_RECORDS records.
 * Returns true when it reached the flushed end.
 */
static bool
decode_available(LogicalDecodingContext *ctx)
{
	XLogRecPtr	end_of_wal = GetFlushRecPtr(NULL);

	for (int n = 0; n < BATCH_RECORDS; n++)
	{
		XLogRecord *record;
		char	   *errm = NULL;

		if (ctx->reader->EndRecPtr >= end_of_wal)
			return true;
		record = XLogReadRecord(ctx->reader, &errm);
		if (errm)
			ereport(ERROR,
					(errmsg("could not read WAL for logical decoding: %s", errm)));
		if (record != NULL)
			LogicalDecodingProcessRecord(ctx, ctx->reader);
		/* a snapshot chunk is complete: its rows go out before anything decoded after it */
		if (dbct_snapshot_holds_decoding())
			return false;
		CHECK_FOR_INTERRUPTS();
		if ((n & 1023) == 1023)
			confirm_acknowledged(InvalidXLogRecPtr);
	}
	return ctx->reader->EndRecPtr >= end_of_wal;
}

/*
 * trust_own_plugin — on servers whose output_plugin_libraries limits the libraries usable as
 * output plugins, allow ours in this process: the worker only decodes its own tracking's slot.
 */
static void
trust_own_plugin(void)
{
	const char *libraries = GetConfigOption("output_plugin_libraries", true, false);

	if (libraries == NULL || strstr(libraries, "dbchangetracking") != NULL)
		return;
	SetConfigOption("output_plugin_libraries",
					libraries[0] ? psprintf("%s, dbchangetracking", libraries) : "dbchangetracking",
					PGC_SUSET, PGC_S_OVERRIDE);
}

static LogicalDecodingContext *
start_decoding(void)
{
	LogicalDecodingContext *ctx;
	MemoryContext old;
	List	   *options;

	CheckLogicalDecodingRequirements();
	ReplicationSlotAcquire(ws.config.slot_name, true);
	if (strcmp(NameStr(MyReplicationSlot->data.plugin), "dbchangetracking") != 0)
		ereport(ERROR,
				(errmsg("replication slot \"%s\" uses output plugin \"%s\", not dbchangetracking",
						ws.config.slot_name, NameStr(MyReplicationSlot->data.plugin))));

	trust_own_plugin();
	old = MemoryContextSwitchTo(TopMemoryContext);
	options = dbct_plugin_options(&ws.config);
	ctx = CreateDecodingContext(InvalidXLogRecPtr, options, false,
								XL_ROUTINE(.page_read = read_local_xlog_page,
										   .segment_open = wal_segment_open,
										   .segment_close = wal_segment_close),
								frame_prepare_write, frame_write, NULL);
	MemoryContextSwitchTo(old);

	XLogBeginRead(ctx->reader, MyReplicationSlot->data.restart_lsn);
	ws.confirmed_lsn = MyReplicationSlot->data.confirmed_flush;
	SpinLockAcquire(&ws.entry->mutex);
	ws.entry->confirmed_lsn = ws.confirmed_lsn;
	SpinLockRelease(&ws.entry->mutex);
	return ctx;
}

/*
 * finish — wait briefly for outstanding acknowledgements and confirm them before a clean exit.
 */
static void
finish(void)
{
	for (int i = 0; i < 50 && ws.pub != NULL && dbct_pub_in_flight(ws.pub) > 0; i++)
	{
		dbct_pub_wait(ws.pub, 100);
		CHECK_FOR_INTERRUPTS();
	}
	if (ws.pub != NULL && MyReplicationSlot != NULL)
		confirm_acknowledged(InvalidXLogRecPtr);
}

/*
 * drop_stream_and_exit — untrack(drop_stream => true) with the worker as the NATS client.
 */
static void
drop_stream_and_exit(void)
{
	DbctPublisherConfig pc;
	char	   *error = NULL;

	publisher_config(&pc);
	ws.pub = dbct_pub_open(&pc);
	if (dbct_pub_connect(ws.pub, &error) != DBCT_PUB_OK ||
		dbct_pub_delete_stream(ws.pub, &error) != DBCT_PUB_OK)
		ereport(WARNING,
				(errmsg("could not delete the stream of tracking \"%s\": %s",
						ws.config.name, error)));
	LWLockAcquire(dbct_registry->lock, LW_EXCLUSIVE);
	ws.entry->stream_dropped = true;
	LWLockRelease(dbct_registry->lock);
	proc_exit(0);
}

/*
 * resume_from_offsets_entry — heartbeats (or other limits) may have pushed every change out of
 * the stream, leaving it without a last Dbct-Position: resume after the newer of the stream's
 * last position and the offsets entry. An entry ahead of this server's WAL is from another
 * server (a tracking of the same name elsewhere): ignored.
 */
static void
resume_from_offsets_entry(void)
{
	char	   *offset = NULL;
	char	   *error = NULL;
	DbctPosition pos;

	for (;;)
	{
		DbctPubResult r = dbct_pub_get_offset(ws.pub, &offset, &error);

		if (r == DBCT_PUB_OK)
			break;
		if (r == DBCT_PUB_FAILED)
			ereport(ERROR, (errmsg("could not read the offsets entry: %s", error)));
		set_state(DBCT_STATE_RETRYING, psprintf("could not read the offsets entry: %s", error));
		if (should_stop())
			proc_exit(0);
		nap(1000);
	}
	if (offset[0] == '\0')
		return;
	if (!dbct_parse_position(offset, &pos))
	{
		ereport(LOG, (errmsg("dbchangetracking \"%s\": the offsets entry \"%s\" is not a PostgreSQL position; ignored",
							 ws.config.name, offset)));
		return;
	}
	if (pos.commit_lsn > GetXLogInsertRecPtr() || pos.lsn > GetXLogInsertRecPtr())
	{
		ereport(LOG, (errmsg("dbchangetracking \"%s\": the offsets entry %s is ahead of this server's WAL; ignored",
							 ws.config.name, offset)));
		return;
	}
	ws.durable = pos;
	ws.has_durable = true;
	ws.durable_stored = true;
	if (!ws.has_resume || dbct_compare_position(&pos, &ws.resume) > 0)
	{
		ereport(LOG, (errmsg("dbchangetracking \"%s\": the offsets entry %s is newer than the stream's last position; resuming after it",
							 ws.config.name, offset)));
		ws.resume = pos;
		ws.has_resume = true;
	}
}

static void
run(void)
{
	DbctPublisherConfig pc;
	LogicalDecodingContext *ctx;
	char	   *last_position = NULL;
	char	   *error = NULL;

	if (!dbct_load_tracking_config(ws.entry->name, &ws.config))
	{
		/* the tracking was removed (untrack, or its row deleted by hand) */
		if (ws.entry->removed && ws.entry->drop_stream)
			drop_stream_and_exit();
		dbct_registry_forget(ws.entry, ws.generation);
		proc_exit(0);
	}
	if (ws.entry->removed)
	{
		if (ws.entry->drop_stream && !ws.entry->stream_dropped)
			drop_stream_and_exit();
		proc_exit(0);
	}

	set_state(DBCT_STATE_STARTING, NULL);
	publisher_config(&pc);
	ws.pub = dbct_pub_open(&pc);
	if (!retry_nats(dbct_pub_connect, "could not connect to NATS"))
		proc_exit(0);
	ws.connected = true;
	if (!retry_nats(dbct_pub_ensure_stream, "could not prepare the stream"))
		proc_exit(0);
	for (;;)
	{
		DbctPubResult r = dbct_pub_last_position(ws.pub, &last_position, &error);

		if (r == DBCT_PUB_OK)
			break;
		if (r == DBCT_PUB_FAILED)
			ereport(ERROR, (errmsg("could not read the stream's last position: %s", error)));
		set_state(DBCT_STATE_RETRYING, psprintf("could not read the stream's last position: %s", error));
		if (should_stop())
			proc_exit(0);
		nap(1000);
	}
	ws.has_resume = last_position[0] != '\0';
	if (ws.has_resume && !dbct_parse_position(last_position, &ws.resume))
		ereport(ERROR,
				(errmsg("the stream of tracking \"%s\" ends with Dbct-Position \"%s\", which is not a PostgreSQL position",
						ws.config.name, last_position),
				 errhint("The stream must only be written by this tracking.")));
	resume_from_offsets_entry();
	if (ws.has_resume)
	{
		ws.acked_pos = ws.resume;
		ws.has_acked = true;
		last_position = palloc(64);
		dbct_format_position(last_position, 64, &ws.resume);
	}

	ctx = start_decoding();
	log_line("info", ws.has_resume
			 ? psprintf("started; resuming after position %s (slot at %X/%X)", last_position,
						LSN_FORMAT_ARGS(ws.confirmed_lsn))
			 : psprintf("started; slot at %X/%X", LSN_FORMAT_ARGS(ws.confirmed_lsn)));

	/* initial snapshot and requested re-reads (snapshot/snapshot.c) */
	dbct_snapshot_prepare(&ws.config);

	set_state(DBCT_STATE_STREAMING, ws.recovering ? NULL : "");
	for (;;)
	{
		bool		caught_up;
		int			idle_ms;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (should_stop())
			break;

		caught_up = decode_available(ctx);
		confirm_acknowledged(caught_up ? ctx->reader->EndRecPtr : InvalidXLogRecPtr);
		if (dbct_snapshot_step(ctx))
			caught_up = false;
		else if (ws.entry->state == DBCT_STATE_SNAPSHOTTING && ws.recovering == NULL)
			set_state(DBCT_STATE_STREAMING, NULL);

		if (caught_up)
			ws.caught_up_at = 0;
		else if (ws.caught_up_at == 0)
			ws.caught_up_at = GetCurrentTimestamp();
		if (ws.confirmed_lsn != InvalidXLogRecPtr && ws.entry->failures != 0 && ws.acked > 0)
		{
			SpinLockAcquire(&ws.entry->mutex);
			ws.entry->failures = 0;
			SpinLockRelease(&ws.entry->mutex);
		}
		update_status(false);
		idle_ms = heartbeat_if_due();

		if (caught_up)
		{
			/* the publisher holds events to send them in bursts: none stays behind a nap */
			dbct_pub_wait(ws.pub, 0);
			nap(dbct_pub_in_flight(ws.pub) > 0 || ws.pending_count > 0 ? ACK_WAIT_MS : idle_ms);
		}
	}

	finish();
	update_status(false);
	log_line("info", ws.entry->paused ? "paused" : "stopped");
	if (ws.entry->paused)
		report_final(DBCT_STATE_PAUSED);
	else if (ws.entry->removed || !ws.entry->in_use)
		report_final(DBCT_STATE_STOPPED);
	else
		report_final(DBCT_STATE_STARTING);	/* restarting with new settings */
	if (ws.entry->removed && ws.entry->drop_stream && !ws.entry->stream_dropped)
	{
		if (dbct_pub_delete_stream(ws.pub, &error) != DBCT_PUB_OK)
			ereport(WARNING, (errmsg("could not delete the stream of tracking \"%s\": %s",
									 ws.config.name, error)));
		LWLockAcquire(dbct_registry->lock, LW_EXCLUSIVE);
		ws.entry->stream_dropped = true;
		LWLockRelease(dbct_registry->lock);
	}
	proc_exit(0);
}

static void
handle_sigterm(SIGNAL_ARGS)
{
	got_sigterm = true;
	die(postgres_signal_arg);
}

/*
 * dbct_tracking_main — entry point; arg is the registry index, bgw_extra its generation.
 */
void
dbct_tracking_main(Datum arg)
{
	int			index = DatumGetInt32(arg);
	DbctEntry  *entry;
	Oid			dboid;
	MemoryContext worker_context;

	pqsignal(SIGTERM, handle_sigterm);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();

	memset(&ws, 0, sizeof(ws));
	memcpy(&ws.generation, MyBgworkerEntry->bgw_extra, sizeof(uint64));
	entry = &dbct_registry->entries[index];
	LWLockAcquire(dbct_registry->lock, LW_SHARED);
	if (!entry->in_use || entry->generation != ws.generation)
	{
		LWLockRelease(dbct_registry->lock);
		proc_exit(0);
	}
	dboid = entry->dboid;
	LWLockRelease(dbct_registry->lock);

	ws.entry = entry;
	ws.next_seq = 1;
	ws.pending_cap = 256;
	ws.pending = MemoryContextAlloc(TopMemoryContext, sizeof(PendingConfirm) * ws.pending_cap);
	ws.rate_at = GetCurrentTimestamp();

	SpinLockAcquire(&entry->mutex);
	entry->pid = MyProcPid;
	entry->latch = MyLatch;
	entry->started_at = GetCurrentTimestamp();
	SpinLockRelease(&entry->mutex);
	before_shmem_exit(detach_from_entry, (Datum) 0);

	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	pgstat_report_appname("dbchangetracking");

	worker_context = AllocSetContextCreate(TopMemoryContext, "dbchangetracking worker",
										   ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(worker_context);

	PG_TRY();
	{
		run();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(worker_context);
		edata = CopyErrorData();
		record_failure(edata->message ? edata->message : "unknown error");
		if (ws.pub != NULL && ws.connected)
		{
			(void) dbct_pub_log(ws.pub, "error", edata->message, NULL);
			update_status(true);	/* 'retrying' with the reason, before the restart */
		}
		PG_RE_THROW();
	}
	PG_END_TRY();
}
