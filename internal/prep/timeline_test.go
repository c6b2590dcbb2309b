package prep_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
)

var berlin = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func TestInterviewCommandValidates(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "1"))
	h.clock.t = time.Date(2026, 11, 20, 12, 0, 0, 0, berlin)
	cases := []struct{ in, want string }{
		{"/interview", "No interview date yet"},
		{"/interview 2026-11-19 14:00 Europe/Berlin", "is in the past"},
		{"/interview 2026-11-20 11:00 Europe/Berlin", "is in the past"},
		{"/interview tomorrow", "Give the date, time and optionally the time zone"},
		{"/interview 2026-13-03 14:00", "I can't read the date \"2026-13-03\""},
		{"/interview 2026-12-03 25:00", "I can't read the time \"25:00\""},
		{"/interview 2026-12-03 14:00 Mars/Base", "I don't know the time zone \"Mars/Base\""},
		{"/interview 2026-12-03 14:00 europe/berlin", "Interview set: Thu 3 Dec 2026, 14:00 Europe/Berlin · 13 days to your interview"},
		{"/interview", "Checklists: 1/8 done"},
		{"/due", "13 days to your interview"},
		{"/interview clear", "Interview date cleared"},
		{"/interview", "No interview date yet"},
	}
	for _, tc := range cases {
		if r := h.text(tc.in); !contains(r, prep.Send, tc.want) {
			t.Errorf("%s:\n%s", tc.in, dump(r))
		}
	}
}

// tick runs the scheduler every 5 minutes until end and returns the
// reminder pushes with the local time they came at.
type reminder struct {
	at    time.Time
	reply prep.Reply
}

func (h *harness) tickUntil(t *testing.T, end time.Time) []reminder {
	t.Helper()
	var out []reminder
	for h.clock.Now().Before(end) {
		h.clock.Advance(5 * time.Minute)
		for _, p := range h.due(t) {
			for _, r := range p.Replies {
				if strings.Contains(r.Text.String(), "Checklist") || strings.Contains(r.Text.String(), "Snoozed") {
					out = append(out, reminder{at: h.clock.Now().In(berlin), reply: r})
				}
			}
		}
	}
	return out
}

