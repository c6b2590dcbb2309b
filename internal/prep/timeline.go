package prep

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultReminder is the slot of a checklist item whose deck gives it no
// timing: the evening before the interview, when there is still time to act
// and the day's plans are being made.
var DefaultReminder = Timing{Days: -1, Clock: 18 * 60, AtClock: true, Set: true}

// lateAfter is how late a reminder or push may arrive and still be on time;
// later ones say they are late.
const lateAfter = 5 * time.Minute

// ItemState is one user's progress on one checklist item.
type ItemState struct {
	Done         bool
	Skipped      bool
	SnoozedUntil time.Time // the item comes back once at this time
	// Listed and ListedAs identify the reminder message the item was last
	// listed in (its minute and its kind); a button press re-renders the
	// items listed together. The kind is part of the identity because a
	// slot and snoozed items coming back can share a minute.
	Listed   time.Time
	ListedAs ReminderKind
	// Earlier are the messages the item was listed in before that one,
	// newest first (at most maxEarlierListings): those messages still show
	// it with its buttons, so a press there redraws it in its place
	// rather than dropping it (a snoozed item listed again).
	Earlier []Listing `json:",omitempty"`
}

// Listing is a reminder message an item was listed in: its minute and kind.
type Listing struct {
	At   time.Time
	Kind ReminderKind
}

// maxEarlierListings bounds ItemState.Earlier: an item is rarely listed
// more than a few times (its slot, a snooze or two, a late message).
const maxEarlierListings = 3

// listedIn reports whether the item was listed in message m, last or
// earlier.
func (st ItemState) listedIn(m reminderMsg) bool {
	if st.Listed.Equal(m.at) && st.ListedAs == m.kind {
		return true
	}
	for _, l := range st.Earlier {
		if l.At.Equal(m.at) && l.Kind == m.kind {
			return true
		}
	}
	return false
}

// ReminderKind tells apart the kinds of reminder message, which may fall
// in the same minute. The zero kind is a slot's message, what every item
// listed before kinds existed was listed in.
type ReminderKind uint8

const (
	// ReminderSlot is the message of one checklist slot, keyed by the
	// slot's time.
	ReminderSlot ReminderKind = iota
	// ReminderSnoozed lists snoozed items coming back, keyed by the minute
	// it was sent.
	ReminderSnoozed
	// ReminderLate lists, in one message, the items of every slot missed
	// while the bot was down, keyed by the minute it was sent.
	ReminderLate
)

// reminderMsg identifies one reminder message: its kind and minute.
type reminderMsg struct {
	kind ReminderKind
	at   time.Time
}

// Reminder messages' button context: the minute in base 36 (unix minutes),
// after a capital letter for the kinds other than a slot's. base 36 digits
// are lower case, and section views use a lower-case "s", so neither can
// be mistaken for these.
const (
	ctxSnoozed = 'Z'
	ctxLate    = 'L'
)

func (m reminderMsg) ctx() string {
	mins := strconv.FormatInt(m.at.Unix()/60, 36)
	switch m.kind {
	case ReminderSnoozed:
		return string(ctxSnoozed) + mins
	case ReminderLate:
		return string(ctxLate) + mins
	}
	return mins
}

// parseReminderCtx reads what reminderMsg.ctx writes.
func parseReminderCtx(ctx string) (reminderMsg, bool) {
	m := reminderMsg{kind: ReminderSlot}
	if ctx != "" {
		switch ctx[0] {
		case ctxSnoozed:
			m.kind, ctx = ReminderSnoozed, ctx[1:]
		case ctxLate:
			m.kind, ctx = ReminderLate, ctx[1:]
		}
	}
	mins, err := strconv.ParseInt(ctx, 36, 64)
	if err != nil {
		return reminderMsg{}, false
	}
	m.at = time.Unix(mins*60, 0)
	return m, true
}

// itemSlot is when an item is reminded for an interview.
func itemSlot(it ChecklistItem, interview time.Time) time.Time {
	when := it.When
	if !when.Set {
		when = DefaultReminder
	}
	return when.At(interview)
}

