package main

// Checklist reminders in Slack end to end: the real Main against the fake
// Slack on a fake clock, where the message a button redraws in place and a
// restart of the bot are what matters.

import (
	"strings"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/slack/slackfake"
)

func berlinAt(mo time.Month, day, h, m int) time.Time {
	return time.Date(2026, mo, day, h, m, 0, 0, berlinLoc)
}

// dm returns the messages of the driver's DM, edits applied.
func (d *slackDriver) dm() []slackfake.Message { return d.srv.Messages(d.srv.DMChannel(d.user)) }

// newMessage waits for a DM message after the first n containing substr.
func (d *slackDriver) newMessage(n int, substr string) slackfake.Message {
	d.t.Helper()
	var got slackfake.Message
	d.srv.WaitFor("a new DM containing "+substr, func() bool {
		ms := d.dm()
		for i := n; i < len(ms); i++ {
			if strings.Contains(ms[i].Plain(), substr) {
				got = ms[i]
				return true
			}
		}
		return false
	})
	return got
}

// current returns message ts as it is now.
func (d *slackDriver) current(ts string) slackfake.Message {
	d.t.Helper()
	for _, m := range d.dm() {
		if m.TS == ts {
			return m
		}
	}
	d.t.Fatalf("no message %s", ts)
	return slackfake.Message{}
}

// waitEdited waits until message ts satisfies cond.
func (d *slackDriver) waitEdited(ts, what string, cond func(slackfake.Message) bool) slackfake.Message {
	d.t.Helper()
	var m slackfake.Message
	d.srv.WaitFor(what, func() bool { m = d.current(ts); return cond(m) })
	return m
}

func (d *slackDriver) pressOn(m slackfake.Message, label string) {
	d.t.Helper()
	d.srv.PressButton(d.user, d.srv.DMChannel(d.user), m.TS, buttonValue(d.t, m, label))
}

// TestSlackSnoozeBackOnASlotIsItsOwnMessage: "Test Zoom" snoozed at 20:00
// comes back at 21:00, the minute of the "Get good sleep" slot: two
// messages, each with its own item and its own row of buttons.
func TestSlackSnoozeBackOnASlotIsItsOwnMessage(t *testing.T) {
	d := newSlackDriver(t, "U0SNZ")
	d.clock.Set(berlinAt(11, 25, 18, 0))
	d.start()
	defer d.stop()
	d.say("/interview 2026-11-26 14:00 Europe/Berlin")
	d.newMessage(0, "Interview set")
	n := len(d.dm())
	d.clock.Set(berlinAt(11, 25, 19, 0))
	zoom := d.newMessage(n, "Test Zoom")
	d.clock.Set(berlinAt(11, 25, 20, 0).Add(10 * time.Second))
	d.pressOn(zoom, "1 ⏰ 1h")
	d.waitEdited(zoom.TS, "the snooze shown", func(m slackfake.Message) bool { return strings.Contains(m.Plain(), "back at 21:00") })
	n = len(d.dm())
	d.clock.Set(berlinAt(11, 25, 21, 0).Add(5 * time.Second))
	d.srv.WaitFor("two messages at 21:00", func() bool { return len(d.dm()) >= n+2 })
	var slot, snoozed slackfake.Message
	for _, m := range d.dm()[n:] {
		if strings.Contains(m.Plain(), "Snoozed reminders") {
			snoozed = m
		} else {
			slot = m
		}
	}
	if strings.Contains(slot.Plain(), "Test Zoom") || len(slot.Buttons) != 1 {
		t.Errorf("the 21:00 slot message lists the snoozed item too:\n%s", slot.Plain())
	}
	if strings.Contains(snoozed.Plain(), "Get good sleep") || len(snoozed.Buttons) != 1 {
		t.Errorf("the snoozed message lists the slot's item too:\n%s", snoozed.Plain())
	}
	// Its redraw stays a snoozed-reminders message.
	d.pressOn(snoozed, "1 ✓ Done")
	m := d.waitEdited(snoozed.TS, "the snoozed message redrawn", func(m slackfake.Message) bool { return strings.Contains(m.Plain(), "✅ Test Zoom") })
	if !strings.Contains(m.Plain(), "⏰ Snoozed reminders") {
		t.Errorf("the redrawn snoozed message changed its header:\n%s", m.Plain())
	}
}

