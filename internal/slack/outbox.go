package slack

import (
	"container/heap"
	"context"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/prepbot/prepbot/internal/prep"
)

// maxQueued is how many calls Deliver lets wait before it blocks its
// caller: back-pressure for a scheduler pushing to many users at once.
// Replies to events are never held back, so receiving cannot stall.
const maxQueued = 10000

// methodLimits are Slack's per-method rate tiers (calls per minute per
// workspace) for the methods the bot uses besides chat.postMessage, which
// is paced per channel. Keeping under them means a 429 is a surprise, not
// the pacing.
var methodLimits = map[string]int{
	"chat.update":        50,  // Tier 3
	"conversations.open": 50,  // Tier 3
	"chat.postEphemeral": 100, // Tier 4
	"files.upload":       50,  // two Tier 4 calls (getUploadURLExternal, completeUploadExternal)
}

// job is one call (or, for an upload, one sequence of calls) to one
// channel.
type job struct {
	key    string       // the queue: the channel id, or "dm:<user>" until the DM is known
	user   prep.UserKey // whose DM this goes to, for OnBlocked; "" for other channels
	userID string       // Slack id of that user, to open the DM
	method string       // for limits, logs and errors
	// do makes one attempt in the channel (the user's DM, opened first,
	// when channel is empty). A job that makes several calls keeps its
	// progress in the closure, so a retry repeats only the failed call.
	do      func(ctx context.Context, channel string) error
	channel string
	// fallback replaces do once if Slack refuses the call for good in a
	// way another call can mend: an edit of a vanished message becomes a
	// new message.
	fallback       func(ctx context.Context, channel string) error
	fallbackMethod string
	first          time.Time
	attempts       int
	reserved       bool // holds a token of its method's limiter
}

// outcome is what became of one attempt of a job.
type outcome uint8

const (
	sent        outcome = iota // done
	dropped                    // done: refused for good, logged
	again                      // retry now (fallback)
	wait429                    // retry after retryAfter
	failed                     // retry after back-off, or give up
	blocked                    // the user cannot be messaged: drop the queue
	interrupted                // the send context ended; the job stays queued
	deferred                   // not attempted: its method's limit says later
)

type result struct {
	outcome    outcome
	retryAfter time.Duration
	method     string // the method a 429 came from, if not the job's own
}

// chanQueue is one channel's FIFO. At most one worker holds it (busy),
// which keeps a channel's messages in order even across retries.
type chanQueue struct {
	key       string
	jobs      []*job
	lim       *rate.Limiter
	notBefore time.Time
	errUntil  time.Time // set by 429, back-off or a method's limit
	busy      bool
	index     int // in the ready heap, -1 when not in it
}

// Stats counts what the outgoing queue did since the bot was created.
type Stats struct {
	Queued          int // calls waiting or in flight now
	Sent            int // calls Slack accepted
	TooManyRequests int // 429 answers, each followed by one retry of the same call
	Retries         int // attempts repeated after network errors and 5xx
	Dropped         int // calls given up (refused, failing too long, user unreachable)
}

// outbox sends calls with a global rate limit, per-channel limits and
// order, and Slack's per-method tiers. A dispatcher takes the channel that
// may send soonest, waits for the global limiter, and hands the channel to
// one of a pool of workers, so that slow round trips overlap.
type outbox struct {
	log       *slog.Logger
	exec      func(ctx context.Context, j *job) result
	onBlocked func(ctx context.Context, user prep.UserKey)
	global    *rate.Limiter
	chanRate  rate.Limit
	chanBurst int
	workers   int
	retry     Retry

	mu          sync.Mutex
	chans       map[string]*chanQueue
	ready       readyHeap
	queued      int
	methods     map[string]*rate.Limiter
	methodPause map[string]time.Time // a 429 on a method holds all its calls
	wake        chan struct{}        // buffered(1): the heap changed
	idle        chan struct{}        // closed while queued == 0
	space       chan struct{}        // closed and replaced when queued shrinks
	blockedSet  map[prep.UserKey]bool
	stats       Stats
	closed      bool // Run has returned: nothing more will be sent
}

func newOutbox(o Options, log *slog.Logger) *outbox {
	idle := make(chan struct{})
	close(idle)
	methods := make(map[string]*rate.Limiter)
	for m, perMin := range methodLimits {
		methods[m] = rate.NewLimiter(rate.Limit(float64(perMin)/60), max(1, perMin/10))
	}
	return &outbox{
		log:         log,
		global:      rate.NewLimiter(rate.Limit(o.GlobalRate), max(1, int(o.GlobalRate/2))),
		chanRate:    rate.Limit(o.PerChannelRate),
		chanBurst:   o.PerChannelBurst,
		workers:     workersFor(o.GlobalRate),
		retry:       o.Retry,
		chans:       make(map[string]*chanQueue),
		methods:     methods,
		methodPause: make(map[string]time.Time),
		wake:        make(chan struct{}, 1),
		idle:        idle,
		space:       make(chan struct{}),
		blockedSet:  make(map[prep.UserKey]bool),
	}
}

// enqueue appends jobs to their channels' queues in order. With wait, it
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
		c := o.chans[j.key]
		if c == nil {
			c = o.newChanLocked(j.key)
		}
		c.jobs = append(c.jobs, j)
		o.queued++
		o.stats.Queued++
		o.scheduleLocked(c, now)
	}
	o.signal()
	return nil
}