// interviewAt is the user's interview start in its own time zone, or zero.
func (c *conv) interviewAt() time.Time {
	if c.u.Interview.IsZero() {
		return time.Time{}
	}
	loc, err := time.LoadLocation(c.u.InterviewZone)
	if err != nil {
		loc = c.loc()
	}
	return c.u.Interview.In(loc)
}

// itemState returns the user's state of an item; items ticked in the deck
// itself start done.
func (c *conv) itemState(it ChecklistItem) ItemState {
	if st, ok := c.u.Checklist[it.ID]; ok {
		return st
	}
	return ItemState{Done: it.Checked}
}

func (c *conv) setItemState(id string, st ItemState) {
	if c.u.Checklist == nil {
		c.u.Checklist = map[string]ItemState{}
	}
	c.u.Checklist[id] = st
}

func (st ItemState) pending() bool { return !st.Done && !st.Skipped }

// nextReminder is the earliest pending reminder after RemindedThrough: a
// slot of a pending item, or a snoozed item coming back.
func (c *conv) nextReminder() time.Time {
	at := c.interviewAt()
	if at.IsZero() {
		return time.Time{}
	}
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, it := range c.e.lib.Checklists {
		st := c.itemState(it)
		if !st.pending() {
			continue
		}
		consider(st.SnoozedUntil)
		if slot := itemSlot(it, at); slot.After(c.u.RemindedThrough) {
			consider(slot)
		}
	}
	return next
}

// reminders sends the reminder messages that are due: one per slot that has
// come, one late message for the slots missed while the bot was down, and
// one for snoozed items coming back. Each is sent once: RemindedThrough
// moves past the slots in the same transaction. Once the interview has
// started, what was meant for before it is not sent at all (the user sees
// it in /checklist): "-15m Deep breathing" two hours after the start is
// noise.
func (c *conv) reminders() {
	at := c.interviewAt()
	if at.IsZero() {
		return
	}
	started := !c.now.Before(at)
	slots := map[time.Time][]ChecklistItem{}
	var late, snoozed []ChecklistItem
	for _, it := range c.e.lib.Checklists {
		st := c.itemState(it)
		if !st.pending() {
			continue
		}
		slot := itemSlot(it, at)
		tooLate := started && slot.Before(at)
		if !st.SnoozedUntil.IsZero() && !st.SnoozedUntil.After(c.now) {
			if tooLate {
				st.SnoozedUntil = time.Time{}
				c.setItemState(it.ID, st)
			} else {
				snoozed = append(snoozed, it)
			}
			continue
		}
		switch {
		case !slot.After(c.u.RemindedThrough) || slot.After(c.now) || tooLate:
		case c.now.Sub(slot) > lateAfter:
			late = append(late, it)
		default:
			slots[slot] = append(slots[slot], it)
		}
	}
	key := c.now.Truncate(time.Minute)
	if len(late) > 0 {
		c.sendReminder(reminderMsg{kind: ReminderLate, at: key}, late)
	}
	times := make([]time.Time, 0, len(slots))
	for t := range slots {
		times = append(times, t)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	for _, t := range times {
		c.sendReminder(reminderMsg{kind: ReminderSlot, at: t}, slots[t])
	}
	if len(snoozed) > 0 {
		c.sendReminder(reminderMsg{kind: ReminderSnoozed, at: key}, snoozed)
	}
	if c.now.After(c.u.RemindedThrough) {
		c.u.RemindedThrough = c.now
	}
}

// sendReminder lists items in message m and sends it. Snoozed items
// coming back are snoozed no more; an item whose slot (after a change of
// date) comes while it is snoozed keeps its snooze, which the user was
// promised.
func (c *conv) sendReminder(m reminderMsg, items []ChecklistItem) {
	for _, it := range items {
		st := c.itemState(it)
		if !st.Listed.IsZero() && !(st.Listed.Equal(m.at) && st.ListedAs == m.kind) {
			st.Earlier = append([]Listing{{At: st.Listed, Kind: st.ListedAs}}, st.Earlier...)
			st.Earlier = st.Earlier[:min(len(st.Earlier), maxEarlierListings)]
		}
		st.Listed, st.ListedAs = m.at, m.kind
		if m.kind == ReminderSnoozed {
			st.SnoozedUntil = time.Time{}
		}
		c.setItemState(it.ID, st)
	}
	c.send(c.reminderText(m), c.reminderButtons(m)...)
}

// listed returns the items listed in reminder message m, including those
// listed again in a newer message since: m still shows them.
func (c *conv) listed(m reminderMsg) []ChecklistItem {
	var out []ChecklistItem
	for _, it := range c.e.lib.Checklists {
		if st, ok := c.u.Checklist[it.ID]; ok && st.listedIn(m) {
			out = append(out, it)
		}
	}
	return out
}

// reminderText renders a reminder message: what the moment is, then the
// items by section with their state. It depends only on the message and the
// items' states, so a redraw after a press keeps the message's kind.
func (c *conv) reminderText(m reminderMsg) RichText {
	items := c.listed(m)
	title := "📋 Checklist"
	if m.kind == ReminderSnoozed {
		title = "⏰ Snoozed reminders"
	}
	text := RichText{}.Bold(title)
	if cd := c.countdown(); cd != "" {
		text = text.Plain(" · " + cd)
	}
	if m.kind == ReminderLate {
		text = text.Italic(" (" + c.lateNote(m, items) + ")")
	}
	section := ""
	for i, it := range items {
		if s := it.Group + " › " + it.Section; s != section {
			section = s
			text = text.Plain("\n\n").Bold(it.Section).Italic(" (" + it.Group + ")")
		}
		text = text.Plain("\n").Append(c.itemLine(i+1, it))
	}
	if len(items) == 0 {
		text = text.Plain("\nNothing left here.")
	}
	return text
}

// lateNote says which moments a late message stands for: "late: I was
// offline at Mon 14:00 and Tue 14:00". The moments are the listed items'
// slots up to the message's minute (after a change of interview date some
// may have moved past it, and are left out).
func (c *conv) lateNote(m reminderMsg, items []ChecklistItem) string {
	at := c.interviewAt()
	var slots []time.Time
	for _, it := range items {
		if at.IsZero() {
			break
		}
		if slot := itemSlot(it, at); !slot.After(m.at) {
			slots = append(slots, slot)
		}
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i].Before(slots[j]) })
	var names []string
	for i, t := range slots {
		if i == 0 || !t.Equal(slots[i-1]) {
			names = append(names, t.In(c.loc()).Format("Mon 15:04"))
		}
	}
	switch n := len(names); n {
	case 0:
		return "late: I was offline"
	case 1:
		return "late: I was offline at " + names[0]
	default:
		return "late: I was offline at " + strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	}
}

