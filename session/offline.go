package session

import (
	"context"
	"encoding/json"
	"fmt"

	"go.uber.org/zap"

	"roamfs/cachedir"
	"roamfs/event"
	"roamfs/policy"
	"roamfs/syncer"
)

// OfflineConfig is a cache to sync without a mount.
type OfflineConfig struct {
	Layout cachedir.Layout
	Server string // the server copy the cache belongs to
	Policy *policy.Policy
	Log    *zap.Logger // nil discards
	// Full: a journal that cannot be opened is moved aside and an empty one
	// started, for a reconcile that needs none (`sync --full`).
	Full bool
	// Credentials is the SMB credentials file for an smb:// Server.
	Credentials string
	// S3 is how to reach an s3:// Server.
	S3 S3Options
	// OpenStore opens the server copy; nil opens a directory.
	OpenStore StoreOpener
}

// Offline is a cache opened without a mount, by `roamfs sync` or by a logoff
// that finds its daemon dead.
type Offline struct {
	layout cachedir.Layout
	eng    *engine
}

// OpenOffline opens the cache's journal and the server copy. What it brings
// into the cache belongs to the user the cache's profile folder belongs to,
// as in the session.
func OpenOffline(c OfflineConfig) (*Offline, error) {
	eng, err := openEngine(engineConfig{
		layout: c.Layout, server: c.Server, pol: c.Policy, log: c.Log, session: "sync",
		user: User{Owner: cacheOwner(c.Layout)}, open: c.OpenStore, replaceDamaged: c.Full,
		credentials: c.Credentials, s3: c.S3,
	})
	if err != nil {
		return nil, err
	}
	return &Offline{layout: c.Layout, eng: eng}, nil
}

// Syncer is the sync engine over this cache, for a plan or a run.
func (o *Offline) Syncer() *syncer.Syncer { return o.eng.sy }

// Sync runs one sync (the syncer's Logoff, or Full) and records the outcome
// in the status file.
func (o *Offline) Sync(ctx context.Context, run func(context.Context) (syncer.Result, error)) (syncer.Result, error) {
	log := o.eng.log
	log.Info("sync without a session started", zap.Int("event_id", event.OfflineSync), zap.Int("pending", o.eng.j.PendingCount()))
	res, err := run(ctx)
	if err != nil {
		// 1504 (error), not 1711 (info): the failure is what an admin looks for.
		log.Error("sync without a session failed; every change is still in the journal", zap.Int("event_id", event.UploadFailed), zap.Error(err))
	} else {
		log.Info("sync without a session done", zap.Int("event_id", event.OfflineSync), zap.Int("uploaded", res.Uploaded), zap.Int("deleted", res.Deleted),
			zap.Int("kept", res.Kept), zap.Int("conflicts", res.Conflicts))
	}
	raw, _ := json.Marshal(res)
	uerr := o.layout.UpdateStatus(func(st *cachedir.Status) {
		if err != nil || !res.Idle() || len(st.LastSyncResult) == 0 {
			st.LastSyncResult = raw
		}
		// The journal was ours, so no session runs on this cache: whatever
		// the file said of a daemon killed earlier, nothing is loaded.
		st.Loaded = false
		if err == nil {
			st.LastUploadTime = &res.Time
		}
	})
	if err != nil {
		return res, fmt.Errorf("sync failed: %w; every change is still in the journal: run `roamfs sync --cache %s` again", err, o.layout.Dir)
	}
	return res, uerr
}

// Close releases the journal and the cache.
func (o *Offline) Close() {
	o.eng.close()
	o.eng.log.Sync()
}
