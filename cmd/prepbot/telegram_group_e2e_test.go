package main

// End-to-end tests of prepbot in Telegram groups, where several people
// study side by side in one chat, and of messages at Telegram's limits.

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/telegram/telegramtest"
)

// tgGroup is a supergroup where the tests' users meet the bot.
const tgGroup = -100555

// user reads a Telegram user's record from the store (the bot stopped).
func (w *tgWorld) user(id int64) prep.User {
	w.t.Helper()
	s, err := boltstore.Open(w.db, boltstore.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		w.t.Fatal(err)
	}
	defer s.Close()
	var u prep.User
	err = s.View(func(tx prep.Tx) (err error) {
		u, err = tx.User(prep.NewUserKey(prep.Telegram, strconv.FormatInt(id, 10)))
		return err
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return u
}

// A verdict that takes longer than the grade wait comes to the group the
// attempt was sent in, not to the user's private chat, which the user
// never opened (Telegram refuses it with 403): the user must not be taken
// for someone who blocked the bot either.
func TestTelegramGroupSlowVerdictStaysInTheGroup(t *testing.T) {
	w := newTGWorld(t, nil)
	const ann = 1801
	w.srv.Block(ann)
	bot := w.start()
	w.srv.SendGroupText(tgGroup, ann, "/sql@prep_test_bot")
	ex := w.last(tgGroup, "🧩")
	w.srv.SendReply(tgGroup, ann, ex.ID,
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r")
	grading := w.after(tgGroup, ex.ID, "Grading")
	w.srv.WaitFor("the verdict in the group", func() bool { return w.lastID(tgGroup) > grading.ID })
	w.stop(bot)
	if n := len(w.srv.Chat(ann)); n != 0 {
		t.Errorf("%d messages went to the private chat of the user who answered in the group", n)
	}
	for _, r := range w.srv.Requests() {
		if r.Status == 403 {
			t.Errorf("%s answered 403: the bot wrote to a chat the user never opened", r.Method)
		}
	}
	if w.user(ann).Inactive {
		t.Error("the user was marked inactive")
	}
}

// Ben presses Show answer under Ann's card in the group. His own card in
// his private chat has the same token (tokens are counted per user), so
// without binding the press revealed Ben's card into Ann's message. Now he
// is told whose buttons they are, and neither session changes; Ann's own
// press still works.
func TestTelegramGroupPressOnSomeoneElsesCard(t *testing.T) {
	w := newTGWorld(t, nil)
	const ann, ben = 1101, 1102
	w.srv.SetUser(tgbotapi.User{ID: ann, FirstName: "Ann"})
	w.srv.SetUser(tgbotapi.User{ID: ben, FirstName: "Ben"})
	bot := w.start()
	stopped := false
	defer func() {
		if !stopped {
			w.stop(bot)
		}
	}()
	w.srv.SendGroupText(tgGroup, ann, "/ask@prep_test_bot sql")
	qa := w.last(tgGroup, "❓")
	w.srv.SendText(ben, "/ask python")
	qb := w.last(ben, "❓")

	id := w.srv.PressButtonIn(tgGroup, ben, qa.ID, data(t, qa, "Show answer"))
	if ans := w.srv.WaitForCallbackAnswer(id); !strings.Contains(ans.Text, "These buttons are Ann's") {
		t.Errorf("Ben's press on Ann's card answered %q", ans.Text)
	}
	// Ben's own card is still a question he can reveal, in his chat.
	w.press(ben, qb, "Show answer")
	w.srv.WaitFor("Ben's card revealed", func() bool {
		for _, m := range w.srv.Chat(ben) {
			if m.ID == qb.ID && strings.Contains(m.Plain(), "How well did you recall") {
				return true
			}
		}
		return false
	})
	for _, m := range w.srv.Chat(tgGroup) {
		if m.ID == qa.ID && m.Edits != 0 {
			t.Fatalf("Ann's card was changed by Ben's press: %q", m.Plain())
		}
	}
	// Ann reveals and rates her card in the group.
	id = w.srv.PressButtonIn(tgGroup, ann, qa.ID, data(t, qa, "Show answer"))
	w.srv.WaitForCallbackAnswer(id)
	var revealed telegramtest.Message
	w.srv.WaitFor("Ann's card revealed", func() bool {
		for _, m := range w.srv.Chat(tgGroup) {
			if m.ID == qa.ID && strings.Contains(m.Plain(), "How well did you recall") {
				revealed = m
				return true
			}
		}
		return false
	})
	id = w.srv.PressButtonIn(tgGroup, ben, qa.ID, data(t, revealed, "Good"))
	if ans := w.srv.WaitForCallbackAnswer(id); !strings.Contains(ans.Text, "Ann's") {
		t.Errorf("Ben's rating of Ann's card answered %q", ans.Text)
	}
	id = w.srv.PressButtonIn(tgGroup, ann, qa.ID, data(t, revealed, "Good"))
	w.srv.WaitForCallbackAnswer(id)
	w.srv.WaitFor("Ann's rating", func() bool {
		for _, m := range w.srv.Chat(tgGroup) {
			if m.ID == qa.ID && strings.Contains(m.Plain(), "Good · next in") {
				return true
			}
		}
		return false
	})
	w.stop(bot)
	stopped = true
	if n := len(w.reviews(ann)); n != 1 {
		t.Errorf("Ann has %d reviews, want 1", n)
	}
	if n := len(w.reviews(ben)); n != 0 {
		t.Errorf("Ben has %d reviews, want 0 (he pressed only Ann's rating)", n)
	}
}

// Onboarding in a group: the time zone buttons offered to Ann do nothing
// for Ben.
func TestTelegramGroupOnboardingButtonsAreTheAsker(t *testing.T) {
	w := newTGWorld(t, nil)
	const ann, ben = 1111, 1112
	w.srv.SetUser(tgbotapi.User{ID: ann, FirstName: "Ann"})
	bot := w.start()
	stopped := false
	defer func() {
		if !stopped {
			w.stop(bot)
		}
	}()
	w.srv.SendGroupText(tgGroup, ann, "/start@prep_test_bot")
	zones := w.last(tgGroup, "Which time zone")
	id := w.srv.PressButtonIn(tgGroup, ben, zones.ID, data(t, zones, "Europe/Berlin"))
	if ans := w.srv.WaitForCallbackAnswer(id); !strings.Contains(ans.Text, "Ann's") {
		t.Errorf("Ben's press answered %q", ans.Text)
	}
	id = w.srv.PressButtonIn(tgGroup, ann, zones.ID, data(t, zones, "Europe/Berlin"))
	w.srv.WaitForCallbackAnswer(id)
	w.last(tgGroup, "When should I send")
	w.stop(bot)
	stopped = true
	if z := w.user(ann).Settings.TimeZone; z != "Europe/Berlin" {
		t.Errorf("Ann's time zone = %q", z)
	}
}

// A card as long as a deck may hold, in characters Telegram counts twice
// (emoji), under the longest topic name a deck may have, is revealed whole
// by its button, with the rating buttons under it: the deck limits keep
// the header and the card within one message. (The deck check used to
// count characters, letting through answers that overflowed the edit,
// which cut them at the last newline, before the answer:
// TestLongEditSplitWithButtonsOnLastPart in internal/telegram.)
func TestTelegramRevealOfTheLongestCardKeepsTheAnswer(t *testing.T) {
	dir := t.TempDir()
	topic := strings.Repeat("Topic ", 16) + "end!" // 100 characters
	answer := strings.Repeat("😀", (prep.MaxCardText-len("Emoji?"))/2)
	deck := "## " + topic + "\n\n### Emoji?\n" + answer + "\n"
	if err := os.WriteFile(filepath.Join(dir, "deck.md"), []byte(deck), 0o644); err != nil {
		t.Fatal(err)
	}
	w := newTGWorld(t, map[string]string{"PREPBOT_CONTENT": dir})
	const u = 2301
	bot := w.start()
	defer w.stop(bot)
	w.srv.SendText(u, "/ask")
	q := w.last(u, "❓")
	w.press(u, q, "Show answer")
	var revealed telegramtest.Message
	w.srv.WaitFor("the revealed card with its rating buttons", func() bool {
		msgs := w.srv.Chat(u)
		last := msgs[len(msgs)-1]
		if len(last.Buttons) == 0 || !strings.Contains(last.Plain(), "How well did you recall") {
			return false
		}
		revealed = last
		return true
	})
	var all strings.Builder
	for _, m := range w.srv.Chat(u) {
		if m.ID >= q.ID {
			all.WriteString(m.Plain())
		}
	}
	if got, want := strings.Count(all.String(), "😀"), len([]rune(answer)); got != want {
		t.Errorf("the user got %d of the answer's %d characters; rating buttons on message %d", got, want, revealed.ID)
	}
}

// A typed answer with code, sent in a group with a mention of the bot,
// keeps its lines: it is shown as a code block beside the card's answer.
func TestTelegramGroupMentionKeepsCodeLines(t *testing.T) {
	w := newTGWorld(t, nil)
	const ann = 1201
	bot := w.start()
	defer w.stop(bot)
	w.srv.SendGroupText(tgGroup, ann, "/ask@prep_test_bot\nsql") // the argument on the next line
	w.last(tgGroup, "❓")
	w.srv.SendGroupText(tgGroup, ann, "@prep_test_bot my answer:\n```sql\nSELECT a,\n       b\nFROM t\n```")
	a := w.last(tgGroup, "Your answer")
	if !strings.Contains(a.Text, "<pre><code class=\"language-sql\">SELECT a,\n       b\nFROM t</code></pre>") {
		t.Errorf("the typed code lost its lines: %q", a.Text)
	}
}