// itemLine is "3. ✅ Test Zoom" with the item's state.
func (c *conv) itemLine(n int, it ChecklistItem) RichText {
	st := c.itemState(it)
	switch {
	case st.Done:
		return RichText{}.Plain(fmt.Sprintf("%d. ✅ %s", n, it.Text))
	case st.Skipped:
		return RichText{}.Plain(fmt.Sprintf("%d. ⏭ ", n)).Italic(it.Text + " (skipped)")
	case !st.SnoozedUntil.IsZero():
		return RichText{}.Plain(fmt.Sprintf("%d. ⏰ %s (back at %s)", n, it.Text, st.SnoozedUntil.In(c.loc()).Format("15:04")))
	default:
		return RichText{}.Plain(fmt.Sprintf("%d. ☐ %s", n, it.Text))
	}
}

// Checklist button data: c<act>:<ctx>:<item id>, where ctx is the reminder
// message's (reminderMsg.ctx) or s<n> for section n's view.
const (
	itemDone   = 'd'
	itemSnooze = 'z'
	itemSkip   = 'k'
	itemReopen = 'o'
)

func itemData(act byte, ctx, id string) string { return "c" + string(act) + ":" + ctx + ":" + id }

// snoozeMargin is how long before the interview's start a snoozed item
// meant for before it comes back at the latest.
const snoozeMargin = 10 * time.Minute

