package prep

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Replies the engine is waiting for (User.Awaiting).
const (
	awaitZone = "timezone"
	awaitPush = "push"
)

// commands is the command menu, in the order /help lists it.
var commandList = []Command{
	{Name: "ask", Args: "[topic]", Description: "Study: the next due card, then new ones"},
	{Name: "sql", Args: "[topic]", Description: "An SQL exercise, graded as you answer"},
	{Name: "py", Args: "[topic]", Description: "A Python exercise, graded by hidden tests"},
	{Name: "due", Description: "What is due now, by topic"},
	{Name: "stats", Description: "Progress, charts and interview readiness"},
	{Name: "topics", Description: "Topics and their cards"},
	{Name: "undo", Description: "Undo your last rating"},
	{Name: "suspended", Description: "Cards you set aside, to let them back in"},
	{Name: "interview", Args: "[date time [zone] | clear]", Description: "Your interview date: reminders and countdown"},
	{Name: "checklist", Args: "[section]", Description: "Checklists and their progress"},
	{Name: "settings", Args: "[name value]", Description: "Retention, daily limits, time zone, daily quiz"},
	{Name: "link", Args: "[code]", Description: "Share progress with your account on another platform"},
	{Name: "stop", Description: "End the current session"},
	{Name: "start", Description: "Welcome and set-up"},
	{Name: "help", Description: "How prepbot works"},
}

// Commands lists the slash commands for platform menus and help.
func (e *Engine) Commands() []Command { return append([]Command(nil), commandList...) }

func (c *conv) command(name, args string) error {
	switch name {
	case "start":
		return c.start()
	case "help":
		c.help()
		return nil
	case "ask", "next", "study":
		return c.ask(args)
	case "due":
		return c.due()
	case "topics":
		return c.topics()
	case "undo":
		return c.undo()
	case "settings":
		return c.settings(args)
	case "stop", "end":
		return c.stop()
	case "interview":
		return c.interview(args)
	case "checklist", "checklists":
		return c.checklist(args)
	case "suspend":
		return c.suspend(args, true)
	case "unsuspend":
		return c.suspend(args, false)
	case "suspended":
		return c.suspended()
	case "show":
		return c.show(args)
	case "stats", "progress":
		return c.stats()
	case "sql":
		return c.offerExercises(SQLExercise, args)
	case "py", "python":
		return c.offerExercises(PythonExercise, args)
	case "link":
		return c.link(args)
	case "unlink":
		return c.unlink()
	}
	c.send(Text(fmt.Sprintf("I don't know /%s. Type /help to see the commands.", name)))
	return nil
}

// offerExercises starts a run of exercises of one kind or, when this
// prepbot cannot grade them and the wiring said why
// (EngineConfig.Unavailable), answers with that.
func (c *conv) offerExercises(kind ExerciseKind, args string) error {
	if reason := c.e.unavailable[kind]; reason != "" && c.e.graders[kind] == nil {
		c.send(Text(reason))
		return nil
	}
	return c.exercises(kind, args)
}

func (c *conv) start() error {
	name := c.u.Name
	if name == "" {
		name = "there"
	}
	lib := c.e.lib
	if !c.fresh && c.u.Onboarded {
		return c.welcomeBack(name)
	}
	text := RichText{}.Bold(fmt.Sprintf("👋 Hi %s, I'm prepbot, your interview coach.", name)).
		Plain(fmt.Sprintf("\n\nI turn your prep notes into %d flashcards in %d topics (%s) and schedule each one with FSRS, so you see it again just before you would forget it.",
			len(lib.Cards), len(lib.Topics()), strings.Join(lib.Topics(), ", "))).
		Plain("\n\nHow it works: /ask shows a question. Think of the answer, then tap ").Bold("Show answer").
		Plain(" (or type your answer to see it beside mine) and rate how well you recalled it: ").Bold("Again, Hard, Good or Easy").
		Plain(". Each button shows when you will see the card next.")
	kinds := map[ExerciseKind]int{}
	for _, ex := range lib.Exercises {
		if c.e.graders[ex.Kind] != nil {
			kinds[ex.Kind]++
		}
	}
	if n := kinds[SQLExercise]; n > 0 {
		text = text.Plain(fmt.Sprintf("\n\n/sql gives you one of %d SQL exercises to solve; I run your query and grade it.", n))
	}
	if n := kinds[PythonExercise]; n > 0 {
		text = text.Plain(fmt.Sprintf(" /py does the same with %d Python exercises.", n))
	}
	text = text.Plain("\n\nTell me your interview date with /interview and I'll remind you of your checklists at the right moments and aim your reviews at that day. /stats shows your progress.")
	if c.u.Key.Platform() == Terminal || c.u.Onboarded {
		c.send(text, []Button{{Label: "Ask me a question", Data: "/ask"}, {Label: "Topics", Data: "/topics"}, {Label: "Help", Data: "/help"}})
		return nil
	}
	c.send(text)
	c.askZone()
	return nil
}