func (o *outbox) newChanLocked(key string) *chanQueue {
	if len(o.chans) > 4096 {
		o.sweepLocked(time.Now())
	}
	c := &chanQueue{key: key, lim: rate.NewLimiter(o.chanRate, o.chanBurst), index: -1}
	o.chans[key] = c
	return c
}

// sweepLocked forgets idle channels whose limiter has refilled:
// remembering them would change nothing.
func (o *outbox) sweepLocked(now time.Time) {
	for key, c := range o.chans {
		if len(c.jobs) == 0 && !c.busy && c.lim.TokensAt(now) >= float64(c.lim.Burst()) {
			delete(o.chans, key)
		}
	}
}

// scheduleLocked puts a channel with work into the ready heap, taking its
// next per-channel token now: the channel's call goes out at notBefore.
func (o *outbox) scheduleLocked(c *chanQueue, now time.Time) {
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
	work := make(chan *chanQueue)
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

// next pops the channel that may send soonest if its time has come, else
// says how long until it does.
func (o *outbox) next(now time.Time) (*chanQueue, time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.ready) == 0 {
		return nil, 0
	}
	c := o.ready[0]
	if c.notBefore.After(now) {
		return nil, c.notBefore.Sub(now)
	}
	heap.Pop(&o.ready)
	c.busy = true
	return c, 0
}

// release returns a channel the dispatcher took but could not hand out.
func (o *outbox) release(c *chanQueue) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c.busy = false
	o.scheduleLocked(c, time.Now())
}

// admit checks the job's method against its pause and its tier, taking a
// token of the tier's limiter. It returns how long the job must wait; the
// token it took stays with the job.
func (o *outbox) admit(j *job, now time.Time) time.Duration {
	o.mu.Lock()
	defer o.mu.Unlock()
	if until := o.methodPause[j.method]; until.After(now) {
		return until.Sub(now)
	}
	lim := o.methods[j.method]
	if lim == nil || j.reserved {
		return 0
	}
	j.reserved = true
	return lim.ReserveN(now, 1).DelayFrom(now)
}

// process makes one attempt of the channel's first job and decides what
// follows.
func (o *outbox) process(ctx context.Context, c *chanQueue) {
	o.mu.Lock()
	j := c.jobs[0]
	o.mu.Unlock()
	var res result
	if wait := o.admit(j, time.Now()); wait > 0 {
		res = result{outcome: deferred, retryAfter: wait}
	} else {
		if j.first.IsZero() {
			j.first = time.Now()
		}
		j.attempts++
		j.reserved = false
		res = o.exec(ctx, j)
	}
	if res.outcome == blocked && j.user != "" {
		// Tell the caller before the queue is marked done, so that a Flush
		// returns only after the news was handed on.
		o.mu.Lock()
		first := !o.blockedSet[j.user]
		o.blockedSet[j.user] = true
		o.mu.Unlock()
		if first && o.onBlocked != nil {
			o.onBlocked(ctx, j.user)
		}
	}
	now := time.Now()

	o.mu.Lock()
	switch res.outcome {
	case sent:
		o.stats.Sent++
		o.doneLocked(c, 1)
	case dropped:
		o.stats.Dropped++
		o.doneLocked(c, 1)
	case again:
	case deferred:
		c.errUntil = now.Add(res.retryAfter)
	case wait429:
		o.stats.TooManyRequests++
		// Slack limits per method and workspace: every call of this
		// method waits, not just this channel's.
		c.errUntil = now.Add(res.retryAfter)
		method := j.method
		if res.method != "" {
			method = res.method
		}
		if c.errUntil.After(o.methodPause[method]) {
			o.methodPause[method] = c.errUntil
		}
		j.reserved = true // the retry is the same call: no second token
	case failed:
		if now.Sub(j.first) >= o.retry.GiveUp {
			o.log.Error("slack: giving up on a message after repeated failures; it is lost",
				"channel", c.key, "method", j.method, "attempts", j.attempts, "since", j.first)
			o.stats.Dropped++
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
		o.log.Warn("slack: the user cannot be messaged; dropped their queue",
			"channel", c.key, "user", string(j.user), "dropped", n)
	case interrupted:
	}
	c.busy = false
	o.scheduleLocked(c, now)
	if len(c.jobs) == 0 && c.lim.TokensAt(now) >= float64(c.lim.Burst()) {
		delete(o.chans, c.key)
	}
	o.signal()
	o.mu.Unlock()
}

// doneLocked removes n jobs from the head of the channel's queue.
func (o *outbox) doneLocked(c *chanQueue, n int) {
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

// unblock forgets that a user could not be messaged: they wrote again.
func (o *outbox) unblock(user prep.UserKey) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.blockedSet, user)
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

// close refuses further jobs and lists the channels whose jobs will never
// be sent, for the shutdown log.
func (o *outbox) close() map[string]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	out := make(map[string]int)
	for key, c := range o.chans {
		if len(c.jobs) > 0 {
			out[key] = len(c.jobs)
		}
	}
	return out
}

// readyHeap orders channels by the time they may send.
type readyHeap []*chanQueue

func (h readyHeap) Len() int           { return len(h) }
func (h readyHeap) Less(i, j int) bool { return h[i].notBefore.Before(h[j].notBefore) }
func (h readyHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *readyHeap) Push(x any) {
	c := x.(*chanQueue)
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