// snoozeUntil is when Snooze brings an item back: in an hour, except that
// an item meant for before the interview comes back 10 minutes before it
// starts when that is sooner, and cannot be snoozed (zero) once less than
// 5 minutes would be gained. Without an interview date nothing would bring
// it back, so it cannot be snoozed either.
func (c *conv) snoozeUntil(it ChecklistItem) time.Time {
	const snooze, least = time.Hour, 5 * time.Minute
	later := c.now.Add(snooze)
	at := c.interviewAt()
	if at.IsZero() {
		return time.Time{}
	}
	if !itemSlot(it, at).Before(at) || later.Before(at.Add(-snoozeMargin)) {
		return later
	}
	if until := at.Add(-snoozeMargin); until.Sub(c.now) >= least {
		return until
	}
	return time.Time{}
}

// keptSnooze is what becomes of a snooze when the interview moves: it
// stays (the user was told when the item comes back), except that an item
// meant for before the interview comes back no later than 10 minutes before
// the new start, and not at all if that is already past.
func (c *conv) keptSnooze(it ChecklistItem, until time.Time) time.Time {
	at := c.interviewAt()
	if until.IsZero() || at.IsZero() || !itemSlot(it, at).Before(at) {
		return until
	}
	if limit := at.Add(-snoozeMargin); until.After(limit) {
		if !limit.After(c.now) {
			return time.Time{}
		}
		return limit
	}
	return until
}

func (c *conv) reminderButtons(m reminderMsg) [][]Button {
	var rows [][]Button
	ctx := m.ctx()
	for i, it := range c.listed(m) {
		if !c.itemState(it).pending() || !c.itemState(it).SnoozedUntil.IsZero() {
			continue
		}
		n := strconv.Itoa(i + 1)
		row := []Button{{Label: n + " ✓ Done", Data: itemData(itemDone, ctx, it.ID)}}
		if until := c.snoozeUntil(it); !until.IsZero() {
			row = append(row, Button{Label: n + " ⏰ " + FormatInterval(until.Sub(c.now).Round(time.Minute)), Data: itemData(itemSnooze, ctx, it.ID)})
		}
		rows = append(rows, append(row, Button{Label: n + " Skip", Data: itemData(itemSkip, ctx, it.ID)}))
	}
	return rows
}

// pressItem handles a checklist button: it changes the item's state and
// re-renders the message it was pressed on.
func (c *conv) pressItem(data string) error {
	parts := strings.SplitN(data, ":", 3)
	if len(parts) != 3 || len(parts[0]) != 2 {
		c.notice("That button is not one of mine any more.")
		return nil
	}
	act, ctx, id := parts[0][1], parts[1], parts[2]
	it, ok := c.e.lib.ChecklistItem(id)
	if !ok {
		c.notice("That item is no longer in your checklists.")
		return nil
	}
	st := c.itemState(it)
	// A press that changes nothing still redraws the message: it may show
	// the item as still open (ticked meanwhile in /checklist) or offer a
	// snooze that is no longer possible.
	changed := false
	switch act {
	case itemDone:
		if st.Done {
			c.notice("Already done.")
			break
		}
		st.Done, st.Skipped, st.SnoozedUntil, changed = true, false, time.Time{}, true
		c.notice("✅ Done: " + it.Text)
	case itemSkip:
		if st.Skipped {
			c.notice("Already skipped.")
			break
		}
		if st.Done {
			// A Skip left on an older message: done stays done.
			c.notice("Already done.")
			break
		}
		st.Skipped, st.SnoozedUntil, changed = true, time.Time{}, true
		c.notice("Skipped: " + it.Text)
	case itemSnooze:
		if !st.pending() {
			c.notice("That item is already ticked off.")
			break
		}
		if c.interviewAt().IsZero() {
			c.notice("There is no interview date any more, so nothing to put it off to: tick it or skip it.")
			break
		}
		until := c.snoozeUntil(it)
		if until.IsZero() {
			c.notice("Too close to the interview to put it off: do it now or skip it.")
			break
		}
		st.SnoozedUntil, changed = until.Truncate(time.Minute), true
		c.notice("⏰ I'll remind you at " + st.SnoozedUntil.In(c.loc()).Format("15:04") + ".")
	case itemReopen:
		st.Done, st.Skipped, changed = false, false, true
		c.notice("Reopened: " + it.Text)
	default:
		c.notice("That button is not one of mine any more.")
		return nil
	}
	if changed {
		c.setItemState(it.ID, st)
	}
	if strings.HasPrefix(ctx, "s") {
		n, err := strconv.Atoi(ctx[1:])
		if err != nil {
			return nil
		}
		text, buttons := c.sectionView(n)
		c.edit(text, buttons...)
		return nil
	}
	m, ok := parseReminderCtx(ctx)
	if !ok {
		return nil
	}
	c.edit(c.reminderText(m), c.reminderButtons(m)...)
	return nil
}

