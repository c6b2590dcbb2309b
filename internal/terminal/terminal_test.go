package terminal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/terminal"
)

// scripted is a coach that records events and answers from a script keyed
// by the event's text or button data.
type scripted struct {
	events  []prep.Event
	replies map[string][]prep.Reply
}

func (s *scripted) Handle(_ context.Context, ev prep.Event) []prep.Reply {
	s.events = append(s.events, ev)
	key := ev.Text
	if ev.Button != "" {
		key = "button:" + ev.Button
	}
	return s.replies[key]
}

func card() []prep.Reply {
	return []prep.Reply{{Kind: prep.Send, Text: prep.RichText{}.Bold("❓ What is a CTE?"),
		Buttons: [][]prep.Button{{{Label: "Show answer", Data: "a1"}}}}}
}

func answer() []prep.Reply {
	return []prep.Reply{{Kind: prep.Edit, Text: prep.Text("A named subquery."), Buttons: [][]prep.Button{
		{{Label: "Again · 1m", Data: "r1.1"}, {Label: "Hard · 6m", Data: "r1.2"}},
		{{Label: "Good · 10m", Data: "r1.3"}, {Label: "Easy · 4d", Data: "r1.4"}},
	}}}
}

func run(t *testing.T, coach *scripted, input string) string {
	t.Helper()
	var out bytes.Buffer
	term := terminal.New(terminal.Options{In: strings.NewReader(input), Out: &out, User: "terminal:ada", Name: "ada",
		ImageDir: t.TempDir(), Now: func() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }}, coach)
	if err := term.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestChoicesByNumberLabelOrFirstWord(t *testing.T) {
	cases := []struct {
		input  string
		button string
	}{
		{"1", "r1.1"},
		{"4", "r1.4"},
		{"good", "r1.3"},
		{"GOOD", "r1.3"},
		{"Easy · 4d", "r1.4"},
		{"hard", "r1.2"},
	}
	for _, tc := range cases {
		coach := &scripted{replies: map[string][]prep.Reply{"/ask": card(), "button:a1": answer()}}
		run(t, coach, "/ask\nshow\n"+tc.input+"\n")
		last := coach.events[len(coach.events)-1]
		if last.Button != tc.button || last.User != "terminal:ada" || last.Name != "ada" {
			t.Errorf("%q pressed %+v, want button %q", tc.input, last, tc.button)
		}
	}
}

func TestUnmatchedLinesAreText(t *testing.T) {
	coach := &scripted{replies: map[string][]prep.Reply{"/ask": card()}}
	run(t, coach, "/ask\n5\nit names a subquery\n")
	// /start, /ask, then "5" (no fifth choice) and the typed answer as text.
	var texts []string
	for _, ev := range coach.events {
		if ev.Button != "" {
			t.Fatalf("unexpected press %+v", ev)
		}
		texts = append(texts, ev.Text)
	}
	want := []string{"/start", "/ask", "5", "it names a subquery"}
	if strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Fatalf("events %q, want %q", texts, want)
	}
}

func TestRendering(t *testing.T) {
	coach := &scripted{replies: map[string][]prep.Reply{
		"/ask": card(),
		"/n":   {{Kind: prep.Notice, Text: prep.Text("Already rated.")}},
	}}
	out := run(t, coach, "/ask\n/n\n")
	for _, want := range []string{"❓ What is a CTE?\n[1] Show answer", "(Already rated.)", "Bye! Your progress is saved."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("no ANSI codes without colour:\n%q", out)
	}
	rt := prep.RichText{}.Bold("b").Plain(" and ").Append(prep.RichText{{Style: prep.CodeBlock, Text: "SELECT 1;\nSELECT 2;"}}).
		Append(prep.RichText{{Style: prep.Link, Text: "docs", URL: "https://example.com"}})
	if got := terminal.Render(rt, false); got != "b and \n    SELECT 1;\n    SELECT 2;\ndocs (https://example.com)" {
		t.Errorf("plain render = %q", got)
	}
	if got := terminal.Render(prep.RichText{}.Bold("b"), true); got != "\x1b[1mb\x1b[0m" {
		t.Errorf("colour render = %q", got)
	}
}