// fiveDaysBefore starts the bot on 20 Nov, sets the interview for Thu 26
// Nov 14:00 Berlin and returns the -5d reminder ("Kubernetes basics"…)
// that arrives on 21 Nov at 14:00; the caller stops the bot.
func (d *slackDriver) fiveDaysBefore() slackfake.Message {
	d.t.Helper()
	d.clock.Set(berlinAt(11, 20, 12, 0))
	d.start()
	d.say("/interview 2026-11-26 14:00 Europe/Berlin")
	d.newMessage(0, "Interview set")
	n := len(d.dm())
	d.clock.Set(berlinAt(11, 21, 14, 0))
	return d.newMessage(n, "Kubernetes basics")
}

// TestSlackPressAfterTheInterviewMovedKeepsTheReminder: Done on a reminder
// sent before the interview date changed ticks the item and keeps the
// message's other items and their buttons.
func TestSlackPressAfterTheInterviewMovedKeepsTheReminder(t *testing.T) {
	d := newSlackDriver(t, "U0MOV")
	reminder := d.fiveDaysBefore()
	defer d.stop()
	rows := len(reminder.Buttons)
	d.clock.Set(berlinAt(11, 21, 15, 0))
	n := len(d.dm())
	d.say("/interview 2026-11-30 14:00 Europe/Berlin")
	d.newMessage(n, "Interview set")
	d.pressOn(reminder, "1 ✓ Done")
	m := d.waitEdited(reminder.TS, "the reminder redrawn", func(m slackfake.Message) bool { return m.Edits > 0 })
	if !strings.Contains(m.Plain(), "✅ Kubernetes basics") || !strings.Contains(m.Plain(), "☐ Redis caching") || len(m.Buttons) != rows-1 {
		t.Errorf("after Done the reminder (had %d rows of buttons) is:\n%s\n%d rows", rows, m.Plain(), len(m.Buttons))
	}
}

// TestSlackRestartAfterTheStartSendsOnlyWhatIsAfterIt: the bot is down
// from before the interview until two hours into it; back up, it sends the
// missed "+90m" reminder late, and none of the ones meant for before.
func TestSlackRestartAfterTheStartSendsOnlyWhatIsAfterIt(t *testing.T) {
	d := newSlackDriver(t, "U0RST")
	d.clock.Set(berlinAt(11, 26, 9, 0))
	d.start()
	d.say("/interview 2026-11-26 14:00 Europe/Berlin")
	d.newMessage(0, "Interview set")
	d.stop()
	d.clock.Set(berlinAt(11, 26, 16, 0))
	n := len(d.dm())
	d.start()
	defer d.stop()
	late := d.newMessage(n, "Take notes")
	if !strings.Contains(late.Plain(), "late: I was offline at Thu 15:30") {
		t.Errorf("the +90m reminder does not say it is late:\n%s", late.Plain())
	}
	// Two more ticks: nothing else comes.
	time.Sleep(2200 * time.Millisecond)
	for _, m := range d.dm()[n:] {
		if m.TS != late.TS {
			t.Errorf("after the restart at 16:00 the bot also sent:\n%s", m.Plain())
		}
	}
}

// TestSlackDoneOnAnItemTickedInChecklistRedrawsTheReminder: an item ticked
// in /checklist, then Done on its reminder: "Already done.", and the
// reminder shows it ticked, without its buttons.
func TestSlackDoneOnAnItemTickedInChecklistRedrawsTheReminder(t *testing.T) {
	d := newSlackDriver(t, "U0TCK")
	reminder := d.fiveDaysBefore()
	defer d.stop()
	n := len(d.dm())
	d.say("/checklist 3") // "Nice to Have", the same items
	section := d.newMessage(n, "Redis caching")
	d.pressOn(section, "2 ✓ Done")
	d.waitEdited(section.TS, "the section redrawn", func(m slackfake.Message) bool { return strings.Contains(m.Plain(), "✅ Redis") })
	notices := len(d.srv.EphemeralsFor(d.user))
	d.pressOn(reminder, "2 ✓ Done")
	m := d.waitEdited(reminder.TS, "the reminder redrawn", func(m slackfake.Message) bool { return strings.Contains(m.Plain(), "✅ Redis") })
	for _, row := range m.Buttons {
		for _, b := range row {
			if strings.HasPrefix(b.Text, "2 ") {
				t.Errorf("the reminder still offers %q for the done item", b.Text)
			}
		}
	}
	d.srv.WaitFor("the notice", func() bool { return len(d.srv.EphemeralsFor(d.user)) > notices })
	if e := d.srv.EphemeralsFor(d.user)[notices]; !strings.Contains(e.Plain(), "Already done") {
		t.Errorf("notice = %q", e.Plain())
	}
}
