package telegram

import (
	"container/heap"
	"context"
	"log/slog"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"github.com/prepbot/prepbot/internal/prep"
)

// maxQueued is how many requests Deliver lets wait before it blocks its
// caller: back-pressure for a scheduler pushing to many users at once.
// Replies to updates are never held back, so receiving cannot stall.
const maxQueued = 10000

// job is one request to one chat.
type job struct {
	chat int64
	user prep.UserKey // the private chat's user, for OnBlocked; "" for groups
	// build makes the request for a chat id; a group migrated to a
	// supergroup changes the id between attempts.
	build func(chat int64) tgbotapi.Chattable
	// fallback replaces build once if Telegram refuses the request for
	// good, e.g. an edit of a message that can no longer be edited is sent
	// as a new message instead.
	fallback func(chat int64) tgbotapi.Chattable
	method   string
	first    time.Time // first attempt, for Retry.GiveUp
	attempts int
	// series joins the parts of one reply split over several messages;
	// nil for a reply of one request.
	series *series
}

// series is the parts of one reply, sent in order. When one part is
// given up, the parts after it are dropped too: they would show the end of
// a text without its beginning, and under the last the buttons (rating an
// answer) for a text the user did not get.
type series struct{ broken bool } // guarded by outbox.mu

// newSeries returns a series for a reply of n requests; nil when n is 1.
func newSeries(n int) *series {
	if n <= 1 {
		return nil
	}
	return &series{}
}

// outcome is what became of one attempt of a job.
type outcome uint8

const (
	sent        outcome = iota // done: sent, or "not modified"
	dropped                    // done: refused for good, logged
	again                      // retry now (fallback or migration)
	wait429                    // retry after retryAfter
	failed                     // retry after back-off, or give up
	blocked                    // 403: drop the chat's queue
	interrupted                // the send context ended; the job stays queued
)

type result struct {
	outcome    outcome
	retryAfter time.Duration
}

// chatQueue is one chat's FIFO. At most one worker holds it (busy), which
// keeps a chat's requests in order even across retries.
type chatQueue struct {
	id        int64
	jobs      []*job
	lim       *rate.Limiter
	notBefore time.Time
	errUntil  time.Time // set by 429 or back-off
	busy      bool
	index     int // in the ready heap, -1 when not in it
}

// Stats counts what the outgoing queue did since the bot was created.
type Stats struct {
	Queued          int // requests waiting or in flight now
	Sent            int // requests Telegram accepted
	TooManyRequests int // 429 answers, each followed by one retry of the same request
	Retries         int // attempts repeated after network errors and 5xx
	Dropped         int // requests given up (refused, failing too long, blocked chat)
}

// outbox sends requests with a global rate limit and per-chat limits and
// order. A dispatcher takes the chat that may send soonest, waits for the
// global limiter, and hands the chat to one of a pool of workers, so that
// slow round trips to Telegram overlap.
type outbox struct {
	log       *slog.Logger
	exec      func(ctx context.Context, j *job) result
	onBlocked func(ctx context.Context, chat int64, user prep.UserKey)
	global    *rate.Limiter
	chatRate  rate.Limit
	chatBurst int
	workers   int
	retry     Retry

	mu         sync.Mutex
	chats      map[int64]*chatQueue
	ready      readyHeap
	queued     int
	pauseUntil time.Time
	wake       chan struct{} // buffered(1): the heap changed
	idle       chan struct{} // closed while queued == 0
	space      chan struct{} // closed and replaced when queued shrinks
	blockedSet map[int64]bool
	stats      Stats
	closed     bool // Run has returned: nothing more will be sent
}

func newOutbox(o Options, log *slog.Logger) *outbox {
	idle := make(chan struct{})
	close(idle)
	return &outbox{
		log:        log,
		global:     rate.NewLimiter(rate.Limit(o.GlobalRate), max(1, int(o.GlobalRate/10))),
		chatRate:   rate.Limit(o.PerChatRate),
		chatBurst:  o.PerChatBurst,
		workers:    workersFor(o.GlobalRate),
		retry:      o.Retry,
		chats:      make(map[int64]*chatQueue),
		wake:       make(chan struct{}, 1),
		idle:       idle,
		space:      make(chan struct{}),
		blockedSet: make(map[int64]bool),
	}
}

