// Package journal is roamfs' durable change journal and base-version store,
// kept in a badger database inside the local cache (outside the mounted part).
//
// Three kinds of state live here:
//
//   - Records: one per mutating operation through the mount, appended before
//     the operation is acknowledged to the kernel. Each record gets a sequence
//     number (1, 2, 3, ...). At logoff the syncer replays the records after the
//     synced watermark against the server copy and then advances the watermark
//     with Commit. A record at or below the watermark is "synced".
//   - Pending paths: for each path a pending record names, the highest Seq
//     naming it, kept in step with the records (pending.go), so that a logoff
//     reads the paths it must sync without reading every record.
//   - Base versions: for each profile path, what the server held when this
//     cache last agreed with it. The three-way merge compares against them.
//
// All survive a killed process or a lost machine: every Append, Commit,
// SetBases and SetMeta is fsynced before it returns (unless Options.NoSync).
// Replaying the same records twice gives the same server state, which is what
// makes the crash rules here simple: a crash in the middle of Commit leaves the
// watermark where it was, and the next sync just replays again.
//
// A Journal is safe for concurrent use. Only one process may hold a journal
// open read-write; a second Open returns an error wrapping ErrLocked.
//
// Lock order (see journal.go): Journal.commitMu, then Journal.tableMu, then
// Journal.mu. The group committer goroutine takes only tableMu.
package journal
