package prep_test

import (
	"testing"

	"github.com/prepbot/prepbot/internal/prep"
)

// TestOnboardingButtonsExpire: /start's time-zone and daily-quiz buttons
// answer their question while it is open, during an onboarding not yet
// finished too (a command typed in between closes the question, not the
// onboarding). Once the question is answered and the onboarding done, an
// old button from that /start, pressed months later, used to change the
// setting silently; it now says so and changes nothing.
func TestOnboardingButtonsExpire(t *testing.T) {
	tests := []struct {
		name     string
		before   []string // typed, or pressed when it starts with "!"
		press    string
		notice   bool   // the press is refused with a notice
		settings string // what /settings shows afterwards
	}{
		{name: "zone while asked", before: []string{"/start"}, press: "z:Asia/Tokyo", settings: "Time zone: Asia/Tokyo"},
		{name: "push while asked", before: []string{"/start", "!z:Asia/Tokyo"}, press: "p:off", settings: "Daily quiz: off"},
		{name: "zone after a command during the onboarding", before: []string{"/start", "/help"}, press: "z:Asia/Tokyo", settings: "Time zone: Asia/Tokyo"},
		{name: "zone changed before the quiz time", before: []string{"/start", "!z:Europe/Berlin"}, press: "z:Asia/Tokyo", settings: "Time zone: Asia/Tokyo"},
		{name: "old push button", before: []string{"/start", "!z:Europe/Berlin", "!p:08:00"}, press: "p:off", notice: true, settings: "Daily quiz: 08:00"},
		{name: "old push button after more study", before: []string{"/start", "!z:Europe/Berlin", "!p:08:00", "/ask", "/stop"}, press: "p:20:00", notice: true, settings: "Daily quiz: 08:00"},
		{name: "old zone button", before: []string{"/start", "!z:Europe/Berlin", "!p:08:00"}, press: "z:Asia/Tokyo", notice: true, settings: "Time zone: Europe/Berlin"},
		{name: "zone asked again by /settings", before: []string{"/start", "!z:Europe/Berlin", "!p:08:00", "/settings timezone"}, press: "z:Asia/Tokyo", settings: "Time zone: Asia/Tokyo"},
		{name: "zone asked again and answered", before: []string{"/start", "!z:Europe/Berlin", "!p:08:00", "/settings timezone", "Asia/Tokyo"}, press: "z:UTC", notice: true, settings: "Time zone: Asia/Tokyo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, prep.NewUserKey(prep.Telegram, "1"))
			for _, s := range tt.before {
				if s[0] == '!' {
					h.press(s[1:])
				} else {
					h.text(s)
				}
			}
			r := h.press(tt.press)
			refused := len(r) == 1 && r[0].Kind == prep.Notice && contains(r, prep.Notice, "already made") && contains(r, prep.Notice, "/settings")
			if refused != tt.notice {
				t.Errorf("pressing %s: refused %v, want %v:\n%s", tt.press, refused, tt.notice, dump(r))
			}
			if r := h.text("/settings"); !contains(r, prep.Send, tt.settings) {
				t.Errorf("settings do not show %q:\n%s", tt.settings, dump(r))
			}
		})
	}
}
