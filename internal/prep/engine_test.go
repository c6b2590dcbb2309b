package prep_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

// clock is a fake clock tests move by hand.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time          { return c.t }
func (c *clock) Advance(d time.Duration) { c.t = c.t.Add(d) }

// harness drives a real engine on a real bbolt store as one user would.
type harness struct {
	tb    testing.TB
	eng   *prep.Engine
	store *boltstore.Store
	clock *clock
	user  prep.UserKey
	lib   *prep.Library
	last  []prep.Reply
}

func testLibrary(tb testing.TB) *prep.Library {
	tb.Helper()
	cards := []prep.Card{
		{ID: "sql1", Topic: "SQL", Question: "What is a CTE?", Answer: prep.Text("A named subquery.")},
		{ID: "sql2", Topic: "SQL", Question: "DELETE vs TRUNCATE?", Answer: prep.Text("DELETE filters rows; TRUNCATE empties the table.")},
		{ID: "py1", Topic: "Python", Question: "List vs tuple?", Answer: prep.Text("Lists are mutable; tuples are not.")},
		{ID: "de1", Topic: "Data Engineering", Question: "What is idempotency?", Answer: prep.Text("Same result when run twice.")},
		{ID: "st1", Topic: "STAR stories", Question: "Story 1", Answer: prep.Text("Situation, task, action, result.")},
	}
	when := func(s string) prep.Timing {
		t, err := prep.ParseTiming(s)
		if err != nil {
			tb.Fatal(err)
		}
		return t
	}
	items := []prep.ChecklistItem{
		{ID: "tech1", Group: "Pre-Interview", Section: "Technical Prep", Text: "Review window functions", When: when("-3d")},
		{ID: "tech2", Group: "Pre-Interview", Section: "Technical Prep", Text: "Practise 2 exercises", When: when("-3d")},
		{ID: "log1", Group: "Pre-Interview", Section: "Logistics", Text: "Test Zoom", When: when("-1d 19:00")},
		{ID: "log2", Group: "Pre-Interview", Section: "Logistics", Text: "Phone on silent", When: when("-30m")},
		{ID: "log3", Group: "Pre-Interview", Section: "Logistics", Text: "Notepad ready", Checked: true, When: when("-30m")},
		{ID: "misc", Group: "Pre-Interview", Section: "Misc", Text: "Print the CV"}, // default slot: -1d 18:00
		{ID: "post1", Group: "Post-Interview", Section: "Within 24 Hours", Text: "Send thank-you emails", When: when("+4h")},
		{ID: "post2", Group: "Post-Interview", Section: "Follow-Up", Text: "Follow up", When: when("+7d")},
	}
	lib, err := prep.NewLibrary(cards, items)
	if err != nil {
		tb.Fatal(err)
	}
	return lib
}

func newHarness(tb testing.TB, user prep.UserKey, mutate ...func(*prep.EngineConfig)) *harness {
	tb.Helper()
	store, err := boltstore.Open(filepath.Join(tb.TempDir(), "prepbot.db"), boltstore.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	h := &harness{tb: tb, store: store, clock: &clock{t: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)}, user: user, lib: testLibrary(tb)}
	cfg := prep.EngineConfig{Store: store, Library: h.lib, Now: h.clock.Now, TerminalZone: "UTC"}
	for _, m := range mutate {
		m(&cfg)
	}
	h.eng, err = prep.NewEngine(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func (h *harness) text(s string) []prep.Reply {
	h.last = h.eng.Handle(context.Background(), prep.Event{User: h.user, Name: "Ada", Text: s})
	return h.last
}

func (h *harness) press(data string) []prep.Reply {
	h.last = h.eng.Handle(context.Background(), prep.Event{User: h.user, Name: "Ada", Button: data})
	return h.last
}

// button finds the button whose label starts with prefix in replies.
func button(tb testing.TB, replies []prep.Reply, prefix string) prep.Button {
	tb.Helper()
	b, ok := findButton(replies, prefix)
	if !ok {
		tb.Fatalf("no button %q in replies:\n%s", prefix, dump(replies))
	}
	return b
}

// findButton returns the first button whose label starts with prefix.
func findButton(replies []prep.Reply, prefix string) (prep.Button, bool) {
	for _, r := range replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if strings.HasPrefix(b.Label, prefix) {
					return b, true
				}
			}
		}
	}
	return prep.Button{}, false
}