// enqueue appends jobs to their chats' queues in order. With wait, it
// first blocks (until ctx ends) while the queue is over maxQueued.
func (o *outbox) enqueue(ctx context.Context, jobs []*job, wait bool) error {
	if len(jobs) == 0 {
		return nil
	}
	o.mu.Lock()
	for wait && o.queued > 0 && o.queued+len(jobs) > maxQueued {
		ch := o.space
		o.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		o.mu.Lock()
	}
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	if o.queued == 0 {
		o.idle = make(chan struct{})
	}
	now := time.Now()
	for _, j := range jobs {
		c := o.chats[j.chat]
		if c == nil {
			c = o.newChatLocked(j.chat)
		}
		c.jobs = append(c.jobs, j)
		o.queued++
		o.stats.Queued++
		o.scheduleLocked(c, now)
	}
	o.signal()
	return nil
}

func (o *outbox) newChatLocked(id int64) *chatQueue {
	if len(o.chats) > 4096 {
		o.sweepLocked(time.Now())
	}
	r, burst := o.chatRate, o.chatBurst
	if id < 0 {
		// Telegram allows a group 20 messages a minute: a third of the
		// default private-chat rate.
		r = o.chatRate / 3
	}
	c := &chatQueue{id: id, lim: rate.NewLimiter(r, burst), index: -1}
	o.chats[id] = c
	return c
}

// sweepLocked forgets idle chats whose limiter has refilled: remembering
// them would change nothing.
func (o *outbox) sweepLocked(now time.Time) {
	for id, c := range o.chats {
		if len(c.jobs) == 0 && !c.busy && c.lim.TokensAt(now) >= float64(c.lim.Burst()) {
			delete(o.chats, id)
		}
	}
}

// scheduleLocked puts a chat with work into the ready heap, taking its
// next per-chat token now: the chat's request goes out at notBefore.
func (o *outbox) scheduleLocked(c *chatQueue, now time.Time) {
	if c.busy || c.index >= 0 || len(c.jobs) == 0 {
		return
	}
	at := now.Add(c.lim.ReserveN(now, 1).DelayFrom(now))
	if c.errUntil.After(at) {
		at = c.errUntil
	}
	c.notBefore = at
	heap.Push(&o.ready, c)
}

func (o *outbox) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// run sends until ctx ends. Jobs still queued then stay queued (and are
// reported by the caller as lost).
func (o *outbox) run(ctx context.Context) {
	work := make(chan *chatQueue)
	var wg sync.WaitGroup
	for range o.workers {
		wg.Go(func() {
			for c := range work {
				o.process(ctx, c)
			}
		})
	}
	defer func() {
		close(work)
		wg.Wait()
	}()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		c, wait := o.next(time.Now())
		if c == nil {
			if wait <= 0 {
				wait = time.Hour
			}
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-o.wake:
			case <-timer.C:
			}
			continue
		}
		if err := o.global.Wait(ctx); err != nil {
			o.release(c)
			return
		}
		select {
		case work <- c:
		case <-ctx.Done():
			o.release(c)
			return
		}
	}
}

// next pops the chat that may send soonest if its time has come, else
// says how long until it does.
func (o *outbox) next(now time.Time) (*chatQueue, time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.ready) == 0 {
		return nil, 0
	}
	c := o.ready[0]
	at := c.notBefore
	if o.pauseUntil.After(at) {
		at = o.pauseUntil
	}
	if at.After(now) {
		return nil, at.Sub(now)
	}
	heap.Pop(&o.ready)
	c.busy = true
	return c, 0
}

// release returns a chat the dispatcher took but could not hand out.
func (o *outbox) release(c *chatQueue) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c.busy = false
	o.scheduleLocked(c, time.Now())
}