func TestRemindersFireOncePerSlotWithDoneSnoozeSkip(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "2"))
	h.clock.t = time.Date(2026, 11, 20, 12, 0, 0, 0, berlin)
	h.text("/interview 2026-11-26 14:00 Europe/Berlin")

	// Up to the evening before: -3d (23 Nov 14:00), default -1d 18:00, -1d 19:00.
	got := h.tickUntil(t, time.Date(2026, 11, 25, 19, 2, 0, 0, berlin))
	want := []struct {
		at    string
		items []string
	}{
		{"2026-11-23 14:00", []string{"Review window functions", "Practise 2 exercises"}},
		{"2026-11-25 18:00", []string{"Print the CV"}},
		{"2026-11-25 19:00", []string{"Test Zoom"}},
	}
	if len(got) != len(want) {
		for _, g := range got {
			t.Logf("%s %s", g.at.Format("2006-01-02 15:04"), g.reply.Text.String())
		}
		t.Fatalf("%d reminders, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].at.Format("2006-01-02 15:04") != w.at {
			t.Errorf("reminder %d at %s, want %s", i, got[i].at.Format("2006-01-02 15:04"), w.at)
		}
		for _, item := range w.items {
			if !strings.Contains(got[i].reply.Text.String(), item) {
				t.Errorf("reminder %d lacks %q:\n%s", i, item, got[i].reply.Text.String())
			}
		}
		if !strings.Contains(got[i].reply.Text.String(), "days to your interview") && !strings.Contains(got[i].reply.Text.String(), "Interview tomorrow") {
			t.Errorf("reminder %d lacks the countdown:\n%s", i, got[i].reply.Text.String())
		}
	}

	// Done on the first item of the -3d message edits it in place.
	first := []prep.Reply{got[0].reply}
	r := h.press(button(t, first, "1 ✓ Done").Data)
	if len(r) != 2 || r[1].Kind != prep.Edit || !strings.Contains(r[1].Text.String(), "✅ Review window functions") {
		t.Fatalf("Done must toast and edit the reminder:\n%s", dump(r))
	}
	if strings.Contains(dump(r[1:]), "1 ✓ Done") || !strings.Contains(dump(r[1:]), "2 ✓ Done") {
		t.Fatalf("the edited reminder must drop the done item's buttons only:\n%s", dump(r[1:]))
	}
	if r := h.press(button(t, first, "1 ✓ Done").Data); !contains(r, prep.Notice, "Already done") {
		t.Fatalf("double tap:\n%s", dump(r))
	}
	// Skip the second; snooze "Test Zoom": back once an hour later.
	h.press(button(t, first, "2 Skip").Data)
	zoom := []prep.Reply{got[2].reply}
	back := h.clock.Now().Add(time.Hour).In(berlin).Format("15:04")
	if r := h.press(button(t, zoom, "1 ⏰ 1h").Data); !contains(r, prep.Notice, "I'll remind you at "+back) {
		t.Fatalf("snooze:\n%s", dump(r))
	}
	got = h.tickUntil(t, time.Date(2026, 11, 25, 22, 0, 0, 0, berlin))
	if len(got) != 1 || got[0].at.Format("15:04") != back || !strings.Contains(got[0].reply.Text.String(), "Test Zoom") {
		t.Fatalf("snoozed item must come back once at %s: %+v", back, got)
	}

	// /checklist shows progress per section.
	r = h.text("/checklist")
	for _, want := range []string{"Technical Prep 2/2", "Logistics 1/3", "Misc 0/1"} {
		if !contains(r, prep.Send, want) {
			t.Errorf("/checklist lacks %q:\n%s", want, dump(r))
		}
	}
	// Tick from the section view: the message re-renders in place.
	r = h.press(button(t, r, "Logistics").Data)
	r = h.press(button(t, r, "1 ✓ Done").Data)
	if !contains(r, prep.Edit, "✅ Test Zoom") {
		t.Fatalf("section view:\n%s", dump(r))
	}
}

// TestMissedRemindersAreFoldedIntoOneLateMessage: slots missed while the
// bot was down before the interview come once, late, in one message that
// names their moments, not in a burst of one message per slot.
func TestMissedRemindersAreFoldedIntoOneLateMessage(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "3"))
	h.clock.t = time.Date(2026, 11, 20, 12, 0, 0, 0, berlin)
	h.text("/interview 2026-11-26 14:00 Europe/Berlin")
	// The bot is down from 21 Nov to the interview morning: the -3d,
	// -1d 18:00 and -1d 19:00 slots were missed.
	h.clock.t = time.Date(2026, 11, 26, 9, 0, 0, 0, berlin)
	var late []prep.Reply
	for _, p := range h.due(t) {
		for _, r := range p.Replies {
			if strings.Contains(r.Text.String(), "late: I was offline") {
				late = append(late, r)
			}
		}
	}
	if len(late) != 1 {
		t.Fatalf("want 1 late reminder, got %d:\n%s", len(late), dump(late))
	}
	text := late[0].Text.String()
	for _, want := range []string{"late: I was offline at Mon 14:00, Wed 18:00 and Wed 19:00", "Review window functions", "Practise 2 exercises", "Test Zoom", "Print the CV"} {
		if !strings.Contains(text, want) {
			t.Errorf("the late reminder lacks %q:\n%s", want, text)
		}
	}
	if p := h.due(t); len(p) != 0 {
		t.Fatalf("late reminders sent twice: %+v", p)
	}
	// A press redraws it as the late message it is.
	r := h.press(button(t, late, "3 ✓ Done").Data)
	if !contains(r, prep.Edit, "late: I was offline at Mon 14:00") || !contains(r, prep.Edit, "3. ✅ Test Zoom") || !contains(r, prep.Edit, "4. ☐ Print the CV") {
		t.Fatalf("the redrawn late reminder:\n%s", dump(r))
	}
	// The next slot (-30m) comes on time.
	got := h.tickUntil(t, time.Date(2026, 11, 26, 13, 40, 0, 0, berlin))
	if len(got) != 1 || got[0].at.Format("15:04") != "13:30" || strings.Contains(got[0].reply.Text.String(), "late") ||
		!strings.Contains(got[0].reply.Text.String(), "Phone on silent") || strings.Contains(got[0].reply.Text.String(), "Notepad") {
		t.Fatalf("the -30m slot (without the item ticked in the deck): %+v", got)
	}
}