func dump(replies []prep.Reply) string {
	var b strings.Builder
	for _, r := range replies {
		b.WriteString(r.Text.String())
		for _, row := range r.Buttons {
			for _, btn := range row {
				b.WriteString(" [" + btn.Label + "]")
			}
		}
		b.WriteString("\n---\n")
	}
	return b.String()
}

func (h *harness) reviews() []prep.Review {
	h.tb.Helper()
	var out []prep.Review
	err := h.store.View(func(tx prep.Tx) error {
		for r, err := range tx.Reviews(h.user, time.Time{}) {
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		h.tb.Fatal(err)
	}
	return out
}

func (h *harness) cardState(id string) (prep.CardState, error) {
	var st prep.CardState
	err := h.store.View(func(tx prep.Tx) (err error) {
		st, err = tx.CardState(h.user, id)
		return err
	})
	return st, err
}

func contains(replies []prep.Reply, kind prep.ReplyKind, substr string) bool {
	for _, r := range replies {
		if r.Kind == kind && strings.Contains(r.Text.String(), substr) {
			return true
		}
	}
	return false
}

func TestStudyFlowRecordsExactlyWhatFSRSComputes(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	r := h.text("/ask")
	if !contains(r, prep.Send, "What is a CTE?") || !contains(r, prep.Send, "SQL · 1/5") {
		t.Fatalf("first card not shown with progress:\n%s", dump(r))
	}
	h.clock.Advance(5 * time.Second)
	revealedAt := h.clock.Now()
	r = h.press(button(t, r, "Show answer").Data)
	if len(r) != 1 || r[0].Kind != prep.Edit || !strings.Contains(r[0].Text.String(), "A named subquery.") {
		t.Fatalf("reveal must edit the question into the answer:\n%s", dump(r))
	}
	// A new card's intervals as FSRS-6 defaults give them (1m/10m steps).
	for _, want := range []string{"Again · 1m", "Hard · 6m", "Good · 10m"} {
		button(t, r, want)
	}
	h.clock.Advance(7 * time.Second)
	r = h.press(button(t, r, "Good").Data)
	if r[0].Kind != prep.Edit || !strings.Contains(r[0].Text.String(), "Good · next in 10m") {
		t.Fatalf("rating must edit the card into a summary:\n%s", dump(r))
	}
	if !contains(r, prep.Send, "DELETE vs TRUNCATE?") || !contains(r, prep.Send, "2/5") {
		t.Fatalf("the next card must follow:\n%s", dump(r))
	}

	reviews := h.reviews()
	if len(reviews) != 1 || reviews[0].CardID != "sql1" || reviews[0].Rating != prep.Good || !reviews[0].Time.Equal(revealedAt) {
		t.Fatalf("reviews = %+v", reviews)
	}
	p := fsrs.DefaultParam()
	p.EnableFuzz = true
	want, err := fsrs.NewFSRS(p).Next(fsrs.NewCard(revealedAt.Add(-5*time.Second)), revealedAt, fsrs.Good)
	if err != nil {
		t.Fatal(err)
	}
	st, err := h.cardState("sql1")
	if err != nil {
		t.Fatal(err)
	}
	if st.FSRS.Stability != want.Card.Stability || st.FSRS.Difficulty != want.Card.Difficulty || !st.FSRS.Due.Equal(want.Card.Due) || st.FSRS.State != want.Card.State {
		t.Fatalf("stored state %+v, FSRS computes %+v", st.FSRS, want.Card)
	}
}

func TestRatingButtonsAreSingleUse(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "42"))
	h.text("/ask")
	question := h.last
	answer := h.press(button(t, question, "Show answer").Data)
	good := button(t, answer, "Good").Data
	easy := button(t, answer, "Easy").Data
	h.press(good)

	cases := []struct {
		name string
		data string
	}{
		{"double tap", good},
		{"other rating on the rated card", easy},
		{"reveal on the rated card", button(t, question, "Show answer").Data},
		{"forged data", "r9999999.3"},
		{"garbage", "\x00\xff"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.press(tc.data)
			if len(r) != 1 || r[0].Kind != prep.Notice {
				t.Fatalf("want a single notice, got:\n%s", dump(r))
			}
			if n := len(h.reviews()); n != 1 {
				t.Fatalf("%d reviews recorded, want 1", n)
			}
		})
	}
}