func TestPhotosAreWrittenToFiles(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	coach := &scripted{replies: map[string][]prep.Reply{"/chart": {{Kind: prep.Photo, Text: prep.Text("Reviews"), Image: buf.Bytes()}}}}
	out := run(t, coach, "/chart\n")
	i := strings.Index(out, "saved to ")
	if i < 0 {
		t.Fatalf("no path printed:\n%s", out)
	}
	path := strings.TrimSpace(strings.SplitN(out[i+len("saved to "):], "\n", 2)[0])
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, buf.Bytes()) {
		t.Fatalf("picture at %s: %v", path, err)
	}
}

func TestQuitAndCancel(t *testing.T) {
	coach := &scripted{}
	out := run(t, coach, "/quit\n/ask\n")
	if len(coach.events) != 1 || !strings.Contains(out, "Bye!") {
		t.Fatalf("/quit must end the session before /ask: %+v", coach.events)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r, w, _ := os.Pipe()
	defer w.Close()
	var buf bytes.Buffer
	term := terminal.New(terminal.Options{In: r, Out: &buf, User: "terminal:ada"}, &scripted{})
	done := make(chan error, 1)
	go func() { done <- term.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel while stdin stayed open")
	}
}

func TestFencedBlocksAreOneMessage(t *testing.T) {
	coach := &scripted{}
	run(t, coach, "```sql\nSELECT name\nFROM annotators;\n```\n```SELECT 1```\nnext\n")
	var texts []string
	for _, ev := range coach.events[1:] {
		texts = append(texts, ev.Text)
	}
	want := []string{"```sql\nSELECT name\nFROM annotators;\n```", "```SELECT 1```", "next"}
	if strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Fatalf("events %q, want %q", texts, want)
	}
}

// texts are the texts of the events after /start.
func texts(coach *scripted) []string {
	var out []string
	for _, ev := range coach.events[1:] {
		out = append(out, ev.Text)
	}
	return out
}

// TestOverlongLinesAreRefusedAndTheSessionGoesOn: a line over MaxLine bytes
// gets a note saying the limit, is not sent, and the lines after it are
// read as usual; a line of MaxLine bytes is still taken whole.
func TestOverlongLinesAreRefusedAndTheSessionGoesOn(t *testing.T) {
	long := strings.Repeat("c", terminal.MaxLine)
	note := func(n int) string {
		return fmt.Sprintf("(That line is %d bytes long; a line may have at most %d bytes (1 MiB), so it was not sent.", n, terminal.MaxLine)
	}
	tests := []struct {
		name   string
		input  string
		events []string
		notes  []string
	}{
		{"one byte over", long + "c\n/due\n", []string{"/due"}, []string{note(terminal.MaxLine + 1)}},
		{"over with CRLF", long + "c\r\n/due\r\n", []string{"/due"}, []string{note(terminal.MaxLine + 1)}},
		{"over at the end of the input", "/due\n" + long + "cc", []string{"/due"}, []string{note(terminal.MaxLine + 2)}},
		{"two in a row", long + "c\n" + long + "cc\n/due\n", []string{"/due"}, []string{note(terminal.MaxLine + 1), note(terminal.MaxLine + 2)}},
		{"exactly the limit", long + "\n/due\n", []string{long, "/due"}, nil},
		{"exactly the limit with CRLF", long + "\r\n/due\r\n", []string{long, "/due"}, nil},
		{"line endings", "one\r\ntwo\n\nthree\r", []string{"one", "two", "three"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			coach := &scripted{}
			out := run(t, coach, tt.input)
			if got := texts(coach); strings.Join(got, "|") != strings.Join(tt.events, "|") {
				t.Errorf("%d events %.40q, want %d: %.40q", len(got), got, len(tt.events), tt.events)
			}
			if got := strings.Count(out, "(That line is "); got != len(tt.notes) {
				t.Errorf("%d notes, want %d", got, len(tt.notes))
			}
			for _, n := range tt.notes {
				if !strings.Contains(out, n) {
					t.Errorf("output lacks %q:\n%.600s", n, out)
				}
			}
			if !strings.Contains(out, "Bye! Your progress is saved.") {
				t.Errorf("the session did not end normally:\n%.600s", out)
			}
		})
	}
}

