package telegram

import (
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// In a group, several people study side by side, and each one's cards carry
// presentation tokens counted per user: Ann's first card and Ben's first
// card both have a button "a1". The engine acts on the presser's session, so
// Ben pressing Ann's button would reveal his own card into her message. So
// the buttons of a message in a group are bound to the user it answers: their
// callback data starts with the owner's Telegram id, "~<id in base 36>~",
// and a press by anyone else is answered with a toast and changes nothing.
// Private chats need no binding (only their user can press) and keep the
// engine's data as it is, so messages sent before binding existed still
// work there.
//
// The tag takes at most 13 bytes (Telegram user ids have at most 52
// significant bits: 11 base-36 digits). The engine's study, checklist and
// onboarding data stay far below the 51 bytes left (a rating "r1z141z3.4"
// is 10, a checklist item "cd:14phs0:0123456789ab" 22, a zone
// "z:America/Los_Angeles" 21). A command ("/ask <topic>") may be longer; a
// press on it is the same as typing it, touches no message and only the
// presser's own data, so one too long to bind is left unbound rather than
// dropped. Anything else too long to bind is left out of the keyboard and
// logged, as data Telegram would refuse is.

// ownerMark opens and closes the owner tag; the engine's data never starts
// with it.
const ownerMark = "~"

// bindData prefixes data with its owner's tag. ok is false when the result
// would not fit Telegram's 64 bytes.
func bindData(owner int64, data string) (bound string, ok bool) {
	bound = ownerMark + strconv.FormatInt(owner, 36) + ownerMark + data
	return bound, validButtonData(bound)
}

// boundOwner splits data made by bindData into the owner and the engine's
// data; bound is false for data without a (well-formed) tag.
func boundOwner(data string) (owner int64, rest string, bound bool) {
	tagged, ok := strings.CutPrefix(data, ownerMark)
	if !ok {
		return 0, data, false
	}
	id, rest, ok := strings.Cut(tagged, ownerMark)
	if !ok {
		return 0, data, false
	}
	owner, err := strconv.ParseInt(id, 36, 64)
	if err != nil || owner <= 0 || strconv.FormatInt(owner, 36) != id {
		return 0, data, false
	}
	return owner, rest, true
}

// isCommandData tells the data of a button that runs a command as if typed.
func isCommandData(data string) bool { return strings.HasPrefix(data, "/") }

// othersButtons is the toast for a press on buttons bound to someone else.
func othersButtons(ownerName string) string {
	whose := "someone else's"
	if ownerName != "" {
		whose = ownerName + "'s"
	}
	return fmt.Sprintf("These buttons are %s — send /ask to get your own.", whose)
}

// textUnboundInGroup answers a press in a group on a button sent before
// buttons were bound to their owner: whose it is cannot be told.
const textUnboundInGroup = "This button is from an older message. Send /ask to get a new card."

// maxNames bounds the names remembered for the toast.
const maxNames = 4096

// rememberName keeps a user's first name for the toast others get when
// they press that user's buttons. Names are only for politeness: after a
// restart, or past maxNames, the toast says "someone else's".
func (b *Bot) rememberName(id int64, name string) {
	if name == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.names[id] == name {
		return
	}
	if len(b.names) >= maxNames {
		clear(b.names)
	}
	b.names[id] = name
}

func (b *Bot) nameOf(id int64) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.names[id]
}

// maxNoted bounds the users remembered as logged by noteUser; past it the
// memory starts again, and a user may be logged once more.
const maxNoted = 4096

// noteUser logs, once per user while the bot runs, the id (and username)
// of a user of an open bot: an operator who wants an allow-list reads the
// id there, having written to the bot once. Never the text: that is the
// user's. With an allow-list there is nothing to find out (strangers'
// refusals are logged with their ids).
func (b *Bot) noteUser(u *tgbotapi.User) {
	if !b.allow.open() {
		return
	}
	b.mu.Lock()
	if b.noted[u.ID] {
		b.mu.Unlock()
		return
	}
	if len(b.noted) >= maxNoted {
		clear(b.noted)
	}
	b.noted[u.ID] = true
	b.mu.Unlock()
	username := ""
	if u.UserName != "" {
		username = "@" + u.UserName
	}
	b.log.Info("telegram: first message from a user since start; PREPBOT_ALLOWED_USERS takes this id", "user", u.ID, "username", username)
}