func TestUndoRestoresExactStateAndMakesOldButtonsStale(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	// Review sql1 twice so undo restores a non-new state.
	h.text("/ask sql")
	h.press(button(t, h.last, "Show answer").Data)
	h.press(button(t, h.last, "Good").Data)
	h.clock.Advance(time.Hour)
	h.text("/ask sql")
	if !contains(h.last, prep.Send, "What is a CTE?") {
		t.Fatalf("the learning card should be due again:\n%s", dump(h.last))
	}
	before, err := h.cardState("sql1")
	if err != nil {
		t.Fatal(err)
	}
	h.press(button(t, h.last, "Show answer").Data)
	answer := h.last
	h.press(button(t, answer, "Easy").Data)
	if after, _ := h.cardState("sql1"); after.FSRS.Due.Equal(before.FSRS.Due) {
		t.Fatal("rating did not change the state")
	}

	r := h.text("/undo")
	if !contains(r, prep.Send, "Undid your Easy rating") || !contains(r, prep.Send, "What is a CTE?") {
		t.Fatalf("undo reply:\n%s", dump(r))
	}
	restored, err := h.cardState("sql1")
	if err != nil {
		t.Fatal(err)
	}
	if restored.FSRS.Stability != before.FSRS.Stability || restored.FSRS.Difficulty != before.FSRS.Difficulty ||
		!restored.FSRS.Due.Equal(before.FSRS.Due) || restored.FSRS.Reps != before.FSRS.Reps || restored.FSRS.State != before.FSRS.State ||
		!restored.FSRS.LastReview.Equal(before.FSRS.LastReview) {
		t.Fatalf("undo restored %+v, want %+v", restored.FSRS, before.FSRS)
	}
	if n := len(h.reviews()); n != 1 {
		t.Fatalf("%d reviews after undo, want 1", n)
	}
	// The rating buttons of the undone presentation are stale now.
	if r := h.press(button(t, answer, "Good").Data); len(r) != 1 || r[0].Kind != prep.Notice {
		t.Fatalf("old button after undo must only get a notice:\n%s", dump(r))
	}
	if n := len(h.reviews()); n != 1 {
		t.Fatalf("%d reviews after stale press, want 1", n)
	}

	// Undo of a first review makes the card new again.
	h.text("/undo")
	if _, err := h.cardState("sql1"); !errors.Is(err, prep.ErrNotFound) {
		t.Fatalf("after undoing the first review the card must be new, got err=%v", err)
	}
	if r := h.text("/undo"); !contains(r, prep.Send, "Nothing to undo") {
		t.Fatalf("undo with empty log:\n%s", dump(r))
	}
}

func TestTypedAnswerIsShownBesideModelAnswer(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.text("/ask python")
	r := h.text("tuples can't change")
	if !contains(r, prep.Send, "Your answer: tuples can't change") || !contains(r, prep.Send, "Lists are mutable") {
		t.Fatalf("typed answer not shown beside the model answer:\n%s", dump(r))
	}
	// A rating word rates the card on screen.
	r = h.text("hard")
	if !contains(r, prep.Send, "Hard · next in") {
		t.Fatalf("typed rating word:\n%s", dump(r))
	}
	if rv := h.reviews(); len(rv) != 1 || rv[0].Rating != prep.Hard {
		t.Fatalf("reviews = %+v", rv)
	}
}