// endless is a line of n bytes, made as it is read, then the text after.
type endless struct {
	n     int64
	after *strings.Reader
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n == 0 {
		return e.after.Read(p)
	}
	k := int(min(int64(len(p)), e.n))
	for i := range p[:k] {
		p[i] = 'c'
	}
	e.n -= int64(k)
	return k, nil
}

// TestEndlessLineIsNotHeldInMemory feeds a line many times MaxLine long: it
// must be discarded as it streams (memory allocated stays far below the
// line's size), refused with its length, and /due after it still run.
func TestEndlessLineIsNotHeldInMemory(t *testing.T) {
	const size = 128 << 20
	coach := &scripted{}
	var out bytes.Buffer
	term := terminal.New(terminal.Options{In: &endless{n: size, after: strings.NewReader("\n/due\n")}, Out: &out, User: "terminal:ada"}, coach)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := term.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("reading a %d MiB line allocated %d MiB", size>>20, got>>20)
	}
	if got := texts(coach); strings.Join(got, "|") != "/due" {
		t.Errorf("events %.40q, want /due", got)
	}
	if want := fmt.Sprintf("(That line is %d bytes long;", size); !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}

// TestOverlongFencedBlockIsRefusedWhole: a ``` block over MaxLine bytes in
// all is refused at its closing fence, none of its lines sent on their own,
// and what follows is read as usual.
func TestOverlongFencedBlockIsRefusedWhole(t *testing.T) {
	line := strings.Repeat("x", 1000)
	var b strings.Builder
	b.WriteString("```sql\n")
	for b.Len() <= terminal.MaxLine {
		b.WriteString(line + "\n")
	}
	b.WriteString("```\n/due\n```\nSELECT 1;\n```\n")
	coach := &scripted{}
	out := run(t, coach, b.String())
	if got := texts(coach); strings.Join(got, "|") != "/due|```\nSELECT 1;\n```" {
		t.Errorf("events %.60q, want /due and the short block", got)
	}
	if want := fmt.Sprintf("(That ``` block is over %d bytes (1 MiB), the most a message may have, so it was not sent.", terminal.MaxLine); !strings.Contains(out, want) {
		t.Errorf("output lacks %q", want)
	}
	// A block with one over-long line is refused the same way.
	coach = &scripted{}
	out = run(t, coach, "```\n"+strings.Repeat("y", terminal.MaxLine+1)+"\n```\n/due\n")
	if got := texts(coach); strings.Join(got, "|") != "/due" || !strings.Contains(out, "(That ``` block is over") {
		t.Errorf("events %.60q, output:\n%.300s", got, out)
	}
}

// TestInvalidUTF8IsReplaced: bytes that are not UTF-8 reach the coach as
// U+FFFD, as text from a chat platform would be valid; escape sequences
// and control characters other than tab and newline (NUL, ESC [ 2 J) are
// left out, so that an echo of the text cannot drive the terminal.
func TestInvalidUTF8IsReplaced(t *testing.T) {
	coach := &scripted{}
	run(t, coach, "SELECT \xff\xfe FROM t\n```\nx = '\xc3'\n```\nmy\x00 \x1b[2Janswer\tok\n")
	var got []string
	for _, ev := range coach.events[1:] {
		got = append(got, ev.Text)
	}
	want := []string{"SELECT \uFFFD FROM t", "```\nx = '\uFFFD'\n```", "my answer\tok"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("the coach got %q, want %q", got, want)
	}
}

