// Package boltstore keeps all of prepbot's state in one bbolt file and
// implements prep.Store on it.
//
// One process owns the file: Open takes bbolt's exclusive file lock and gives
// up after Options.LockTimeout with an error wrapping prep.ErrLocked. Every
// Update commits and fsyncs before it returns, so whatever the engine tells a
// user it recorded is on disk.
//
// # On-disk format
//
// This layout is the file format; changing it needs a migration (schema.go).
// Times in keys are 8 bytes: the big-endian unix-nanosecond time with the sign
// bit flipped, so that byte order is time order, including times before 1970;
// times outside 1678–2262 (which unix nanoseconds cannot hold) are clamped to
// that range. Times inside JSON are RFC 3339 strings with nanoseconds in UTC.
// User keys ("telegram:123") and card IDs are stored as their UTF-8 bytes.
//
//	meta                     schema_version → 8-byte big-endian uint64
//	users                    user key → JSON of prep.User (Go field names as
//	                         JSON names: renaming a field of prep.User, Settings
//	                         or Session is a format change)
//	wake                     time(User.WakeAt) ‖ user key → empty: users with a
//	                         wake-up set (schema version 2)
//	cards/<user key>/        card ID → card state, binary since schema
//	                         version 4: 0x01, due, stability and difficulty
//	                         (8-byte big-endian IEEE-754 each), scheduled_days,
//	                         reps, lapses (uvarints), state, remaining_steps
//	                         (varints), last_review, flags (bit 0: suspended);
//	                         each time is unix seconds (varint) and
//	                         nanoseconds (uvarint). States written before are
//	                         JSON {"due", "stability", "difficulty",
//	                         "scheduled_days", "reps", "lapses", "state",
//	                         "last_review", "remaining_steps", "suspended"},
//	                         still read, and binary once written again
//	due/<user key>/          time(Due) ‖ card ID → empty: the due index
//	due_minutes              time(minute) → 8-byte big-endian uint64: the due
//	                         histogram (schema version 5), how many entries of
//	                         all users' due indexes have a due time in that
//	                         minute (time(Due) rounded down to a whole minute
//	                         since 1970; due times clamped to 1678 share the
//	                         earliest key); a minute with none has no entry
//	reviews/<user key>/      time(Review.Time) ‖ 8-byte big-endian Seq → JSON
//	                         review {"seq", "user", "card_id", "time",
//	                         "rating", "before", "after"}, where before and
//	                         after are {"card_id", "fsrs": card state}, and
//	                         for an exercise "attempts": {"hints", "wrong"}
//	                         as they stood when it was rated (absent for a
//	                         flashcard and in older reviews; older builds
//	                         ignore it); Seq comes from the nested bucket's
//	                         NextSequence
//	deliveries               delivery id → time(at)
//	delivery_times           time(at) ‖ delivery id → empty: lets
//	                         PruneDeliveries read only what it deletes
//	cursors                  name → 8-byte big-endian int64
//	links                    /link code → JSON {"user", "expires"} (schema
//	                         version 3): the account that made the code,
//	                         taken when the other account types it; codes
//	                         a day past expiry are dropped whenever one is
//	                         put
//
// The due index holds exactly one entry per card state, and the wake index
// one per user with a WakeAt; each moves with its record in the same
// transaction, so Due and Waking read only the entries they return (plus the
// one that ends the scan), however many cards or users there are. The due
// histogram moves with the due index, in the same transaction too, so that
// DueCount reads one entry per minute in which something is due rather than
// every user's index.
//
// The card states and users are the primary records; the due indexes, the
// due histogram and the wake index are derived from them and say nothing
// they do not. Check compares each derived index with the records (and
// decodes every card state and user), and RepairIndexes, which
// "prepbot check --repair" runs, rebuilds whatever differs in one
// transaction. Damage to the pages or to a primary record has no such
// remedy: Check says to restore a backup.
package boltstore
