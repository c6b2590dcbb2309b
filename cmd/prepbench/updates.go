package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/telegram"
	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

// runUpdates has cfg.users simulated users study at once through the fake
// Bot API: /ask, Show answer, a rating, the next card. It runs twice. First
// as fast as the bot answers (a closed loop: each user waits for the bot's
// reply before the next tap), which finds the most the bot sustains; there
// the bot is saturated by definition, so its latency is mostly the queue
// the load generator keeps full. Then paced, once for each of cfg.rates: each
// user thinks for a random (exponential) time before each tap, averaging
// cfg.users/rate, so that the offered load is about rate updates/s:
// the latency a user meets when the bot carries that load. The bot is the
// real one — engine, bbolt store on a file with fsync, Telegram adapter
// with its polling loop and send queue — with the adapter's rate limits
// raised out of the way.
func runUpdates(ctx context.Context, cfg config, out io.Writer) error {
	d, err := loadDeck(cfg.dir, cfg.deck)
	if err != nil {
		return err
	}
	src, err := studyData(cfg.dir, d, cfg.users, cfg.userCards, cfg.userDue, out)
	if err != nil {
		return err
	}
	if cfg.saturated {
		fmt.Fprintf(out, "-- saturated: every user taps again as soon as the bot answers\n")
		if err := updatesRun(ctx, cfg, out, d, src, 0); err != nil {
			return err
		}
	}
	for _, rate := range cfg.rates {
		think := time.Duration(float64(cfg.users) / rate * float64(time.Second))
		fmt.Fprintf(out, "\n-- paced: each user thinks %v on average (exponential) before each tap: about %.0f updates/s offered\n", think, rate)
		if err := updatesRun(ctx, cfg, out, d, src, think); err != nil {
			return err
		}
	}
	return nil
}

