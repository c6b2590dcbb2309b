package prep

import (
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"
)

// stagedStore commits a transaction's writes only when its function
// succeeds, like bbolt; writes are names appended to a log. Each commit
// takes a while, as an fsync does.
type stagedStore struct {
	Store
	mu        sync.Mutex
	committed []string
	commits   int
}

// stagedTx is the Tx the functions write through.
type stagedTx struct {
	Tx
	writes *[]string
}

func (s *stagedStore) Update(fn func(Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var writes []string
	if err := fn(stagedTx{writes: &writes}); err != nil {
		return err
	}
	time.Sleep(2 * time.Millisecond)
	s.committed = append(s.committed, writes...)
	s.commits++
	return nil
}

func write(name string) func(Tx) error {
	return func(tx Tx) error {
		w := tx.(stagedTx).writes
		*w = append(*w, name)
		return nil
	}
}

// runGroup has n callers commit while the first one's transaction is held
// open, so that the other n-1 queue up behind it; fail picks callers whose
// function fails.
func runGroup(t *testing.T, n int, fail func(i int) bool) (*stagedStore, []error) {
	store := &stagedStore{}
	g := &groupCommit{store: store}
	inside, release := make(chan struct{}), make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		errs[0] = g.update(func(tx Tx) error {
			close(inside)
			<-release
			return write("first")(tx)
		})
	}()
	<-inside
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn := write("w")
			if fail(i) {
				fn = func(Tx) error { return errors.New("disk says no") }
			}
			errs[i] = g.update(fn)
		}()
	}
	for {
		g.mu.Lock()
		queued := len(g.pending)
		g.mu.Unlock()
		if queued == n-1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	return store, errs
}

func TestGroupCommitSharesOneTransaction(t *testing.T) {
	store, errs := runGroup(t, 50, func(int) bool { return false })
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if store.commits != 2 || len(store.committed) != 50 {
		t.Fatalf("%d commits holding %d writes; want 2 commits (the first caller, then the 49 queued together) holding 50", store.commits, len(store.committed))
	}
}

func TestGroupCommitIsolatesAFailure(t *testing.T) {
	store, errs := runGroup(t, 20, func(i int) bool { return i == 7 })
	for i, err := range errs {
		if (i == 7) != (err != nil) {
			t.Fatalf("caller %d got %v", i, err)
		}
	}
	if len(store.committed) != 19 {
		t.Fatalf("%d writes committed, want 19: a failing function must not undo the others", len(store.committed))
	}
}

// gatedStore commits at once, except that the commit numbered hold (from 1)
// waits inside its transaction until release is closed.
type gatedStore struct {
	Store
	mu      sync.Mutex
	commits int
	hold    int
	holding chan struct{}
	release chan struct{}
}

func (s *gatedStore) Update(fn func(Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := fn(stagedTx{writes: new([]string)}); err != nil {
		return err
	}
	s.commits++
	if s.commits == s.hold {
		close(s.holding)
		<-s.release
	}
	return nil
}

// TestGroupCommitLeaderReturnsAfterItsOwnGroup: a leader whose group is
// committed returns at once, while the group queued behind it is still
// committing, rather than serving the callers that came after it.
func TestGroupCommitLeaderReturnsAfterItsOwnGroup(t *testing.T) {
	store := &gatedStore{hold: 2, holding: make(chan struct{}), release: make(chan struct{})}
	g := &groupCommit{store: store}
	inside, goOn := make(chan struct{}), make(chan struct{})
	leaderDone := make(chan error, 1)
	go func() {
		leaderDone <- g.update(func(tx Tx) error {
			close(inside)
			<-goOn
			return nil
		})
	}()
	<-inside
	followers := make(chan error, 5)
	for range 5 {
		go func() { followers <- g.update(write("w")) }()
	}
	for {
		g.mu.Lock()
		queued := len(g.pending)
		g.mu.Unlock()
		if queued == 5 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(goOn)
	<-store.holding // the followers' group is committing now, held open
	select {
	case err := <-leaderDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the leader did not return after its own group committed; it is serving the next group")
	}
	close(store.release)
	for range 5 {
		if err := <-followers; err != nil {
			t.Fatal(err)
		}
	}
	if store.commits != 2 {
		t.Fatalf("%d commits, want 2: the leader's and the followers' together", store.commits)
	}
}

// fakeMonotonic is a clock that moves only when told to.
type fakeMonotonic struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeMonotonic) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeMonotonic) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// clockedStore is stagedStore on a fake clock: each commit takes 2 ms of it.
type clockedStore struct {
	stagedStore
	clock *fakeMonotonic
}