// process makes one attempt of the chat's first job and decides what
// follows.
func (o *outbox) process(ctx context.Context, c *chatQueue) {
	o.mu.Lock()
	j := c.jobs[0]
	if j.series != nil && j.series.broken {
		o.log.Warn("telegram: part of a reply dropped: an earlier part could not be sent",
			"chat", c.id, "method", j.method)
		o.stats.Dropped++
		o.doneLocked(c, 1)
		c.busy = false
		o.scheduleLocked(c, time.Now())
		o.signal()
		o.mu.Unlock()
		return
	}
	o.mu.Unlock()
	if j.first.IsZero() {
		j.first = time.Now()
	}
	j.attempts++
	res := o.exec(ctx, j)
	now := time.Now()

	var notify bool
	o.mu.Lock()
	switch res.outcome {
	case sent:
		o.stats.Sent++
		o.doneLocked(c, 1)
	case dropped:
		o.stats.Dropped++
		o.breakSeriesLocked(j)
		o.doneLocked(c, 1)
	case again:
	case wait429:
		o.stats.TooManyRequests++
		// A 429 means the bot as a whole outran Telegram's model of it:
		// everyone waits, not just this chat.
		c.errUntil = now.Add(res.retryAfter)
		if c.errUntil.After(o.pauseUntil) {
			o.pauseUntil = c.errUntil
		}
	case failed:
		if now.Sub(j.first) >= o.retry.GiveUp {
			o.log.Error("telegram: giving up on a message after repeated failures",
				"chat", c.id, "method", j.method, "attempts", j.attempts, "since", j.first)
			o.stats.Dropped++
			o.breakSeriesLocked(j)
			o.doneLocked(c, 1)
			break
		}
		o.stats.Retries++
		bo := backoff{initial: o.retry.Initial, max: o.retry.Max, n: j.attempts - 1}
		c.errUntil = now.Add(bo.next())
	case blocked:
		n := len(c.jobs)
		o.stats.Dropped += n
		o.doneLocked(c, n)
		if !o.blockedSet[c.id] {
			o.blockedSet[c.id] = true
			notify = j.user != ""
		}
		o.log.Warn("telegram: chat refuses messages (bot blocked or removed); dropped its queue",
			"chat", c.id, "dropped", n)
	case interrupted:
	}
	c.busy = false
	o.scheduleLocked(c, now)
	if len(c.jobs) == 0 && c.lim.TokensAt(now) >= float64(c.lim.Burst()) {
		delete(o.chats, c.id)
	}
	o.signal()
	o.mu.Unlock()
	if notify && o.onBlocked != nil {
		o.onBlocked(ctx, c.id, j.user)
	}
}

// breakSeriesLocked marks the rest of a given-up job's reply as not to be
// sent.
func (o *outbox) breakSeriesLocked(j *job) {
	if j.series != nil {
		j.series.broken = true
	}
}

// doneLocked removes n jobs from the head of the chat's queue.
func (o *outbox) doneLocked(c *chatQueue, n int) {
	c.jobs = c.jobs[n:]
	c.errUntil = time.Time{}
	o.queued -= n
	o.stats.Queued -= n
	close(o.space)
	o.space = make(chan struct{})
	if o.queued == 0 {
		close(o.idle)
	}
}

// unblock forgets that a chat refused messages: its user wrote again.
func (o *outbox) unblock(chat int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.blockedSet, chat)
}

// markBlocked records a block learnt from an update, reporting whether it
// is news.
func (o *outbox) markBlocked(chat int64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.blockedSet[chat] {
		return false
	}
	o.blockedSet[chat] = true
	return true
}

// flush waits until nothing is queued or ctx ends.
func (o *outbox) flush(ctx context.Context) error {
	o.mu.Lock()
	ch := o.idle
	o.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (o *outbox) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.queued
}

func (o *outbox) snapshot() Stats {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stats
}

// close refuses further jobs and lists the chats whose jobs will never be
// sent, for the shutdown log.
func (o *outbox) close() map[int64]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	out := make(map[int64]int)
	for id, c := range o.chats {
		if len(c.jobs) > 0 {
			out[id] = len(c.jobs)
		}
	}
	return out
}

// readyHeap orders chats by the time they may send.
type readyHeap []*chatQueue

func (h readyHeap) Len() int           { return len(h) }
func (h readyHeap) Less(i, j int) bool { return h[i].notBefore.Before(h[j].notBefore) }
func (h readyHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *readyHeap) Push(x any) {
	c := x.(*chatQueue)
	c.index = len(*h)
	*h = append(*h, c)
}
func (h *readyHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	c.index = -1
	*h = old[:len(old)-1]
	return c
}