// TestRemindersMissedPastTheStartAreNotSentBeforeTheInterview: back up
// after the interview has started, the bot does not send what was meant for
// before it (slots or a snooze), which stays open in /checklist; what was
// meant for after it comes late, once.
func TestRemindersMissedPastTheStartAreNotSentBeforeTheInterview(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "5"))
	h.clock.t = time.Date(2026, 11, 26, 13, 25, 0, 0, berlin)
	h.text("/interview 2026-11-26 14:00 Europe/Berlin")
	got := h.tickUntil(t, time.Date(2026, 11, 26, 13, 30, 0, 0, berlin))
	if len(got) != 1 || !strings.Contains(got[0].reply.Text.String(), "Phone on silent") {
		t.Fatalf("the -30m reminder: %+v", got)
	}
	if r := h.press(button(t, []prep.Reply{got[0].reply}, "1 ⏰").Data); !contains(r, prep.Notice, "I'll remind you at 13:50") {
		t.Fatalf("snooze:\n%s", dump(r))
	}
	// Down from 13:30 to 18:30: the snooze (13:50) and the +4h slot
	// (18:00) were missed.
	h.clock.t = time.Date(2026, 11, 26, 18, 30, 0, 0, berlin)
	var sent []prep.Reply
	for _, p := range h.due(t) {
		sent = append(sent, p.Replies...)
	}
	if len(sent) != 1 || !contains(sent, prep.Send, "late: I was offline at Thu 18:00") || !contains(sent, prep.Send, "Send thank-you emails") {
		t.Fatalf("want only the +4h reminder, late:\n%s", dump(sent))
	}
	if contains(sent, prep.Send, "Phone on silent") {
		t.Fatalf("a reminder meant for before the interview came after it:\n%s", dump(sent))
	}
	if p := h.due(t); len(p) != 0 {
		t.Fatalf("sent twice: %+v", p)
	}
	if r := h.text("/checklist Logistics"); !contains(r, prep.Send, "☐ Phone on silent") || contains(r, prep.Send, "back at") {
		t.Fatalf("the missed item stays open, without a snooze:\n%s", dump(r))
	}
}

// TestSnoozeBackOnASlotHasItsOwnMessage: an item snoozed onto the minute of
// another slot comes back in a message of its own; each message lists, and
// after a press redraws, only its own items under its own header.
func TestSnoozeBackOnASlotHasItsOwnMessage(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "6"))
	h.clock.t = time.Date(2026, 11, 25, 17, 55, 0, 0, berlin)
	h.text("/interview 2026-11-26 14:00 Europe/Berlin")
	got := h.tickUntil(t, time.Date(2026, 11, 25, 18, 0, 0, 0, berlin))
	if len(got) != 1 || !strings.Contains(got[0].reply.Text.String(), "Print the CV") {
		t.Fatalf("the 18:00 reminder: %+v", got)
	}
	// Snoozed for an hour: back at 19:00, the minute of "Test Zoom".
	h.press(button(t, []prep.Reply{got[0].reply}, "1 ⏰ 1h").Data)
	got = h.tickUntil(t, time.Date(2026, 11, 25, 19, 0, 0, 0, berlin))
	var slot, snoozed []prep.Reply
	for _, g := range got {
		if strings.Contains(g.reply.Text.String(), "Snoozed reminders") {
			snoozed = append(snoozed, g.reply)
		} else {
			slot = append(slot, g.reply)
		}
	}
	if len(slot) != 1 || len(snoozed) != 1 {
		t.Fatalf("want a slot message and a snoozed one at 19:00, got:\n%s\n%s", dump(slot), dump(snoozed))
	}
	if !contains(slot, prep.Send, "Test Zoom") || contains(slot, prep.Send, "Print the CV") || len(slot[0].Buttons) != 1 {
		t.Errorf("the 19:00 slot message:\n%s", dump(slot))
	}
	if !contains(snoozed, prep.Send, "Print the CV") || contains(snoozed, prep.Send, "Test Zoom") || len(snoozed[0].Buttons) != 1 {
		t.Errorf("the snoozed message:\n%s", dump(snoozed))
	}
	r := h.press(button(t, snoozed, "1 ✓ Done").Data)
	if !contains(r, prep.Edit, "⏰ Snoozed reminders") || !contains(r, prep.Edit, "✅ Print the CV") || contains(r, prep.Edit, "Test Zoom") {
		t.Errorf("Done on the snoozed message:\n%s", dump(r))
	}
	r = h.press(button(t, slot, "1 ✓ Done").Data)
	if !contains(r, prep.Edit, "📋 Checklist") || !contains(r, prep.Edit, "✅ Test Zoom") || contains(r, prep.Edit, "Print the CV") {
		t.Errorf("Done on the slot message:\n%s", dump(r))
	}
}

