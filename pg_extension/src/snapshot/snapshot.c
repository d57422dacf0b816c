/*
 * snapshot.c — initial snapshot and snapshot() re-reads.
 *
 * Not implemented yet: trackings with snapshotMode initial stream changes from the slot's
 * creation on, without the existing rows.
 */
#include "postgres.h"

#include "worker/tracking_worker.h"

void
dbct_snapshot_prepare(const DbctTrackingConfig *config)
{
}

bool
dbct_snapshot_step(LogicalDecodingContext *ctx)
{
	return false;
}

void
dbct_snapshot_on_frame(const char *data, Size len)
{
}

void
dbct_snapshot_note_row(void)
{
}
