package prep

import (
	"errors"
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
