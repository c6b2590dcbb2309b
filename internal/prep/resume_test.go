package prep_test

import (
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
)

// TestStartResumesWhatWasOpen: /start (what the terminal sends when it
// starts again) welcomes the user back and puts the open card or exercise
// back on screen, so that the last buttons shown are the ones to go on
// with and the rating is not lost.
func TestStartResumesWhatWasOpen(t *testing.T) {
	cases := []struct {
		name string
		open func(t *testing.T, h *harness)
		// then goes on from the replies to /start.
		then func(t *testing.T, h *harness, r []prep.Reply)
	}{
		{"nothing open", func(*testing.T, *harness) {}, func(t *testing.T, h *harness, r []prep.Reply) {
			if len(r) != 1 {
				t.Fatalf("want the welcome alone:\n%s", dump(r))
			}
		}},
		{"a question", func(t *testing.T, h *harness) { h.text("/ask") }, func(t *testing.T, h *harness, r []prep.Reply) {
			last := r[len(r)-1:]
			if !contains(last, prep.Send, "What is a CTE?") {
				t.Fatalf("the question is not shown again last:\n%s", dump(r))
			}
			if r := h.press(button(t, last, "Show answer").Data); !contains(r, prep.Edit, "A named subquery.") {
				t.Fatalf("its Show answer does not work:\n%s", dump(r))
			}
		}},
		{"an answer", func(t *testing.T, h *harness) {
			h.text("/ask")
			h.press(button(t, h.last, "Show answer").Data)
		}, func(t *testing.T, h *harness, r []prep.Reply) {
			last := r[len(r)-1:]
			if !contains(last, prep.Send, "A named subquery.") {
				t.Fatalf("the answer is not shown again last:\n%s", dump(r))
			}
			if r := h.press(button(t, last, "Good").Data); !contains(r, prep.Edit, "Good · next in") {
				t.Fatalf("its rating button does not rate:\n%s", dump(r))
			}
			n := 0
			if err := h.store.View(func(tx prep.Tx) error {
				for _, err := range tx.Reviews(h.user, time.Time{}) {
					if err != nil {
						return err
					}
					n++
				}
				return nil
			}); err != nil || n != 1 {
				t.Fatalf("%d reviews recorded (%v), want 1", n, err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
			h.text("/start")
			c.open(t, h)
			r := h.text("/start")
			if !contains(r[:1], prep.Send, "Welcome back") {
				t.Fatalf("no welcome back first:\n%s", dump(r))
			}
			c.then(t, h, r)
		})
	}
	t.Run("an exercise", func(t *testing.T) {
		h := exerciseHarness(t)
		h.text("/start")
		h.press(button(t, h.last, "Europe/Berlin").Data)
		h.text("07:45")
		h.text("/sql joins")
		h.text("SELECT 0") // wrong: the record must come back with it
		r := h.text("/start")
		last := r[len(r)-1:]
		if !contains(last, prep.Send, "Labels per annotator") || !contains(last, prep.Send, "earlier attempts at this one still count") {
			t.Fatalf("the exercise is not shown again last, with its record:\n%s", dump(r))
		}
		if r := h.text("SELECT 1"); !contains(r, prep.Send, "✅ Correct!") || !contains(r, prep.Send, "Again · next in") {
			t.Fatalf("solving it after /start:\n%s", dump(r))
		}
	})
}

// TestTerminalSettingsRefusePushes: the terminal gets no pushes, so its
// /settings neither lists nor pretends to save the daily quiz's settings;
// a chat user's are saved.
func TestTerminalSettingsRefusePushes(t *testing.T) {
	for _, platform := range []prep.Platform{prep.Terminal, prep.Telegram} {
		h := newHarness(t, prep.NewUserKey(platform, "ada"))
		h.text("/start")
		for _, cmd := range []string{"/settings push 08:30", "/settings pause", "/settings resume", "/settings notify here"} {
			r := h.text(cmd)
			refused := contains(r, prep.Send, "not in the terminal")
			if refused != (platform == prep.Terminal) {
				t.Errorf("%s %s: refused %v:\n%s", platform, cmd, refused, dump(r))
			}
		}
	}
}