// TestSameInterviewAgainChangesNothing: typing the interview that is
// already set keeps the snoozes and the reminders' messages as they were.
func TestSameInterviewAgainChangesNothing(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "7"))
	h.clock.t = time.Date(2026, 11, 25, 18, 55, 0, 0, berlin)
	h.text("/interview 2026-11-26 14:00 Europe/Berlin")
	got := h.tickUntil(t, time.Date(2026, 11, 25, 19, 0, 0, 0, berlin))
	if len(got) != 1 {
		t.Fatalf("the 19:00 reminder: %+v", got)
	}
	zoom := []prep.Reply{got[0].reply}
	h.press(button(t, zoom, "1 ⏰ 1h").Data)
	before := h.storedUser()
	r := h.text("/interview 2026-11-26 14:00 Europe/Berlin")
	if !contains(r, prep.Send, "already set for Thu 26 Nov 2026, 14:00 Europe/Berlin; nothing changed") {
		t.Fatalf("the same interview again:\n%s", dump(r))
	}
	after := h.storedUser()
	if !reflect.DeepEqual(before.Checklist, after.Checklist) || !before.RemindedThrough.Equal(after.RemindedThrough) {
		t.Fatalf("the checklist changed:\n%+v\n%+v", before.Checklist, after.Checklist)
	}
	got = h.tickUntil(t, time.Date(2026, 11, 25, 20, 1, 0, 0, berlin))
	if len(got) != 1 || got[0].at.Format("15:04") != "20:00" || !strings.Contains(got[0].reply.Text.String(), "Test Zoom") {
		t.Fatalf("the snoozed item must come back at 20:00: %+v", got)
	}
}

// TestMovedInterviewKeepsSnoozesWithinTheNewDate: a snooze the user was
// promised stands when the interview moves, except that an item meant for
// before the interview comes back no later than 10 minutes before the new
// start, and not at all when that has passed.
func TestMovedInterviewKeepsSnoozesWithinTheNewDate(t *testing.T) {
	for _, tc := range []struct {
		moveTo string
		back   string // when "Test Zoom" comes back, "" for never
	}{
		{"2026-11-27 14:00", "20:00"},
		{"2026-11-25 20:05", "19:55"},
		{"2026-11-25 19:08", ""},
	} {
		t.Run(tc.moveTo, func(t *testing.T) {
			h := newHarness(t, prep.NewUserKey(prep.Telegram, "8"))
			h.clock.t = time.Date(2026, 11, 25, 18, 55, 0, 0, berlin)
			h.text("/interview 2026-11-26 14:00 Europe/Berlin")
			got := h.tickUntil(t, time.Date(2026, 11, 25, 19, 0, 0, 0, berlin))
			if len(got) != 1 {
				t.Fatalf("the 19:00 reminder: %+v", got)
			}
			h.press(button(t, []prep.Reply{got[0].reply}, "1 ⏰ 1h").Data)
			if r := h.text("/interview " + tc.moveTo + " Europe/Berlin"); !contains(r, prep.Send, "Interview set") {
				t.Fatalf("move:\n%s", dump(r))
			}
			var back string
			for _, g := range h.tickUntil(t, time.Date(2026, 11, 25, 21, 0, 0, 0, berlin)) {
				if strings.Contains(g.reply.Text.String(), "Snoozed reminders") && strings.Contains(g.reply.Text.String(), "Test Zoom") {
					back = g.at.Format("15:04")
				}
			}
			if back != tc.back {
				t.Errorf("Test Zoom came back at %q, want %q", back, tc.back)
			}
		})
	}
}

