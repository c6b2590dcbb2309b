package prep

import (
	"errors"
	"sync"
)

// groupCommit merges concurrent write transactions into one, so that many
// users' events share one fsync (bbolt has one writer and syncs every
// commit; alone, that caps the bot at the disk's commits per second).
//
// No timer is involved: the first caller becomes the leader and commits at
// once; callers arriving while a commit is in progress queue up, and the
// next leader commits them together. A lone writer therefore waits for
// nothing extra. A leader commits one group, the one holding its own
// function, and then hands the lead to the first caller queued behind it:
// under steady load no caller serves other callers' groups after its own,
// so each waits at most for the commit in progress and its own. When any
// function in a group fails, the group's transaction is rolled back and
// each function is run again in a transaction of its own, so one failing
// event never undoes another's effects and each caller gets its own error.
// Functions must therefore be safe to run twice: they start by resetting
// whatever they report.
type groupCommit struct {
	store   Store
	mu      sync.Mutex
	pending []*commitRequest
	leading bool
}

type commitRequest struct {
	fn   func(Tx) error
	done chan error
	// lead is closed to hand this caller the lead while it waits.
	lead chan struct{}
}

// errGroupFailed aborts a group transaction when one of its functions fails.
var errGroupFailed = errors.New("prep: a function in the commit group failed")

// update runs fn in a write transaction, possibly shared with concurrent
// callers, and returns once the transaction holding fn's effects is
// committed (or fn's own error).
func (g *groupCommit) update(fn func(Tx) error) error {
	r := &commitRequest{fn: fn, done: make(chan error, 1), lead: make(chan struct{})}
	g.mu.Lock()
	g.pending = append(g.pending, r)
	if !g.leading {
		g.leading = true
		g.mu.Unlock()
		return g.lead(r)
	}
	g.mu.Unlock()
	select {
	case err := <-r.done:
		return err
	case <-r.lead:
		return g.lead(r)
	}
}

// lead commits the queued group, which holds r, then passes the lead to the
// first caller that queued meanwhile, or gives it up when none did.
func (g *groupCommit) lead(r *commitRequest) error {
	g.mu.Lock()
	batch := g.pending
	g.pending = nil
	g.mu.Unlock()
	g.commit(batch)
	g.mu.Lock()
	if len(g.pending) == 0 {
		g.leading = false
	} else {
		close(g.pending[0].lead)
	}
	g.mu.Unlock()
	return <-r.done
}

func (g *groupCommit) commit(batch []*commitRequest) {
	if len(batch) == 1 {
		batch[0].done <- g.store.Update(batch[0].fn)
		return
	}
	err := g.store.Update(func(tx Tx) error {
		for _, r := range batch {
			if err := r.fn(tx); err != nil {
				return errGroupFailed
			}
		}
		return nil
	})
	if err == nil {
		for _, r := range batch {
			r.done <- nil
		}
		return
	}
	for _, r := range batch {
		r.done <- g.store.Update(r.fn)
	}
}
