package main_test

// The crash-safety test: the real prepbot binary serves many simulated
// Telegram users through the in-process fake Bot API while it is killed
// with SIGKILL at random moments and restarted. Afterwards every rating the
// bot confirmed is in the store exactly once, no rating is there that was
// never pressed, the database passes its check (bbolt's pages; every card
// state and user decodes; the due indexes, the due histogram and the wake
// index agree with them), and every user can go on studying.

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prepbot/prepbot/content"
	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/markdown"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

// press is one rating a simulated user made, and whether the bot confirmed
// it (the card's message was edited into "<Rating> · next in ...").
type press struct {
	question  string
	rating    prep.Rating
	confirmed bool
}

// simUser studies in a loop: /ask, reveal, rate, wait for the confirmation;
// when the bot is down and a step times out, it starts over with /ask.
func simUser(ctx context.Context, srv *telegramtest.Server, id int64, rng *rand.Rand, mu *sync.Mutex, log *[]press) {
	wait := func(cond func([]telegramtest.Message) (telegramtest.Message, bool)) (telegramtest.Message, bool) {
		deadline := time.Now().Add(4 * time.Second)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			if m, ok := cond(srv.Chat(id)); ok {
				return m, true
			}
			time.Sleep(25 * time.Millisecond)
		}
		return telegramtest.Message{}, false
	}
	btn := func(m telegramtest.Message, prefix string) string {
		for _, row := range m.Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Text, prefix) {
					return b.Data
				}
			}
		}
		return ""
	}
	for ctx.Err() == nil {
		last := 0
		if msgs := srv.Chat(id); len(msgs) > 0 {
			last = msgs[len(msgs)-1].ID
		}
		srv.SendText(id, "/ask")
		q, ok := wait(func(ms []telegramtest.Message) (telegramtest.Message, bool) {
			for _, m := range ms {
				if m.ID > last && btn(m, "Show answer") != "" {
					return m, true
				}
			}
			return telegramtest.Message{}, false
		})
		if !ok {
			continue
		}
		question := strings.SplitN(strings.SplitN(q.Plain(), "❓ ", 2)[1], "\n", 2)[0]
		srv.PressButton(id, q.ID, btn(q, "Show answer"))
		a, ok := wait(func(ms []telegramtest.Message) (telegramtest.Message, bool) {
			for _, m := range ms {
				if m.ID == q.ID && btn(m, "Good") != "" {
					return m, true
				}
			}
			return telegramtest.Message{}, false
		})
		if !ok {
			continue
		}
		r := prep.Rating(1 + rng.IntN(4))
		mu.Lock()
		*log = append(*log, press{question: question, rating: r})
		i := len(*log) - 1
		mu.Unlock()
		srv.PressButton(id, a.ID, btn(a, prep.RatingName(r)))
		if _, ok := wait(func(ms []telegramtest.Message) (telegramtest.Message, bool) {
			for _, m := range ms {
				if m.ID == q.ID && strings.Contains(m.Plain(), prep.RatingName(r)+" · next in") {
					return m, true
				}
			}
			return telegramtest.Message{}, false
		}); ok {
			mu.Lock()
			(*log)[i].confirmed = true
			mu.Unlock()
		}
	}
}

func TestCrashSafetyUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the real binary for ~20 s")
	}
	srv := telegramtest.NewServer(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "prepbot.db")
	env := cleanEnv([]string{"PREPBOT_DB=" + db, "HOME=" + dir, "PREPBOT_TELEGRAM_TOKEN=" + srv.Token,
		"PREPBOT_TELEGRAM_API=" + srv.URL, "PREPBOT_HTTP_ADDR=off", "PREPBOT_LOG_LEVEL=warn"})
	var logs syncBuffer
	start := func() *exec.Cmd {
		cmd := exec.Command(binary)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}

	const users = 16
	ctx, stop := context.WithCancel(context.Background())
	var mu sync.Mutex
	logsByUser := make([][]press, users)
	var wg sync.WaitGroup
	bot := start()
	for u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(u), 7))
			simUser(ctx, srv, int64(5000+u), rng, &mu, &logsByUser[u])
		}()
	}
	rng := rand.New(rand.NewPCG(42, 42))
	const kills = 6
	for k := 0; k < kills; k++ {
		time.Sleep(time.Duration(800+rng.IntN(1700)) * time.Millisecond)
		if err := bot.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		bot.Wait()
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		bot = start()
	}
	time.Sleep(3 * time.Second) // let the last run settle the users' presses
	stop()
	wg.Wait()
	// Stop the bot cleanly so the store can be opened.
	bot.Process.Signal(syscall.SIGTERM)
	if err := bot.Wait(); err != nil {
		t.Fatalf("graceful stop after the run: %v\n%s", err, logs.String())
	}

	lib, problems := markdown.Load(content.FS())
	if problems.HasErrors() {
		t.Fatal(problems)
	}
	idOf := map[string]string{}
	for _, c := range lib.Cards {
		idOf[c.Question] = c.ID
	}
	s, err := boltstore.Open(db, boltstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Check(); err != nil {
		t.Fatalf("database fails its check (pages, records, due and wake indexes, due histogram): %v", err)
	}
	totalPressed, totalConfirmed, totalStored := 0, 0, 0
	for u := range users {
		key := prep.NewUserKey(prep.Telegram, fmt.Sprint(5000+u))
		var stored []prep.Review
		s.View(func(tx prep.Tx) error {
			for r, err := range tx.Reviews(key, time.Time{}) {
				if err != nil {
					return err
				}
				stored = append(stored, r)
			}
			return nil
		})
		presses := logsByUser[u]
		// The stored reviews must be the presses in order, each at most
		// once, skipping only unconfirmed presses (a press the bot never
		// handled, or handled but died before confirming).
		i := 0
		for _, r := range stored {
			for i < len(presses) && (idOf[presses[i].question] != r.CardID || presses[i].rating != r.Rating) {
				if presses[i].confirmed {
					t.Fatalf("user %d: confirmed press %d (%s %q) is not in the store in order; store %v", u, i, prep.RatingName(presses[i].rating), presses[i].question, summarize(stored))
				}
				i++
			}
			if i == len(presses) {
				t.Fatalf("user %d: stored review %s of %s matches no press: a rating nobody pressed, or one recorded twice", u, prep.RatingName(r.Rating), r.CardID)
			}
			i++
		}
		for ; i < len(presses); i++ {
			if presses[i].confirmed {
				t.Fatalf("user %d: confirmed press %d is missing from the store", u, i)
			}
		}
		for _, p := range presses {
			totalPressed++
			if p.confirmed {
				totalConfirmed++
			}
		}
		totalStored += len(stored)
	}
	t.Logf("%d kills: %d ratings pressed, %d confirmed, %d stored; every confirmed one stored exactly once", kills, totalPressed, totalConfirmed, totalStored)
	if totalConfirmed < users {
		t.Fatalf("only %d confirmed ratings: the run did not exercise the bot", totalConfirmed)
	}
	s.Close()

	// Every user's session resumes: a fresh bot answers /ask for each.
	bot = start()
	defer func() { bot.Process.Signal(syscall.SIGTERM); bot.Wait() }()
	for u := range users {
		id := int64(5000 + u)
		before := len(srv.Chat(id))
		srv.SendText(id, "/due")
		srv.WaitFor(fmt.Sprintf("user %d to get an answer after the crashes", u), func() bool {
			for _, m := range srv.Chat(id)[before:] {
				if strings.Contains(m.Plain(), "Due now") {
					return true
				}
			}
			return false
		})
	}
	if bytes.Contains([]byte(logs.String()), []byte("panic")) {
		t.Fatalf("the bot panicked:\n%s", logs.String())
	}
}

func summarize(rs []prep.Review) string {
	var parts []string
	for _, r := range rs {
		parts = append(parts, r.CardID+":"+prep.RatingName(r.Rating))
	}
	return strings.Join(parts, " ")
}