// TestPressAfterTheInterviewMovedKeepsTheMessage: a reminder sent before
// the date changed still acts on its items and still lists the others.
func TestPressAfterTheInterviewMovedKeepsTheMessage(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "9"))
	h.clock.t = time.Date(2026, 11, 23, 13, 55, 0, 0, berlin)
	h.text("/interview 2026-11-26 14:00 Europe/Berlin")
	got := h.tickUntil(t, time.Date(2026, 11, 23, 14, 0, 0, 0, berlin))
	if len(got) != 1 {
		t.Fatalf("the -3d reminder: %+v", got)
	}
	h.clock.Advance(time.Hour)
	h.text("/interview 2026-11-30 14:00 Europe/Berlin")
	r := h.press(button(t, []prep.Reply{got[0].reply}, "1 ✓ Done").Data)
	if !contains(r, prep.Notice, "Done: Review window functions") || !contains(r, prep.Edit, "1. ✅ Review window functions") ||
		!contains(r, prep.Edit, "2. ☐ Practise 2 exercises") {
		t.Fatalf("Done after the move:\n%s", dump(r))
	}
	if _, ok := findButton(r, "2 ✓ Done"); !ok {
		t.Fatalf("the other item lost its buttons:\n%s", dump(r))
	}
}

// TestPressThatChangesNothingRedrawsTheReminder: Done on an item ticked
// meanwhile in /checklist, and a snooze refused as too close to the
// interview, redraw the reminder so it stops offering what is done.
func TestPressThatChangesNothingRedrawsTheReminder(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "10"))
	h.clock.t = time.Date(2026, 11, 26, 13, 0, 0, 0, berlin)
	h.text("/interview 2026-11-26 14:00 Europe/Berlin")
	got := h.tickUntil(t, time.Date(2026, 11, 26, 13, 30, 0, 0, berlin))
	if len(got) != 1 {
		t.Fatalf("the -30m reminder: %+v", got)
	}
	reminder := []prep.Reply{got[0].reply}
	// A snooze pressed when it is too late for one.
	h.clock.t = time.Date(2026, 11, 26, 13, 46, 0, 0, berlin)
	r := h.press(button(t, reminder, "1 ⏰").Data)
	if !contains(r, prep.Notice, "Too close to the interview") || !contains(r, prep.Edit, "☐ Phone on silent") {
		t.Fatalf("refused snooze:\n%s", dump(r))
	}
	if _, ok := findButton(r, "1 ⏰"); ok {
		t.Fatalf("the redrawn reminder still offers the snooze:\n%s", dump(r))
	}
	// Ticked in /checklist, then Done on the reminder.
	v := h.text("/checklist Logistics")
	h.press(button(t, v, "2 ✓ Done").Data)
	r = h.press(button(t, reminder, "1 ✓ Done").Data)
	if !contains(r, prep.Notice, "Already done") || !contains(r, prep.Edit, "✅ Phone on silent") {
		t.Fatalf("Done on an item already done:\n%s", dump(r))
	}
	if _, ok := findButton(r, "1 ✓ Done"); ok {
		t.Fatalf("the redrawn reminder still offers Done:\n%s", dump(r))
	}
}