func TestAskTopics(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	cases := []struct {
		arg, want string
	}{
		{"sql", "What is a CTE?"},
		{"PYTHON", "List vs tuple?"},
		{"data", "What is idempotency?"},
		{"eng", "What is idempotency?"}, // a word of the topic
		{"star", "Story 1"},
		{"cobol", "I have no topic \"cobol\". Topics: SQL, Python, Data Engineering, STAR stories."},
		{"s", "matches several topics: SQL, STAR stories"},
	}
	for _, tc := range cases {
		r := h.text("/ask " + tc.arg)
		if !contains(r, prep.Send, tc.want) {
			t.Errorf("/ask %s:\n%s", tc.arg, dump(r))
		}
	}
}

func TestDailyNewLimitAndCaughtUp(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.text("/settings new 2")
	h.text("/ask")
	for i := 0; i < 2; i++ {
		h.press(button(t, h.last, "Show answer").Data)
		h.press(button(t, h.last, "Easy").Data)
	}
	if !contains(h.last, prep.Send, "Session complete") || !contains(h.last, prep.Send, "Today's new cards are done (3 more wait for tomorrow; /settings new raises the limit)") {
		t.Fatalf("after the new limit:\n%s", dump(h.last))
	}
	if !contains(h.last, prep.Send, "Next card due") {
		t.Fatalf("caught-up message must say when the next card is due:\n%s", dump(h.last))
	}
	// The next local day allows new cards again.
	h.clock.Advance(24 * time.Hour)
	if r := h.text("/ask"); !contains(r, prep.Send, "Show answer") && len(button(t, r, "Show answer").Data) == 0 {
		t.Fatalf("a new day must bring cards:\n%s", dump(r))
	}
}

func TestLearningCardComesBackWithinTheSession(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.text("/settings new 1")
	h.text("/ask")
	h.press(button(t, h.last, "Show answer").Data)
	r := h.press(button(t, h.last, "Again").Data)
	// Nothing else is due: the 1-minute step is shown ahead of time rather
	// than left until tomorrow.
	if !contains(r, prep.Send, "What is a CTE?") {
		t.Fatalf("the learning card should be offered again:\n%s", dump(r))
	}
}

func TestDeliveredTwiceChangesNothing(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "7"))
	ev := prep.Event{User: h.user, Text: "/ask", Delivery: "telegram:1001"}
	if r := h.eng.Handle(context.Background(), ev); !contains(r, prep.Send, "What is a CTE?") {
		t.Fatalf("first delivery:\n%s", dump(r))
	}
	if r := h.eng.Handle(context.Background(), ev); len(r) != 0 {
		t.Fatalf("redelivery must produce nothing, got:\n%s", dump(r))
	}
}

func TestRemovedCardsAreNoLongerAsked(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	// A state for a card that no longer exists in the decks, due now.
	err := h.store.Update(func(tx prep.Tx) error {
		c := fsrs.NewCard(h.clock.Now().Add(-time.Hour))
		return tx.PutCardState(h.user, prep.CardState{CardID: "gone", FSRS: c})
	})
	if err != nil {
		t.Fatal(err)
	}
	r := h.text("/ask")
	if !contains(r, prep.Send, "What is a CTE?") {
		t.Fatalf("want the first real card:\n%s", dump(r))
	}
}

func TestSettingsValidation(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	cases := []struct{ in, want string }{
		{"/settings retention 0.99", "Retention must be a number from 0.70 to 0.97"},
		{"/settings retention abc", "Retention must be a number from 0.70 to 0.97"},
		{"/settings new -1", "New cards per day must be a whole number from 0 to 500"},
		{"/settings reviews 999999", "Reviews per day must be a whole number from 0 to 5000"},
		{"/settings timezone Mars/Olympus", "I don't know the time zone"},
		{"/settings colour blue", "There is no setting \"colour\""},
		{"/settings retention 0.85", "Desired retention: 0.85"},
		{"/settings timezone europe/berlin", "Time zone: Europe/Berlin"},
	}
	for _, tc := range cases {
		if r := h.text(tc.in); !contains(r, prep.Send, tc.want) {
			t.Errorf("%s:\n%s", tc.in, dump(r))
		}
	}
	var u prep.User
	h.store.View(func(tx prep.Tx) (err error) { u, err = tx.User(h.user); return err })
	if u.Settings.Retention != 0.85 || u.Settings.NewPerDay != 10 || u.Settings.TimeZone != "Europe/Berlin" {
		t.Fatalf("settings = %+v", u.Settings)
	}
}

