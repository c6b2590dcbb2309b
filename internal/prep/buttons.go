package prep

import (
	"strconv"
	"strings"
)

// Button data is short and versionless: a one-letter action, then its
// arguments. Presentation tokens make card buttons single-use: a press is
// acted on only while its token is the one on screen.
//
//	a<tok>        show the answer of presentation tok
//	r<tok>.<1-4>  rate presentation tok
//	z:<zone>      choose a time zone (onboarding, /settings timezone)
//	p:<HH:MM|off> choose the daily push time (onboarding)
//	c<act>:<ctx>:<item>  a checklist item button (timeline.go)
//	h<tok>        the next hint of exercise presentation tok
//	s<tok>        show the solution of exercise presentation tok (give up)
//	/<command>    run a command, as if typed
//
// z: and p: carry no token: they answer a question (User.Awaiting), and
// are acted on only while it is open or the onboarding unfinished.
const (
	actReveal  = 'a'
	actRate    = 'r'
	actZone    = 'z'
	actPush    = 'p'
	actCommand = '/'
	actItem    = 'c'
	actHint    = 'h'
	actSolve   = 's'
)

// action is a decoded button press.
type action struct {
	kind   byte
	token  uint32
	rating Rating
	arg    string
}

func tokenString(tok uint32) string { return strconv.FormatUint(uint64(tok), 36) }

func revealData(tok uint32) string { return "a" + tokenString(tok) }

func rateData(tok uint32, r Rating) string {
	return "r" + strconv.FormatUint(uint64(tok), 36) + "." + strconv.Itoa(int(r))
}

// parseToken reads a base-36 token in the canonical form revealData and
// rateData write, so one token has exactly one spelling.
func parseToken(s string) (uint32, bool) {
	tok, err := strconv.ParseUint(s, 36, 32)
	if err != nil || strconv.FormatUint(tok, 36) != s {
		return 0, false
	}
	return uint32(tok), true
}

// decodeButton parses button data; ok is false for data no button of ours
// carries (forged, truncated or from an older version).
func decodeButton(data string) (action, bool) {
	if data == "" || len(data) > MaxButtonData {
		return action{}, false
	}
	switch data[0] {
	case actReveal, actHint, actSolve:
		tok, ok := parseToken(data[1:])
		if !ok {
			return action{}, false
		}
		return action{kind: data[0], token: tok}, true
	case actRate:
		t, r, ok := strings.Cut(data[1:], ".")
		if !ok {
			return action{}, false
		}
		tok, ok := parseToken(t)
		if !ok || len(r) != 1 || r[0] < '1' || r[0] > '4' {
			return action{}, false
		}
		return action{kind: actRate, token: tok, rating: Rating(r[0] - '0')}, true
	case actZone, actPush:
		if len(data) < 3 || data[1] != ':' {
			return action{}, false
		}
		return action{kind: data[0], arg: data[2:]}, true
	case actCommand:
		return action{kind: actCommand, arg: data}, true
	case actItem:
		return action{kind: actItem, arg: data}, true
	}
	return action{}, false
}