// TestClearingTheInterviewDropsSnoozesAndKeepsTheZone: after /interview
// clear no item says it is coming back, none comes back, and a user who
// never chose a zone keeps living in the interview's rather than UTC.
func TestClearingTheInterviewDropsSnoozesAndKeepsTheZone(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "11"))
	h.clock.t = time.Date(2026, 11, 25, 18, 55, 0, 0, berlin)
	h.text("/interview 2026-11-26 14:00 Europe/Berlin")
	got := h.tickUntil(t, time.Date(2026, 11, 25, 19, 0, 0, 0, berlin))
	if len(got) != 1 {
		t.Fatalf("the 19:00 reminder: %+v", got)
	}
	reminder := []prep.Reply{got[0].reply}
	h.press(button(t, reminder, "1 ⏰ 1h").Data)
	h.text("/interview clear")
	if r := h.text("/checklist Logistics"); contains(r, prep.Send, "back at") {
		t.Fatalf("a snooze outlived the interview:\n%s", dump(r))
	}
	if z := h.storedUser().Settings.TimeZone; z != "Europe/Berlin" {
		t.Fatalf("time zone after clear = %q, want the interview's", z)
	}
	if got := h.tickUntil(t, time.Date(2026, 11, 25, 21, 0, 0, 0, berlin)); len(got) != 0 {
		t.Fatalf("reminders without an interview: %+v", got)
	}
	// With no date, a snooze would have nothing to come back against.
	if r := h.press(button(t, reminder, "1 ✓ Done").Data); contains(r, prep.Edit, "⏰") {
		t.Fatalf("the redrawn reminder offers a snooze without an interview:\n%s", dump(r))
	}
}

// TestChecklistOverviewShowsTheNextOpenMoment: a section whose first item
// is done shows the moment of its first open one.
func TestChecklistOverviewShowsTheNextOpenMoment(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "12"))
	h.clock.t = time.Date(2026, 11, 20, 12, 0, 0, 0, berlin)
	h.text("/interview 2026-11-26 14:00 Europe/Berlin")
	v := h.text("/checklist Logistics")
	h.press(button(t, v, "1 ✓ Done").Data) // Test Zoom, -1d 19:00
	if r := h.text("/checklist"); !contains(r, prep.Send, "Logistics 2/3 · Thu 26 Nov 13:30 (30m before)") {
		t.Fatalf("/checklist:\n%s", dump(r))
	}
	// Once the moment has gone by, it is not shown as one to come.
	h.clock.t = time.Date(2026, 11, 26, 14, 30, 0, 0, berlin)
	if r := h.text("/checklist"); !contains(r, prep.Send, "Logistics 2/3 · its moment passed: Thu 26 Nov 13:30 (30m before)") {
		t.Fatalf("/checklist after the moment:\n%s", dump(r))
	}
}

func TestChangingTheDateReschedulesAndRemovedItemsAreHandled(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "4"))
	h.clock.t = time.Date(2026, 11, 20, 12, 0, 0, 0, berlin)
	h.text("/interview 2026-11-30 14:00")
	r := h.text("/interview 2026-11-22 14:00 Europe/Berlin")
	if !contains(r, prep.Send, "2 items were meant for earlier than now") {
		t.Fatalf("moving the date closer must report the past slots:\n%s", dump(r))
	}
	got := h.tickUntil(t, time.Date(2026, 11, 21, 18, 5, 0, 0, berlin))
	if len(got) != 1 || got[0].at.Format("2006-01-02 15:04") != "2026-11-21 18:00" {
		t.Fatalf("after the change the first reminder is the default slot on the 21st: %+v", got)
	}
	if r := h.press("cd:abc:nosuchitem"); !contains(r, prep.Notice, "no longer in your checklists") {
		t.Fatalf("removed item:\n%s", dump(r))
	}
}