// welcomeBack greets a returning user with what is waiting for them.
func (c *conv) welcomeBack(name string) error {
	q, err := c.buildQueue(scope{})
	if err != nil {
		return err
	}
	text := RichText{}.Bold(fmt.Sprintf("👋 Welcome back, %s.", name))
	if cd := c.countdown(); cd != "" {
		text = text.Plain(" " + cd + fullStop(cd))
	}
	text = text.
		Plain(fmt.Sprintf(" %d %s due, %d new for today.", q.dueNow(), plural(q.dueNow(), "review", "reviews"), len(q.newCards)))
	if q.dueNow() == 0 { // as /due says it
		if next, err := c.nextDue(scope{}); err != nil {
			return err
		} else if !next.IsZero() {
			text = text.Plain(" Next review " + c.when(next) + ".")
		}
	}
	text = text.Plain(" Type /help for the commands.")
	c.send(text, []Button{{Label: "Ask me a question", Data: "/ask"}, {Label: "Due", Data: "/due"}, {Label: "Topics", Data: "/topics"}})
	return c.resume()
}

// resume puts back on screen what the user left open: the card's question or
// its answer with the rating buttons, or the exercise. After a restart of
// the terminal, or /start in a chat whose last card scrolled away, the
// buttons to go on are the last ones shown, not the welcome's.
func (c *conv) resume() error {
	s := &c.u.Session
	switch s.Stage {
	case StageQuestion:
		if card, ok := c.e.lib.Card(s.CardID); ok {
			c.present(card)
			return nil
		}
	case StageAnswer:
		if _, ok := c.e.lib.Card(s.CardID); ok {
			return c.reveal(false)
		}
	case StageExercise:
		if ex, ok := c.e.lib.Exercise(s.CardID); ok {
			c.presentExercise(ex)
			return nil
		}
	default:
		return nil
	}
	// Content changed under the open item: nothing to go back to.
	s.Stage = StageNone
	return nil
}

// commonZones are offered as buttons; any IANA name can be typed.
var commonZones = []string{"Europe/London", "Europe/Berlin", "Asia/Jerusalem", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "UTC"}

func (c *conv) askZone() {
	c.u.Awaiting = awaitZone
	zones := commonZones
	text := RichText{}.Bold("🌍 Which time zone are you in?")
	if s := c.u.Settings; s.ZoneFrom != "" {
		// The profile's zone is most likely the answer: first, and once.
		text = text.Plain("\nYour " + platformName(s.ZoneFrom) + " profile says " + s.TimeZone + ".")
		zones = []string{s.TimeZone}
		for _, z := range commonZones {
			if z != s.TimeZone {
				zones = append(zones, z)
			}
		}
	}
	var rows [][]Button
	for i := 0; i < len(zones); i += 2 {
		var row []Button
		for _, z := range zones[i:min(i+2, len(zones))] {
			row = append(row, Button{Label: z, Data: "z:" + z})
		}
		rows = append(rows, row)
	}
	c.send(text.Plain("\nTap one, or type its name, e.g. Europe/Paris."), rows...)
}