// checklistSection is one "###" checklist section of the library.
type checklistSection struct {
	group, name string
	items       []ChecklistItem
}

func (c *conv) sections() []checklistSection {
	var out []checklistSection
	for _, it := range c.e.lib.Checklists {
		if n := len(out); n > 0 && out[n-1].group == it.Group && out[n-1].name == it.Section {
			out[n-1].items = append(out[n-1].items, it)
			continue
		}
		out = append(out, checklistSection{group: it.Group, name: it.Section, items: []ChecklistItem{it}})
	}
	return out
}

// checklist shows every section with its progress, or one section's items
// with buttons to tick them ("/checklist 3" or "/checklist logistics").
func (c *conv) checklist(args string) error {
	secs := c.sections()
	if len(secs) == 0 {
		c.send(Text("Your decks have no checklists."))
		return nil
	}
	if args != "" {
		n, err := strconv.Atoi(args)
		if err != nil {
			n = 0
			for i, s := range secs {
				if strings.HasPrefix(strings.ToLower(s.name), strings.ToLower(args)) {
					n = i + 1
					break
				}
			}
		}
		if n < 1 || n > len(secs) {
			c.send(Text(fmt.Sprintf("I have no checklist section %q. Type /checklist to see them all.", args)))
			return nil
		}
		text, buttons := c.sectionView(n)
		c.send(text, buttons...)
		return nil
	}
	text := RichText{}.Bold("📋 Checklists")
	if cd := c.countdown(); cd != "" {
		text = text.Plain(" · " + cd)
	}
	group := ""
	var buttons [][]Button
	var row []Button
	for i, s := range secs {
		if s.group != group {
			group = s.group
			text = text.Plain("\n\n").Bold(group)
		}
		done, skipped := 0, 0
		for _, it := range s.items {
			if st := c.itemState(it); st.Skipped {
				skipped++
			} else if st.Done {
				done++
			}
		}
		mark := "☐"
		if done+skipped == len(s.items) {
			mark = "✅"
		}
		text = text.Plain(fmt.Sprintf("\n%s %s %d/%d%s", mark, s.name, done+skipped, len(s.items), skippedNote(skipped)))
		if at := c.interviewAt(); !at.IsZero() && done+skipped < len(s.items) {
			// The moment of what is still to do: the section's first
			// items may be done, and theirs may be long past.
			for _, it := range s.items {
				if c.itemState(it).pending() {
					slot := itemSlot(it, at)
					if !slot.After(c.now) {
						// Not a moment to come: nothing reminds of it again.
						text = text.Italic(" · its moment passed: " + c.slotName(slot))
					} else {
						text = text.Italic(" · " + c.slotName(slot))
					}
					break
				}
			}
		}
		row = append(row, Button{Label: s.name, Data: cutBytes("/checklist "+strconv.Itoa(i+1), MaxButtonData)})
		if len(row) == 2 {
			buttons, row = append(buttons, row), nil
		}
	}
	if row != nil {
		buttons = append(buttons, row)
	}
	if c.u.Interview.IsZero() {
		text = text.Plain("\n\nSet your interview date with /interview " + c.exampleDate() + " 14:00 Europe/Berlin and I'll remind you of each item at its moment.")
	}
	c.send(text, buttons...)
	return nil
}