// TestSnoozeStopsShortOfTheInterview: the -30m reminder, 30 minutes before
// the interview, offers a snooze that brings it back 10 minutes before the
// start (20m), not an hour later when it is over; the +4h one after the
// interview keeps its hour.
func TestSnoozeStopsShortOfTheInterview(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "3"))
	h.clock.t = time.Date(2026, 11, 26, 13, 0, 0, 0, berlin)
	h.text("/interview 2026-11-26 14:00 Europe/Berlin")
	got := h.tickUntil(t, time.Date(2026, 11, 26, 13, 31, 0, 0, berlin))
	var before []prep.Reply
	for _, g := range got {
		if strings.Contains(g.reply.Text.String(), "Phone on silent") {
			before = []prep.Reply{g.reply}
		}
	}
	if before == nil {
		t.Fatalf("no -30m reminder among %d", len(got))
	}
	if _, ok := findButton(before, "1 ⏰ 1h"); ok {
		t.Fatalf("an hour's snooze offered 30 minutes before the interview:\n%s", dump(before))
	}
	// Pressed a little later, it still means 10 minutes before the start.
	h.clock.Advance(2 * time.Minute)
	if r := h.press(button(t, before, "1 ⏰ 20m").Data); !contains(r, prep.Notice, "I'll remind you at 13:50") {
		t.Fatalf("snooze:\n%s", dump(r))
	}
	after := h.tickUntil(t, time.Date(2026, 11, 26, 18, 1, 0, 0, berlin))
	for _, g := range after {
		if strings.Contains(g.reply.Text.String(), "Send thank-you emails") {
			button(t, []prep.Reply{g.reply}, "1 ⏰ 1h")
			return
		}
	}
	t.Fatal("no +4h reminder")
}

// TestInterviewCommandEdges: clearing with no date set says there is none
// (it said "cleared" every time); a time the clocks skip is refused with
// the time they will show instead (time.Date moved it an hour silently);
// a reminder more than half a year off names its year; and progress
// counts say how many of the handled items were skipped.
func TestInterviewCommandEdges(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	// The example is a week from today, not a date that goes stale.
	if r := h.text("/interview"); !contains(r, prep.Send, "e.g. /interview 2026-11-09 14:00 Europe/Berlin") {
		t.Errorf("/interview with none set:\n%s", dump(r))
	}
	if r := h.text("/interview clear"); !contains(r, prep.Send, "No interview date is set.") {
		t.Errorf("clear with none set:\n%s", dump(r))
	}
	if r := h.text("/interview 2027-03-28 02:30 Europe/Berlin"); !contains(r, prep.Send, "2027-03-28 02:30 does not exist in Europe/Berlin") || !contains(r, prep.Send, "e.g. 03:30") {
		t.Errorf("a time in the DST gap:\n%s", dump(r))
	}
	if r := h.text("/interview"); contains(r, prep.Send, "2027") {
		t.Errorf("the refused time was set:\n%s", dump(r))
	}
	// A time the clocks show twice is the first, and the reply says so.
	if r := h.text("/interview 2027-10-31 02:30 Europe/Berlin"); !contains(r, prep.Send, "02:30 comes twice that night, as the clocks go back: this is the first, CEST") {
		t.Errorf("a time shown twice:\n%s", dump(r))
	}
	if u := h.storedUser(); !u.Interview.Equal(time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC)) {
		t.Errorf("stored %v, want the first 02:30 (00:30 UTC)", u.Interview)
	}
	if r := h.text("/interview 2028-02-10 14:00 UTC"); !contains(r, prep.Send, "The first comes on Mon 7 Feb 2028") {
		t.Errorf("a far reminder without its year:\n%s", dump(r))
	}
	if r := h.text("/interview 2026-11-12 14:00 UTC"); !contains(r, prep.Send, "The first comes on Mon 9 Nov.") {
		t.Errorf("a near reminder:\n%s", dump(r))
	}
	r := h.text("/checklist logistics")
	h.press(button(t, r, "1 ✓ Done").Data)
	h.press(button(t, r, "2 Skip").Data)
	if r := h.text("/checklist"); !contains(r, prep.Send, "Logistics 3/3 (1 skipped)") {
		t.Errorf("/checklist:\n%s", dump(r))
	}
	if r := h.text("/interview"); !contains(r, prep.Send, "(1 skipped).") {
		t.Errorf("/interview:\n%s", dump(r))
	}
}

