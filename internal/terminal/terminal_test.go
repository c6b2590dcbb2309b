package terminal_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"strings"
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
