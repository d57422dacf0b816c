/*
 * slot_actions.c — the replication slots of trackings follow the transactions of the SQL API.
 *
 * Creating and dropping a slot is not transactional, so track() and untrack() do not leave it
 * to chance:
 *  - track() creates the slot TEMPORARY and registers it here. It becomes persistent just
 *    before its transaction commits; a rollback (of the transaction or of the savepoint that
 *    made it) drops it at once, and a crash or a lost session drops it too, as PostgreSQL does
 *    with every temporary slot.
 *  - untrack() asks here for its slot to be dropped just before its transaction commits: a
 *    rollback keeps the slot with the tracking that comes back.
 * A slot that no tracking uses all the same (made by hand, or from an older version) is listed
 * by the view orphan_slots.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "replication/slot.h"
#include "storage/lwlock.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "dbchangetracking.h"

PG_FUNCTION_INFO_V1(dbct_slot_created);
PG_FUNCTION_INFO_V1(dbct_drop_slot_at_commit);

typedef enum SlotActionKind
{
	SLOT_CREATED,				/* persist at commit, drop at rollback */
	SLOT_DROP_AT_COMMIT			/* drop at commit, keep at rollback */
} SlotActionKind;

typedef struct SlotAction
{
	SlotActionKind kind;
	SubTransactionId subid;		/* the (sub)transaction that asked */
	bool		persisted;		/* SLOT_CREATED: made persistent at pre-commit */
	NameData	slot_name;
} SlotAction;

static List *slot_actions = NIL;

static void
add_action(SlotActionKind kind, const char *slot_name)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	SlotAction *action = palloc0(sizeof(SlotAction));

	action->kind = kind;
	action->subid = GetCurrentSubTransactionId();
	namestrcpy(&action->slot_name, slot_name);
	slot_actions = lappend(slot_actions, action);
	MemoryContextSwitchTo(old);
}

/*
 * dbct_slot_created(slot_name) — the calling transaction just created this temporary slot.
 */
Datum
dbct_slot_created(PG_FUNCTION_ARGS)
{
	add_action(SLOT_CREATED, NameStr(*PG_GETARG_NAME(0)));
	PG_RETURN_VOID();
}

/*
 * dbct_drop_slot_at_commit(slot_name) — drop this slot when the calling transaction commits.
 */
Datum
dbct_drop_slot_at_commit(PG_FUNCTION_ARGS)
{
	const char *slot_name = NameStr(*PG_GETARG_NAME(0));
	ReplicationSlot *slot;
	bool		ours = true;

	/* only a slot a tracking may have: of our plugin, in this database (or already gone) */
	LWLockAcquire(ReplicationSlotControlLock, LW_SHARED);
	slot = SearchNamedReplicationSlot(slot_name, false);
	if (slot != NULL)
		ours = slot->data.database == MyDatabaseId &&
			strcmp(NameStr(slot->data.plugin), "dbchangetracking") == 0;
	LWLockRelease(ReplicationSlotControlLock);
	if (!ours)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replication slot \"%s\" is not a dbchangetracking slot of this database",
						slot_name)));
	add_action(SLOT_DROP_AT_COMMIT, slot_name);
	PG_RETURN_VOID();
}

static bool
slot_exists(const char *slot_name)
{
	return SearchNamedReplicationSlot(slot_name, true) != NULL;
}

/*
 * drop_slot_quietly — drop a slot during a rollback, where an error must not escape: it
 * becomes a warning (the slot then shows in orphan_slots).
 */
static void
drop_slot_quietly(const char *slot_name)
{
	MemoryContext ctx = CurrentMemoryContext;

	/* a function that failed while decoding may still hold a slot; release it as an error would */
	if (MyReplicationSlot != NULL)
		ReplicationSlotRelease();
	PG_TRY();
	{
		if (slot_exists(slot_name))
			ReplicationSlotDrop(slot_name, true);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(ctx);
		edata = CopyErrorData();
		FlushErrorState();
		LWLockReleaseAll();
		ereport(WARNING,
				(errmsg("could not drop replication slot \"%s\" of a rolled back track(): %s",
						slot_name, edata->message),
				 errhint("Drop it with SELECT pg_drop_replication_slot('%s').", slot_name)));
		FreeErrorData(edata);
	}
	PG_END_TRY();
}

static void
forget_all(void)
{
	list_free_deep(slot_actions);
	slot_actions = NIL;
}

/*
 * dbct_slot_actions_pre_commit — drop what untrack() dropped, then make the slots of track()
 * persistent. Still inside the transaction: an error here rolls it back whole.
 */
void
dbct_slot_actions_pre_commit(void)
{
	ListCell   *lc;

	if (slot_actions == NIL)
		return;
	/* a decoding function that failed in a caught error may still hold a slot */
	if (MyReplicationSlot != NULL)
		ReplicationSlotRelease();
	foreach(lc, slot_actions)
	{
		SlotAction *action = lfirst(lc);

		if (action->kind == SLOT_DROP_AT_COMMIT && slot_exists(NameStr(action->slot_name)))
			ReplicationSlotDrop(NameStr(action->slot_name), true);
	}
	foreach(lc, slot_actions)
	{
		SlotAction *action = lfirst(lc);

		if (action->kind != SLOT_CREATED || action->persisted ||
			!slot_exists(NameStr(action->slot_name)))
			continue;
		ReplicationSlotAcquire(NameStr(action->slot_name), true);
		if (MyReplicationSlot->data.persistency != RS_PERSISTENT)
			ReplicationSlotPersist();
		ReplicationSlotRelease();
		action->persisted = true;
	}
}

/*
 * dbct_slot_actions_pre_prepare — slots cannot wait for COMMIT PREPARED: refuse.
 */
void
dbct_slot_actions_pre_prepare(void)
{
	if (slot_actions != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot PREPARE a transaction that called track() or untrack()"),
				 errhint("Call them in a transaction that commits directly.")));
}

/* dbct_slot_actions_commit — committed: the slots are as they should be. */
void
dbct_slot_actions_commit(void)
{
	forget_all();
}

/* dbct_slot_actions_abort — rolled back: the slots made by track() go. */
void
dbct_slot_actions_abort(void)
{
	ListCell   *lc;

	foreach(lc, slot_actions)
	{
		SlotAction *action = lfirst(lc);

		if (action->kind == SLOT_CREATED)
			drop_slot_quietly(NameStr(action->slot_name));
	}
	forget_all();
}

/*
 * dbct_slot_actions_subxact — a savepoint rolled back undoes what was asked in it; one
 * released hands it to its parent.
 */
void
dbct_slot_actions_subxact(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid)
{
	ListCell   *lc;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	foreach(lc, slot_actions)
	{
		SlotAction *action = lfirst(lc);

		if (action->subid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_COMMIT_SUB)
		{
			action->subid = parentSubid;
			continue;
		}
		if (action->kind == SLOT_CREATED)
			drop_slot_quietly(NameStr(action->slot_name));
		slot_actions = foreach_delete_current(slot_actions, lc);
		pfree(action);
	}
}