// TestSkipOnADoneItemAndTheCountdownAroundTheStart: a Skip pressed on an
// older message for an item since done leaves it done (it became done
// and skipped, counted twice); during the first hour the countdown wishes
// luck instead of asking how it went, and a countdown ending in "?" gets
// no second full stop.
func TestSkipOnADoneItemAndTheCountdownAroundTheStart(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Terminal, "ada"))
	h.text("/interview 2026-11-03 14:00 UTC")
	r := h.text("/checklist logistics")
	skip := button(t, r, "1 Skip")
	h.press(button(t, r, "1 ✓ Done").Data)
	if r := h.press(skip.Data); !contains(r, prep.Notice, "Already done.") {
		t.Errorf("Skip on a done item:\n%s", dump(r))
	}
	if r := h.text("/checklist"); !contains(r, prep.Send, "Logistics 2/3") || contains(r, prep.Send, "skipped") {
		t.Errorf("/checklist after Skip on a done item:\n%s", dump(r))
	}
	h.clock.t = time.Date(2026, 11, 3, 14, 20, 0, 0, time.UTC)
	if r := h.text("/start"); !contains(r, prep.Send, "Interview under way (since 14:00): good luck!") {
		t.Errorf("20 minutes in:\n%s", dump(r))
	}
	h.clock.t = time.Date(2026, 11, 3, 16, 0, 0, 0, time.UTC)
	if r := h.text("/start"); !contains(r, prep.Send, "Interview done: how did it go? ") || contains(r, prep.Send, "go?.") {
		t.Errorf("two hours after:\n%s", dump(r))
	}
}

// TestPushesSetUpInAGroupSayWhereTheyCome: the daily quiz and reminders go
// to the user's private chat, which a bot may write to only once the user
// has opened it; set up in a group, the replies say so (they promised a
// quiz that Telegram then refused). In a private chat they do not.
func TestPushesSetUpInAGroupSayWhereTheyCome(t *testing.T) {
	const note = "in a private chat with me, not in this group"
	for _, chat := range []string{"-100555", ""} {
		h := newHarness(t, prep.NewUserKey(prep.Telegram, "7"))
		say := func(text string) []prep.Reply {
			return h.eng.Handle(context.Background(), prep.Event{User: h.user, Name: "Ann", Text: text, Chat: chat})
		}
		for _, text := range []string{"/settings push 09:00", "/interview 2026-11-20 14:00 UTC"} {
			if r := say(text); contains(r, prep.Send, note) != (chat != "") {
				t.Errorf("chat %q, %s:\n%s", chat, text, dump(r))
			}
		}
		if r := say("/settings push off"); contains(r, prep.Send, note) {
			t.Errorf("chat %q, push off still sends the note:\n%s", chat, dump(r))
		}
	}
}

// TestAnItemListedAgainStaysInItsFirstMessage: a snoozed item comes back
// in a message of its own; Done pressed on the message it was first
// listed in shows it ticked there, in its place, where the redraw used to
// drop it (and renumber the rest), since the item now "belonged" to the
// newer message.
func TestAnItemListedAgainStaysInItsFirstMessage(t *testing.T) {
	h := newHarness(t, prep.NewUserKey(prep.Telegram, "2"))
	h.clock.t = time.Date(2026, 11, 20, 12, 0, 0, 0, berlin)
	h.text("/interview 2026-11-26 14:00 Europe/Berlin")
	got := h.tickUntil(t, time.Date(2026, 11, 23, 14, 2, 0, 0, berlin))
	if len(got) != 1 || !strings.Contains(got[0].reply.Text.String(), "2. ☐ Practise 2 exercises") {
		t.Fatalf("the -3d reminder: %+v", got)
	}
	first := []prep.Reply{got[0].reply}
	h.press(button(t, first, "1 ⏰ 1h").Data)
	got = h.tickUntil(t, time.Date(2026, 11, 23, 16, 0, 0, 0, berlin))
	if len(got) != 1 || !strings.Contains(got[0].reply.Text.String(), "Review window functions") {
		t.Fatalf("the snoozed item did not come back once: %+v", got)
	}
	r := h.press(button(t, first, "1 ✓ Done").Data)
	if len(r) != 2 || r[1].Kind != prep.Edit {
		t.Fatalf("Done on the first message:\n%s", dump(r))
	}
	redrawn := r[1].Text.String()
	for _, want := range []string{"1. ✅ Review window functions", "2. ☐ Practise 2 exercises"} {
		if !strings.Contains(redrawn, want) {
			t.Errorf("the first message redrawn lacks %q:\n%s", want, redrawn)
		}
	}
}
