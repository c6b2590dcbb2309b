package prep

import (
	"errors"
	"sync"
	"time"
)

// CommitTiming is how long one shared store transaction took, split the way
// an event's wait in the store splits: the group commit reports one per
// transaction it commits, for metrics and benchmarks. Durations are real
// (monotonic) time, not the engine's clock.
type CommitTiming struct {
	// Events is how many callers' functions the transaction ran.
	Events int
	// Waits holds, for each of those callers, the time from its arrival to
	// the start of the transaction: the commit in progress that it queued
	// behind.
	Waits []time.Duration
	// Turns is the time spent running the functions, inside the
	// transaction (the events' conversation turns, in turn).
	Turns time.Duration
	// Commit is the rest of the store's Update: waiting for bbolt's writer
	// lock (held by writes outside the group, such as the adapters'
	// offsets), writing the pages and fsyncing them.
	Commit time.Duration
	// Failed is set when the transaction was rolled back: a function or
	// the commit failed. After a shared transaction fails, its callers are
	// run again one by one, each reported as a transaction of its own.
	Failed bool
}

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
	store Store
	// observe, when set, is told about each transaction; clock (default
	// time.Now) times them, and tests replace it.
	observe func(CommitTiming)
	clock   func() time.Time
	mu      sync.Mutex
	pending []*commitRequest
	leading bool
}

type commitRequest struct {
	fn   func(Tx) error
	done chan error
	// arrived is when the caller queued; set only while observed.
	arrived time.Time
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
	if g.observe != nil {
		r.arrived = g.now()
	}
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
		batch[0].done <- g.timedUpdate(batch, batch[0].fn)
		return
	}
	err := g.timedUpdate(batch, func(tx Tx) error {
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
		r.done <- g.timedUpdate([]*commitRequest{r}, r.fn)
	}
}

// timedUpdate is the store's Update of fn, which runs the functions of
// batch, reported to observe when it is set.
func (g *groupCommit) timedUpdate(batch []*commitRequest, fn func(Tx) error) error {
	if g.observe == nil {
		return g.store.Update(fn)
	}
	start := g.now()
	var turns time.Duration
	err := g.store.Update(func(tx Tx) error {
		began := g.now()
		err := fn(tx)
		turns += g.now().Sub(began)
		return err
	})
	t := CommitTiming{Events: len(batch), Turns: turns, Commit: g.now().Sub(start) - turns, Failed: err != nil}
	t.Waits = make([]time.Duration, len(batch))
	for i, r := range batch {
		// A caller run again after its group failed waited for that
		// group too.
		t.Waits[i] = max(0, start.Sub(r.arrived))
	}
	g.observe(t)
	return err
}

func (g *groupCommit) now() time.Time {
	if g.clock != nil {
		return g.clock()
	}
	return time.Now()
}