// asking reports whether the buttons answering question (awaitZone,
// awaitPush) still may: while the question is open, or while the onboarding
// that asks it is not finished (a command typed in between closes the
// question but leaves the set-up to be done). The buttons carry no token,
// so without this an old "No daily quiz" from a /start months ago would
// still turn the quiz off, unseen.
func (c *conv) asking(question string) bool {
	return c.u.Awaiting == question || !c.u.Onboarded
}

// pressZone handles a time-zone button (z:<zone>).
func (c *conv) pressZone(zone string) error {
	if !c.asking(awaitZone) {
		c.notice("That choice was already made; change it with /settings timezone, e.g. /settings timezone Europe/Berlin.")
		return nil
	}
	return c.chooseZone(zone)
}

// pressPush handles a daily-quiz time button (p:<HH:MM|off>).
func (c *conv) pressPush(value string) error {
	if !c.asking(awaitPush) {
		c.notice("That choice was already made; change it with /settings push, e.g. /settings push 08:00, or off.")
		return nil
	}
	return c.choosePush(value)
}

func (c *conv) chooseZone(name string) error {
	zone, err := ParseZone(name)
	if err != nil {
		c.u.Awaiting = awaitZone
		c.send(Text(err.Error() + " Type a name like Europe/Berlin or America/New_York."))
		return nil
	}
	c.u.Settings.TimeZone, c.u.Settings.ZoneFrom = zone, ""
	if c.u.Onboarded {
		c.u.Awaiting = ""
		c.send(Text("Time zone set to " + zone + "."))
		return nil
	}
	c.u.Awaiting = awaitPush
	c.send(RichText{}.Plain("Time zone: "+zone+".\n\n").Bold("⏰ When should I send your daily quiz?").Plain("\nTap a time or type one like 07:45."),
		[]Button{{Label: "08:00", Data: "p:08:00"}, {Label: "09:00", Data: "p:09:00"}, {Label: "12:00", Data: "p:12:00"}},
		[]Button{{Label: "18:00", Data: "p:18:00"}, {Label: "20:00", Data: "p:20:00"}, {Label: "No daily quiz", Data: "p:off"}})
	return nil
}

func (c *conv) choosePush(value string) error {
	at, err := parsePush(value)
	if err != nil {
		c.u.Awaiting = awaitPush
		c.send(Text(err.Error()))
		return nil
	}
	c.u.Settings.PushAt = at
	c.u.Awaiting = ""
	push := "No daily quiz; type /ask whenever you like."
	if at >= 0 {
		push = "Your daily quiz comes at " + FormatClock(at) + " " + c.u.Settings.TimeZone + "." + c.privateChatNote("It comes")
	}
	if c.u.Onboarded {
		c.send(Text(push))
		return nil
	}
	c.u.Onboarded = true
	c.send(RichText{}.Bold("All set! ").Plain(push+" Change anything with /settings."),
		[]Button{{Label: "Ask me a question", Data: "/ask"}})
	return nil
}

