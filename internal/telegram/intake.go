package telegram

import (
	"context"
	"slices"
	"sync"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// intake runs the updates getUpdates hands over while polling goes on, so
// that the next poll does not wait for the slowest update of the last one
// (a Python attempt being graded, or the commit the group is waiting for).
// Each sender's updates still run one at a time, in the order of their ids.
//
// It also decides the offset of the next poll. Telegram forgets an update
// once getUpdates is called with a higher offset, so the offset never passes
// an update that is not yet handled: a crash then loses nothing, the update
// comes again after the restart and the engine's de-duplication absorbs it.
// The price is that a poll hands over again the updates handled above the
// oldest one in hand; intake remembers those and skips them.
type intake struct {
	handle func(tgbotapi.Update)
	// polling ends when the bot is told to stop: from then on no update
	// starts (see stop).
	polling context.Context

	mu      sync.Mutex
	next    int64                       // the offset once everything in hand is done
	polled  int64                       // the highest offset handed out: Telegram forgot what is below it
	inHand  map[int]bool                // ids given to a sender's queue and not yet done
	done    map[int]bool                // ids done but still at or above the offset last polled with
	queues  map[int64][]tgbotapi.Update // per sender with updates in hand: those not yet started
	halted  bool                        // stop was called: no update starts any more
	running sync.WaitGroup
	changed chan struct{} // a token when an update is done
}

func newIntake(polling context.Context, offset int64, handle func(tgbotapi.Update)) *intake {
	return &intake{handle: handle, polling: polling, next: offset, polled: offset, inHand: map[int]bool{}, done: map[int]bool{},
		queues: map[int64][]tgbotapi.Update{}, changed: make(chan struct{}, 1)}
}

// offset is what the next getUpdates asks from: the oldest update in hand,
// or past the newest one handled. It never goes back: an update handed over
// again below it (Telegram forgot it already) does not hold it. It forgets
// the ids done below it, which Telegram will not hand over again.
func (in *intake) offset() int64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	off := in.next
	for id := range in.inHand {
		if int64(id) >= in.polled {
			off = min(off, int64(id))
		}
	}
	in.polled = off
	for id := range in.done {
		if int64(id) < off {
			delete(in.done, id)
		}
	}
	return off
}

// take starts the updates of one poll that are not in hand or done
// already, and reports how many it started. Updates below every offset
// polled with are ones Telegram handed over again on its own; they run
// again (the engine recognises them).
func (in *intake) take(updates []tgbotapi.Update) int {
	started := 0
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.halted || in.polling.Err() != nil {
		return 0
	}
	for _, u := range updates {
		if in.inHand[u.UpdateID] || in.done[u.UpdateID] {
			continue
		}
		started++
		in.inHand[u.UpdateID] = true
		in.next = max(in.next, int64(u.UpdateID)+1)
		s := sender(u)
		q, busy := in.queues[s]
		in.queues[s] = append(q, u)
		if !busy {
			in.running.Add(1)
			go in.drain(s)
		}
	}
	return started
}

// drain runs one sender's queue until it is empty.
func (in *intake) drain(s int64) {
	defer in.running.Done()
	for {
		in.mu.Lock()
		q := in.queues[s]
		if len(q) == 0 || in.halted || in.polling.Err() != nil {
			// Updates left in the queue stay in hand, so the offset stays
			// below them: Telegram hands them over again after a restart.
			delete(in.queues, s)
			in.mu.Unlock()
			return
		}
		u := q[0]
		in.queues[s] = slices.Delete(q, 0, 1)
		in.mu.Unlock()

		in.handle(u)

		in.mu.Lock()
		delete(in.inHand, u.UpdateID)
		in.done[u.UpdateID] = true
		in.mu.Unlock()
		select {
		case in.changed <- struct{}{}:
		default:
		}
	}
}

// busy reports whether any update is in hand.
func (in *intake) busy() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return len(in.inHand) > 0
}

// waitDone waits until some update in hand is done or ctx ends.
func (in *intake) waitDone(ctx context.Context) {
	select {
	case <-in.changed:
	case <-ctx.Done():
	}
}

// stop lets the updates running finish and starts no other: a stopping
// bot finishes what it has in hand, and leaves what it has not begun to
// Telegram, which keeps it until the next start. It returns when the
// running ones are done.
func (in *intake) stop() {
	in.mu.Lock()
	in.halted = true
	in.mu.Unlock()
	in.running.Wait()
}