// updatesRun runs the bot on a copy of the data set src under the users'
// load, for the warm-up and then the measured time, and prints what it
// measured. think is each user's mean pause before a tap; 0 taps at once.
func updatesRun(ctx context.Context, cfg config, out io.Writer, d deck, src string, think time.Duration) error {
	work, err := os.MkdirTemp(cfg.workDir, "updates-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	dbPath := filepath.Join(work, "prepbot.db")
	if err := copyFile(dbPath, src); err != nil {
		return err
	}

	rawBefore, err := rawCommits(filepath.Join(work, "raw.db"), 3*time.Second)
	if err != nil {
		return err
	}

	store, err := boltstore.Open(dbPath, boltstore.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	engineStore, adapterStore := &countingStore{Store: store}, &countingStore{Store: store}
	commitLog := &commitLog{}
	began := time.Now()
	eng, err := prep.NewEngine(prep.EngineConfig{
		Store: engineStore, Library: d.lib,
		// The data set's "now" is t0; time then runs at its real pace, so
		// learning steps (1m, 10m) fall due as they would.
		Now:      func() time.Time { return t0.Add(time.Since(began)) },
		OnCommit: commitLog.add,
	})
	if err != nil {
		return err
	}
	srv, tb := newFake()
	defer tb.close()
	obs := newObserver()
	coach := &timedCoach{coach: eng}
	bot, err := telegram.New(ctx, telegram.Options{
		Token: srv.Token, APIBase: srv.URL, Store: adapterStore,
		HTTPClient: &http.Client{Transport: obs},
		// Limits raised so that the API is not what is measured.
		GlobalRate: 100_000, PerChatRate: 1_000, PerChatBurst: 1_000,
		PollTimeout: 5 * time.Second,
	}, coach)
	if err != nil {
		return err
	}
	botCtx, stopBot := context.WithCancel(ctx)
	botDone := make(chan error, 1)
	go func() { botDone <- bot.Run(botCtx) }()

	usersCtx, stopUsers := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var sim simStats
	for i := range cfg.users {
		u := &simUser{id: chatID(i), srv: srv, sig: obs.watch(chatID(i)), rng: rand.New(rand.NewPCG(uint64(i), 2)), think: think}
		wg.Go(func() { u.run(usersCtx, &sim) })
	}

	sleep(ctx, cfg.warmup)
	handled0, eng0, ad0 := coach.handled.Load(), engineStore.updates.Load(), adapterStore.updates.Load()
	pages0, pageSize, _ := store.WriteStats()
	cpu0, wall0 := cpuTime(), time.Now()
	commitLog.start()
	coach.measuring.Store(true)
	sleep(ctx, cfg.duration)
	coach.measuring.Store(false)
	commitTimes := commitLog.stop()
	wall := time.Since(wall0)
	cpu := cpuTime() - cpu0
	handled, engCommits, adCommits := coach.handled.Load()-handled0, engineStore.updates.Load()-eng0, adapterStore.updates.Load()-ad0
	pages1, _, _ := store.WriteStats()
	pages := pages1 - pages0

	stopUsers()
	wg.Wait()
	stopBot()
	if err := <-botDone; err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	rawAfter, err := rawCommits(filepath.Join(work, "raw.db"), 3*time.Second)
	if err != nil {
		return err
	}
	if err := tb.close(); err != nil {
		return err
	}

	all, ratings := coach.samples()
	rate := float64(handled) / wall.Seconds()
	commits := float64(engCommits+adCommits) / wall.Seconds()
	raw := (rawBefore.rate + rawAfter.rate) / 2
	fmt.Fprintf(out, "setup: %d users, each with %d card states (%d due), studying through the fake Bot API in one process;\n",
		cfg.users, cfg.userCards, cfg.userDue)
	fmt.Fprintf(out, "       real engine + boltstore (fsync on, %s) + Telegram adapter (polling, limits raised); %v warm-up, %v measured\n",
		diskNote(work), cfg.warmup, cfg.duration)
	fmt.Fprintf(out, "updates handled end to end: %.0f updates/s (%d in %v; %d ratings/s)\n",
		rate, handled, wall.Round(time.Millisecond), int(float64(len(ratings))/wall.Seconds()))
	fmt.Fprintf(out, "Engine.Handle latency (store commit included, API excluded), all updates: p50 %s, p99 %s, max %s\n",
		ms(percentile(all, 50)), ms(percentile(all, 99)), ms(percentile(all, 100)))
	fmt.Fprintf(out, "Engine.Handle latency, ratings only:                                    p50 %s, p99 %s\n",
		ms(percentile(ratings, 50)), ms(percentile(ratings, 99)))
	fmt.Fprintf(out, "bbolt commits during the load: %.0f/s (engine %.0f/s, adapter's offset %.0f/s); %.1f updates per engine commit\n",
		commits, float64(engCommits)/wall.Seconds(), float64(adCommits)/wall.Seconds(), float64(handled)/max(1, float64(engCommits)))
	fmt.Fprintf(out, "engine commits over the run: %.2f ms each on average, of which %.2f ms running the events' functions and %.2f ms committing (write + fsync)\n",
		float64(engineStore.total.Load())/1e6/float64(engineStore.updates.Load()), float64(engineStore.inFn.Load())/1e6/float64(engineStore.updates.Load()),
		float64(engineStore.total.Load()-engineStore.inFn.Load())/1e6/float64(engineStore.updates.Load()))
	fmt.Fprintf(out, "where an event's time in the store goes, per engine transaction (p50 / p99 / max): waiting for the commit in progress %s / %s / %s (per event);\n",
		ms(percentile(commitTimes.wait, 50)), ms(percentile(commitTimes.wait, 99)), ms(percentile(commitTimes.wait, 100)))
	fmt.Fprintf(out, "       the transaction's turns %s / %s / %s; its commit (writer lock, write, fsync) %s / %s / %s\n",
		ms(percentile(commitTimes.turns, 50)), ms(percentile(commitTimes.turns, 99)), ms(percentile(commitTimes.turns, 100)),
		ms(percentile(commitTimes.commit, 50)), ms(percentile(commitTimes.commit, 99)), ms(percentile(commitTimes.commit, 100)))
	fmt.Fprintf(out, "pages written: %.1f per commit (%d-byte pages), %.1f MiB/s to the file\n",
		float64(pages)/max(1, float64(engCommits+adCommits)), pageSize, float64(pages)*float64(pageSize)/(1<<20)/wall.Seconds())
	fmt.Fprintf(out, "raw bbolt commit rate (sequential Update, one small write, fsync), 3 s before: %v\n", rawBefore)
	fmt.Fprintf(out, "                                                            3 s after:  %v\n", rawAfter)
	fmt.Fprintf(out, "=> group commit shares each fsync among %.1f updates: the load needs %.0f commits/s, %.0f%% of the disk's sequential rate; one commit per update would need %.0f/s (%.0f%%)\n",
		float64(handled)/max(1, float64(engCommits)), commits, 100*commits/raw, rate, 100*rate/raw)
	fmt.Fprintf(out, "CPU: %.2f of %d cores busy (bot, fake API and simulated users together)\n", cpu.Seconds()/wall.Seconds(), numCPU())
	fmt.Fprintf(out, "users: %d sessions finished, %d users ran out of cards, %d stalls (no answer in 10 s)\n",
		sim.sessions.Load(), sim.done.Load(), sim.stalls.Load())
	if think == 0 {
		fmt.Fprintf(out, "target: >= 2,000 updates/s: %s\n", verdict(rate >= 2000))
	} else {
		fmt.Fprintf(out, "target: p99 handling <= 5 ms at %.0f updates/s: %s\n", rate, verdict(percentile(all, 99) <= 5*time.Millisecond))
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// countingStore counts write transactions: each is one bbolt commit and one
// fsync.
type countingStore struct {
	prep.Store
	updates atomic.Int64
	total   atomic.Int64 // nanoseconds in Update
	inFn    atomic.Int64 // nanoseconds in the transaction's functions
}

// Update counts the transaction and runs it.
func (s *countingStore) Update(fn func(prep.Tx) error) error {
	s.updates.Add(1)
	start := time.Now()
	var took time.Duration
	err := s.Store.Update(func(tx prep.Tx) error {
		t := time.Now()
		err := fn(tx)
		took += time.Since(t)
		return err
	})
	s.total.Add(int64(time.Since(start)))
	s.inFn.Add(int64(took))
	return err
}

// commitLog keeps what the engine's group commit reports of each
// transaction (prep.EngineConfig.OnCommit) while the load is measured.
type commitLog struct {
	mu        sync.Mutex
	measuring bool
	commits   []prep.CommitTiming
}

func (l *commitLog) add(c prep.CommitTiming) {
	l.mu.Lock()
	if l.measuring {
		l.commits = append(l.commits, c)
	}
	l.mu.Unlock()
}

func (l *commitLog) start() {
	l.mu.Lock()
	l.measuring, l.commits = true, nil
	l.mu.Unlock()
}

// stop ends the measurement and returns the transactions reported since
// start.
func (l *commitLog) stop() commitFigures {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.measuring = false
	var f commitFigures
	for _, c := range l.commits {
		f.commit = append(f.commit, c.Commit)
		f.turns = append(f.turns, c.Turns)
		f.wait = append(f.wait, c.Waits...)
	}
	for _, d := range [][]time.Duration{f.commit, f.turns, f.wait} {
		slices.Sort(d)
	}
	return f
}

// commitFigures sum up the group commit's transactions: each one's commit
// (writer lock, write, fsync) and turns, and each event's wait for the
// commit in progress, sorted for percentiles.
type commitFigures struct {
	commit, turns, wait []time.Duration
}

// timedCoach times the engine's Handle as cmd/prepbot's measured decorator
// does: from the adapter's call to the replies, so the store commit is in
// and the API round trips are out.
type timedCoach struct {
	coach     telegram.Coach
	measuring atomic.Bool
	handled   atomic.Int64
	mu        sync.Mutex
	all       []time.Duration
	ratings   []time.Duration
}

// Handle times one event.
func (c *timedCoach) Handle(ctx context.Context, ev prep.Event) []prep.Reply {
	start := time.Now()
	r := c.coach.Handle(ctx, ev)
	d := time.Since(start)
	if c.measuring.Load() {
		c.handled.Add(1)
		c.mu.Lock()
		c.all = append(c.all, d)
		if strings.HasPrefix(ev.Button, "r") {
			c.ratings = append(c.ratings, d)
		}
		c.mu.Unlock()
	}
	return r
}

// Commands is the engine's.
func (c *timedCoach) Commands() []prep.Command { return c.coach.Commands() }

func (c *timedCoach) samples() (all, ratings []time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	all, ratings = slices.Clone(c.all), slices.Clone(c.ratings)
	slices.Sort(all)
	slices.Sort(ratings)
	return all, ratings
}

// commitRate is the disk's own pace for bbolt commits.
type commitRate struct {
	rate                float64
	p50, p99, p999, max time.Duration
	stalled             float64 // share of the time spent in commits over 50 ms
}

func (c commitRate) String() string {
	return fmt.Sprintf("%.0f/s (p50 %s, p99 %s, p99.9 %s, max %s; %.0f%% of the time in commits over 50 ms)",
		c.rate, ms(c.p50), ms(c.p99), ms(c.p999), ms(c.max), 100*c.stalled)
}

// rawCommits measures sequential bbolt commits of one small write each
// (a cursor, as the adapter's offset), fsynced, for d: the ceiling of a
// store that commits once per event.
func rawCommits(path string, d time.Duration) (commitRate, error) {
	_ = os.Remove(path)
	s, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		return commitRate{}, err
	}
	defer os.Remove(path)
	defer s.Close()
	var lat []time.Duration
	start := time.Now()
	for i := 0; time.Since(start) < d; i++ {
		t := time.Now()
		if err := s.Update(func(tx prep.Tx) error { return tx.SetCursor("prepbench", int64(i)) }); err != nil {
			return commitRate{}, err
		}
		lat = append(lat, time.Since(t))
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	var stalled time.Duration
	for _, l := range lat {
		if l > 50*time.Millisecond {
			stalled += l
		}
	}
	return commitRate{
		rate: float64(len(lat)) / elapsed.Seconds(),
		p50:  percentile(lat, 50), p99: percentile(lat, 99), p999: percentile(lat, 99.9), max: lat[len(lat)-1],
		stalled: float64(stalled) / float64(elapsed),
	}, nil
}

// simStats counts what the simulated users went through.
type simStats struct {
	sessions atomic.Int64 // study runs that ended with the session summary
	done     atomic.Int64 // users with nothing left to study
	stalls   atomic.Int64 // waits that timed out
}

// simUser is one person studying in their private chat with the bot.
type simUser struct {
	id    int64
	srv   *telegramtest.Server
	sig   <-chan struct{}
	rng   *rand.Rand
	think time.Duration // mean pause before a tap; 0: none
}

// pause is the user's thinking before a tap: exponential with mean think,
// so that the users' taps together arrive as a Poisson stream.
func (u *simUser) pause(ctx context.Context) {
	if u.think > 0 {
		sleep(ctx, time.Duration(u.rng.ExpFloat64()*float64(u.think)))
	}
}

// stallAfter is how long a user waits for the bot before starting over.
const stallAfter = 10 * time.Second

// run studies until ctx ends: /ask, then for each card Show answer and a
// rating (Good most often, as real users rate), then /ask again when the
// session ends, until nothing is left.
func (u *simUser) run(ctx context.Context, st *simStats) {
	for ctx.Err() == nil {
		since := u.newest()
		u.pause(ctx)
		u.srv.SendText(u.id, "/ask")
		m, ok := u.wait(ctx, func(msgs []telegramtest.Message) (telegramtest.Message, bool) {
			last := msgs[len(msgs)-1]
			return last, last.ID > since && (buttonData(last, "a") != "" || buttonData(last, "/due") != "")
		})
		switch {
		case !ok:
			if ctx.Err() == nil {
				st.stalls.Add(1)
			}
		case buttonData(m, "a") == "":
			st.done.Add(1)
			<-ctx.Done()
		case u.session(ctx, m):
			st.sessions.Add(1)
		case ctx.Err() == nil:
			st.stalls.Add(1)
		}
	}
}

// session studies from the card q to the session's end, reporting false if
// the bot stopped answering (or ctx ended) first.
func (u *simUser) session(ctx context.Context, q telegramtest.Message) bool {
	for {
		u.pause(ctx)
		u.srv.PressButton(u.id, q.ID, buttonData(q, "a"))
		a, ok := u.wait(ctx, func(msgs []telegramtest.Message) (telegramtest.Message, bool) {
			for _, m := range slices.Backward(msgs) {
				if m.ID == q.ID {
					return m, buttonData(m, "r") != ""
				}
			}
			return telegramtest.Message{}, false
		})
		if !ok {
			return false
		}
		u.pause(ctx)
		u.srv.PressButton(u.id, a.ID, ratingData(a, u.rating()))
		// The card turns into its summary; then comes the next card, or
		// the session's summary.
		next, ok := u.wait(ctx, func(msgs []telegramtest.Message) (telegramtest.Message, bool) {
			last := msgs[len(msgs)-1]
			return last, last.ID > q.ID && (buttonData(last, "a") != "" || buttonData(last, "/due") != "")
		})
		if !ok {
			return false
		}
		if buttonData(next, "a") == "" {
			return true
		}
		q = next
	}
}

// newest is the id of the newest message in the chat, 0 if none.
func (u *simUser) newest() int {
	msgs := u.srv.Chat(u.id)
	if len(msgs) == 0 {
		return 0
	}
	return msgs[len(msgs)-1].ID
}

// wait re-reads the chat each time the observer says a message reached it,
// until cond holds, ctx ends, or the bot has been silent for stallAfter.
func (u *simUser) wait(ctx context.Context, cond func([]telegramtest.Message) (telegramtest.Message, bool)) (telegramtest.Message, bool) {
	timer := time.NewTimer(stallAfter)
	defer timer.Stop()
	for {
		if msgs := u.srv.Chat(u.id); len(msgs) > 0 {
			if m, ok := cond(msgs); ok {
				return m, true
			}
		}
		select {
		case <-u.sig:
			timer.Reset(stallAfter)
		case <-timer.C:
			return telegramtest.Message{}, false
		case <-ctx.Done():
			return telegramtest.Message{}, false
		}
	}
}

// rating picks a rating in a plausible mix: Again 10%, Hard 15%, Good 60%,
// Easy 15%.
func (u *simUser) rating() int {
	switch p := u.rng.IntN(100); {
	case p < 10:
		return 1
	case p < 25:
		return 2
	case p < 85:
		return 3
	default:
		return 4
	}
}

// buttonData returns the data of the message's first button whose data
// starts with prefix, "" if none.
func buttonData(m telegramtest.Message, prefix string) string {
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Data, prefix) {
				return b.Data
			}
		}
	}
	return ""
}

// ratingData returns the data of the rating button r (1–4).
func ratingData(m telegramtest.Message, r int) string {
	suffix := fmt.Sprintf(".%d", r)
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Data, "r") && strings.HasSuffix(b.Data, suffix) {
				return b.Data
			}
		}
	}
	return ""
}
