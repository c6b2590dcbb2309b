package prep_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
)

// onboard takes a Telegram user through /start with a zone and push time.
func onboard(t *testing.T, h *harness, zone, push string) {
	t.Helper()
	h.text("/start")
	h.press("z:" + zone)
	if r := h.press("p:" + push); !contains(r, prep.Send, "All set!") {
		t.Fatalf("onboarding failed:\n%s", dump(r))
	}
}

// due runs the scheduler's query at the harness clock and returns the pushes
// for the harness user.
func (h *harness) due(t *testing.T) []prep.Push {
	t.Helper()
	pushes, err := h.eng.Due(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return pushes
}

// runDays ticks the scheduler every 15 minutes for n days and returns the
// local times of the pushes it made.
func runDays(t *testing.T, h *harness, n int, loc *time.Location) []time.Time {
	t.Helper()
	var at []time.Time
	end := h.clock.Now().Add(time.Duration(n) * 24 * time.Hour)
	for h.clock.Now().Before(end) {
		h.clock.Advance(15 * time.Minute)
		for _, p := range h.due(t) {
			if p.User == h.user && contains(p.Replies, prep.Send, "Your daily quiz") {
				at = append(at, h.clock.Now().In(loc))
				// The user studies the pushed card so that tomorrow has
				// something due again, like a real learner.
				h.press(button(t, p.Replies, "Show answer").Data)
				h.press(button(t, h.last, "Easy").Data)
				h.text("/stop")
			}
		}
	}
	return at
}

func TestDailyPushOncePerLocalDayAcrossDST(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	cases := []struct {
		name  string
		start time.Time // local
		push  string
		want  []string // local push times, "2006-01-02 15:04"
	}{
		{"autumn: 25 Oct has 02:00-03:00 twice", time.Date(2026, 10, 23, 12, 0, 0, 0, berlin), "02:30",
			[]string{"2026-10-24 02:30", "2026-10-25 02:30", "2026-10-26 02:30"}},
		{"autumn: morning push", time.Date(2026, 10, 23, 12, 0, 0, 0, berlin), "09:00",
			[]string{"2026-10-24 09:00", "2026-10-25 09:00", "2026-10-26 09:00"}},
		{"spring: 28 Mar 2027 has no 02:30", time.Date(2027, 3, 26, 12, 0, 0, 0, berlin), "02:30",
			[]string{"2027-03-27 02:30", "2027-03-28 03:30", "2027-03-29 02:30"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, prep.NewUserKey(prep.Telegram, "5"))
			h.clock.t = tc.start
			onboard(t, h, "Europe/Berlin", tc.push)
			got := runDays(t, h, 3, berlin)
			var gotS []string
			for _, g := range got {
				gotS = append(gotS, g.Format("2006-01-02 15:04"))
			}
			if len(gotS) != len(tc.want) {
				t.Fatalf("pushes at %v, want %v", gotS, tc.want)
			}
			for i := range gotS {
				if gotS[i] != tc.want[i] {
					t.Fatalf("pushes at %v, want %v", gotS, tc.want)
				}
			}
		})
	}
}

func TestMissedPushIsSentLateOnceTheSameDayOnly(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "6"))
	h.clock.t = time.Date(2026, 11, 2, 20, 0, 0, 0, time.UTC)
	onboard(t, h, "UTC", "09:00")

	// Down from before 09:00 until 11:30: one late push at start-up.
	h.clock.t = time.Date(2026, 11, 3, 11, 30, 0, 0, time.UTC)
	pushes := h.due(t)
	if len(pushes) != 1 || !pushes[0].Late || !contains(pushes[0].Replies, prep.Send, "a little late") {
		t.Fatalf("want one late push, got %d: %+v", len(pushes), pushes)
	}
	if !contains(pushes[0].Replies, prep.Send, "Your daily quiz") || !contains(pushes[0].Replies, prep.Send, "Show answer") {
		t.Fatalf("push must carry the due count and the first card:\n%s", dump(pushes[0].Replies))
	}
	h.clock.Advance(time.Minute)
	if p := h.due(t); len(p) != 0 {
		t.Fatalf("pushed twice the same day: %+v", p)
	}

	// Down for all of the next day: nothing is sent for it afterwards, and
	// the day after gets its push at 09:00.
	h.clock.t = time.Date(2026, 11, 5, 8, 0, 0, 0, time.UTC)
	if p := h.due(t); len(p) != 0 {
		t.Fatalf("a missed day must not be pushed on a later day: %+v", p)
	}
	h.clock.t = time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)
	if p := h.due(t); len(p) != 1 || p[0].Late {
		t.Fatalf("want the on-time push of the 5th, got %+v", p)
	}
}