// sectionView renders section n (1-based) with a Done/Reopen button per item.
func (c *conv) sectionView(n int) (RichText, [][]Button) {
	secs := c.sections()
	if n < 1 || n > len(secs) {
		return Text("That checklist section no longer exists."), nil
	}
	s := secs[n-1]
	text := RichText{}.Bold(s.name).Italic(" (" + s.group + ")")
	var rows [][]Button
	ctx := "s" + strconv.Itoa(n)
	for i, it := range s.items {
		text = text.Plain("\n").Append(c.itemLine(i+1, it))
		num := strconv.Itoa(i + 1)
		if c.itemState(it).pending() {
			rows = append(rows, []Button{{Label: num + " ✓ Done", Data: itemData(itemDone, ctx, it.ID)}, {Label: num + " Skip", Data: itemData(itemSkip, ctx, it.ID)}})
		} else {
			rows = append(rows, []Button{{Label: num + " ↩ Reopen", Data: itemData(itemReopen, ctx, it.ID)}})
		}
	}
	return text, rows
}

// slotName says when a slot is, relative to the interview: "Mon 30 Nov
// 14:00 (3d before)", "Thu 3 Dec 15:30 (1h 30m after)".
func (c *conv) slotName(t time.Time) string {
	at := c.interviewAt()
	return c.interviewClock(t, "Mon 2 Jan 15:04") + " (" + FormatOffset(t, at) + ")"
}

// interviewClock formats t in the interview's time zone, as the checklist's
// moments are set in it, naming the zone when it is not the user's own:
// "Mon 30 Nov 14:00 CET" beside a "tomorrow at 13:00" that is in the
// user's zone would otherwise read as two different times.
func (c *conv) interviewClock(t time.Time, layout string) string {
	loc := c.interviewAt().Location()
	s := t.In(loc).Format(layout)
	if loc.String() == c.loc().String() {
		return s
	}
	abbr := t.In(loc).Format("MST")
	if strings.HasPrefix(abbr, "+") || strings.HasPrefix(abbr, "-") {
		abbr = "UTC" + abbr // zones without an abbreviation
	}
	return s + " " + abbr
}

// interviewLength is how long an interview is taken to last: until then
// the countdown wishes luck rather than asking how it went.
const interviewLength = time.Hour

// countdown is the line that reminds the user of their deadline: "3 days to
// your interview", "Interview in 5h", or "" when there is none (or it was
// more than a day ago).
func (c *conv) countdown() string {
	at := c.interviewAt()
	if at.IsZero() {
		return ""
	}
	d := at.Sub(c.now)
	loc := at.Location()
	days := int(dayStart(at, loc).Sub(dayStart(c.now, loc)).Hours()/24 + 0.5)
	switch {
	case d > 0 && days >= 2:
		return fmt.Sprintf("%d days to your interview", days)
	case d > 0 && days == 1:
		return "Interview tomorrow at " + c.interviewClock(at, "15:04")
	case d > 0:
		return "Interview today at " + c.interviewClock(at, "15:04") + " (in " + FormatInterval(d) + ")"
	case d > -interviewLength:
		return "Interview under way (since " + c.interviewClock(at, "15:04") + "): good luck!"
	case d > -24*time.Hour:
		return "Interview done: how did it go?"
	}
	return ""
}