func TestUnknownCommandAndStrayText(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	if r := h.text("/frobnicate"); !contains(r, prep.Send, "I don't know /frobnicate") {
		t.Fatalf("unknown command:\n%s", dump(r))
	}
	if r := h.text("hello"); !contains(r, prep.Send, "Type /ask") {
		t.Fatalf("stray text:\n%s", dump(r))
	}
	huge := strings.Repeat("x", 1<<20)
	h.text("/ask")
	if r := h.text(huge); !contains(r, prep.Send, "Your answer:") || r[0].Text.Len() > 4096 {
		t.Fatalf("a huge typed answer must be trimmed, got %d chars", r[0].Text.Len())
	}
}

func TestOnboardingAsksZoneAndPushTime(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "99"))
	r := h.text("/start")
	if !contains(r, prep.Send, "Which time zone") {
		t.Fatalf("onboarding must ask for the time zone:\n%s", dump(r))
	}
	if r := h.text("Atlantis/Capital"); !contains(r, prep.Send, "I don't know the time zone") {
		t.Fatalf("bad zone:\n%s", dump(r))
	}
	r = h.press(button(t, r, "Europe/Berlin").Data)
	if !contains(r, prep.Send, "When should I send your daily quiz?") {
		t.Fatalf("push question:\n%s", dump(r))
	}
	if r := h.text("25:00"); !contains(r, prep.Send, "can't read") {
		t.Fatalf("bad time:\n%s", dump(r))
	}
	r = h.text("07:45")
	if !contains(r, prep.Send, "All set!") || !contains(r, prep.Send, "07:45 Europe/Berlin") {
		t.Fatalf("done:\n%s", dump(r))
	}
	if r := h.text("/start"); !contains(r, prep.Send, "Welcome back") {
		t.Fatalf("returning user:\n%s", dump(r))
	}
}

// failingStore fails every Update, as a full disk would.
type failingStore struct{ prep.Store }

func (failingStore) Update(func(prep.Tx) error) error { return errors.New("disk full") }

