package prep_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
)

func TestLinkSharesProgressAcrossPlatforms(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "1"))
	tg := h.user
	slack := prep.NewUserKey(prep.Slack, "U1")
	as := func(u prep.UserKey, text string) []prep.Reply {
		h.user = u
		return h.text(text)
	}
	pressAs := func(u prep.UserKey, data string) []prep.Reply {
		h.user = u
		return h.press(data)
	}
	onboard(t, h, "Europe/Berlin", "09:00")
	as(tg, "/interview 2026-12-03 14:00")
	as(tg, "/ask sql")
	pressAs(tg, button(t, h.last, "Show answer").Data)
	pressAs(tg, button(t, h.last, "Good").Data)
	as(tg, "/stop")

	// Slack has its own (empty) progress until linked.
	as(slack, "/ask python")
	pressAs(slack, button(t, h.last, "Show answer").Data)
	pressAs(slack, button(t, h.last, "Easy").Data)

	r := as(tg, "/link")
	code := regexp.MustCompile(`/link (\d{6})`).FindStringSubmatch(dump(r))
	if code == nil {
		t.Fatalf("no code:\n%s", dump(r))
	}
	// Typing the code on the same account is refused (and uses it up).
	if r := as(tg, "/link "+code[1]); !contains(r, prep.Send, "from this same account") {
		t.Fatalf("same account:\n%s", dump(r))
	}
	code = regexp.MustCompile(`/link (\d{6})`).FindStringSubmatch(dump(as(tg, "/link")))
	if r := as(slack, "/link 000000"); !contains(r, prep.Send, "unknown or has expired") {
		t.Fatalf("wrong code:\n%s", dump(r))
	}
	if r := as(slack, "/link "+code[1]); !contains(r, prep.Send, "Linked.") {
		t.Fatalf("link:\n%s", dump(r))
	}
	// Slack now sees Telegram's interview and reviews, and rates into them.
	if r := as(slack, "/interview"); !contains(r, prep.Send, "Thu 3 Dec 2026, 14:00") {
		t.Fatalf("shared interview:\n%s", dump(r))
	}
	as(slack, "/ask data")
	pressAs(slack, button(t, h.last, "Show answer").Data)
	pressAs(slack, button(t, h.last, "Hard").Data)
	h.user = tg
	if rv := h.reviews(); len(rv) != 2 || rv[1].User != tg || rv[1].Rating != prep.Hard {
		t.Fatalf("a rating on Slack must land in the shared log: %+v", rv)
	}

	// Pushes go to Telegram until Slack asks for them.
	h.clock.t = time.Date(2026, 11, 3, 9, 0, 0, 0, mustZone("Europe/Berlin"))
	pushes, err := h.eng.Due(context.Background(), nil)
	if err != nil || len(pushes) != 1 || pushes[0].User != tg {
		t.Fatalf("push before notify-here: %+v %v", pushes, err)
	}
	as(slack, "/settings notify here")
	h.clock.t = h.clock.t.Add(24 * time.Hour)
	pushes, err = h.eng.Due(context.Background(), func(u prep.UserKey) bool { return u.Platform() == prep.Slack })
	if err != nil || len(pushes) != 1 || pushes[0].User != slack {
		t.Fatalf("push after notify-here: %+v %v", pushes, err)
	}

	// /unlink gives Slack its own progress back (its one Easy review).
	if r := as(slack, "/unlink"); !contains(r, prep.Send, "own progress again") {
		t.Fatalf("unlink:\n%s", dump(r))
	}
	h.user = slack
	if rv := h.reviews(); len(rv) != 1 || rv[0].Rating != prep.Easy {
		t.Fatalf("Slack's own reviews after unlink: %+v", rv)
	}
}

func TestLinkCodesExpire(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "1"))
	code := regexp.MustCompile(`/link (\d{6})`).FindStringSubmatch(dump(h.text("/link")))
	h.clock.Advance(11 * time.Minute)
	h.user = prep.NewUserKey(prep.Slack, "U1")
	if r := h.text("/link " + code[1]); !contains(r, prep.Send, "unknown or has expired") {
		t.Fatalf("expired code:\n%s", dump(r))
	}
}

// TestLinkCodeTypedOnTheWrongAccountStaysGood: typing the code on the
// account that made it (or on one already linked) is refused with a
// reason, and the code still works where it belongs; it used to be used
// up, so the right account then read "unknown or has expired".
func TestLinkCodeTypedOnTheWrongAccountStaysGood(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "1"))
	code := regexp.MustCompile(`/link (\d{6})`).FindStringSubmatch(dump(h.text("/link")))
	if r := h.text("/link " + code[1]); !contains(r, prep.Send, "from this same account") {
		t.Fatalf("same account:\n%s", dump(r))
	}
	// Another pair of accounts, already linked, tries it too.
	other := prep.NewUserKey(prep.Terminal, "bob")
	h.user = other
	otherCode := regexp.MustCompile(`/link (\d{6})`).FindStringSubmatch(dump(h.text("/link")))
	h.user = prep.NewUserKey(prep.Slack, "U2")
	if r := h.text("/link " + otherCode[1]); !contains(r, prep.Send, "🔗 Linked.") {
		t.Fatalf("linking U2 to bob:\n%s", dump(r))
	}
	if r := h.text("/link " + code[1]); !contains(r, prep.Send, "already shares progress") {
		t.Fatalf("already linked:\n%s", dump(r))
	}
	h.user = prep.NewUserKey(prep.Slack, "U1")
	if r := h.text("/link " + code[1]); !contains(r, prep.Send, "🔗 Linked.") {
		t.Fatalf("the right account after two wrong tries:\n%s", dump(r))
	}
}