func (s *clockedStore) Update(fn func(Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var writes []string
	if err := fn(stagedTx{writes: &writes}); err != nil {
		return err
	}
	s.clock.advance(2 * time.Millisecond)
	s.committed = append(s.committed, writes...)
	s.commits++
	return nil
}

// TestGroupCommitReportsEachTransaction: the observer hears of every
// transaction with its size, the time its functions took, the commit's time
// and each caller's wait; a failed group is reported, then each caller run
// again alone.
func TestGroupCommitReportsEachTransaction(t *testing.T) {
	for _, failing := range []int{-1, 3} {
		clock := &fakeMonotonic{now: time.Unix(1000, 0)}
		store := &clockedStore{clock: clock}
		var seen []CommitTiming
		g := &groupCommit{store: store, clock: clock.Now, observe: func(c CommitTiming) { seen = append(seen, c) }}
		// Each function takes 1 ms of the fake clock.
		step := func(name string, fail bool) func(Tx) error {
			return func(tx Tx) error {
				clock.advance(time.Millisecond)
				if fail {
					return errors.New("disk says no")
				}
				return write(name)(tx)
			}
		}
		inside, release := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			g.update(func(tx Tx) error {
				close(inside)
				<-release
				return step("first", false)(tx)
			})
		})
		<-inside
		// Queued one at a time, so that the group holds them in order.
		const queued = 5
		for i := range queued {
			wg.Go(func() { g.update(step("w", i == failing)) })
			for {
				g.mu.Lock()
				n := len(g.pending)
				g.mu.Unlock()
				if n == i+1 {
					break
				}
				time.Sleep(time.Millisecond)
			}
		}
		close(release)
		wg.Wait()

		// The first caller alone: no wait, 1 ms turn, 2 ms commit. The
		// queued ones waited for it: 3 ms.
		want := []CommitTiming{{Events: 1, Waits: []time.Duration{0}, Turns: time.Millisecond, Commit: 2 * time.Millisecond}}
		waits := make([]time.Duration, queued)
		for i := range waits {
			waits[i] = 3 * time.Millisecond
		}
		if failing < 0 {
			want = append(want, CommitTiming{Events: queued, Waits: waits, Turns: queued * time.Millisecond, Commit: 2 * time.Millisecond})
		} else {
			// The group stops at the failing function (its 4th), rolls
			// back, and each caller runs alone: the failing one fails
			// again and commits nothing.
			want = append(want, CommitTiming{Events: queued, Waits: waits, Turns: time.Duration(failing+1) * time.Millisecond, Failed: true})
			at := 3*time.Millisecond + time.Duration(failing+1)*time.Millisecond
			for i := range queued {
				c := CommitTiming{Events: 1, Waits: []time.Duration{at}, Turns: time.Millisecond, Commit: 2 * time.Millisecond}
				if i == failing {
					c.Commit, c.Failed = 0, true
					at += time.Millisecond
				} else {
					at += 3 * time.Millisecond
				}
				want = append(want, c)
			}
		}
		if len(seen) != len(want) {
			t.Fatalf("failing %d: %d transactions reported, want %d: %+v", failing, len(seen), len(want), seen)
		}
		for i := range want {
			if !reflect.DeepEqual(seen[i], want[i]) {
				t.Errorf("failing %d: transaction %d reported as %+v, want %+v", failing, i, seen[i], want[i])
			}
		}
	}
}