func TestNoPushWhenPausedOffBlockedOrTerminal(t *testing.T) {
	cases := []struct {
		name  string
		user  prep.UserKey
		setup func(t *testing.T, h *harness)
	}{
		{"paused", prep.NewUserKey(prep.Telegram, "1"), func(t *testing.T, h *harness) {
			onboard(t, h, "UTC", "09:00")
			h.text("/settings pause")
		}},
		{"push off", prep.NewUserKey(prep.Telegram, "2"), func(t *testing.T, h *harness) { onboard(t, h, "UTC", "off") }},
		{"blocked the bot", prep.NewUserKey(prep.Telegram, "3"), func(t *testing.T, h *harness) {
			onboard(t, h, "UTC", "09:00")
			if err := h.eng.MarkInactive(context.Background(), h.user); err != nil {
				t.Fatal(err)
			}
		}},
		{"terminal", prep.NewUserKey(prep.Terminal, "ada"), func(t *testing.T, h *harness) { h.text("/settings push 09:00") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.user)
			h.clock.t = time.Date(2026, 11, 2, 20, 0, 0, 0, time.UTC)
			tc.setup(t, h)
			h.clock.t = time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
			if p := h.due(t); len(p) != 0 {
				t.Fatalf("unexpected push: %+v", p)
			}
		})
	}
}

func TestNothingDueMeansNoPush(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "8"))
	h.clock.t = time.Date(2026, 11, 2, 20, 0, 0, 0, time.UTC)
	onboard(t, h, "UTC", "09:00")
	h.text("/settings new 0")
	h.clock.t = time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	if p := h.due(t); len(p) != 0 {
		t.Fatalf("nothing is due, yet pushed: %+v", p)
	}
}

func TestLearningCardIsOfferedAgainWhileActive(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "9"))
	h.clock.t = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)
	onboard(t, h, "UTC", "off")
	h.text("/ask sql")
	h.press(button(t, h.last, "Show answer").Data)
	h.press(button(t, h.last, "Good").Data) // 10m learning step
	h.text("/stop")

	h.clock.Advance(9 * time.Minute)
	if p := h.due(t); len(p) != 0 {
		t.Fatalf("nudged too early: %+v", p)
	}
	h.clock.Advance(2 * time.Minute)
	p := h.due(t)
	if len(p) != 1 || !contains(p[0].Replies, prep.Send, "ready to review again") || !contains(p[0].Replies, prep.Send, "What is a CTE?") {
		t.Fatalf("want a nudge with the learning card, got %+v", p)
	}
	h.clock.Advance(time.Minute)
	if p := h.due(t); len(p) != 0 {
		t.Fatalf("nudged twice: %+v", p)
	}
}

func TestDailyPushDoesNotReplaceTheCardInHand(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "10"))
	h.clock.t = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	onboard(t, h, "UTC", "09:00")
	h.clock.t = time.Date(2026, 11, 3, 8, 50, 0, 0, time.UTC)
	card := h.text("/ask")
	h.clock.t = time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	pushes := h.due(t)
	if len(pushes) != 1 || !contains(pushes[0].Replies, prep.Send, "Carry on with the card above") || contains(pushes[0].Replies, prep.Send, "❓") {
		t.Fatalf("push while a card is in hand: %+v", pushes)
	}
	if r := h.press(button(t, card, "Show answer").Data); len(r) != 1 || r[0].Kind != prep.Edit {
		t.Fatalf("the card in hand must still work:\n%s", dump(r))
	}
}

func TestAnEventJustBeforeTheTickKeepsTodaysPush(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "11"))
	h.clock.t = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	onboard(t, h, "UTC", "09:00")
	// The push is due at 09:00; the user writes at 09:00:20, before the
	// scheduler's tick at 09:00:30.
	h.clock.t = time.Date(2026, 11, 2, 9, 0, 20, 0, time.UTC)
	h.text("/due")
	h.clock.t = time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	if p := h.due(t); len(p) != 1 || !contains(p[0].Replies, prep.Send, "Your daily quiz") {
		t.Fatalf("today's push was lost: %+v", p)
	}
	// A user idle since yesterday's missed push is not woken every tick.
	h2 := newHarness(t, prep.NewUserKey(prep.Telegram, "12"))
	h2.clock.t = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	onboard(t, h2, "UTC", "09:00")
	h2.clock.t = time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	if p := h2.due(t); len(p) != 0 {
		t.Fatalf("yesterday's push must not come today at 08:00: %+v", p)
	}
	var u prep.User
	h2.store.View(func(tx prep.Tx) (err error) { u, err = tx.User(h2.user); return err })
	if want := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC); !u.NextPush.Equal(want) {
		t.Fatalf("next push %v, want %v", u.NextPush, want)
	}
}

func TestManyDailyPushesShareCommits(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "0"))
	h.clock.t = time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)
	const users = 120
	for i := range users {
		h.user = prep.NewUserKey(prep.Telegram, strconv.Itoa(1000+i))
		onboard(t, h, "UTC", "09:00")
	}
	h.clock.t = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	got := map[prep.UserKey]int{}
	if err := h.eng.DueFunc(context.Background(), nil, func(p prep.Push) {
		mu.Lock()
		got[p.User]++
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != users {
		t.Fatalf("%d users pushed, want %d", len(got), users)
	}
	for u, n := range got {
		if n != 1 {
			t.Fatalf("%s pushed %d times", u, n)
		}
	}
	if pushes, _ := h.eng.Due(context.Background(), nil); len(pushes) != 0 {
		t.Fatalf("pushed again: %d", len(pushes))
	}
}