// TestNumberedLabelsArePickedByTheirNumber: a checklist's buttons carry item
// numbers ("2 ✓ Done", "2 Skip"); typing 2 ticks item 2, not the second
// button, and "2 skip" skips it.
func TestNumberedLabelsArePickedByTheirNumber(t *testing.T) {
	items := []prep.Reply{{Kind: prep.Send, Text: prep.Text("Logistics\n1. ☐ Test Zoom\n2. ☐ Phone on silent"), Buttons: [][]prep.Button{
		{{Label: "1 ✓ Done", Data: "d1"}, {Label: "1 Skip", Data: "s1"}},
		{{Label: "2 ✓ Done", Data: "d2"}, {Label: "2 Skip", Data: "s2"}},
	}}}
	for _, tc := range []struct{ input, button string }{{"2", "d2"}, {"1", "d1"}, {"2 skip", "s2"}, {"1 Skip", "s1"}} {
		coach := &scripted{replies: map[string][]prep.Reply{"/checklist logistics": items}}
		out := run(t, coach, "/checklist logistics\n"+tc.input+"\n")
		last := coach.events[len(coach.events)-1]
		if last.Button != tc.button {
			t.Errorf("%q pressed %+v, want %q", tc.input, last, tc.button)
		}
		if strings.Contains(out, "[2] 1 Skip") || !strings.Contains(out, "[2 ✓ Done]") {
			t.Errorf("choices shown as:\n%s", out)
		}
	}
	// Ordinary labels are still numbered by position.
	coach := &scripted{replies: map[string][]prep.Reply{"/ask": card(), "button:a1": answer()}}
	run(t, coach, "/ask\nshow\n3\n")
	if last := coach.events[len(coach.events)-1]; last.Button != "r1.3" {
		t.Errorf("3 pressed %+v after a numbered list, want the third choice", last)
	}
}

// TestUnclosedBlockAtEndOfInputIsNamed: input that ends inside a ``` block
// says the block was not sent, rather than dropping it without a word.
func TestUnclosedBlockAtEndOfInputIsNamed(t *testing.T) {
	coach := &scripted{}
	out := run(t, coach, "```sql\nSELECT 1\n")
	if !strings.Contains(out, "was never closed") {
		t.Errorf("output:\n%s", out)
	}
	if len(coach.events) != 1 { // /start only
		t.Errorf("events %+v: the open block must not be sent", coach.events)
	}
}

// syncCoach is scripted, safe to read while the terminal runs.
type syncCoach struct {
	mu sync.Mutex
	scripted
}

func (s *syncCoach) Handle(ctx context.Context, ev prep.Event) []prep.Reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.scripted.Handle(ctx, ev)
}

func (s *syncCoach) last() prep.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.events[len(s.events)-1]
}

// TestDeliveredChoicesAddToThoseOffered: a reminder delivered while a card's
// answer is on screen numbers its choices after the ratings, so "3" still
// rates the card, "5" and its labels press the reminder's buttons; the next
// reply numbers its choices from 1 again.
func TestDeliveredChoicesAddToThoseOffered(t *testing.T) {
	coach := &syncCoach{scripted: scripted{replies: map[string][]prep.Reply{"/ask": card(), "button:a1": answer(), "button:r1.3": card()}}}
	in, feed := io.Pipe()
	var out lockedBuffer
	term := terminal.New(terminal.Options{In: in, Out: &out, User: "terminal:ada", Name: "ada", ImageDir: t.TempDir(),
		Now: func() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }}, coach)
	done := make(chan error, 1)
	go func() { done <- term.Run(context.Background()) }()
	send := func(line, wantPressed string) {
		t.Helper()
		if _, err := io.WriteString(feed, line+"\n"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for coach.last().Button != wantPressed {
			if time.Now().After(deadline) {
				t.Fatalf("after %q the last event is %+v, want button %q", line, coach.last(), wantPressed)
			}
			time.Sleep(time.Millisecond)
		}
	}
	if _, err := io.WriteString(feed, "/ask\n"); err != nil {
		t.Fatal(err)
	}
	send("show", "a1")
	reminder := []prep.Reply{{Kind: prep.Send, Text: prep.Text("📋 Test Zoom"), Buttons: [][]prep.Button{{
		{Label: "✓ Done", Data: "done"}, {Label: "⏰ 1h", Data: "snooze"}, {Label: "Skip", Data: "skip"}}}}}
	if err := term.Deliver(context.Background(), "terminal:ada", reminder); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "[5] ✓ Done  [6] ⏰ 1h  [7] Skip") {
		t.Fatalf("the reminder's choices are not numbered after the ratings:\n%s", out.String())
	}
	send("5", "done")
	send("skip", "skip")
	send("3", "r1.3") // the card's Good, still 3
	send("1", "a1")   // the next card's choices start at 1 again
	feed.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// lockedBuffer is a bytes.Buffer safe for the terminal's writes and the
