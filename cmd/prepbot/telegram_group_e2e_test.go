package main

// End-to-end tests of prepbot in Telegram groups, where several people
// study side by side in one chat.

import (
	"strconv"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
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
