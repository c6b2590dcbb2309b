package prep

import (
	"fmt"
	"math"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"
)

// newScheduler returns an FSRS-6 scheduler for a desired retention, with the
// library's default weights and learning steps (1m, 10m; relearning 10m) and
// Anki's fuzz on intervals of 2.5 days and more. It is cheap: the library
// copies its parameters per review, so a fresh value per call is also safe
// across goroutines.
func newScheduler(retention float64) *fsrs.FSRS {
	p := fsrs.DefaultParam()
	p.RequestRetention = retention
	p.EnableFuzz = true
	p.EnableShortTerm = true
	return fsrs.NewFSRS(p)
}

// outcomes schedules each of the four ratings of card at the instant at,
// for a desired retention: the button labels and the rating that follows
// come from the same call, so what a button says is what it does. As in
// Anki, Easy is always later than Good: a learning card that Good would
// graduate may land on the same day with Easy (both "1d" after a lapse),
// and Easy then moves a day past it; the library orders the review
// state's intervals, not the learning ones.
func outcomes(retention float64, card fsrs.Card, at time.Time) (fsrs.RecordLog, error) {
	log, err := newScheduler(retention).Repeat(card, at)
	if err != nil {
		return nil, err
	}
	good, easy := log[fsrs.Good], log[fsrs.Easy]
	if good.Card.State == fsrs.Review && easy.Card.State == fsrs.Review && easy.Card.ScheduledDays <= good.Card.ScheduledDays {
		easy.Card.ScheduledDays = good.Card.ScheduledDays + 1
		easy.Card.Due = good.Card.Due.Add(24 * time.Hour)
		log[fsrs.Easy] = easy
	}
	return log, nil
}

// reviewTime is the instant a rating is scheduled at: when the answer was
// revealed (the moment of recall), never before the card's last review, so
// that FSRS accepts it even after a clock step backwards.
func reviewTime(revealed time.Time, st fsrs.Card) time.Time {
	if st.LastReview.After(revealed) {
		return st.LastReview
	}
	return revealed
}

// FormatInterval renders a scheduling interval the way Anki labels its
// buttons: "1m", "10m", "3h", "4d", "1.5mo", "2.1y".
func FormatInterval(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(math.Round(d.Minutes())))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh", int(math.Round(d.Hours())))
	}
	days := d.Hours() / 24
	switch {
	case days < 30:
		return fmt.Sprintf("%dd", int(math.Round(days)))
	case days < 365:
		return trimZero(fmt.Sprintf("%.1fmo", days/30))
	default:
		return trimZero(fmt.Sprintf("%.1fy", days/365))
	}
}

func trimZero(s string) string {
	if len(s) > 4 && s[len(s)-4:len(s)-2] == ".0" {
		return s[:len(s)-4] + s[len(s)-2:]
	}
	if len(s) > 3 && s[len(s)-3:len(s)-1] == ".0" {
		return s[:len(s)-3] + s[len(s)-1:]
	}
	return s
}

// RatingName is the button label of a rating.
func RatingName(r Rating) string {
	switch r {
	case Again:
		return "Again"
	case Hard:
		return "Hard"
	case Good:
		return "Good"
	case Easy:
		return "Easy"
	}
	return "?"
}

// StateName is how exports and statistics name an FSRS state.
func StateName(s fsrs.State) string {
	switch s {
	case fsrs.New:
		return "new"
	case fsrs.Learning:
		return "learning"
	case fsrs.Review:
		return "review"
	case fsrs.Relearning:
		return "relearning"
	}
	return "unknown"
}