// interview shows, sets or clears the interview date:
// "/interview 2026-12-03 14:00 Europe/Berlin", "/interview", "/interview clear".
func (c *conv) interview(args string) error {
	fields := strings.Fields(args)
	switch {
	case len(fields) == 0:
		c.showInterview()
		return nil
	case len(fields) == 1 && strings.EqualFold(fields[0], "clear"):
		if c.u.Interview.IsZero() {
			c.send(Text("No interview date is set. Set one with /interview <date> <time> [time zone]."))
			return nil
		}
		if c.u.Settings.TimeZone == "" {
			// The user lived in the interview's zone (loc); without it
			// they would silently move to UTC, and so would their daily
			// push.
			c.u.Settings.TimeZone = c.u.InterviewZone
		}
		previous := c.interviewAt()
		c.u.Interview, c.u.InterviewZone, c.u.RemindedThrough = time.Time{}, "", time.Time{}
		if err := c.aimAtInterview(previous); err != nil {
			return err
		}
		// Nothing brings snoozed items back without an interview: they
		// must not say they are coming back, nor come back if a date is
		// set again.
		for id, st := range c.u.Checklist {
			st.SnoozedUntil = time.Time{}
			c.u.Checklist[id] = st
		}
		c.send(Text("Interview date cleared; no more checklist reminders. Set a new one with /interview <date> <time> [time zone]."))
		return nil
	}
	at, zone, err := ParseInterview(fields, c.u.Settings.TimeZone)
	if err != nil {
		c.send(Text(err.Error()))
		return nil
	}
	if !at.After(c.now) {
		c.send(Text(fmt.Sprintf("%s is in the past. Give the date and time of an interview to come, e.g. /interview %s 14:00.",
			at.Format("Mon 2 Jan 2006 15:04 MST"), c.now.In(at.Location()).AddDate(0, 0, 7).Format("2006-01-02"))))
		return nil
	}
	if at.Equal(c.u.Interview) && zone == c.u.InterviewZone {
		// Typed again: nothing to change, and resetting the schedule
		// would drop the snoozes the user was promised.
		text := RichText{}.Plain("Your interview is already set for " + at.Format("Mon 2 Jan 2006, 15:04") + " " + zone + "; nothing changed.")
		if next := c.nextReminder(); !next.IsZero() {
			text = text.Plain(" Next reminder " + c.when(next) + ".")
		}
		c.send(text, []Button{{Label: "Checklists", Data: "/checklist"}, {Label: "Study now", Data: "/ask"}})
		return nil
	}
	previous := c.interviewAt()
	c.u.Interview, c.u.InterviewZone = at.UTC(), zone
	if err := c.aimAtInterview(previous); err != nil {
		return err
	}
	// Reminders are scheduled from now on: slots already past are not sent
	// one by one but summarised below. Messages already sent keep their
	// items (Listed), so their buttons go on working, and snoozes stand,
	// within the new date.
	c.u.RemindedThrough = c.now
	for _, it := range c.e.lib.Checklists {
		if st, ok := c.u.Checklist[it.ID]; ok && !st.SnoozedUntil.IsZero() {
			st.SnoozedUntil = c.keptSnooze(it, st.SnoozedUntil)
			c.u.Checklist[it.ID] = st
		}
	}
	past, future, slots := 0, 0, map[time.Time]bool{}
	for _, it := range c.e.lib.Checklists {
		if !c.itemState(it).pending() {
			continue
		}
		if slot := itemSlot(it, at); slot.After(c.now) {
			future++
			slots[slot] = true
		} else {
			past++
		}
	}
	text := RichText{}.Bold("🗓 Interview set: " + at.Format("Mon 2 Jan 2006, 15:04") + " " + zone)
	if _, ok := repeatedClock(at); ok {
		text = text.Plain(fmt.Sprintf(" (%s comes twice that night, as the clocks go back: this is the first, %s)", at.Format("15:04"), at.Format("MST")))
	}
	text = text.Plain(" · " + c.countdown() + ".").
		Plain(fmt.Sprintf("\nI'll remind you of %d checklist %s at %d %s, each at its moment.", future, plural(future, "item", "items"), len(slots), plural(len(slots), "moment", "moments")))
	if next := c.nextReminder(); !next.IsZero() {
		text = text.Plain(" The first comes " + c.when(next) + ".")
	}
	if past > 0 {
		text = text.Plain(fmt.Sprintf("\n%d %s meant for earlier than now: see /checklist.", past, plural(past, "item was", "items were")))
	}
	if note := c.privateChatNote("The reminders come"); note != "" && future > 0 {
		text = text.Plain("\n" + strings.TrimSpace(note))
	}
	c.send(text, []Button{{Label: "Checklists", Data: "/checklist"}, {Label: "Study now", Data: "/ask"}})
	return nil
}

