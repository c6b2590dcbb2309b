package prep

// Event is one thing a user did: typed text (a command or an answer) or
// pressed a button.
type Event struct {
	User UserKey
	Name string // display name, for greetings
	// Text is what the user typed. Empty for button presses.
	Text string
	// Button is the Data of the pressed button. Empty for text.
	Button string
	// Delivery is the platform's id of this delivery (Telegram update_id,
	// Slack envelope id), recorded in the same transaction as the event's
	// effect so that a redelivered event changes nothing. May be empty.
	Delivery string
	// Chat is where the event happened when that is not the user's own
	// conversation with the bot (a Telegram group's id), in the platform's
	// spelling; empty for a private chat. The engine hands it back on the
	// replies it delivers later (Reply.Chat), so that a slow verdict goes
	// where the attempt was made, and tells a user setting up pushes in a
	// group that those come in a private chat.
	Chat string
	// ZoneHint is the platform's idea of the user's time zone, an IANA
	// name (Slack's profile time zone, users.info's user.tz); "" when the
	// platform has none or could not say. The engine takes it as the
	// user's zone only while they have not chosen one (Settings.ZoneFrom):
	// a zone the user set with /settings or /start always wins.
	ZoneHint string
}

// ReplyKind says what an adapter does with a Reply.
type ReplyKind uint8

// Kinds of Reply.
const (
	// Send posts a new message.
	Send ReplyKind = iota
	// Edit replaces the message whose button was pressed (the platform's
	// "edit message"); adapters without editing print it anew.
	Edit
	// Notice answers the button press itself with a short toast (Telegram's
	// answerCallbackQuery text, Slack's ephemeral message).
	Notice
	// Photo sends an image with Text as its caption.
	Photo
)

// Button is a choice under a message. Data is what comes back in
// Event.Button when pressed; it is at most MaxButtonData bytes.
type Button struct {
	Label string
	Data  string
}

// MaxButtonData is Telegram's limit on callback data, which every platform's
// buttons keep to.
const MaxButtonData = 64

// Reply is one thing to show the user in answer to an Event.
type Reply struct {
	Kind    ReplyKind
	Text    RichText
	Buttons [][]Button // rows of buttons
	Image   []byte     // PNG, for Photo
	// Chat, on a reply delivered after its event's turn (a slow verdict), is
	// that event's Event.Chat: the adapter sends it there rather than to
	// the user's own chat. Empty for the user's own chat.
	Chat string
}

// Command describes one slash command for help texts and platform menus
// (Telegram's setMyCommands, Slack's subcommand usage).
type Command struct {
	Name        string // without the slash, e.g. "ask"
	Args        string // usage of the arguments, e.g. "[topic]"
	Description string
}
