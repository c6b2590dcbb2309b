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