// ParseZone checks an IANA time zone name, accepting any letter case
// ("europe/berlin"), and returns its canonical spelling.
func ParseZone(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 || strings.ContainsAny(name, " \\") || strings.Contains(name, "..") {
		return "", fmt.Errorf("I don't know the time zone %q.", name)
	}
	if strings.EqualFold(name, "utc") {
		return "UTC", nil
	}
	if _, err := time.LoadLocation(name); err == nil && name != "Local" {
		return name, nil
	}
	// Canonical names capitalise each part: europe/berlin → Europe/Berlin,
	// america/new_york → America/New_York.
	parts := strings.Split(name, "/")
	for i, p := range parts {
		words := strings.Split(strings.ToLower(p), "_")
		for j, w := range words {
			if w != "" {
				words[j] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		parts[i] = strings.Join(words, "_")
	}
	canon := strings.Join(parts, "/")
	if _, err := time.LoadLocation(canon); err == nil && canon != "Local" {
		return canon, nil
	}
	return "", fmt.Errorf("I don't know the time zone %q.", name)
}

func parsePush(v string) (int, error) {
	v = strings.TrimSpace(strings.ToLower(v))
	if v == "off" || v == "none" || v == "no" {
		return -1, nil
	}
	at, err := ParseClock(v)
	if err != nil {
		return 0, fmt.Errorf("I can't read %q as a time. Type a 24-hour time like 08:30, or off.", v)
	}
	return at, nil
}

func (c *conv) help() {
	text := RichText{}.Bold("prepbot: your interview coach").Plain("\n\n")
	for _, cmd := range commandList {
		usage := "/" + cmd.Name
		if cmd.Args != "" {
			usage += " " + cmd.Args
		}
		text = text.Code(usage).Plain(" " + cmd.Description + "\n")
	}
	text = text.Plain("\nStudying: /ask shows a question. Type your answer if you like, then Show answer, and rate your recall. ").
		Bold("Again").Plain(" = forgot, ").Bold("Hard").Plain(" = recalled with effort, ").Bold("Good").Plain(" = recalled, ").Bold("Easy").
		Plain(" = effortless. Honest ratings give the best schedule. /undo takes back the last rating.\n\nTopics match by prefix: /ask sql, /ask data, /ask star.")
	c.send(text)
}

func (c *conv) stop() error {
	s := c.u.Session
	if s.Stage == StageNone && s.Reviewed == 0 {
		c.u.Session = Session{}
		c.send(Text("No session running. Type /ask to start one."))
		return nil
	}
	c.u.Session = Session{}
	if s.Reviewed == 0 {
		c.send(Text("Session ended with nothing rated. Type /ask to continue any time."))
		return nil
	}
	c.send(Text(fmt.Sprintf("Session ended: %d reviewed, %d recalled (%d%%). Type /ask to continue any time.", s.Reviewed, s.Recalled, percent(s.Recalled, s.Reviewed))))
	return nil
}

// topicCount tallies cards of one topic.
type topicCount struct {
	topic                   string
	total, fresh, due, seen int
}

func (c *conv) countTopics() ([]topicCount, error) {
	counts := map[string]*topicCount{}
	var order []*topicCount
	for _, t := range c.e.lib.Topics() {
		tc := &topicCount{topic: t}
		counts[t] = tc
		order = append(order, tc)
	}
	for _, card := range c.e.lib.Cards {
		counts[card.Topic].total++
	}
	for st, err := range c.tx.CardStates(c.u.Key) {
		if err != nil {
			return nil, err
		}
		card, ok := c.e.lib.Card(st.CardID)
		if !ok {
			continue
		}
		tc := counts[card.Topic]
		tc.seen++
		if !st.FSRS.Due.After(c.now) {
			tc.due++
		}
	}
	out := make([]topicCount, len(order))
	for i, tc := range order {
		tc.fresh = tc.total - tc.seen
		out[i] = *tc
	}
	return out, nil
}

func (c *conv) topics() error {
	counts, err := c.countTopics()
	if err != nil {
		return err
	}
	text := RichText{}.Bold("📚 Topics").Plain("\n")
	for _, tc := range counts {
		text = text.Plain(fmt.Sprintf("• %s: %d cards (%d new, %d due)\n", tc.topic, tc.total, tc.fresh, tc.due))
	}
	text = text.Plain("\nTap a topic, or type /ask <topic>.")
	c.send(text, c.topicButtons()...)
	return nil
}

func (c *conv) due() error {
	q, err := c.buildQueue(scope{})
	if err != nil {
		return err
	}
	counts, err := c.countTopics()
	if err != nil {
		return err
	}
	text := RichText{}.Bold(fmt.Sprintf("📋 Due now: %d %s, %d new for today", q.dueNow(), plural(q.dueNow(), "review", "reviews"), len(q.newCards))).Plain("\n")
	if cd := c.countdown(); cd != "" {
		text = text.Italic("🗓 " + cd).Plain("\n")
	}
	for _, tc := range counts {
		// A topic's new cards are those /ask <topic> would serve today: the
		// day's limit is shared, so any topic may take what is left of it.
		fresh := min(tc.fresh, q.newLeft)
		if tc.due == 0 && fresh == 0 {
			continue
		}
		text = text.Plain(fmt.Sprintf("• %s: %d due, %d new\n", tc.topic, tc.due, fresh))
	}
	exDue := map[ExerciseKind]int{}
	for _, st := range q.dueEx {
		if ex, ok := c.e.lib.Exercise(st.CardID); ok {
			exDue[ex.Kind]++
		}
	}
	for _, k := range []ExerciseKind{SQLExercise, PythonExercise} {
		if exDue[k] > 0 {
			text = text.Plain(fmt.Sprintf("• %s exercises: %d due\n", exerciseName(k), exDue[k]))
		}
	}
	newLimit := fmt.Sprintf("%d new (%d left)", c.u.Settings.NewPerDay, q.newLeft)
	if q.newLimit > c.u.Settings.NewPerDay {
		newLimit = fmt.Sprintf("%d new (raised to %d for your interview; %d left)", c.u.Settings.NewPerDay, q.newLimit, q.newLeft)
	}
	text = text.Plain(fmt.Sprintf("Daily limits: %s, %d reviews (%d left).", newLimit, c.u.Settings.ReviewsPerDay, q.revLeft))
	if q.dueNow() == 0 {
		next, err := c.nextDue(scope{})
		if err != nil {
			return err
		}
		if !next.IsZero() {
			text = text.Plain("\nNext review " + c.when(next) + ".")
		}
	}
	if q.size() > 0 {
		c.send(text, []Button{{Label: "Study now", Data: "/ask"}})
	} else {
		c.send(text)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// settings shows the settings, or changes one: "/settings retention 0.85".
func (c *conv) settings(args string) error {
	fields := strings.Fields(args)
	if len(fields) == 0 {
		c.showSettings()
		return nil
	}
	name, value := strings.ToLower(fields[0]), strings.Join(fields[1:], " ")
	s := c.u.Settings
	switch name {
	case "push", "quiz", "notify", "pause", "resume":
		if c.u.Key.Platform() == Terminal {
			// /settings does not list them here either: no daily quiz
			// is pushed to a terminal.
			c.send(Text("The daily quiz comes in Telegram or Slack, not in the terminal (checklist reminders do show here while prepbot runs); set it there: /link shares your progress with a chat account."))
			return nil
		}
	}
	switch name {
	case "retention":
		v, err := strconv.ParseFloat(value, 64)
		if err != nil || v < MinRetention || v > MaxRetention {
			c.send(Text(fmt.Sprintf("Retention must be a number from %.2f to %.2f, e.g. /settings retention 0.9.", MinRetention, MaxRetention)))
			return nil
		}
		s.Retention = v
	case "new":
		v, err := strconv.Atoi(value)
		if err != nil || v < 0 || v > MaxNewPerDay {
			c.send(Text(fmt.Sprintf("New cards per day must be a whole number from 0 to %d, e.g. /settings new 15.", MaxNewPerDay)))
			return nil
		}
		s.NewPerDay = v
	case "reviews":
		v, err := strconv.Atoi(value)
		if err != nil || v < 0 || v > MaxReviewsPerDay {
			c.send(Text(fmt.Sprintf("Reviews per day must be a whole number from 0 to %d, e.g. /settings reviews 300.", MaxReviewsPerDay)))
			return nil
		}
		s.ReviewsPerDay = v
	case "timezone", "tz", "zone":
		if value == "" {
			c.askZone()
			return nil
		}
		zone, err := ParseZone(value)
		if err != nil {
			c.send(Text(err.Error() + " Use a name like Europe/Berlin."))
			return nil
		}
		s.TimeZone, s.ZoneFrom = zone, ""
	case "push", "quiz":
		at, err := parsePush(value)
		if err != nil {
			c.send(Text(err.Error()))
			return nil
		}
		s.PushAt = at
	case "notify":
		if strings.ToLower(value) != "here" {
			c.send(Text("Use /settings notify here to get the daily quiz and reminders on this account."))
			return nil
		}
		if c.via == c.u.Key {
			c.u.PushTo = ""
		} else {
			c.u.PushTo = c.via
		}
		c.send(Text("Daily quiz and reminders will come here."))
		return nil
	case "pause":
		s.PushPaused = true
	case "resume":
		s.PushPaused = false
	default:
		list := "retention, new, reviews, timezone, push, pause, resume, notify"
		if c.u.Key.Platform() == Terminal {
			list = "retention, new, reviews, timezone"
		}
		c.send(Text(fmt.Sprintf("There is no setting %q. Settings: %s.", name, list)))
		return nil
	}
	if err := s.Validate(); err != nil {
		c.send(Text("That would make the settings invalid: " + err.Error() + "."))
		return nil
	}
	retentionChanged := c.u.Settings.Retention != s.Retention
	c.u.Settings = s
	if retentionChanged {
		// The interview target follows the retention: aim the reviews
		// again (those moved to the eve first go back to FSRS's own).
		if err := c.aimAtInterview(c.interviewAt()); err != nil {
			return err
		}
	}
	if name == "timezone" || name == "tz" || name == "zone" {
		if c.via.Platform() == Terminal && c.e.zonePin {
			c.send(Text("Saved, until prepbot next starts: the time zone it is configured with (PREPBOT_TIMEZONE) applies at every start. Change that to keep this one."))
			c.showSettings()
			return nil
		}
	}
	note := ""
	if (name == "push" || name == "quiz") && s.PushAt >= 0 {
		note = c.privateChatNote("Your daily quiz comes")
	}
	c.send(Text("Saved." + note))
	c.showSettings()
	return nil
}

// privateChatNote is what a user setting up pushes in a group chat must
// know: the daily quiz and reminders go to their private chat with the
// bot, which a chat platform lets a bot write to only once the user has
// opened it (Telegram answers 403, and the user is then taken for one who
// blocked the bot). what names what comes ("It comes"). "" outside a
// group.
func (c *conv) privateChatNote(what string) string {
	if !c.inGroup {
		return ""
	}
	return " " + what + " in a private chat with me, not in this group: if you have never written to me there, open a private chat with me and send /start, or I cannot reach you."
}

func (c *conv) showSettings() {
	s := c.u.Settings
	zone := s.TimeZone
	if zone == "" {
		zone = "UTC"
	}
	if s.ZoneFrom != "" {
		// Otherwise a user who never chose a zone wonders where this one
		// came from, and whether setting another is allowed.
		zone += " (from your " + platformName(s.ZoneFrom) + " profile)"
	}
	push := "off"
	if s.PushAt >= 0 {
		push = FormatClock(s.PushAt)
		if s.PushPaused {
			push += " (paused)"
		}
	}
	text := RichText{}.Bold("⚙️ Settings").Plain("\n").
		Plain(fmt.Sprintf("• Desired retention: %.2f  ", s.Retention)).Code("/settings retention 0.85").Plain(fmt.Sprintf(" (%.2f–%.2f)\n", MinRetention, MaxRetention)).
		Plain(fmt.Sprintf("• New cards per day: %d  ", s.NewPerDay)).Code("/settings new 15").Plain("\n").
		Plain(fmt.Sprintf("• Reviews per day: %d  ", s.ReviewsPerDay)).Code("/settings reviews 300").Plain("\n").
		Plain("• Time zone: " + zone + "  ").Code("/settings timezone Europe/Berlin").Plain("\n")
	if c.u.Key.Platform() != Terminal {
		text = text.Plain("• Daily quiz: " + push + "  ").Code("/settings push 08:30").Plain(", ").Code("off").Plain(", ").Code("/settings pause").Plain(", ").Code("/settings resume").Plain("\n")
	}
	text = text.Italic("Higher retention means more reviews and better recall.")
	c.send(text)
}