// test's reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// brokenPipe accepts writes until told to fail, then fails each as a
// closed pipe does.
type brokenPipe struct {
	bytes.Buffer
	broken bool
}

func (b *brokenPipe) Write(p []byte) (int, error) {
	if b.broken {
		return 0, syscall.EPIPE
	}
	return b.Buffer.Write(p)
}

// TestFailedOutputEndsTheSession: once a write fails (the reader of the
// output has gone), Run returns that error instead of acting on the lines
// after it, whose results no one would see. Deliver reports it too.
func TestFailedOutputEndsTheSession(t *testing.T) {
	out := &brokenPipe{}
	coach := &scripted{replies: map[string][]prep.Reply{"/ask": card(), "button:a1": answer()}}
	breakAfterAsk := &breaker{coach: coach, out: out, after: "/ask"}
	term := terminal.New(terminal.Options{In: strings.NewReader("/ask\nshow\ngood\n/ask\n"), Out: out, User: "terminal:ada"}, breakAfterAsk)
	err := term.Run(context.Background())
	if !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("Run = %v, want an error wrapping EPIPE", err)
	}
	var got []string
	for _, ev := range coach.events {
		got = append(got, ev.Text+ev.Button)
	}
	if want := []string{"/start", "/ask"}; !slices.Equal(got, want) {
		t.Errorf("events handled = %q, want %q (none after the failed write)", got, want)
	}
	if err := term.Deliver(context.Background(), "terminal:ada", card()); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Deliver = %v, want an error wrapping EPIPE", err)
	}
}

// breaker passes events to coach and breaks out once it has handled the
// event with text after, as if the reader left while that reply was on
// its way.
type breaker struct {
	coach *scripted
	out   *brokenPipe
	after string
}

func (b *breaker) Handle(ctx context.Context, ev prep.Event) []prep.Reply {
	replies := b.coach.Handle(ctx, ev)
	if ev.Text == b.after {
		b.out.broken = true
	}
	return replies
}