func (c *conv) showInterview() {
	at := c.interviewAt()
	if at.IsZero() {
		c.send(Text("No interview date yet. Set it with /interview <date> <time> [time zone], e.g. /interview " + c.exampleDate() + " 14:00 Europe/Berlin."))
		return
	}
	text := RichText{}.Bold("🗓 Interview: " + at.Format("Mon 2 Jan 2006, 15:04") + " " + c.u.InterviewZone)
	if cd := c.countdown(); cd != "" {
		text = text.Plain(" · " + cd)
	}
	done, skipped, total := 0, 0, 0
	for _, it := range c.e.lib.Checklists {
		total++
		if st := c.itemState(it); st.Skipped {
			skipped++
		} else if st.Done {
			done++
		}
	}
	text = text.Plain(fmt.Sprintf("\nChecklists: %d/%d done%s.", done+skipped, total, skippedNote(skipped)))
	if next := c.nextReminder(); !next.IsZero() {
		text = text.Plain(" Next reminder " + c.when(next) + ".")
	}
	text = text.Plain("\nChange it with /interview <date> <time> [zone], or /interview clear.")
	buttons := []Button{{Label: "Checklists", Data: "/checklist"}, {Label: "Stats", Data: "/stats"}}
	in, err := c.statsInput()
	if err != nil || !at.After(c.now) {
		c.send(text, buttons)
		return
	}
	c.afterCommit(func(context.Context) []Reply {
		rd := Forecast(in, at, InterviewTarget(in.Retention))
		return []Reply{{Kind: Send, Text: text.Append(readinessText(rd, "")), Buttons: [][]Button{buttons}}}
	})
}

// ParseInterview reads "2026-12-03 14:00 [Europe/Berlin]"; the zone defaults
// to defaultZone (UTC when empty). It returns the instant in its zone and
// the zone's canonical name.
func ParseInterview(fields []string, defaultZone string) (time.Time, string, error) {
	const usage = "Give the date, time and optionally the time zone: /interview YYYY-MM-DD 14:00 Europe/Berlin"
	if len(fields) < 2 || len(fields) > 3 {
		return time.Time{}, "", fmt.Errorf("%s.", usage)
	}
	zone := defaultZone
	if len(fields) == 3 {
		z, err := ParseZone(fields[2])
		if err != nil {
			return time.Time{}, "", fmt.Errorf("%s %s.", err.Error(), usage)
		}
		zone = z
	}
	if zone == "" {
		zone = "UTC"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("I don't know the time zone %q. %s.", zone, usage)
	}
	day, err := time.ParseInLocation("2006-01-02", fields[0], loc)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("I can't read the date %q: write it as YYYY-MM-DD. %s.", fields[0], usage)
	}
	clock, err := ParseClock(fields[1])
	if err != nil {
		return time.Time{}, "", fmt.Errorf("I can't read the time %q: write it as HH:MM (24-hour). %s.", fields[1], usage)
	}
	at := time.Date(day.Year(), day.Month(), day.Day(), clock/60, clock%60, 0, 0, loc)
	if at.Hour()*60+at.Minute() != clock {
		// time.Date moves a time in a DST gap past it; the user would
		// have their interview, and every reminder, an hour off.
		return time.Time{}, "", fmt.Errorf("%s %s does not exist in %s: the clocks go forward that night. Give the time as the clocks will show it, e.g. %s.",
			fields[0], fields[1], zone, at.Format("15:04"))
	}
	if other, ok := repeatedClock(at); ok && other.Before(at) {
		// A time the clocks show twice (they go back that night): the
		// first, so that the choice does not rest on time.Date's.
		at = other
	}
	return at, zone, nil
}

// repeatedClock reports whether the wall-clock time of t comes twice in its
// zone that day (the hour the clocks go back), and the other instant.
func repeatedClock(t time.Time) (time.Time, bool) {
	for _, d := range []time.Duration{-time.Hour, time.Hour} {
		o := t.Add(d)
		if o.Format("2006-01-02 15:04") == t.Format("2006-01-02 15:04") {
			return o, true
		}
	}
	return time.Time{}, false
}

// skippedNote says how many of the items counted as handled were skipped
// rather than done: " (1 skipped)", or "" for none.
func skippedNote(skipped int) string {
	if skipped == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d skipped)", skipped)
}

// exampleDate is a date a week from now in the user's zone, for examples
// of /interview: a fixed one would soon lie in the past.
func (c *conv) exampleDate() string { return c.now.In(c.loc()).AddDate(0, 0, 7).Format("2006-01-02") }