func TestStoreFailureIsReportedAndChangesNothing(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	eng, err := prep.NewEngine(prep.EngineConfig{Store: failingStore{h.store}, Library: h.lib, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	r := eng.Handle(context.Background(), prep.Event{User: h.user, Text: "/ask"})
	if len(r) != 1 || !strings.Contains(r[0].Text.String(), "nothing was saved") {
		t.Fatalf("want a clear apology:\n%s", dump(r))
	}
	if strings.Contains(r[0].Text.String(), "disk full") {
		t.Fatal("the user must not see Go error strings")
	}
}

func TestParseCommand(t *testing.T) {
	cases := []struct {
		in         string
		name, args string
		ok         bool
	}{
		{"/ask", "ask", "", true},
		{"/ASK  SQL ", "ask", "SQL", true},
		{"/ask@prep_bot data eng", "ask", "data eng", true},
		{"ask", "", "", false},
		{"/", "", "", false},
		{"/ ask", "", "", false},
		{"//x", "", "", false},
		{"/ask@prep_bot\nsql", "ask", "sql", true},
		{"/sql\tdates", "sql", "dates", true},
	}
	for _, tc := range cases {
		name, args, ok := prep.ParseCommand(tc.in)
		if name != tc.name || args != tc.args || ok != tc.ok {
			t.Errorf("ParseCommand(%q) = %q, %q, %v", tc.in, name, args, ok)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"/ask sql", "/settings retention 0.9", "/x@bot", "hello", "/", "/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, _, ok := prep.ParseCommand(s)
		if ok && (name == "" || strings.ContainsAny(name, " /\n\t@")) {
			t.Fatalf("bad command name %q from %q", name, s)
		}
	})
}

// FuzzButtonPress feeds arbitrary button data to the engine: it must never
// panic, and a review may only be recorded by the rating data of the card
// whose answer is on screen.
func FuzzButtonPress(f *testing.F) {
	for _, s := range []string{"a1", "r1.3", "r1.9", "z:Europe/Berlin", "p:08:00", "/ask", "", "rzzzzzzz.1", "a-1", "r01.3", "r1.3 "} {
		f.Add(s)
	}
	h := newHarness(f, prep.NewUserKey(prep.Telegram, "1"))
	h.text("/ask")
	f.Fuzz(func(t *testing.T, data string) {
		h.tb = t
		var u prep.User
		if err := h.store.View(func(tx prep.Tx) (err error) { u, err = tx.User(h.user); return err }); err != nil {
			t.Fatal(err)
		}
		before := len(h.reviews())
		h.press(data)
		if len(h.reviews()) == before {
			return
		}
		valid := false
		for r := 1; r <= 4; r++ {
			valid = valid || data == "r"+strconv.FormatUint(uint64(u.Session.Token), 36)+"."+strconv.Itoa(r)
		}
		if !valid || u.Session.Stage != prep.StageAnswer {
			t.Fatalf("button data %q recorded a review (token %d, stage %d)", data, u.Session.Token, u.Session.Stage)
		}
	})
}

// TestNewCardLimitIsNotAllCaughtUp: new cards held back by the daily limit
// are said as such, not celebrated as "all caught up".
func TestNewCardLimitIsNotAllCaughtUp(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.text("/settings new 1")
	h.text("/ask sql")
	h.press(button(t, h.last, "Show answer").Data)
	h.press(button(t, h.last, "Good").Data)
	h.text("/stop")
	cases := []struct {
		cmd, want string
	}{
		{"/ask python", "Today's new cards are done in Python (1 more waits for tomorrow; /settings new raises the limit)."},
		{"/ask data", "Today's new cards are done in Data Engineering (1 more waits for tomorrow; /settings new raises the limit)."},
	}
	for _, tc := range cases {
		r := h.text(tc.cmd)
		if !contains(r, prep.Send, tc.want) || contains(r, prep.Send, "All caught up") {
			t.Errorf("%s: want %q and no \"All caught up\":\n%s", tc.cmd, tc.want, dump(r))
		}
	}
	// Tomorrow the limit allows one more: nothing held back once it is seen.
	h.clock.Advance(24 * time.Hour)
	h.text("/ask python")
	h.press(button(t, h.last, "Show answer").Data)
	h.press(button(t, h.last, "Easy").Data)
	h.text("/stop")
	h.clock.Advance(time.Hour)
	if r := h.text("/ask python"); !contains(r, prep.Send, "🎉 All caught up in Python!") {
		t.Errorf("with nothing left in Python:\n%s", dump(r))
	}
}

// TestQuestionsEndingInPunctuationGetNoSecondPeriod: a sentence that ends
// with a card's question adds a period only when the question has none.
func TestQuestionsEndingInPunctuationGetNoSecondPeriod(t *testing.T) {
	cards := []prep.Card{
		{ID: "q", Topic: "SQL", Question: "When would you use a CTE vs a subquery?", Answer: prep.Text("Readability.")},
		{ID: "o", Topic: "SQL", Question: "Name the clauses in logical order.", Answer: prep.Text("FROM, WHERE, …")},
		{ID: "w", Topic: "SQL", Question: "Window functions", Answer: prep.Text("OVER (…)")},
	}
	lib, err := prep.NewLibrary(cards, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"), func(cfg *prep.EngineConfig) { cfg.Library = lib })
	cases := []struct{ id, question, ended string }{
		{"q", "When would you use a CTE vs a subquery?", "When would you use a CTE vs a subquery? "},
		{"o", "Name the clauses in logical order.", "Name the clauses in logical order. "},
		{"w", "Window functions", "Window functions. "},
	}
	for _, tc := range cases {
		h.text("/ask")
		h.press(button(t, h.last, "Show answer").Data)
		h.press(button(t, h.last, "Easy").Data)
		h.text("/stop")
		r := h.text("/undo")
		if want := "Undid your Easy rating of " + tc.ended + "Here it is again:"; !contains(r, prep.Send, want) {
			t.Errorf("undo: want %q:\n%s", want, dump(r))
		}
		h.press(button(t, h.last, "Show answer").Data) // rated again, to be suspended
		h.press(button(t, h.last, "Easy").Data)
		h.text("/stop")
		if want := "Suspended: " + tc.ended + "/suspended"; !contains(h.text("/suspend "+tc.id), prep.Send, want) {
			t.Errorf("suspend: want %q:\n%s", want, dump(h.last))
		}
		if want := "Back in your reviews: " + strings.TrimSpace(tc.ended); !contains(h.text("/unsuspend "+tc.id), prep.Send, want) || strings.Contains(dump(h.last), "..") || strings.Contains(dump(h.last), "?.") {
			t.Errorf("unsuspend: want %q:\n%s", want, dump(h.last))
		}
		// The next /ask takes the next card: this one is set aside.
		h.text("/suspend " + tc.id)
	}
}

// TestTypedFencedAnswerIsShownAsCode: an answer typed as a ``` block is
// echoed beside the model answer as code, without its fence lines.
func TestTypedFencedAnswerIsShownAsCode(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.text("/ask sql")
	r := h.text("```sql\nWITH t AS (SELECT 1) SELECT * FROM t\n```")
	if !contains(r, prep.Send, "Your answer:") || !contains(r, prep.Send, "A named subquery.") {
		t.Fatalf("reveal after a typed answer:\n%s", dump(r))
	}
	var found bool
	for _, rep := range r {
		if strings.Contains(rep.Text.String(), "```") {
			t.Fatalf("fence lines echoed:\n%s", dump(r))
		}
		for _, s := range rep.Text {
			if s.Style == prep.CodeBlock && s.Text == "WITH t AS (SELECT 1) SELECT * FROM t" && s.Lang == "sql" {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("typed code not shown as a code block: %#v", r)
	}
}

// TestEasyIsAlwaysLaterThanGood: on a relearning step whose Good graduates
// the card, FSRS may give Easy the same day as Good ("Good · 1d  Easy ·
// 1d"); as in Anki, Easy is then a day later, and pressing it schedules
// what its button said.
func TestEasyIsAlwaysLaterThanGood(t *testing.T) {
	interval := regexp.MustCompile(`^(Good|Easy) · (\d+)d$`)
	days := func(replies []prep.Reply, rating string) int {
		t.Helper()
		m := interval.FindStringSubmatch(button(t, replies, rating).Label)
		if m == nil {
			t.Fatalf("%s is not in days: %s", rating, button(t, replies, rating).Label)
		}
		n, _ := strconv.Atoi(m[2])
		return n
	}
	// A new card pressed Again, then Good on its 1m step: on the 10m step
	// Good graduates it, and FSRS-6's defaults give Easy the same day.
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.text("/ask sql")
	for _, rating := range []string{"Again", "Good"} {
		h.press(button(t, h.last, "Show answer").Data)
		h.press(button(t, h.last, rating).Data)
		h.text("/stop")
		h.clock.Advance(10 * time.Minute)
		h.text("/ask sql")
	}
	h.press(button(t, h.last, "Show answer").Data)
	good, easy := days(h.last, "Good"), days(h.last, "Easy")
	if easy <= good {
		t.Fatalf("Good · %dd, Easy · %dd", good, easy)
	}
	r := h.press(button(t, h.last, "Easy").Data)
	if want := fmt.Sprintf("Easy · next in %dd", easy); !contains(r, prep.Edit, want) {
		t.Fatalf("pressing Easy did not schedule what it said (%q):\n%s", want, dump(r))
	}
}