// TestReminderMidCardKeepsTheCardsNumbers: a checklist reminder's labels
// carry item numbers ("1 ✓ Done"). Delivered while a card's ratings are on
// screen, it used to replace them, so a "3" meant for Good ticked item 3
// instead; now a number alone still rates the card and the reminder's
// items are picked by label.
func TestReminderMidCardKeepsTheCardsNumbers(t *testing.T) {
	// Ticking an item redraws the reminder with the items left; rating
	// the card brings the next one.
	redrawn := []prep.Reply{{Kind: prep.Notice, Text: prep.Text("✅ Done")}, {Kind: prep.Edit, Text: prep.Text("📋 Checklist\n1. Test Zoom\n2. ✅ Phone on silent"), Buttons: [][]prep.Button{
		{{Label: "1 ✓ Done", Data: "d1"}, {Label: "1 ⏰ 20m", Data: "z1"}, {Label: "1 Skip", Data: "s1"}},
	}}}
	coach := &syncCoach{scripted: scripted{replies: map[string][]prep.Reply{"/ask": card(), "button:a1": answer(), "button:d2": redrawn, "button:r1.3": card()}}}
	in, feed := io.Pipe()
	var out lockedBuffer
	term := terminal.New(terminal.Options{In: in, Out: &out, User: "terminal:ada", Name: "ada", ImageDir: t.TempDir()}, coach)
	done := make(chan error, 1)
	go func() { done <- term.Run(context.Background()) }()
	send := func(line, wantPressed string) {
		t.Helper()
		if _, err := io.WriteString(feed, line+"\n"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for coach.last().Button != wantPressed {
			if time.Now().After(deadline) {
				t.Fatalf("after %q the last event is %+v, want button %q\n%s", line, coach.last(), wantPressed, out.String())
			}
			time.Sleep(time.Millisecond)
		}
	}
	if _, err := io.WriteString(feed, "/ask\n"); err != nil {
		t.Fatal(err)
	}
	send("show", "a1")
	reminder := []prep.Reply{{Kind: prep.Send, Text: prep.Text("📋 Checklist\n1. Test Zoom\n2. Phone on silent"), Buttons: [][]prep.Button{
		{{Label: "1 ✓ Done", Data: "d1"}, {Label: "1 ⏰ 20m", Data: "z1"}, {Label: "1 Skip", Data: "s1"}},
		{{Label: "2 ✓ Done", Data: "d2"}, {Label: "2 ⏰ 20m", Data: "z2"}, {Label: "2 Skip", Data: "s2"}},
	}}}
	if err := term.Deliver(context.Background(), "terminal:ada", reminder); err != nil {
		t.Fatal(err)
	}
	if want := "a number alone still picks from [1]–[4] above"; !strings.Contains(out.String(), want) {
		t.Errorf("the reminder does not say how to pick its items (%q):\n%s", want, out.String())
	}
	send("2 done", "d2")
	send("3", "r1.3")    // the card's Good, after the reminder was redrawn
	send("1 skip", "s1") // the reminder's items outlive the card
	send("1", "a1")      // the next card's Show answer
	feed.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestButtonsOfEveryReplyInAnAnswerStay: when one answer holds several
// messages with buttons (a leech's offer, then the next card), all their
// choices are offered, numbered in order; the card's used to replace the
// offer's, so "Suspend it" could not be chosen and "suspend" became the
// next card's typed answer.
func TestButtonsOfEveryReplyInAnAnswerStay(t *testing.T) {
	leech := prep.Reply{Kind: prep.Send, Text: prep.Text("🩹 A leech"), Buttons: [][]prep.Button{{{Label: "Suspend it", Data: "sus"}, {Label: "Show it with the answer", Data: "keep"}}}}
	for _, tc := range []struct{ input, button string }{{"suspend", "sus"}, {"1", "sus"}, {"2", "keep"}, {"3", "a1"}, {"show answer", "a1"}} {
		coach := &scripted{replies: map[string][]prep.Reply{"again": append([]prep.Reply{leech}, card()...)}}
		out := run(t, coach, "again\n"+tc.input+"\n")
		if last := coach.events[len(coach.events)-1]; last.Button != tc.button {
			t.Errorf("%q: last event %+v, want button %q", tc.input, last, tc.button)
		}
		if !strings.Contains(out, "[1] Suspend it  [2] Show it with the answer") || !strings.Contains(out, "[3] Show answer") {
			t.Errorf("choices shown as:\n%s", out)
		}
	}
}

// TestEscapeSequencesAreNotText: keys that send escape sequences (arrows)
// or control characters leave nothing in the line: "sho⎋w" is still the
// choice "show", "3↑" is 3, and a line of nothing but them is no line.
func TestEscapeSequencesAreNotText(t *testing.T) {
	coach := &scripted{replies: map[string][]prep.Reply{"/ask": card(), "button:a1": answer()}}
	run(t, coach, "/ask\n\x1b\n\x07\x07\n\x1b[A\nsho\x1bw\n3\x1b[A\n")
	var got []string
	for _, ev := range coach.events[1:] {
		got = append(got, ev.Text+ev.Button)
	}
	if want := []string{"/ask", "a1", "r1.3"}; !slices.Equal(got, want) {
		t.Errorf("events = %q, want %q", got, want)
	}
}
